# SPDX-License-Identifier: LGPL-3.0-or-later
"""Read a ``mariadb-dump --no-data`` (or ``mysqldump``) file into the schema model.

The file is tokenized and parsed once with sqlglot (:mod:`.dialect`); the syntax trees are then
mapped to the model in the canonical forms of ``information_schema`` (see
:mod:`ispyb_schema.model.schema`). The mapping is exhaustive on purpose: a statement, column
attribute, key option or table option it does not map explicitly is an error naming the table and
line, never a silent drop. Session statements (SET, LOCK/UNLOCK TABLES, START TRANSACTION,
COMMIT, USE, CREATE DATABASE) hold nothing of the schema, except the client character set and
connection collation that each view is created with (``SET character_set_client``/``SET NAMES``,
followed as the server follows them); DROP TABLE/VIEW is applied, data statements are refused.

Dumps of other tools and years are read too: ``mariadb-dump``'s stand-in tables for views
(``/*!50001 CREATE TABLE … ENGINE=MyISAM */`` without a character set, dropped before the view
is created) and phpMyAdmin exports, whose tables are created bare and completed by later
``ALTER TABLE … ADD PRIMARY KEY / ADD [UNIQUE|FULLTEXT] KEY / ADD CONSTRAINT … FOREIGN KEY /
MODIFY … AUTO_INCREMENT``: the ALTER's clauses join the table's CREATE TABLE, which is read
again. A table still without a character set at the end of the dump is refused.

What the server would fill in is filled in the same way: default display widths (``int`` is
``int(11)``), a collation from a character set, names of unnamed keys, foreign keys and checks,
the index a foreign key needs, ENGINE=InnoDB when none is given. A table without a character set
is refused rather than guessed (it would come from the database's default).

Deliberately not kept: the ``AUTO_INCREMENT=n`` counter (a fact about the data, not the
schema) and ``USING BTREE`` (the only index type InnoDB has). A view keeps its DEFINER when the
dump names one.
"""
from __future__ import annotations

import re
from dataclasses import replace
from bisect import bisect_right
from pathlib import Path
from typing import Iterator

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from ..errors import Diagnostic, InputError, SourceLoc
from ..model import Schema, Table, View
from .dialect import ExecutableCommentError, MariaDB, VersionedComment
from .dump_columns import sql_string
from .dump_common import (
    E_INVALID,
    E_SYNTAX,
    E_UNSUPPORTED,
    Reject,
    name_of,
    offset_of,
    properties,
    source_of,
    unexpected,
)
from .dump_table import TableReader, charset_name, collation_name, default_collation

__all__ = ["import_dump", "sql_string", "VIA_SERVER_HINT"]  # sql_string: from .dump_columns

VIA_SERVER_HINT = ("; to import a dump MariaDB itself accepts, add --via-server (it is loaded "
                   "into a scratch MariaDB and imported from there)")

# sql_mode flags that change how a dump reads (quoting, escapes, REAL): refused, not guessed.
_SQL_MODES_REFUSED = {"ANSI", "ANSI_QUOTES", "NO_BACKSLASH_ESCAPES", "REAL_AS_FLOAT", "ORACLE",
                      "MSSQL", "DB2", "POSTGRESQL", "MAXDB"}
_DATA_STATEMENTS = {TokenType.INSERT, TokenType.REPLACE, TokenType.UPDATE, TokenType.DELETE}
_TRANSACTION_STATEMENTS = {TokenType.BEGIN, TokenType.COMMIT, TokenType.USE}
_SPACE_RE = re.compile(r"\s*")


def import_dump(source: str | Path, *, text: str | None = None,
                data: bytes | None = None) -> Schema:
    """The schema a dump creates. ``source`` names the file, read unless its ``text`` or its
    bytes (``data``) are given. :func:`.cache.load_dump` caches the result."""
    path = str(source)
    if text is None:
        text = _decode(path, read_dump(path) if data is None else data)
    return _Importer(path, text).run()


