# SPDX-License-Identifier: LGPL-3.0-or-later
"""Checking SQL text that comes from a proposal, with sqlglot; never pasted into a script as is.

Every piece of SQL in a proposal (a data-step expression, a view's SELECT, an assertion, a raw
step) is parsed with sqlglot, checked against an allow-list and the model, and re-emitted from
the parsed tree with every identifier quoted. What runs is what was checked.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.scope import traverse_scope

from ..model import Schema

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # fallbacks are reported by us, as errors

# Nodes a data-step expression may contain: columns, literals, arithmetic, comparisons, logic,
# CASE/IF and a few plain functions.
EXPRESSION_NODES = (
    exp.Column, exp.Identifier, exp.Literal, exp.Null, exp.Boolean, exp.Paren, exp.Neg,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.Is, exp.In,
    exp.Between, exp.Like, exp.And, exp.Or, exp.Not,
    exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.Concat, exp.ConcatWs,
    exp.Round, exp.Floor, exp.Ceil, exp.Abs, exp.Pow, exp.Sqrt, exp.Least, exp.Greatest,
    exp.Lower, exp.Upper, exp.Trim, exp.Substring, exp.Length, exp.Cast, exp.DataType,
    exp.CurrentTimestamp, exp.Tuple,
)
# Functions that exist only to wait, read files or leak server state.
FORBIDDEN_FUNCTIONS = frozenset(
    "SLEEP BENCHMARK LOAD_FILE GET_LOCK RELEASE_LOCK MASTER_POS_WAIT SYS_EXEC SYS_EVAL "
    "USER CURRENT_USER SESSION_USER SYSTEM_USER VERSION CONNECTION_ID LAST_INSERT_ID".split()
)
# Top-level statements a raw step may hold, with the object kinds allowed for CREATE/DROP.
RAW_STATEMENTS = (exp.Alter, exp.Create, exp.Drop, exp.Insert, exp.Update, exp.Delete)
RAW_OBJECT_KINDS = frozenset({"TABLE", "INDEX", "VIEW"})
DEFAULT_FUNCTIONS = (exp.CurrentTimestamp,)


@dataclass(frozen=True)
class SqlProblem(Exception):
    """A problem in a piece of SQL text; ``line``/``col`` are 1-based within that text."""

    code: str
    message: str
    line: int = 0
    col: int = 0


@lru_cache(maxsize=1)
def dialect():
    """The project's MariaDB dialect of sqlglot (imported when first needed)."""
    from ..importer.dialect import MariaDB

    return MariaDB


def emit(node: exp.Expression) -> str:
    return node.sql(dialect=dialect(), identify=True, comments=False)


def _position(node: exp.Expression) -> tuple[int, int]:
    for candidate in (node, *node.walk()):
        meta = candidate.meta if hasattr(candidate, "meta") else {}
        if isinstance(meta, dict) and meta.get("line"):
            return meta["line"], meta.get("col", 0)
    return 0, 0


def problem_at(node: exp.Expression, code: str, message: str) -> SqlProblem:
    return SqlProblem(code, message, *_position(node))


def _reject_comments(text: str) -> None:
    """Refuse every comment. MySQL's tokenizer is used on purpose: to it ``/*! … */`` is a
    comment, which is exactly what must not reach the server."""
    try:
        tokens = sqlglot.tokenize(text, read="mysql")
    except TokenError as err:
        raise SqlProblem("E017", f"cannot read this SQL: {err}") from None
    for token in tokens:
        if token.comments:
            raise SqlProblem("E604", "comments are not allowed inside SQL (MariaDB executes "
                                     "/*! … */ comments); put notes in the step's 'note'",
                             token.line, token.col)


def _parse(text: str, read) -> list[exp.Expression]:
    try:
        return [s for s in sqlglot.parse(text, read=read) if s is not None]
    except (ParseError, TokenError) as err:
        errors = getattr(err, "errors", None) or [{}]
        first = errors[0]
        description = re.sub(r"<class '[\w.]+\.(\w+)'>", r"\1",
                             str(first.get("description") or err))
        raise SqlProblem("E017", f"SQL syntax: {description}", first.get("line") or 0,
                         first.get("col") or 0) from None


