# SPDX-License-Identifier: LGPL-3.0-or-later
"""Read a ``mariadb-dump --no-data`` (or ``mysqldump``) file into the schema model.

The file is tokenized and parsed once with sqlglot (:mod:`.dialect`); the syntax trees are then
mapped to the model in the canonical forms of ``information_schema`` (see
:mod:`ispyb_schema.model.schema`). The mapping is exhaustive on purpose: a statement, column
attribute, key option or table option it does not map explicitly is an error naming the table and
line, never a silent drop. Session statements (SET, LOCK/UNLOCK TABLES) are skipped, DROP
TABLE/VIEW is applied, data statements are refused.

What the server would fill in is filled in the same way: default display widths (``int`` is
``int(11)``), a collation from a character set, names of unnamed keys, foreign keys and checks,
the index a foreign key needs, ENGINE=InnoDB when none is given. A table without a character set
is refused rather than guessed (it would come from the database's default).

Deliberately not kept: the ``AUTO_INCREMENT=n`` counter and a view's DEFINER (facts about one
server, not the schema) and ``USING BTREE`` (the only index type InnoDB has).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from ..errors import Diagnostic, InputError, SourceLoc
from ..model import (
    Check,
    Column,
    ColumnType,
    ForeignKey,
    Generated,
    Index,
    IndexPart,
    Schema,
    Table,
    TypeSyntaxError,
    View,
)
from ..model.types import INTEGER_TYPES
from .dialect import (
    CompressedColumnConstraint,
    ExecutableCommentError,
    MariaDB,
    UnsignedFloat,
    VersionedComment,
)

E_SYNTAX, E_UNSUPPORTED, E_INVALID = "E020", "E021", "E022"

_D = exp.DType
_TYPES: dict[exp.DType, tuple[str, bool]] = {  # sqlglot type -> (MariaDB type, unsigned)
    **{getattr(_D, n.upper()): (n, False) for n in (
        "tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double", "bit",
        "date", "datetime", "time", "year", "char", "varchar", "binary", "varbinary", "tinytext",
        "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob", "enum",
        "set", "json", "uuid", "geometry")},
    **{getattr(_D, "U" + n.upper()): (n, True) for n in (
        "tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "double")},
    _D.TIMESTAMPTZ: ("timestamp", False),  # sqlglot's MySQL reads TIMESTAMP as TIMESTAMPTZ
    _D.BOOLEAN: ("tinyint", False),
}
_INT_WIDTHS = {"tinyint": (4, 3), "smallint": (6, 5), "mediumint": (9, 8), "int": (11, 10),
               "bigint": (20, 20)}  # display width MariaDB gives when none is written
_MAX_ARGS = {**dict.fromkeys(INTEGER_TYPES | {"bit", "char", "varchar", "binary", "varbinary",
                                               "datetime", "timestamp", "time", "year"}, 1),
             "decimal": 2, "float": 2, "double": 2}
_NUMERIC = INTEGER_TYPES | {"decimal", "float", "double"}
_NOW = {"NOW", "LOCALTIME", "LOCALTIMESTAMP", "CURRENT_TIMESTAMP"}

# MariaDB 10.11's default collation of each character set; most are <charset>_general_ci.
_DEFAULT_COLLATION = {
    **{cs: f"{cs}_general_ci" for cs in (
        "armscii8", "ascii", "cp1250", "cp1251", "cp1256", "cp1257", "cp850", "cp852", "cp866",
        "geostd8", "greek", "hebrew", "keybcs2", "koi8r", "koi8u", "latin2", "latin7", "macce",
        "macroman", "ucs2", "utf16", "utf16le", "utf32", "utf8mb3", "utf8mb4")},
    "big5": "big5_chinese_ci", "binary": "binary", "cp932": "cp932_japanese_ci",
    "dec8": "dec8_swedish_ci", "eucjpms": "eucjpms_japanese_ci", "euckr": "euckr_korean_ci",
    "gb2312": "gb2312_chinese_ci", "gbk": "gbk_chinese_ci", "hp8": "hp8_english_ci",
    "latin1": "latin1_swedish_ci", "latin5": "latin5_turkish_ci", "sjis": "sjis_japanese_ci",
    "swe7": "swe7_swedish_ci", "tis620": "tis620_thai_ci", "ujis": "ujis_japanese_ci",
}
_ENGINES = {e.lower(): e for e in ("InnoDB", "MyISAM", "Aria", "MEMORY", "CSV", "ARCHIVE",
                                   "BLACKHOLE", "MRG_MyISAM", "SEQUENCE")}
# sql_mode flags that change how a dump reads (quoting, escapes, REAL): refused, not guessed.
_SQL_MODES_REFUSED = {"ANSI", "ANSI_QUOTES", "NO_BACKSLASH_ESCAPES", "REAL_AS_FLOAT", "ORACLE",
                      "MSSQL", "DB2", "POSTGRESQL", "MAXDB"}
_DATA_STATEMENTS = {TokenType.INSERT, TokenType.REPLACE, TokenType.UPDATE, TokenType.DELETE}
_SQL_ESCAPES = str.maketrans({"\\": "\\\\", "'": "''", "\n": "\\n", "\r": "\\r", "\0": "\\0"})
_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")
_SPACE_RE = re.compile(r"\s*")


def import_dump(source: str | Path, *, text: str | None = None) -> Schema:
    """The schema a dump creates. ``source`` names the file (read unless ``text`` is given)."""
    path = str(source)
    if text is None:
        text = _read(path)
    return _Importer(path, text).run()


def _read(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputError.single(SourceLoc(path), f"cannot read the dump: {err.strerror}",
                                E_SYNTAX) from err
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError.single(SourceLoc(path, line), f"found a byte that is not UTF-8 "
                                f"({err.reason}); expected a UTF-8 dump", E_SYNTAX) from err


def sql_string(value: str) -> str:
    """Quote a string the way MariaDB prints defaults (``append_unescaped``)."""
    return "'" + value.translate(_SQL_ESCAPES) + "'"


class _Reject(Exception):
    """One clause that cannot be mapped: ``node`` locates it."""

    def __init__(self, node: Any, message: str, code: str = E_UNSUPPORTED) -> None:
        super().__init__(message)
        self.node, self.message, self.code = node, message, code


class _Importer:
    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        self.problems: list[Diagnostic] = []
        self.tables: dict[str, Table] = {}
        self.views: dict[str, View] = {}
        self.dialect = MariaDB()
        self.parser = self.dialect.parser()
        self.comments: list[VersionedComment] = []
        self.comment_starts: list[int] = []
        self._line_starts: list[int] | None = None

    # -- reporting -----------------------------------------------------------------------
    def loc(self, offset: int) -> SourceLoc:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect_right(self._line_starts, offset)
        return SourceLoc(self.path, line, offset - self._line_starts[line - 1] + 1)

    def fail(self, offset: int, message: str, code: str = E_UNSUPPORTED) -> None:
        self.problems.append(Diagnostic(self.loc(offset), message, code))

    def describe(self, tokens: list[Token]) -> str:
        """The statement's first words, as written, e.g. "CREATE TABLE `Foo`"."""
        head = self.text[tokens[0].start:tokens[min(2, len(tokens) - 1)].end + 1]
        return " ".join(head.split())

    # -- statements ----------------------------------------------------------------------
    def run(self) -> Schema:
        tokenizer = self.dialect.tokenizer()
        tokens = self._tokenize(tokenizer)
        self.comments = tokenizer.versioned_comments
        self.comment_starts = [c.start for c in self.comments]
        for statement in _statements(tokens):
            self._statement(statement)
        if self.problems:
            raise InputError(self.problems)
        return Schema(tuple(self.tables.values()), tuple(self.views.values()))

    def _tokenize(self, tokenizer) -> list[Token]:
        try:
            tokens = tokenizer.tokenize(self.text)
        except ExecutableCommentError as err:
            raise InputError([Diagnostic(self.loc(err.start), str(err), E_SYNTAX)]) from err
        except TokenError as err:
            done = tokenizer.tokens[-1].end + 1 if tokenizer.tokens else 0
            offset = _SPACE_RE.match(self.text, done).end()
            raise InputError([Diagnostic(self.loc(offset), "unterminated quoted string, "
                                         "identifier or comment starting here", E_SYNTAX)]) from err
        return tokens

    def _statement(self, tokens: list[Token]) -> None:
        if _is_session_statement(tokens):
            return  # nothing of the schema in it: not even parsed
        if tokens[0].token_type in _DATA_STATEMENTS:
            self.fail(tokens[0].start, f"{self.describe(tokens)}: data statements are not part "
                      "of a schema; expected a dump made with --no-data")
            return
        if _is_create_table(tokens) and self._stray_executable_comments(tokens):
            return
        try:
            tree = self.parser.parse(tokens, self.text)[0]
        except ParseError as err:
            self._parse_error(tokens, err)
            return
        if isinstance(tree, exp.Create):
            self._create(tree, tokens)
        elif isinstance(tree, exp.Drop):
            self._drop(tree, tokens)
        elif isinstance(tree, exp.Set):
            self._set(tree, tokens)
        else:
            self._unsupported(tokens)

    def _unsupported(self, tokens: list[Token]) -> None:
        self.fail(tokens[0].start, f"unsupported statement {self.describe(tokens)!r}; expected "
                  "CREATE TABLE, CREATE VIEW, DROP TABLE/VIEW, SET or LOCK/UNLOCK TABLES")

    def _parse_error(self, tokens: list[Token], err: ParseError) -> None:
        info = err.errors[0] if err.errors else {}
        found = info.get("highlight") or ""
        loc = self.loc(tokens[0].start)
        message = f"{self.describe(tokens)} (statement at line {loc.line}): " + (
            info.get("description") or str(err).splitlines()[0])
        if info.get("line") and info.get("col"):
            # sqlglot gives the position where the offending token ends
            col = info["col"] - len(found) + 1 if "\n" not in found else info["col"]
            loc = SourceLoc(self.path, info["line"], max(1, col))
            message += f", found {found!r}"
        self.problems.append(Diagnostic(loc, message, E_SYNTAX))

    def _stray_executable_comments(self, tokens: list[Token]) -> bool:
        """Report executable comments inside a CREATE TABLE other than COMPRESSED."""
        inside = self.comments[bisect_right(self.comment_starts, tokens[0].start):
                               bisect_right(self.comment_starts, tokens[-1].end)]
        stray = [c for c in inside if c.executed and not _is_compressed(c)]
        for comment in stray:
            self.fail(comment.start, f"{self.describe(tokens)}: executable comment "
                      f"{self.text[comment.start:comment.end]!r}; expected only "
                      "/*M!100301 COMPRESSED*/ inside a CREATE TABLE")
        return bool(stray)

    def _set(self, tree: exp.Set, tokens: list[Token]) -> None:
        for item in tree.expressions:
            assignment = item.this
            if (isinstance(assignment, exp.EQ) and assignment.this.name.upper() == "SQL_MODE"
                    and isinstance(assignment.expression, exp.Literal)):
                modes = {m.strip().upper() for m in assignment.expression.name.split(",")}
                for mode in sorted(modes & _SQL_MODES_REFUSED):
                    self.fail(tokens[0].start, f"sql_mode {mode} changes how the dump reads; "
                              "expected a dump written with the default quoting and escapes")

    def _drop(self, tree: exp.Drop, tokens: list[Token]) -> None:
        created = {"TABLE": self.tables, "VIEW": self.views}.get(tree.args.get("kind"))
        if created is None:
            self._unsupported(tokens)
            return
        for table in tree.args.get("tables") or []:
            created.pop(table.name, None)

    def _create(self, tree: exp.Create, tokens: list[Token]) -> None:
        kind = tree.args.get("kind")
        if kind == "TABLE":
            table = _TableReader(self, tree, tokens[0].start).read()
            self._add(self.tables, self.views, table, tree, tokens)
        elif kind == "VIEW":
            self._add(self.views, self.tables, self._view(tree, tokens), tree, tokens)
        else:
            self._unsupported(tokens)

    def _add(self, created: dict, others: dict, item: Table | View | None, tree: exp.Create,
             tokens: list[Token]) -> None:
        """Record a table (view), as the server would: refuse a name already taken."""
        if item is None or (item.name in created and tree.args.get("exists")):
            return
        if item.name in others or (item.name in created and not tree.args.get("replace")):
            self.fail(tokens[0].start, f"{self.describe(tokens)}: `{item.name}` already exists "
                      "(no DROP in between)", E_INVALID)
        created[item.name] = item

    def _view(self, tree: exp.Create, tokens: list[Token]) -> View | None:
        try:
            _unexpected(tree, {"this", "kind", "expression", "properties", "replace", "exists"})
            if not isinstance(tree.this, exp.Table) or tree.this.args.get("db"):
                raise _Reject(tree.this, "expected a plain view name without column list")
            options = {"algorithm": "UNDEFINED", "security": "DEFINER"}
            for prop in _properties(tree):
                options.update(_view_option(prop))
            return View(tree.this.name, _source(tree.expression, "this view's query"), **options)
        except _Reject as err:
            self.fail(_offset(err.node, tokens[0].start),
                      f"{self.describe(tokens)}: {err.message}", err.code)
            return None


