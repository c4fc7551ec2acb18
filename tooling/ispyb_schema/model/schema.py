# SPDX-License-Identifier: LGPL-3.0-or-later
"""The in-memory schema model: plain frozen dataclasses, no I/O.

Conventions that make two models of the same schema compare equal, whichever importer built
them:

* defaults are SQL expression text in the server's canonical form (``NULL``, ``0``, ``'abc'``,
  ``current_timestamp()``); ``None`` means "no default" (a NOT NULL column without one);
* a column's charset/collation is set only where it differs from its table's;
* indexes are ordered PRIMARY first, then by name; foreign keys and checks by name; tables and
  views by name. Column order is meaningful and kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from operator import attrgetter
from typing import Iterable, Iterator

from .types import ColumnType

_NAME = attrgetter("name")  # sort key of tables and views

INDEX_KINDS = ("PRIMARY", "UNIQUE", "INDEX", "FULLTEXT", "SPATIAL")
FK_ACTIONS = ("RESTRICT", "CASCADE", "SET NULL", "NO ACTION", "SET DEFAULT")


@dataclass(frozen=True)
class Generated:
    """A generated column: ``GENERATED ALWAYS AS (expression) VIRTUAL|STORED``."""

    expression: str
    stored: bool = False


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = True
    default: str | None = None
    on_update: str | None = None
    auto_increment: bool = False
    charset: str | None = None
    collation: str | None = None
    comment: str = ""
    generated: Generated | None = None
    compressed: bool = False
    check: str | None = None  # a column-level CHECK (MariaDB names it after the column)

    def __post_init__(self) -> None:
        # A nullable column without an explicit default defaults to NULL (except generated ones).
        if self.nullable and self.default is None and self.generated is None:
            object.__setattr__(self, "default", "NULL")


@dataclass(frozen=True)
class IndexPart:
    column: str
    length: int | None = None  # prefix length
    descending: bool = False


@dataclass(frozen=True)
class Index:
    name: str
    parts: tuple[IndexPart, ...]
    kind: str = "INDEX"  # one of INDEX_KINDS
    comment: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(p.column for p in self.parts)

    @property
    def is_unique(self) -> bool:
        return self.kind in ("PRIMARY", "UNIQUE")


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "RESTRICT"
    on_update: str = "RESTRICT"


@dataclass(frozen=True)
class Check:
    name: str
    expression: str


def _index_order(index: Index) -> tuple[int, str]:
    return (0 if index.kind == "PRIMARY" else 1, index.name)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    engine: str = "InnoDB"
    charset: str = "utf8mb4"
    collation: str = "utf8mb4_general_ci"
    comment: str = ""
    row_format: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "indexes", tuple(sorted(self.indexes, key=_index_order)))
        object.__setattr__(
            self, "foreign_keys", tuple(sorted(self.foreign_keys, key=lambda f: f.name))
        )
        object.__setattr__(self, "checks", tuple(sorted(self.checks, key=lambda c: c.name)))

    # -- lookups -------------------------------------------------------------------------
    def column(self, name: str) -> Column | None:
        return self._columns_by_key.get(name.lower())

    @cached_property
    def _columns_by_key(self) -> dict[str, Column]:
        """Each column by its lower-case name (the first of a name, as the scan found it)."""
        return {col.name.lower(): col for col in reversed(self.columns)}  # the first wins

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def index(self, name: str) -> Index | None:
        for idx in self.indexes:
            if idx.name.lower() == name.lower():
                return idx
        return None

    @property
    def primary_key(self) -> Index | None:
        return self.indexes[0] if self.indexes and self.indexes[0].kind == "PRIMARY" else None

    def foreign_key(self, name: str) -> ForeignKey | None:
        for fk in self.foreign_keys:
            if fk.name.lower() == name.lower():
                return fk
        return None

    def effective_charset(self, column: Column) -> str | None:
        if not column.type.is_string:
            return column.charset
        return column.charset or self.charset

    def effective_collation(self, column: Column) -> str | None:
        if not column.type.is_string:
            return column.collation
        return column.collation or self.collation

    def with_changes(self, **changes) -> "Table":
        return replace(self, **changes)


@dataclass(frozen=True)
class View:
    name: str
    definition: str  # the SELECT statement
    algorithm: str = "UNDEFINED"
    security: str = "DEFINER"
    check_option: str = "NONE"
    comment: str = ""
    # Facts the server records with a view, when the source says them (None: not said, the
    # creating session's applies): the account (``user@host``) and the client character set
    # and connection collation the SELECT was read with (they decide its literals' charset).
    definer: str | None = None
    client_charset: str | None = None
    connection_collation: str | None = None


@dataclass(frozen=True)
class Schema:
    tables: tuple[Table, ...] = ()
    views: tuple[View, ...] = ()
    _by_name: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        tables = tuple(sorted(self.tables, key=_NAME))
        object.__setattr__(self, "tables", tables)
        object.__setattr__(self, "views", tuple(sorted(self.views, key=_NAME)))
        object.__setattr__(self, "_by_name", {t.name: t for t in tables})

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    def table(self, name: str) -> Table | None:
        return self._by_name.get(name)

    def view(self, name: str) -> View | None:
        return next((v for v in self.views if v.name == name), None)

    def table_names(self) -> list[str]:
        return [t.name for t in self.tables]

    def with_table(self, table: Table) -> "Schema":
        """A new schema with ``table`` added or replacing the table of the same name."""
        others = [t for t in self.tables if t.name != table.name]
        return replace(self, tables=tuple(others) + (table,))

    def without_table(self, name: str) -> "Schema":
        return replace(self, tables=tuple(t for t in self.tables if t.name != name))

    def with_view(self, view: View) -> "Schema":
        others = [v for v in self.views if v.name != view.name]
        return replace(self, views=tuple(others) + (view,))

    def without_view(self, name: str) -> "Schema":
        return replace(self, views=tuple(v for v in self.views if v.name != name))

    def subset(self, names: Iterable[str]) -> "Schema":
        wanted = set(names)
        return replace(self, tables=tuple(t for t in self.tables if t.name in wanted), views=())

    def referencing(self, table: str) -> list[tuple[Table, ForeignKey]]:
        """Every foreign key, in any table, that points at ``table``."""
        return [
            (t, fk) for t in self.tables for fk in t.foreign_keys if fk.ref_table == table
        ]

    def fk_closure(self, names: Iterable[str]) -> list[str]:
        """``names`` plus every table they reference by foreign key, transitively."""
        todo, seen = list(names), set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            table = self.table(name)
            if table is None:
                raise KeyError(name)
            seen.add(name)
            todo.extend(fk.ref_table for fk in table.foreign_keys)
        return sorted(seen)
