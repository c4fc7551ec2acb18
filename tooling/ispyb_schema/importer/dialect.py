# SPDX-License-Identifier: LGPL-3.0-or-later
"""A sqlglot dialect for MariaDB dumps: MySQL plus every fix ``mariadb-dump`` output needs.

Where sqlglot's MySQL dialect does not know MariaDB it either refuses the input or, worse,
reads something else without a word. The fixes, each a named method (or keyword entry) with a
round-trip test in ``tests/test_import_dump.py``:

* executable comments ``/*!NNNNN ...*/`` and ``/*M!NNNNNN ...*/`` run their content, as the
  server does (sqlglot drops them as comments: ``/*M!100301 COMPRESSED*/`` vanished);
* ``FLOAT UNSIGNED`` (refused: "Cannot convert FLOAT to unsigned");
* the ``COMPRESSED`` column attribute (unknown);
* ``GENERATED ALWAYS AS (...) PERSISTENT``, MariaDB's STORED (refused);
* ``PRIMARY KEY (`a` DESC)`` (refused);
* the type synonyms ``REAL`` (read as FLOAT), ``INT8`` (TINYINT), ``LONG`` (BIGINT),
  ``INT3``/``MIDDLEINT`` (unknown); the geometry types ``POINT``, ``GEOMETRY``… (unknown);
* a statement sqlglot cannot parse raises instead of becoming an opaque ``Command``.

Two additions are for the importer rather than for SQL fidelity:

* the tokenizer records every executable comment in ``versioned_comments``, so the importer can
  refuse one it does not understand inside a CREATE TABLE;
* the parser keeps the exact source text of CHECK, DEFAULT and generated-column expressions and
  of a view's query in ``node.meta["sql"]``: MariaDB prints those in its own canonical form
  (``json_valid(`extra`)``), which a dump already holds and sqlglot's generator would not
  reproduce.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import TokenError
from sqlglot.generators.mysql import MySQLGenerator
from sqlglot.parsers.mysql import MySQLParser
from sqlglot.tokens import Token, TokenType

# mariadb-dump starts with `/*M!999999\- enable the sandbox mode */`: an instruction for the
# `mariadb` client that no server version ever executes.
CLIENT_ONLY_VERSION = 999999
_OPENERS = {"/*!": False, "/*M!": True}  # opener -> MariaDB-only
_CLOSER = "*/"
_DELIMITERS = frozenset((*_OPENERS, _CLOSER))


class UnsignedFloat(exp.DataType):
    """``FLOAT UNSIGNED``: MariaDB accepts it, sqlglot has no unsigned FLOAT type."""


class CompressedColumnConstraint(exp.Expression, exp.ColumnConstraintKind):
    """MariaDB's ``COMPRESSED`` column attribute (dumped as ``/*M!100301 COMPRESSED*/``)."""

    arg_types: dict = {}


class ExecutableCommentError(TokenError):
    """A malformed ``/*!...*/`` comment; ``start`` is the exact offset of the culprit."""


@dataclass(frozen=True)
class VersionedComment:
    """An executable comment: ``/*!NNNNN ...*/`` (MySQL and MariaDB) or ``/*M!NNNNNN ...*/``."""

    start: int  # offset of "/*"
    end: int  # offset just past "*/"
    version: int | None
    mariadb_only: bool
    content: str  # the text after the version number, stripped

    @property
    def executed(self) -> bool:
        return self.version != CLIENT_ONLY_VERSION


class MariaDBTokenizer(MySQL.Tokenizer):
    KEYWORDS = {
        **MySQL.Tokenizer.KEYWORDS,
        # Executable-comment delimiters become tokens; tokenize() takes them out again.
        **dict.fromkeys((*_OPENERS, _CLOSER), TokenType.UNKNOWN),
        # Type synonyms that sqlglot maps to something else than MariaDB does.
        "REAL": TokenType.DOUBLE,
        "INT8": TokenType.BIGINT,
        "INT3": TokenType.MEDIUMINT,
        "MIDDLEINT": TokenType.MEDIUMINT,
        "LONG": TokenType.MEDIUMTEXT,
        # Geometry types sqlglot has but its MySQL tokenizer does not name (MULTIPOINT and
        # GEOMETRYCOLLECTION it has not at all: --via-server reads those)
        **{name: getattr(TokenType, name) for name in (
            "GEOMETRY", "POINT", "LINESTRING", "POLYGON", "MULTILINESTRING", "MULTIPOLYGON")},
    }

    __slots__ = ("versioned_comments",)

    def tokenize(self, sql: str) -> list[Token]:
        self.versioned_comments: list[VersionedComment] = []
        return self.run_versioned_comments(super().tokenize(sql))

    def run_versioned_comments(self, tokens: list[Token]) -> list[Token]:
        """Do what the server does with ``/*!NNNNN ... */``: drop the delimiters and keep the
        content as SQL (except in client-only comments, which the server never runs)."""
        kept: list[Token] = []
        opener: Token | None = None
        body: list[Token] = []
        for token in tokens:
            if token.token_type != TokenType.UNKNOWN or token.text not in _DELIMITERS:
                (body if opener else kept).append(token)
            elif token.text != _CLOSER:
                if opener:
                    raise ExecutableCommentError("executable comment inside another one",
                                                 token.start, token.end + 1)
                opener, body = token, []
            elif opener:
                kept += self._close_versioned_comment(opener, body, token)
                opener = None
            else:
                raise ExecutableCommentError("'*/' outside any comment", token.start,
                                             token.end + 1)
        if opener:
            raise ExecutableCommentError("executable comment is never closed with '*/'",
                                         opener.start, opener.end + 1)
        return kept

    def _close_versioned_comment(self, opener: Token, body: list[Token],
                                 closer: Token) -> list[Token]:
        version = None
        if body and body[0].token_type == TokenType.NUMBER and body[0].start == opener.end + 1:
            version, body = int(body[0].text), body[1:]
        content_start = body[0].start if body else closer.start
        comment = VersionedComment(opener.start, closer.end + 1, version, _OPENERS[opener.text],
                                   self.sql[content_start:closer.start].strip())
        self.versioned_comments.append(comment)
        return body if comment.executed else []