def parse_statements(text: str) -> list[exp.Expression]:
    """Parse ``;``-separated statements; SQL sqlglot cannot fully parse is rejected."""
    _reject_comments(text)
    try:
        statements = _parse(text, dialect())
    except SqlProblem as problem:
        try:  # tell "not checkable" (MySQL would fall back to an opaque Command) from a typo
            fallback = _parse(text, "mysql")
        except SqlProblem:
            raise problem from None
        if not any(isinstance(s, exp.Command) for s in fallback):
            raise
        statements = fallback
    for statement in statements:
        if isinstance(statement, exp.Command):
            word = statement.this if isinstance(statement.this, str) else "this"
            raise SqlProblem("E605", f"{word.upper()} statements cannot be checked by the parser "
                                     "and are not allowed")
    if not statements:
        raise SqlProblem("E017", "no SQL statement found")
    return statements


def parse_expression(text: str) -> exp.Expression:
    """Parse one scalar expression (no statement, no ';')."""
    _reject_comments(text)
    try:
        return sqlglot.parse_one(text, read=dialect(), into=exp.Condition)
    except (ParseError, TokenError):
        pass
    statements = parse_statements(text)  # raises with the parser's own position if it can
    if len(statements) > 1 or not isinstance(statements[0], exp.Condition):
        raise problem_at(statements[-1], "E603", "expected one expression; statements and ';' "
                                                 "are not allowed here")
    raise SqlProblem("E017", "expected one expression, e.g. 12398.42 / wavelength")


def parse_select(text: str) -> exp.Expression:
    """Parse exactly one SELECT (UNION allowed)."""
    statements = parse_statements(text)
    if len(statements) != 1:
        raise SqlProblem("E603", f"expected one SELECT statement, found {len(statements)} "
                                 "statements")
    if not isinstance(statements[0], (exp.Select, exp.SetOperation)):
        raise problem_at(statements[0], "E601", f"expected a SELECT, found "
                                                f"{statement_word(statements[0])}")
    return statements[0]


def statement_word(node: exp.Expression) -> str:
    kind = node.args.get("kind")
    word = node.key.upper()
    return f"{word} {kind}" if isinstance(kind, str) else word


# -- expressions of data steps ---------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """The tables an expression may read: qualifier (lower case) -> table name."""

    model: Schema
    tables: dict
    default: str | None = None

    def resolve(self, column: exp.Column) -> tuple[str | None, SqlProblem | None]:
        if column.args.get("db") or column.args.get("catalog"):
            return None, problem_at(column, "E602", f"{column.sql()}: other databases cannot "
                                                    "be referenced")
        qualifier = column.table
        if qualifier:
            table = self.tables.get(qualifier.lower())
            if table is None:
                allowed = ", ".join(sorted(set(self.tables.values())))
                return None, problem_at(column, "E101", f"{column.sql()}: table {qualifier!r} "
                                                        f"is not part of this step; expected "
                                                        f"one of {allowed}")
        elif self.default:
            table = self.default
        else:
            return None, problem_at(column, "E102", f"column {column.name!r} needs a table "
                                                    "qualifier here")
        model_table = self.model.table(table)
        if model_table is not None and model_table.column(column.name) is None:
            return table, problem_at(column, "E102", f"unknown column {column.name!r} in "
                                                     f"table {table!r}")
        return table, None


def check_expression(node: exp.Expression, scope: Scope) -> list[SqlProblem]:
    """Problems of a data-step expression against the allow-list and the model; a node that
    is not allowed is reported once, without what it contains."""
    if isinstance(node, exp.Column):
        problem = scope.resolve(node)[1]
        return [problem] if problem else []
    if not isinstance(node, EXPRESSION_NODES) or isinstance(node, exp.In) and \
            node.args.get("query"):
        what = "a subquery" if isinstance(node, exp.In) else _describe(node)
        return [problem_at(node, "E603", f"{what} is not allowed in a data-step expression; "
                                         "allowed: column references, literals, arithmetic, "
                                         "comparisons, CASE, COALESCE/IFNULL, CONCAT and "
                                         "simple functions")]
    return [p for child in node.iter_expressions() for p in check_expression(child, scope)]


# What a CHECK constraint may call beyond a data-step expression (MariaDB itself accepts only
# deterministic functions there): the JSON and length tests ISPyB's constraints use.
CHECK_FUNCTIONS = frozenset({"JSON_VALID", "JSON_TYPE", "JSON_LENGTH",
                             "OCTET_LENGTH", "CHAR_LENGTH", "CHARACTER_LENGTH"})