class _TableReader:
    """Maps one CREATE TABLE tree to a Table, reporting every clause it cannot map."""

    def __init__(self, importer: _Importer, tree: exp.Create, start: int) -> None:
        self.importer, self.tree, self.start = importer, tree, start
        self.name = tree.this.this.name if isinstance(tree.this, exp.Schema) else "?"
        self.failed = False
        self.collation: str | None = None
        self.columns: list[Column] = []
        self.column_names: dict[str, str] = {}  # lower case -> as declared
        self.indexes: list[Index] = []
        self.foreign_keys: list[tuple[exp.Expr, str | None, str | None]] = []
        self.checks: list[tuple[str | None, str]] = []

    def fail(self, err: _Reject) -> None:
        self.failed = True
        self.importer.fail(_offset(err.node, self.start),
                           f"CREATE TABLE `{self.name}`: {err.message}", err.code)

    def read(self) -> Table | None:
        if not isinstance(self.tree.this, exp.Schema) or self.tree.this.this.args.get("db"):
            self.fail(_Reject(self.tree.this, "expected a plain table name and a column list"))
            return None
        options = self._attempt(self._options) or {}
        self.collation = options.get("collation")
        for item in self.tree.this.expressions:
            self._attempt(self._item, item)
        foreign_keys = () if self.failed else self._attempt(self._foreign_keys)
        if self.failed:
            return None
        return Table(self.name, tuple(self.columns), tuple(self.indexes), foreign_keys,
                     self._checks(), **options)

    def _attempt(self, step, *args) -> Any:
        try:
            return step(*args)
        except _Reject as err:
            self.fail(err)
            return None

    # -- table options -------------------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        _unexpected(self.tree, {"this", "kind", "properties", "exists", "replace"})
        found: dict[str, Any] = {"comment": "", "row_format": None}
        for prop in _properties(self.tree):
            key, value = _table_option(prop)
            if key:
                found[key] = value
        charset, collation = found.pop("charset", None), found.pop("collation", None)
        if not (charset or collation):
            raise _Reject(self.tree.this.this, "no DEFAULT CHARSET; expected the table's "
                          "character set, as mariadb-dump writes it", E_INVALID)
        found["charset"], found["collation"] = _charset_and_collation(charset, collation,
                                                                      self.tree)
        found.setdefault("engine", "InnoDB")
        return found

    # -- columns, keys, constraints ------------------------------------------------------
    def _item(self, item: exp.Expr) -> None:
        if isinstance(item, exp.ColumnDef):
            self.columns.append(self._column(item))
        elif isinstance(item, (exp.PrimaryKey, exp.UniqueColumnConstraint,
                               exp.IndexColumnConstraint)):
            self._index(item, None)
        elif isinstance(item, (exp.ForeignKey, exp.CheckColumnConstraint)):
            self._constraint(item, None)
        elif isinstance(item, exp.Constraint) and len(item.expressions) == 1:
            self._constraint(item.expressions[0], item.name)
        else:
            raise _Reject(item, f"expected a column, key or constraint definition, found "
                          f"{item.sql(dialect=MariaDB)!r}")

    def _constraint(self, item: exp.Expr, name: str | None) -> None:
        if isinstance(item, exp.ForeignKey):
            self.foreign_keys.append((item, name, item.this.name if item.this else None))
        elif isinstance(item, exp.CheckColumnConstraint):
            _unexpected(item, {"this"})
            self.checks.append((name, _source(item.this, "this CHECK")))
        elif isinstance(item, (exp.PrimaryKey, exp.UniqueColumnConstraint)):
            self._index(item, name)
        else:
            raise _Reject(item, f"expected FOREIGN KEY, CHECK, PRIMARY KEY or UNIQUE after "
                          f"CONSTRAINT `{name}`")

    def _column(self, node: exp.ColumnDef) -> Column:
        _unexpected(node, {"this", "kind", "constraints"})
        if node.name.lower() in self.column_names:
            raise _Reject(node, f"duplicate column `{node.name}`", E_INVALID)
        self.column_names[node.name.lower()] = node.name  # even if the rest fails: keys name it
        attrs: dict[str, Any] = {}
        for constraint in node.args.get("constraints") or []:
            key, value = _column_attribute(constraint)
            if key in attrs:
                raise _Reject(node, f"column `{node.name}` sets {key} twice", E_INVALID)
            attrs[key] = value
        ctype = _column_type(node.args["kind"], attrs.pop("zerofill", False))
        default = attrs.pop("default", None)
        charset, collation = self._column_collation(attrs.pop("charset", None),
                                                    attrs.pop("collation", None), node)
        return Column(node.name, ctype, default=_default_text(default, ctype),
                      charset=charset, collation=collation, **attrs)

    def _column_collation(self, charset: str | None, collation: str | None,
                          node: exp.Expr) -> tuple[str | None, str | None]:
        if not (charset or collation):
            return None, None
        charset, collation = _charset_and_collation(charset, collation, node)
        return (None, None) if collation == self.collation else (charset, collation)

    def _index(self, node: exp.Expr, constraint_name: str | None) -> None:
        kind, name, parts, comment = _key(node)
        parts = tuple(self._part(p) for p in parts)
        if not parts:
            raise _Reject(node, "key without columns")
        if kind == "PRIMARY":
            name = "PRIMARY"
        name = name or constraint_name or self._free_index_name(parts[0].column)
        if any(i.name.lower() == name.lower() for i in self.indexes):
            raise _Reject(node, f"duplicate key name `{name}`", E_INVALID)
        self.indexes.append(Index(name, parts, kind, comment))

    def _part(self, node: exp.Expr) -> IndexPart:
        descending = isinstance(node, exp.Ordered) and bool(node.args.get("desc"))
        node = node.this if isinstance(node, exp.Ordered) else node
        length = None
        if isinstance(node, exp.ColumnPrefix):
            length, node = int(node.expression.name), node.this
        if not isinstance(node, (exp.Identifier, exp.Column)) or node.args.get("table"):
            raise _Reject(node, f"expected a column as key part, found "
                          f"{node.sql(dialect=MariaDB)!r}")
        return IndexPart(self._column_name(node.name, node), length, descending)

    def _column_name(self, name: str, node: exp.Expr) -> str:
        if name.lower() not in self.column_names:
            raise _Reject(node, f"names unknown column `{name}`", E_INVALID)
        return self.column_names[name.lower()]

    def _free_index_name(self, column: str) -> str:
        """MariaDB's name for an unnamed key: its first column, then column_2, column_3..."""
        taken = {i.name.lower() for i in self.indexes} | {"primary"}
        candidates = [column] + [f"{column}_{n}" for n in range(2, 100)]
        return next(c for c in candidates if c.lower() not in taken)

    def _foreign_keys(self) -> tuple[ForeignKey, ...]:
        out, needed = [], []  # needed: (name, parts) of the index each foreign key needs
        unnamed = (f"{self.name}_ibfk_{n}" for n in range(1, 10_000))  # InnoDB's names
        for node, constraint, index_name in self.foreign_keys:
            fk = _foreign_key(node, constraint or index_name or next(unnamed))
            fk = replace(fk, columns=tuple(self._column_name(c, node) for c in fk.columns))
            out.append(fk)
            needed.append((constraint or index_name, tuple(IndexPart(c) for c in fk.columns)))
        if len({f.name.lower() for f in out}) < len(out):
            raise _Reject(self.tree.this.this, "duplicate foreign key name", E_INVALID)
        for name, parts in _generated_keys(needed, [i.parts for i in self.indexes]):
            self.indexes.append(Index(name or self._free_index_name(parts[0].column), parts))
        return tuple(out)

    def _checks(self) -> tuple[Check, ...]:
        """Table CHECK constraints; unnamed ones get MariaDB's names CONSTRAINT_1, _2..."""
        taken = {name.lower() for name, _ in self.checks if name}
        numbers = (n for n in range(1, 10_000) if f"constraint_{n}" not in taken)
        return tuple(Check(name or f"CONSTRAINT_{next(numbers)}", text)
                     for name, text in self.checks)


