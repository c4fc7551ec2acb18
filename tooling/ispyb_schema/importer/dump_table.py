# SPDX-License-Identifier: LGPL-3.0-or-later
"""One CREATE TABLE mapped to a Table: its options (ENGINE, character set and collation,
COMMENT, ROW_FORMAT), its columns, keys, foreign keys and CHECK constraints, each clause that
cannot be mapped reported with the table's name and its position.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from sqlglot import exp

from ..model import Check, Column, ForeignKey, Index, IndexPart, Table
from .dialect import MariaDB
from .dump_columns import column_attribute, column_type, default_text
from .dump_common import E_INVALID, Reject, name_of, offset_of, properties, source_of, unexpected
from .dump_keys import foreign_key, generated_keys, key_definition

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


class TableReader:
    """Maps one CREATE TABLE tree to a Table, reporting every clause it cannot map.

    ``report(offset, message, code)`` records one problem; ``start`` is where the statement
    begins, the position of clauses that carry none.
    """

    def __init__(self, report: Callable[[int, str, str], None], tree: exp.Create,
                 start: int, standin_ok: bool = False) -> None:
        self.report, self.tree, self.start = report, tree, start
        self.standin_ok = standin_ok  # a table without charset: a view's stand-in, maybe
        self.no_charset = False
        self.name = tree.this.this.name if isinstance(tree.this, exp.Schema) else "?"
        self.failed = False
        self.collation: str | None = None
        self.columns: list[Column] = []
        self.column_names: dict[str, str] = {}  # lower case -> as declared
        self.indexes: list[Index] = []
        self.foreign_keys: list[tuple[exp.Expr, str | None, str | None]] = []
        self.checks: list[tuple[str | None, str]] = []

    def fail(self, err: Reject) -> None:
        self.failed = True
        self.report(offset_of(err.node, self.start),
                    f"CREATE TABLE `{self.name}`: {err.message}", err.code)

    def read(self) -> Table | None:
        if not isinstance(self.tree.this, exp.Schema) or self.tree.this.this.args.get("db"):
            self.fail(Reject(self.tree.this, "expected a plain table name and a column list"))
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
        except Reject as err:
            self.fail(err)
            return None

    # -- table options -------------------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        unexpected(self.tree, {"this", "kind", "properties", "exists", "replace"})
        found: dict[str, Any] = {"comment": "", "row_format": None}
        for prop in properties(self.tree):
            key, value = _table_option(prop)
            if key:
                found[key] = value
        charset, collation = found.pop("charset", None), found.pop("collation", None)
        if not (charset or collation) and self.standin_ok:
            self.no_charset = True  # the caller decides: dropped later, or refused at the end
            charset = "binary"
        if not (charset or collation):
            raise Reject(self.tree.this.this, "no DEFAULT CHARSET; expected the table's "
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
            raise Reject(item, f"expected a column, key or constraint definition, found "
                         f"{item.sql(dialect=MariaDB)!r}")

    def _constraint(self, item: exp.Expr, name: str | None) -> None:
        if isinstance(item, exp.ForeignKey):
            self.foreign_keys.append((item, name, item.this.name if item.this else None))
        elif isinstance(item, exp.CheckColumnConstraint):
            unexpected(item, {"this"})
            self.checks.append((name, source_of(item.this, "this CHECK")))
        elif isinstance(item, (exp.PrimaryKey, exp.UniqueColumnConstraint)):
            self._index(item, name)
        else:
            raise Reject(item, f"expected FOREIGN KEY, CHECK, PRIMARY KEY or UNIQUE after "
                         f"CONSTRAINT `{name}`")

    def _column(self, node: exp.ColumnDef) -> Column:
        unexpected(node, {"this", "kind", "constraints"})
        if node.name.lower() in self.column_names:
            raise Reject(node, f"duplicate column `{node.name}`", E_INVALID)
        self.column_names[node.name.lower()] = node.name  # even if the rest fails: keys name it
        attrs: dict[str, Any] = {}
        for constraint in node.args.get("constraints") or []:
            key, value = column_attribute(constraint)
            if key in attrs:
                raise Reject(node, f"column `{node.name}` sets {key} twice", E_INVALID)
            attrs[key] = value
        ctype = column_type(node.args["kind"], attrs.pop("zerofill", False))
        default = attrs.pop("default", None)
        charset, collation = self._column_collation(attrs.pop("charset", None),
                                                    attrs.pop("collation", None), node)
        return Column(node.name, ctype, default=default_text(default, ctype),
                      charset=charset, collation=collation, **attrs)

    def _column_collation(self, charset: str | None, collation: str | None,
                          node: exp.Expr) -> tuple[str | None, str | None]:
        if not (charset or collation):
            return None, None
        charset, collation = _charset_and_collation(charset, collation, node)
        return (None, None) if collation == self.collation else (charset, collation)

    def _index(self, node: exp.Expr, constraint_name: str | None) -> None:
        kind, name, parts, comment = key_definition(node)
        parts = tuple(self._part(p) for p in parts)
        if not parts:
            raise Reject(node, "key without columns")
        if kind == "PRIMARY":
            name = "PRIMARY"
        name = name or constraint_name or self._free_index_name(parts[0].column)
        if any(i.name.lower() == name.lower() for i in self.indexes):
            raise Reject(node, f"duplicate key name `{name}`", E_INVALID)
        self.indexes.append(Index(name, parts, kind, comment))

    def _part(self, node: exp.Expr) -> IndexPart:
        descending = isinstance(node, exp.Ordered) and bool(node.args.get("desc"))
        node = node.this if isinstance(node, exp.Ordered) else node
        length = None
        if isinstance(node, exp.ColumnPrefix):
            length, node = int(node.expression.name), node.this
        if not isinstance(node, (exp.Identifier, exp.Column)) or node.args.get("table"):
            raise Reject(node, f"expected a column as key part, found "
                         f"{node.sql(dialect=MariaDB)!r}")
        return IndexPart(self._column_name(node.name, node), length, descending)

    def _column_name(self, name: str, node: exp.Expr) -> str:
        if name.lower() not in self.column_names:
            raise Reject(node, f"names unknown column `{name}`", E_INVALID)
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
            fk = foreign_key(node, constraint or index_name or next(unnamed))
            fk = replace(fk, columns=tuple(self._column_name(c, node) for c in fk.columns))
            out.append(fk)
            needed.append((constraint or index_name, tuple(IndexPart(c) for c in fk.columns)))
        if len({f.name.lower() for f in out}) < len(out):
            raise Reject(self.tree.this.this, "duplicate foreign key name", E_INVALID)
        for name, parts in generated_keys(needed, [i.parts for i in self.indexes]):
            self.indexes.append(Index(name or self._free_index_name(parts[0].column), parts))
        return tuple(out)

    def _checks(self) -> tuple[Check, ...]:
        """Table CHECK constraints; unnamed ones get MariaDB's names CONSTRAINT_1, _2..."""
        taken = {name.lower() for name, _ in self.checks if name}
        numbers = (n for n in range(1, 10_000) if f"constraint_{n}" not in taken)
        return tuple(Check(name or f"CONSTRAINT_{next(numbers)}", text)
                     for name, text in self.checks)