def _check_function(node: exp.Expression) -> bool:
    if isinstance(node, exp.Anonymous):
        return node.name.upper() in CHECK_FUNCTIONS
    return isinstance(node, exp.Func) and node.sql_name() in CHECK_FUNCTIONS


def check_condition(node: exp.Expression, scope: Scope) -> list[SqlProblem]:
    """Problems of a CHECK constraint's condition: a data-step expression that may also call
    :data:`CHECK_FUNCTIONS`."""
    allowed = isinstance(node, EXPRESSION_NODES) and not isinstance(node, exp.Column) and not (
        isinstance(node, exp.In) and node.args.get("query"))
    if _check_function(node) or allowed:
        return [p for child in node.iter_expressions() for p in check_condition(child, scope)]
    return check_expression(node, scope)


def _describe(node: exp.Expression) -> str:
    if isinstance(node, (exp.Subquery, exp.Select)):
        return "a subquery"
    if isinstance(node, (exp.Parameter, exp.SessionParameter, exp.Placeholder)):
        return f"the variable {node.sql()!r}"
    if isinstance(node, exp.Anonymous):
        return f"the function {node.name.upper()}()"
    if isinstance(node, exp.Func):
        return f"the function {node.sql_name()}()"
    return f"{node.key.upper()} ({node.sql()!r})"


def qualify(node: exp.Expression, scope: Scope) -> exp.Expression:
    """A copy with every column qualified by its table (the scope's default when unqualified)."""
    def fix(child):
        if isinstance(child, exp.Column):
            table = scope.tables.get(child.table.lower()) if child.table else scope.default
            return exp.column(child.name, table)
        return child
    return node.copy().transform(fix)


# -- whole SELECT statements (views, assertions) and raw statements --------------------------
def check_query(node: exp.Expression, model: Schema) -> list[SqlProblem]:
    """Problems of a SELECT or a raw statement: other databases, variables, unsafe functions,
    unknown tables and columns."""
    problems: list[SqlProblem] = []
    for child in node.walk():
        if isinstance(child, exp.Table) and (child.args.get("db") or child.args.get("catalog")):
            problems.append(problem_at(child, "E602", f"{child.sql()}: other databases cannot "
                                                      "be referenced"))
        elif isinstance(child, exp.Column) and (child.args.get("db") or child.args.get("catalog")):
            problems.append(problem_at(child, "E602", f"{child.sql()}: other databases cannot "
                                                      "be referenced"))
        elif isinstance(child, (exp.Parameter, exp.SessionParameter, exp.Placeholder)):
            problems.append(problem_at(child, "E603", f"{_describe(child)} is not allowed"))
        elif isinstance(child, exp.Anonymous) and child.name.upper() in FORBIDDEN_FUNCTIONS:
            problems.append(problem_at(child, "E603", f"{_describe(child)} is not allowed"))
        elif isinstance(child, (exp.Lock, exp.Into)):
            problems.append(problem_at(child, "E603", f"{child.sql()!r} is not allowed"))
    if problems:
        return problems
    return _unknown_names(node, model)


def _unknown_names(node: exp.Expression, model: Schema) -> list[SqlProblem]:
    problems: list[SqlProblem] = []
    ctes = {cte.alias_or_name.lower() for cte in node.find_all(exp.CTE)}
    aliases = _delete_aliases(node) | _index_names(node)
    tables = [t for t in node.find_all(exp.Table)
              if t.name.lower() not in ctes and id(t) not in aliases]
    for table in tables:
        if model.table(table.name) is None and model.view(table.name) is None:
            problems.append(problem_at(table, "E101", f"unknown table {table.name!r}"))
    if problems or not isinstance(node, (exp.Select, exp.SetOperation)):
        return problems
    aliases: dict[str, str] = {}
    for scope in traverse_scope(node):
        for alias, source in scope.sources.items():
            if isinstance(source, exp.Table):
                aliases[alias.lower()] = source.name
    known = [model.table(t.name) for t in tables]
    outputs = {a.alias.lower() for a in node.find_all(exp.Alias)}
    for column in node.find_all(exp.Column):
        qualifier = column.table.lower()
        if qualifier:
            table = model.table(aliases.get(qualifier, ""))
            if table is not None and table.column(column.name) is None:
                problems.append(problem_at(column, "E102", f"unknown column {column.name!r} "
                                                           f"in table {table.name!r}"))
        elif column.name.lower() not in outputs and known and all(
                t is not None and t.column(column.name) is None for t in known):
            problems.append(problem_at(column, "E102", f"unknown column {column.name!r}"))
    return problems