# -- statement helpers ---------------------------------------------------------------------
def _statements(tokens: list[Token]) -> Iterator[list[Token]]:
    start = 0
    for i, token in enumerate(tokens):
        if token.token_type == TokenType.SEMICOLON:
            if i > start:
                yield tokens[start:i]
            start = i + 1
    if start < len(tokens):
        yield tokens[start:]


def _is_session_statement(tokens: list[Token]) -> bool:
    """LOCK/UNLOCK TABLES, or SET unless it sets sql_mode (which can change how a dump reads)."""
    first = tokens[0]
    if first.token_type == TokenType.COMMAND:
        return first.text in ("LOCK TABLES", "UNLOCK TABLES")
    return first.token_type == TokenType.SET and not any(
        t.text.upper() == "SQL_MODE" for t in tokens)


def _is_create_table(tokens: list[Token]) -> bool:
    head = [t.token_type for t in tokens[:4]]
    return head[0] == TokenType.CREATE and TokenType.TABLE in head


def _is_compressed(comment: VersionedComment) -> bool:
    return comment.mariadb_only and comment.content.upper() == "COMPRESSED"


def _offset(node: Any, default: int) -> int:
    """Where a node is in the source: its first identifier or literal with a position or,
    failing that, its nearest ancestor's (most attributes carry no position of their own)."""
    while isinstance(node, exp.Expr):
        for sub in node.walk():
            start = sub.meta_get("start")
            if start is not None:
                return start
        node = node.parent
    return default


