# SPDX-License-Identifier: LGPL-3.0-or-later
"""Structural difference between two models.

The diff says what was added, removed or changed by name. It does not guess renames: a rename
is the caller's knowledge (the changeset says it), so here it shows as one removal plus one
addition.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .changetext import change_difference
from .schema import Schema, Table


@dataclass(frozen=True)
class Change:
    """One difference: ``kind`` is added/removed/changed; ``path`` names the object."""

    kind: str
    path: str
    before: Any = None
    after: Any = None

    def __str__(self) -> str:
        if self.kind == "added":
            return f"+ {self.path}"
        if self.kind == "removed":
            return f"- {self.path}"
        return f"~ {self.path}: {change_difference(self.before, self.after)}"


@dataclass
class TableDiff:
    name: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class SchemaDiff:
    added_tables: list[str] = field(default_factory=list)
    removed_tables: list[str] = field(default_factory=list)
    changed_tables: list[TableDiff] = field(default_factory=list)
    view_changes: list[Change] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added_tables or self.removed_tables or self.changed_tables
                    or self.view_changes)

    def changes(self) -> list[Change]:
        out = [Change("added", f"table {n}") for n in self.added_tables]
        out += [Change("removed", f"table {n}") for n in self.removed_tables]
        for td in self.changed_tables:
            out += td.changes
        return out + self.view_changes

    def __str__(self) -> str:
        return "\n".join(str(c) for c in self.changes()) or "no differences"


def _by_name(items) -> dict[str, Any]:
    return {item.name: item for item in items}


# Facts a source may not state (a dump without DEFINER): compared only where both state them.
_UNSTATED = frozenset({"definer", "client_charset", "connection_collation"})


def _same_expression(a: str, b: str) -> bool:
    """Two CHECK expressions that differ only as written (MariaDB reports ``json_valid(`x`)``
    where a proposal's step says ``JSON_VALID(x)``): equal once sqlglot re-emits both."""
    from ..changeset.sqlcheck import SqlProblem, emit, parse_expression

    try:
        return emit(parse_expression(a)) == emit(parse_expression(b))
    except SqlProblem:
        return False


def _diff_named(kind: str, table: str, before, after, ignore: set[str]) -> list[Change]:
    out: list[Change] = []
    old, new = _by_name(before), _by_name(after)
    for name in old.keys() - new.keys():
        out.append(Change("removed", f"{table}.{kind} {name}", old[name], None))
    for name in new.keys() - old.keys():
        out.append(Change("added", f"{table}.{kind} {name}", None, new[name]))
    for name in old.keys() & new.keys():
        for f in fields(old[name]):
            if f.name in ignore:
                continue
            a, b = getattr(old[name], f.name), getattr(new[name], f.name)
            if f.name in _UNSTATED and (a is None or b is None):
                continue
            if (f.name == "expression" and kind == "check" or f.name == "check") and a and b \
                    and a != b and _same_expression(a, b):
                continue
            if a != b:
                out.append(Change("changed", f"{table}.{kind} {name}.{f.name}", a, b))
    return sorted(out, key=lambda c: c.path)


def diff_tables(old: Table, new: Table, ignore: frozenset[str] = frozenset()) -> TableDiff:
    """Differences between two versions of one table; ``ignore`` names attributes to skip
    (e.g. ``{"comment"}`` to compare structure only)."""
    td = TableDiff(new.name)
    for attr in ("engine", "charset", "collation", "comment", "row_format"):
        if attr in ignore:
            continue
        a, b = getattr(old, attr), getattr(new, attr)
        if a != b:
            td.changes.append(Change("changed", f"{new.name}.{attr}", a, b))
    td.changes += _diff_named("column", new.name, old.columns, new.columns, set(ignore))
    if not any(c.kind != "changed" or c.path.endswith(".comment") for c in td.changes):
        old_order = [c.name for c in old.columns]
        new_order = [c.name for c in new.columns]
        if old_order != new_order:
            td.changes.append(Change("changed", f"{new.name}.column order", old_order,
                                     new_order))
    td.changes += _diff_named("index", new.name, old.indexes, new.indexes, set(ignore))
    td.changes += _diff_named("foreign key", new.name, old.foreign_keys, new.foreign_keys,
                              set())
    td.changes += _diff_named("check", new.name, old.checks, new.checks, set())
    return td


def diff_schemas(old: Schema, new: Schema, ignore: frozenset[str] = frozenset()) -> SchemaDiff:
    result = SchemaDiff()
    old_names, new_names = set(old.table_names()), set(new.table_names())
    result.added_tables = sorted(new_names - old_names)
    result.removed_tables = sorted(old_names - new_names)
    for name in sorted(old_names & new_names):
        td = diff_tables(old.table(name), new.table(name), ignore)
        if td.changes:
            result.changed_tables.append(td)
    result.view_changes = _diff_named("view", "schema", old.views, new.views, set(ignore))
    return result