def statement_problems(node: exp.Expression) -> list[SqlProblem]:
    """Whether a raw step may hold this statement at all."""
    if not isinstance(node, RAW_STATEMENTS):
        return [problem_at(node, "E601", f"{statement_word(node)} statements are not allowed "
                                         "in a raw step; allowed: ALTER/CREATE/DROP TABLE, "
                                         "INDEX or VIEW, INSERT, UPDATE, DELETE")]
    kind = node.args.get("kind")
    if isinstance(node, (exp.Create, exp.Drop, exp.Alter)) and str(kind).upper() not in \
            RAW_OBJECT_KINDS:
        return [problem_at(node, "E601", f"{statement_word(node)} is not allowed in a raw "
                                         "step; only tables, indexes and views")]
    return []


def _index_names(node: exp.Expression) -> dict[int, str]:
    """``DROP INDEX i ON t``: sqlglot holds the index name ``i`` as a table; node id -> it."""
    if isinstance(node, exp.Drop) and str(node.args.get("kind")).upper() == "INDEX":
        return {id(t): t.name for t in node.args.get("tables") or []}
    return {}


def referenced_tables(node: exp.Expression) -> set[str]:
    ctes = {cte.alias_or_name.lower() for cte in node.find_all(exp.CTE)}
    aliases = _delete_aliases(node) | _index_names(node)
    return {t.name for t in node.find_all(exp.Table)
            if t.name.lower() not in ctes and id(t) not in aliases}


def _delete_aliases(node: exp.Expression) -> dict[int, str]:
    """A multi-table DELETE's targets that name an alias (``DELETE t FROM A AS t JOIN …``):
    node id -> the table the alias stands for."""
    if not isinstance(node, exp.Delete):
        return {}
    sources = {t.alias.lower(): t.name for t in node.this.find_all(exp.Table) if t.alias} \
        if node.this else {}
    return {id(t): sources[t.name.lower()] for t in node.args.get("tables") or []
            if isinstance(t, exp.Table) and t.name.lower() in sources}


def written_tables(node: exp.Expression) -> set[str]:
    """The tables a statement changes, not those it only reads: an INSERT's target, the
    tables an UPDATE assigns to, a DELETE's targets; every table a DDL statement names."""
    if isinstance(node, exp.Insert):
        target = node.this.this if isinstance(node.this, exp.Schema) else node.this
        return {target.name} if isinstance(target, exp.Table) else referenced_tables(node)
    if isinstance(node, exp.Update):
        return _update_targets(node)
    if isinstance(node, exp.Delete):
        aliases = _delete_aliases(node)
        targets = node.args.get("tables") or [node.this]
        return {aliases.get(id(t), t.name) for t in targets if isinstance(t, exp.Table)}
    return referenced_tables(node)


def _update_targets(node: exp.Update) -> set[str]:
    """Tables whose columns an UPDATE's SET assigns (all joined tables where unqualified)."""
    first = node.this
    joined = [first] + [j.this for j in first.args.get("joins") or []]
    tables = [t for t in joined if isinstance(t, exp.Table)]
    by_alias = {t.alias_or_name: t.name for t in tables}
    out: set[str] = set()
    for assignment in node.expressions:
        column = assignment.this
        qualifier = column.table if isinstance(column, exp.Column) else ""
        if qualifier and qualifier in by_alias:
            out.add(by_alias[qualifier])
        else:
            out |= {t.name for t in tables}
    return out


@lru_cache(maxsize=1024)
def view_references(definition: str) -> frozenset[tuple[str, str | None]]:
    """(table, column) pairs a view definition reads; (table, None) for each table. Cached:
    every check of a step asks about every view of the model."""
    try:
        node = parse_select(definition)
    except SqlProblem:
        return frozenset()
    out: set[tuple[str, str | None]] = {(t, None) for t in referenced_tables(node)}
    aliases: dict[str, str] = {}
    for scope in traverse_scope(node):
        for alias, source in scope.sources.items():
            if isinstance(source, exp.Table):
                aliases[alias.lower()] = source.name
    single = next(iter(aliases.values())) if len(set(aliases.values())) == 1 else None
    for column in node.find_all(exp.Column):
        table = aliases.get(column.table.lower()) if column.table else single
        for name in ([table] if table else sorted({t for t, _ in out})):
            out.add((name, column.name))
    return frozenset(out)