def _unexpected(node: exp.Expr, allowed: set[str]) -> None:
    """Refuse any clause of ``node`` outside ``allowed``."""
    for key, value in node.args.items():
        if value and key not in allowed:
            raise _Reject(node, f"unsupported {key.replace('_', ' ')} clause in "
                          f"{node.sql(dialect=MariaDB)[:60]!r}")


def _source(node: Any, what: str) -> str:
    """An expression's text as written, which the dialect's parser keeps."""
    text = node.meta_get("sql") if isinstance(node, exp.Expr) else None
    if text is None:
        raise _Reject(node, f"cannot read {what}")
    return text


def _properties(tree: exp.Create) -> list[exp.Expr]:
    props = tree.args.get("properties")
    return props.expressions if props else []


def _name(node: Any) -> str:
    return node.name if isinstance(node, exp.Expr) else str(node)


def _table_option(prop: exp.Expr) -> tuple[str | None, Any]:
    if isinstance(prop, exp.EngineProperty):
        engine = _name(prop.this)
        return "engine", _ENGINES.get(engine.lower(), engine)
    if isinstance(prop, exp.CharacterSetProperty):
        return "charset", _name(prop.this)
    if isinstance(prop, exp.CollateProperty):
        return "collation", _name(prop.this)
    if isinstance(prop, exp.SchemaCommentProperty):
        return "comment", _name(prop.this)
    if isinstance(prop, exp.RowFormatProperty):
        return "row_format", _name(prop.this).upper()
    if isinstance(prop, exp.AutoIncrementProperty):
        return None, None  # the next id to hand out: data, not schema
    raise _Reject(prop, f"unknown table option {prop.sql(dialect=MariaDB)!r}; expected ENGINE, "
                  "[DEFAULT] CHARSET, COLLATE, COMMENT, ROW_FORMAT or AUTO_INCREMENT")