def read_dump(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise InputError.single(SourceLoc(path), f"cannot read the dump: {err.strerror}",
                                E_SYNTAX) from err


def _decode(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError.single(SourceLoc(path, line), f"found a byte that is not UTF-8 "
                                f"({err.reason}); expected a UTF-8 dump", E_SYNTAX) from err


class _Importer:
    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        self.problems: list[Diagnostic] = []
        self.tables: dict[str, Table] = {}
        self.views: dict[str, View] = {}
        self.trees: dict[str, exp.Create] = {}  # each table's CREATE TABLE, completed by ALTERs
        self.standins: dict[str, int] = {}  # tables without a character set -> their offset
        self.altered: dict[str, int] = {}  # tables to read again (ALTERed) -> ALTER's offset
        self.session = SessionCharsets()
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
        for name, offset in self.altered.items():  # each read once, after its last ALTER
            table = TableReader(self.fail, self.trees[name], offset, standin_ok=True).read()
            if table is not None:
                self.tables[name] = table
        for name, offset in self.standins.items():
            if name in self.tables:
                self.fail(offset, f"CREATE TABLE `{name}`: no DEFAULT CHARSET; expected the "
                          "table's character set, as mariadb-dump writes it (a view's stand-in "
                          "table may go without, when it is dropped before the end)", E_INVALID)
        if self.problems:
            self.problems.sort(key=lambda d: (d.loc.line, d.loc.column))
            first = self.problems[0]
            self.problems[0] = replace(first, message=first.message + VIA_SERVER_HINT)
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
            if tokens[0].token_type == TokenType.SET:
                self.session.set(self.text[tokens[0].end + 1:tokens[-1].end + 1])
            return  # nothing of the schema in it: not even parsed
        if tokens[0].token_type in _TRANSACTION_STATEMENTS or _is_create_database(tokens):
            return  # phpMyAdmin: START TRANSACTION, COMMIT, CREATE DATABASE, USE
        if tokens[0].token_type in _DATA_STATEMENTS:
            self.fail(tokens[0].start, f"{self.describe(tokens)}: data statements are not part "
                      "of a schema; expected a dump made with --no-data")
            return
        if _is_create_table(tokens) and self._stray_executable_comments(tokens):
            return
        tokens, check_option = _view_check_option(tokens)
        try:
            tree = self.parser.parse(tokens, self.text)[0]
        except ParseError as err:
            self._parse_error(tokens, err)
            return
        if isinstance(tree, exp.Create):
            self._create(tree, tokens, check_option)
        elif isinstance(tree, exp.Drop):
            self._drop(tree, tokens)
        elif isinstance(tree, exp.Set):
            self._set(tree, tokens)
        elif isinstance(tree, exp.Alter) and tree.args.get("kind") == "TABLE":
            self._alter(tree, tokens)
        else:
            self._unsupported(tokens)

    def _unsupported(self, tokens: list[Token]) -> None:
        self.fail(tokens[0].start, f"unsupported statement {self.describe(tokens)!r}; expected "
                  "CREATE TABLE, CREATE VIEW, ALTER TABLE (keys, foreign keys, MODIFY), "
                  "DROP TABLE/VIEW, SET or LOCK/UNLOCK TABLES")

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
                      "/*M!100301 COMPRESSED*/ (or /*!100301 …) inside a CREATE TABLE")
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
            if tree.args.get("kind") == "TABLE":
                self.trees.pop(table.name, None)
                self.standins.pop(table.name, None)
                self.altered.pop(table.name, None)

    def _create(self, tree: exp.Create, tokens: list[Token], check_option: str) -> None:
        kind = tree.args.get("kind")
        if kind == "TABLE":
            reader = TableReader(self.fail, tree, tokens[0].start, standin_ok=True)
            table = reader.read()
            if table is not None and reader.no_charset:
                self.standins[table.name] = tokens[0].start
            if table is not None and table.name not in self.tables:
                self.trees[table.name] = tree
            self._add(self.tables, self.views, table, tree, tokens)
        elif kind == "VIEW":
            view = self._view(tree, tokens)
            view = view and replace(view, check_option=check_option)
            self._add(self.views, self.tables, view, tree, tokens)
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

    def _alter(self, tree: exp.Alter, tokens: list[Token]) -> None:
        """phpMyAdmin's ALTER TABLE after the CREATE TABLE: its clauses join the CREATE TABLE
        (keys and constraints added, columns replaced by MODIFY), which is read again."""
        name = tree.this.name if isinstance(tree.this, exp.Table) else "?"
        create = self.trees.get(name)
        try:
            if create is None or tree.this.args.get("db"):
                raise Reject(tree.this, f"ALTER TABLE `{name}`: no such table created before "
                             "it in the dump", E_INVALID)
            unexpected(tree, {"this", "kind", "actions", "options"})
            for option in tree.args.get("options") or []:
                if not isinstance(option, exp.AutoIncrementProperty):
                    raise Reject(option, f"ALTER TABLE `{name}`: unsupported option "
                                 f"{option.sql(dialect=MariaDB)!r}; expected AUTO_INCREMENT=")
            items = create.this.expressions
            for action in tree.args.get("actions") or []:
                if isinstance(action, exp.AddConstraint):
                    items.extend(action.expressions)
                elif isinstance(action, exp.ModifyColumn) and isinstance(action.this,
                                                                        exp.ColumnDef):
                    unexpected(action, {"this"})
                    at = [i for i, item in enumerate(items) if isinstance(item, exp.ColumnDef)
                          and item.name.lower() == action.this.name.lower()]
                    if not at:
                        raise Reject(action.this, f"ALTER TABLE `{name}`: MODIFY names unknown "
                                     f"column `{action.this.name}`", E_INVALID)
                    items[at[0]] = action.this
                else:
                    raise Reject(action, f"ALTER TABLE `{name}`: unsupported clause "
                                 f"{action.sql(dialect=MariaDB)[:60]!r}; expected ADD PRIMARY "
                                 "KEY, ADD [UNIQUE|FULLTEXT] KEY, ADD CONSTRAINT … FOREIGN KEY, "
                                 "MODIFY or AUTO_INCREMENT=")
        except Reject as err:
            self.fail(offset_of(err.node, tokens[0].start), err.message, err.code)
            return
        self.altered[name] = tokens[0].start

    def _view(self, tree: exp.Create, tokens: list[Token]) -> View | None:
        try:
            unexpected(tree, {"this", "kind", "expression", "properties", "replace", "exists"})
            if not isinstance(tree.this, exp.Table) or tree.this.args.get("db"):
                raise Reject(tree.this, "expected a plain view name without column list")
            options = {"algorithm": "UNDEFINED", "security": "DEFINER",
                       "client_charset": self.session.client,
                       "connection_collation": self.session.connection}
            for prop in properties(tree):
                options.update(_view_option(prop))
            return View(tree.this.name, source_of(tree.expression, "this view's query"), **options)
        except Reject as err:
            self.fail(offset_of(err.node, tokens[0].start),
                      f"{self.describe(tokens)}: {err.message}", err.code)
            return None


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


def _view_check_option(tokens: list[Token]) -> tuple[list[Token], str]:
    """A CREATE VIEW's trailing ``WITH [CASCADED | LOCAL] CHECK OPTION`` (which sqlglot does not
    parse) taken off its tokens, and the option (NONE without it)."""
    words = [t.text.upper() for t in tokens[-4:]]
    if tokens[0].token_type != TokenType.CREATE or words[-2:] != ["CHECK", "OPTION"] or not any(
            t.token_type == TokenType.VIEW for t in tokens[:12]):
        return tokens, "NONE"
    if words[-3] == "WITH":
        return tokens[:-3], "CASCADED"
    if len(words) == 4 and words[0] == "WITH" and words[1] in ("CASCADED", "LOCAL"):
        return tokens[:-4], words[1]
    return tokens, "NONE"


def _is_create_database(tokens: list[Token]) -> bool:
    return (tokens[0].token_type == TokenType.CREATE and len(tokens) > 1
            and tokens[1].token_type in (TokenType.DATABASE, TokenType.SCHEMA))


def _is_create_table(tokens: list[Token]) -> bool:
    head = [t.token_type for t in tokens[:4]]
    return head[0] == TokenType.CREATE and TokenType.TABLE in head


def _is_compressed(comment: VersionedComment) -> bool:
    """``/*M!100301 COMPRESSED*/``, or the ``/*!100301 COMPRESSED*/`` older dumps write (no
    MySQL has version 10, so both forms run on MariaDB only)."""
    return comment.content.upper() == "COMPRESSED" and (
        comment.mariadb_only or (comment.version or 0) >= 100301)


def definer_text(written: str) -> str | None:
    """``user@host`` as information_schema.VIEWS.DEFINER shows it, from `user`@`host`."""
    if written.upper().replace("()", "") == "CURRENT_USER":
        return None  # the creating session's account
    user, _, host = written.rpartition("@")
    return f"{user.strip(chr(34) + '`' + chr(39))}@{host.strip(chr(34) + '`' + chr(39))}"


class SessionCharsets:
    """The client character set and connection collation of the loading session, followed
    through ``SET NAMES``, ``SET character_set_client``/``collation_connection`` and the
    ``@saved_…`` variables mariadb-dump restores them from (None: the dump never said)."""

    _ASSIGN = re.compile(r"^\s*(@@(?:session\.)?|@)?`?([\w$]+)`?\s*:?=\s*(@@(?:session\.)?|@)?"
                         r"['\"`]?([\w$]+)['\"`]?\s*$", re.I)
    _NAMES = re.compile(r"^\s*NAMES\s+['\"`]?(\w+)['\"`]?(?:\s+COLLATE\s+['\"`]?(\w+)"
                        r"['\"`]?)?\s*$", re.I)

    def __init__(self) -> None:
        self.client: str | None = None
        self.connection: str | None = None
        self.saved: dict[str, str | None] = {}

    def set(self, assignments: str) -> None:
        for item in assignments.split(","):
            names = self._NAMES.match(item)
            if names:
                self.client = charset_name(names[1])
                self.connection = collation_name(names[2]) if names[2] else \
                    default_collation(self.client)
                continue
            match = self._ASSIGN.match(item)
            if not match:
                continue
            target_kind, target, source_kind, source = match.groups()
            target, source = target.lower(), source.lower()
            if source_kind == "@":
                value = self.saved.get(source)
            elif source_kind:
                value = self._get(source)
            else:
                value = source
            if target_kind == "@":
                self.saved[target] = value
            else:
                self._put(target, value)

    def _get(self, variable: str) -> str | None:
        return {"character_set_client": self.client,
                "collation_connection": self.connection}.get(variable)

    def _put(self, variable: str, value: str | None) -> None:
        if variable == "character_set_client":
            self.client = charset_name(value) if value else None
        elif variable == "collation_connection":
            self.connection = collation_name(value) if value else None
        elif variable == "character_set_connection" and value:
            self.connection = default_collation(charset_name(value))


def _view_option(prop: exp.Expr) -> dict[str, str]:
    if isinstance(prop, exp.AlgorithmProperty):
        return {"algorithm": name_of(prop.this).upper()}
    if isinstance(prop, exp.SqlSecurityProperty):
        return {"security": name_of(prop.this).upper()}
    if isinstance(prop, exp.DefinerProperty):
        return {"definer": definer_text(name_of(prop.this))}
    raise Reject(prop, f"unknown view option {prop.sql(dialect=MariaDB)!r}; expected "
                 "ALGORITHM, DEFINER or SQL SECURITY")