# -- raw statements against their declared effect and the model at their step --------------
DML_STATEMENTS = (exp.Insert, exp.Update, exp.Delete)


def ddl_targets(node: exp.Expression) -> list[tuple[str, str | None]]:
    """What a DDL statement changes: (table or view, None) and (table, column) for each column
    an ALTER names; empty for DML."""
    if isinstance(node, DML_STATEMENTS):
        return []
    if isinstance(node, exp.Alter):
        table = node.this.name
        out: list[tuple[str, str | None]] = [(table, None)]
        for action in node.args.get("actions") or []:
            if isinstance(action, exp.AlterRename):
                out.append((action.this.name, None))
            elif isinstance(action, exp.ColumnDef):
                out.append((table, action.name))
            elif isinstance(action, exp.ModifyColumn):
                out.append((table, action.this.name))
                if action.args.get("rename_from"):
                    out.append((table, action.args["rename_from"].name))
            elif isinstance(action, exp.RenameColumn):
                out += [(table, action.this.name), (table, action.args["to"].name)]
            elif isinstance(action, exp.Drop) and str(action.args.get("kind")).upper() == "COLUMN":
                out += [(table, c.name) for c in action.args.get("tables") or []]
        return out
    if isinstance(node, exp.Create) and isinstance(node.this, exp.Index):
        return [(node.this.args["table"].name, None)]
    if isinstance(node, exp.Drop) and isinstance(node.args.get("cluster"), exp.OnProperty):
        return [(node.args["cluster"].this.name, None)]  # DROP INDEX i ON t
    if isinstance(node, exp.Drop):
        return [(t.name, None) for t in node.args.get("tables") or []
                if isinstance(t, exp.Table)]
    target = node.this.this if isinstance(node.this, exp.Schema) else node.this
    return [(target.name, None)] if isinstance(target, exp.Table) else []


def dml_column_problems(node: exp.Expression, model: Schema) -> list[SqlProblem]:
    """Columns an INSERT, UPDATE or DELETE names that its tables do not have: the INSERT's
    column list, SET targets, and every column reference (joins, WHERE, the SELECT of an
    INSERT … SELECT), resolved through the statement's own aliases."""
    if not isinstance(node, DML_STATEMENTS):
        return []
    ctes = {cte.alias_or_name.lower() for cte in node.find_all(exp.CTE)}
    tables = [t for t in node.find_all(exp.Table) if t.name.lower() not in ctes]
    by_alias = {t.alias.lower(): t.name for t in tables if t.alias}
    by_alias.update({t.name.lower(): t.name for t in tables})
    derived = {s.alias.lower() for s in node.find_all(exp.Subquery) if s.alias}
    problems: list[SqlProblem] = []
    if isinstance(node, exp.Insert) and isinstance(node.this, exp.Schema):
        target = model.table(node.this.this.name)
        for name in node.this.expressions:
            if target is not None and target.column(name.name) is None:
                problems.append(problem_at(name, "E102", f"INSERT INTO {target.name} names "
                                                         f"unknown column {name.name!r}"))
    known = [model.table(t.name) for t in tables]
    outputs = {a.alias.lower() for a in node.find_all(exp.Alias)}
    for column in node.find_all(exp.Column):
        qualifier = column.table.lower()
        if qualifier:
            if qualifier in derived:
                continue
            table = model.table(by_alias.get(qualifier, ""))
            if table is not None and table.column(column.name) is None:
                problems.append(problem_at(column, "E102", f"unknown column {column.name!r} "
                                                           f"in table {table.name!r}"))
        elif column.name.lower() not in outputs and known and not derived and all(
                t is not None and t.column(column.name) is None for t in known):
            names = list(dict.fromkeys(t.name for t in known))
            where = f"in table {names[0]!r}" if len(names) == 1 else \
                f"in any of {', '.join(names)}"
            problems.append(problem_at(column, "E102", f"unknown column {column.name!r} "
                                                       f"{where}"))
    return problems