def _view_option(prop: exp.Expr) -> dict[str, str]:
    if isinstance(prop, exp.AlgorithmProperty):
        return {"algorithm": _name(prop.this).upper()}
    if isinstance(prop, exp.SqlSecurityProperty):
        return {"security": _name(prop.this).upper()}
    if isinstance(prop, exp.DefinerProperty):
        return {}  # an account on the dumping server, not part of the schema
    raise _Reject(prop, f"unknown view option {prop.sql(dialect=MariaDB)!r}; expected "
                  "ALGORITHM, DEFINER or SQL SECURITY")


def _charset_and_collation(charset: str | None, collation: str | None,
                           node: exp.Expr) -> tuple[str, str]:
    """Both names, MariaDB-canonical (``utf8`` is ``utf8mb3``), one derived from the other."""
    charset = _utf8mb3(charset.lower()) if charset else None
    collation = _utf8mb3(collation.lower()) if collation else None
    if collation is None:
        collation = _DEFAULT_COLLATION.get(charset)
        if collation is None:
            raise _Reject(node, f"unknown character set {charset!r}; give its COLLATE too")
    expected = collation.split("_", 1)[0]
    if charset and charset != expected:
        raise _Reject(node, f"collation {collation} does not belong to character set "
                      f"{charset}", E_INVALID)
    return expected, collation