def _table_option(prop: exp.Expr) -> tuple[str | None, Any]:
    if isinstance(prop, exp.EngineProperty):
        engine = name_of(prop.this)
        return "engine", _ENGINES.get(engine.lower(), engine)
    if isinstance(prop, exp.CharacterSetProperty):
        return "charset", name_of(prop.this)
    if isinstance(prop, exp.CollateProperty):
        return "collation", name_of(prop.this)
    if isinstance(prop, exp.SchemaCommentProperty):
        return "comment", name_of(prop.this)
    if isinstance(prop, exp.RowFormatProperty):
        return "row_format", name_of(prop.this).upper()
    if isinstance(prop, exp.AutoIncrementProperty):
        return None, None  # the next id to hand out: data, not schema
    raise Reject(prop, f"unknown table option {prop.sql(dialect=MariaDB)!r}; expected ENGINE, "
                 "[DEFAULT] CHARSET, COLLATE, COMMENT, ROW_FORMAT or AUTO_INCREMENT")


def _charset_and_collation(charset: str | None, collation: str | None,
                           node: exp.Expr) -> tuple[str, str]:
    """Both names, MariaDB-canonical (``utf8`` is ``utf8mb3``), one derived from the other."""
    charset = _utf8mb3(charset.lower()) if charset else None
    collation = _utf8mb3(collation.lower()) if collation else None
    if collation is None:
        collation = _DEFAULT_COLLATION.get(charset)
        if collation is None:
            raise Reject(node, f"unknown character set {charset!r}; give its COLLATE too")
    expected = collation.split("_", 1)[0]
    if charset and charset != expected:
        raise Reject(node, f"collation {collation} does not belong to character set "
                     f"{charset}", E_INVALID)
    return expected, collation


def charset_name(name: str) -> str:
    """A character set's MariaDB-canonical name (``utf8`` is ``utf8mb3``)."""
    return _utf8mb3(name.lower())


def collation_name(name: str) -> str:
    return _utf8mb3(name.lower())


def default_collation(charset: str | None) -> str | None:
    return _DEFAULT_COLLATION.get(charset) if charset else None


def _utf8mb3(name: str) -> str:
    return "utf8mb3" + name[4:] if name == "utf8" or name.startswith("utf8_") else name