class MariaDBParser(MySQLParser):
    # Let FLOAT take UNSIGNED; _parse_types turns the result into UnsignedFloat.
    SIGNED_TO_UNSIGNED_TYPE_TOKEN = {
        **MySQLParser.SIGNED_TO_UNSIGNED_TYPE_TOKEN,
        TokenType.FLOAT: TokenType.FLOAT,
    }

    def _parse_types(self, *args, **kwargs) -> exp.Expr | None:
        """``float unsigned``: sqlglot's MySQL refuses it ("Cannot convert FLOAT to unsigned")."""
        data_type = super()._parse_types(*args, **kwargs)
        if (isinstance(data_type, exp.DataType) and data_type.this == exp.DType.FLOAT
                and self._prev.text.upper() == "UNSIGNED"):
            return UnsignedFloat(**data_type.args)
        return data_type

    def _parse_compressed(self) -> CompressedColumnConstraint:
        """``COMPRESSED``: unknown to sqlglot, and a mere comment in its ``/*M!100301`` wrapper."""
        return self.expression(CompressedColumnConstraint())

    def _parse_default(self) -> exp.DefaultColumnConstraint:
        """``DEFAULT expr``, keeping the expression's source text."""
        start = self._curr
        return self.expression(
            exp.DefaultColumnConstraint(this=self._keep_source(self._parse_bitwise(), start)))

    def _parse_check_constraint(self) -> exp.CheckColumnConstraint | None:
        """``CHECK (expr)``, keeping the expression's source text."""
        if not self._match(TokenType.L_PAREN, advance=False):
            return None
        return self.expression(exp.CheckColumnConstraint(this=self._parse_wrapped_source()))

    def _parse_generated_as_identity(self) -> exp.Expr:
        """``GENERATED ALWAYS AS (expr) [VIRTUAL | STORED | PERSISTENT]``, keeping the source
        text; MariaDB writes PERSISTENT for STORED, which sqlglot's MySQL cannot parse."""
        index = self._index
        if self._match_text_seq("ALWAYS", "AS") and self._match(TokenType.L_PAREN,
                                                                advance=False):
            this = self._parse_wrapped_source()
            stored = self._match_texts(("STORED", "PERSISTENT"))
            if not stored:
                self._match_text_seq("VIRTUAL")
            return self.expression(exp.ComputedColumnConstraint(this=this, persisted=stored))
        self._retreat(index)
        return super()._parse_generated_as_identity()

    def _parse_primary_key_part(self) -> exp.Expr | None:
        """``PRIMARY KEY (`a` DESC)``: MariaDB 10.8+ keeps descending key parts."""
        ordered = self._parse_ordered(super()._parse_primary_key_part)
        return ordered.this if ordered and ordered.args.get("desc") is None else ordered

    def _parse_ddl_select(self) -> exp.Expr | None:
        """A view's query, keeping its source text."""
        start = self._curr
        return self._keep_source(super()._parse_ddl_select(), start)

    def _parse_as_command(self, start: Token) -> exp.Command:
        """Refuse what sqlglot cannot parse instead of keeping it as an opaque Command."""
        self.raise_error("Unsupported syntax")
        return super()._parse_as_command(start)  # only reached at a lenient error level

    def _parse_wrapped_source(self) -> exp.Expr | None:
        self._match_l_paren()
        start = self._curr
        this = self._keep_source(self._parse_disjunction(), start)
        self._match_r_paren()
        return this

    def _keep_source(self, node: exp.Expr | None, start: Token | None) -> exp.Expr | None:
        if node is not None and start is not None:
            node.meta["sql"] = self._find_sql(start, self._prev)
        return node

    CONSTRAINT_PARSERS = {
        **MySQLParser.CONSTRAINT_PARSERS,
        "COMPRESSED": _parse_compressed,
        "DEFAULT": _parse_default,
    }


class MariaDBGenerator(MySQLGenerator):
    def sql_unsigned_float(self, expression: UnsignedFloat) -> str:
        return f"{self.datatype_sql(expression)} UNSIGNED"

    def sql_compressed(self, expression: CompressedColumnConstraint) -> str:
        return "COMPRESSED"

    TRANSFORMS = {
        **MySQLGenerator.TRANSFORMS,
        UnsignedFloat: sql_unsigned_float,
        CompressedColumnConstraint: sql_compressed,
    }


class MariaDB(MySQL):
    """MariaDB as ``mariadb-dump`` writes it."""

    Tokenizer = MariaDBTokenizer
    Parser = MariaDBParser
    Generator = MariaDBGenerator