def _utf8mb3(name: str) -> str:
    return "utf8mb3" + name[4:] if name == "utf8" or name.startswith("utf8_") else name


# -- columns -------------------------------------------------------------------------------
def _column_attribute(constraint: exp.Expr) -> tuple[str, Any]:
    """The Column field one column attribute sets, and its value."""
    kind = constraint.args.get("kind") if isinstance(constraint, exp.ColumnConstraint) else None
    if kind is None or constraint.args.get("this"):
        raise _Reject(constraint, f"unsupported column attribute "
                      f"{constraint.sql(dialect=MariaDB)!r}")
    _unexpected(kind, {"this", "allow_null", "persisted"})
    match kind:
        case exp.NotNullColumnConstraint():
            return "nullable", bool(kind.args.get("allow_null"))
        case exp.DefaultColumnConstraint():
            return "default", kind.this
        case exp.OnUpdateColumnConstraint() if _now_text(kind.this):
            return "on_update", _now_text(kind.this)
        case exp.AutoIncrementColumnConstraint():
            return "auto_increment", True
        case exp.CharacterSetColumnConstraint():
            return "charset", _name(kind.this)
        case exp.CollateColumnConstraint():
            return "collation", _name(kind.this)
        case exp.CommentColumnConstraint():
            return "comment", _name(kind.this)
        case exp.ComputedColumnConstraint():
            expression = _source(kind.this, "a generated column written `AS (...)`; expected "
                                 "GENERATED ALWAYS AS (...)")
            return "generated", Generated(expression, bool(kind.args.get("persisted")))
        case exp.CheckColumnConstraint():
            return "check", _source(kind.this, "this CHECK")
        case CompressedColumnConstraint():
            return "compressed", True
        case exp.ZeroFillColumnConstraint():
            return "zerofill", True
    raise _Reject(constraint, f"unsupported column attribute {kind.sql(dialect=MariaDB)!r}; "
                  "expected [NOT] NULL, DEFAULT, ON UPDATE current_timestamp(), AUTO_INCREMENT, "
                  "CHARACTER SET, COLLATE, COMMENT, GENERATED ALWAYS AS, CHECK, COMPRESSED or "
                  "ZEROFILL")


def _column_type(node: exp.Expr, zerofill: bool) -> ColumnType:
    if not isinstance(node, exp.DataType) or node.this not in _TYPES:
        what = node.sql(dialect=MariaDB) if isinstance(node, exp.Expr) else "no type"
        raise _Reject(node, f"unsupported column type {what!r}")
    _unexpected(node, {"this", "expressions", "nested"})
    base, unsigned = _TYPES[node.this]
    unsigned = unsigned or isinstance(node, UnsignedFloat) or zerofill  # ZEROFILL implies it
    try:
        if base in ("enum", "set"):
            return ColumnType(base, values=_enum_values(node), unsigned=unsigned)
        args = (1,) if node.this == _D.BOOLEAN else _type_args(node, base)
        if base == "float" and len(args) == 1:  # float(p): a float or a double by precision
            base, args = ("float" if args[0] <= 24 else "double"), ()
        return ColumnType(base, _canonical_args(base, args, unsigned), unsigned, zerofill)
    except TypeSyntaxError as err:
        raise _Reject(node, str(err)) from None


def _type_args(node: exp.DataType, base: str) -> tuple[int, ...]:
    args = []
    for param in node.expressions:
        value = param.this if isinstance(param, exp.DataTypeParam) else None
        if not (isinstance(value, exp.Literal) and value.is_int) or param.args.get("expression"):
            raise _Reject(node, f"expected whole-number type arguments in "
                          f"{node.sql(dialect=MariaDB)!r}")
        args.append(int(value.name))
    if len(args) > _MAX_ARGS.get(base, 0) or (base in ("varchar", "varbinary") and not args):
        raise _Reject(node, f"unexpected arguments for {base}: {node.sql(dialect=MariaDB)!r}")
    return tuple(args)


def _canonical_args(base: str, args: tuple[int, ...], unsigned: bool) -> tuple[int, ...]:
    """The arguments MariaDB reports when fewer are written (``int`` is ``int(11)``)."""
    if base in _INT_WIDTHS and not args:
        return (_INT_WIDTHS[base][unsigned],)
    if base == "decimal":
        return args + (10, 0)[len(args):]
    if base in ("bit", "char", "binary") and not args:
        return (1,)
    if base == "year" and not args:
        return (4,)
    if base in ("datetime", "timestamp", "time") and args == (0,):
        return ()
    return args


def _enum_values(node: exp.DataType) -> tuple[str, ...]:
    values = node.expressions
    if not all(isinstance(v, exp.Literal) and v.is_string for v in values):
        raise _Reject(node, "expected quoted strings as enum/set values")
    return tuple(v.name for v in values)


def _default_text(node: exp.Expr | None, ctype: ColumnType) -> str | None:
    """A DEFAULT as information_schema.COLUMNS.COLUMN_DEFAULT shows it."""
    if node is None:
        return None
    if isinstance(node, exp.Null):
        return "NULL"
    if isinstance(node, exp.Boolean):
        return "1" if node.this else "0"
    numeric = ctype.base in _NUMERIC
    number = _number_text(node)
    if number is not None:
        return _canonical_number(number, ctype) if numeric else sql_string(number)
    if isinstance(node, exp.Literal) and node.is_string:
        if numeric and _NUMBER_RE.fullmatch(node.name):
            return _canonical_number(node.name, ctype)
        return sql_string(node.name)
    return _now_text(node) or _current_user_text(node) or _source(node, "this DEFAULT")


def _number_text(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Neg):
        inner = _number_text(node.this)
        return "-" + inner if inner is not None else None
    if isinstance(node, exp.Literal) and not node.is_string:
        return node.name
    return None


def _canonical_number(text: str, ctype: ColumnType) -> str:
    """A number as MariaDB prints it for the column's type (``decimal(5,2)``: ``1.00``)."""
    value = Decimal(text)
    if ctype.is_integer and value == value.to_integral_value():
        return str(int(value))
    if ctype.base == "decimal":
        return str(value.quantize(Decimal(1).scaleb(-ctype.args[1])))
    if ctype.base in ("float", "double") and "e" not in text.lower():
        return format(value.normalize(), "f")
    return text


def _now_text(node: exp.Expr) -> str | None:
    """``current_timestamp([precision])`` for any spelling of "now"."""
    if isinstance(node, exp.CurrentTimestamp):
        precision = node.this
    elif isinstance(node, exp.Anonymous) and node.name.upper() in _NOW:
        precision = node.expressions[0] if node.expressions else None
    else:
        return None
    return f"current_timestamp({precision.name if precision else ''})"


def _current_user_text(node: exp.Expr) -> str | None:
    return "current_user()" if isinstance(node, exp.CurrentUser) else None


# -- keys ----------------------------------------------------------------------------------
def _key(node: exp.Expr) -> tuple[str, str | None, list[exp.Expr], str]:
    """(kind, name, key parts, comment) of a PRIMARY/UNIQUE/plain/FULLTEXT/SPATIAL key."""
    if isinstance(node, exp.PrimaryKey):
        _unexpected(node, {"this", "expressions", "include", "options"})
        include = node.args.get("include")
        if include:
            _unexpected(include, {"using"})
            _index_type(node, include.args.get("using"))
        return "PRIMARY", None, node.expressions, _key_comment(node)
    if isinstance(node, exp.UniqueColumnConstraint):
        _unexpected(node, {"this", "index_type", "options"})
        if not isinstance(node.this, exp.Schema):
            raise _Reject(node, "expected UNIQUE KEY with a column list")
        _index_type(node, node.args.get("index_type"))
        name = node.this.this.name if node.this.this else None
        return "UNIQUE", name, node.this.expressions, _key_comment(node)
    _unexpected(node, {"this", "expressions", "kind", "index_type", "options"})
    _index_type(node, node.args.get("index_type"))
    kind = node.args.get("kind") or "INDEX"
    return kind, node.name or None, node.expressions, _key_comment(node)


def _key_comment(node: exp.Expr) -> str:
    comment = ""
    for option in node.args.get("options") or []:
        _unexpected(option, {"comment", "using"})
        if option.args.get("comment"):
            comment = option.args["comment"].name
        _index_type(node, option.args.get("using"))
    return comment


def _index_type(node: exp.Expr, using: Any) -> None:
    if using and _name(using).upper() != "BTREE":
        raise _Reject(node, f"index type {_name(using)} is not part of the model; "
                      "expected BTREE (InnoDB's only index type)")


def _foreign_key(node: exp.ForeignKey, name: str) -> ForeignKey:
    _unexpected(node, {"this", "expressions", "reference", "delete", "update", "options"})
    reference = node.args.get("reference")
    target = reference.this if reference else None
    if not (isinstance(target, exp.Schema) and isinstance(target.this, exp.Table)
            and not target.this.args.get("db")):
        raise _Reject(node, "expected REFERENCES `table` (`column`, ...) in the same database")
    _unexpected(reference, {"this", "options"})
    actions = {"DELETE": node.args.get("delete"), "UPDATE": node.args.get("update")}
    for option in [*(reference.args.get("options") or []), *(node.args.get("options") or [])]:
        words = option.split(" ", 2)
        if len(words) != 3 or words[0] != "ON" or words[1] not in actions:
            raise _Reject(node, f"unsupported foreign key option {option!r}")
        actions[words[1]] = words[2]
    columns = tuple(i.name for i in node.expressions)
    ref_columns = tuple(i.name for i in target.expressions)
    if len(columns) != len(ref_columns) or not columns:
        raise _Reject(node, f"foreign key `{name}` has {len(columns)} columns but references "
                      f"{len(ref_columns)}", E_INVALID)
    return ForeignKey(name, columns, target.this.name, ref_columns,
                      actions["DELETE"] or "RESTRICT", actions["UPDATE"] or "RESTRICT")


def _generated_keys(needed: list[tuple[str | None, tuple[IndexPart, ...]]],
                    explicit: list[tuple[IndexPart, ...]]) -> list[tuple[str | None, tuple]]:
    """The indexes MariaDB adds for foreign keys: one per foreign key, unless its columns lead
    an explicit key, a longer added key, or an equal one added later (mysql_prepare_create_table)."""
    kept = []
    for i, (name, parts) in enumerate(needed):
        if any(_leads(parts, other) for other in explicit):
            continue
        if any(j != i and _leads(parts, other) and (len(other) > len(parts) or j > i)
               for j, (_, other) in enumerate(needed)):
            continue
        kept.append((name, parts))
    return kept


def _leads(parts: tuple[IndexPart, ...], of: tuple[IndexPart, ...]) -> bool:
    """Whether ``parts`` are the first key parts of ``of`` (whole columns, same order)."""
    lead = of[:len(parts)]
    return len(lead) == len(parts) and all(
        a.length is None and b.length is None and a.column.lower() == b.column.lower()
        for a, b in zip(parts, lead))
