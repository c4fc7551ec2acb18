# SPDX-License-Identifier: LGPL-3.0-or-later
"""The data checks every proposal gets, and its own assertions, all as set-based SQL.

* rows kept: a baseline table that is not dropped keeps its rows (unless a step of the
  proposal deletes rows from it) and, when no data step writes it, its values — column by
  column, renames followed;
* foreign keys: no orphan row for any foreign key of the model (a LEFT JOIN per key);
* assertions: the proposal's own, as the changeset renders them;
* restored: after the rollback every baseline table holds its rows again, except where a step
  says the rollback cannot give them back (see :mod:`.lineage`).
"""
from __future__ import annotations

from collections import Counter

from dataclasses import dataclass, field
from decimal import Decimal

from ..changeset.assertions import RenderedAssertion
from ..model import Column, ForeignKey, Schema, Table
from ..model.types import INTEGER_TYPES
from ..render.quote import ident, qualified
from .lineage import Lineage
from .moves import MoveCheck
from .snapshot import Digest, TableDigest, batched, query_digest, table_digest, whole_digests

PLAIN_TEXT_TYPES = frozenset("char varchar tinytext text mediumtext longtext".split())


@dataclass
class CheckResult:
    kind: str  # rows kept | values kept | foreign key | assertion | moved values | restored
    subject: str
    ok: bool
    message: str
    data: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"check": self.kind, "subject": self.subject, "ok": self.ok,
                "message": self.message, **self.data}


def touched_tables(base: Schema, final: Schema, found: Lineage) -> set[str]:
    """Baseline tables the proposal changes in any way: their digests are taken per column."""
    out = set(found.rows_written) | set(found.rows_deleted)
    out |= {t for t, _ in found.values_written} | {t for t, _ in found.unrestored}
    for table in base.tables:
        end = found.table_at_end(table.name)
        if end != table.name or final.table(table.name) != table:
            out.add(table.name)
    return out


def digests(cur, model: Schema, per_column: set[str]) -> dict[str, TableDigest]:
    """Every table's digest; column by column for the tables in ``per_column``."""
    plain = [t for t in model.tables if t.name not in per_column]
    out = dict(zip((t.name for t in plain), whole_digests(cur, plain)))
    out.update({t.name: table_digest(cur, t, True) for t in model.tables
                if t.name in per_column})
    return out


def _comparable(old: Column, new: Column) -> bool:
    """Whether a value keeps its text when the column's type changes from ``old`` to ``new``."""
    if str(old.type) == str(new.type):
        return True
    a, b = old.type.base, new.type.base
    return {a, b} <= INTEGER_TYPES or {a, b} <= PLAIN_TEXT_TYPES


def kept(base: Schema, final: Schema, found: Lineage, before: dict[str, TableDigest],
         after: dict[str, TableDigest]) -> list[CheckResult]:
    """Rows and values of the baseline tables after the forward script."""
    out = []
    for table in base.tables:
        end = found.table_at_end(table.name)
        if end is None:
            continue  # dropped
        old, new, name = before[table.name], after[end], table.name
        label = name if end == name else f"{name} (now {end})"
        deleted, written = found.rows_deleted.get(name), found.rows_written.get(name)
        if new.whole.rows < old.whole.rows and not deleted:
            out.append(CheckResult("rows kept", label, False,
                                   f"{label}: {old.whole.rows - new.whole.rows} row(s) lost "
                                   f"({old.whole.rows} before, {new.whole.rows} after)",
                                   {"before": old.whole.rows, "after": new.whole.rows}))
        elif new.whole.rows > old.whole.rows and not written:
            out.append(CheckResult("rows kept", label, False,
                                   f"{label}: {new.whole.rows - old.whole.rows} row(s) appeared "
                                   "though no step writes rows to it",
                                   {"before": old.whole.rows, "after": new.whole.rows}))
        if deleted or written:
            continue
        if not old.columns:
            if new.whole != old.whole:
                out.append(CheckResult("values kept", label, False,
                                       f"{label}: values changed though no step changes it"))
            continue
        out += _values_kept(table, final.table(end), found, old, new, label)
    return out


def _values_kept(table: Table, end: Table, found: Lineage, old: TableDigest, new: TableDigest,
                 label: str) -> list[CheckResult]:
    key = table.primary_key.columns if table.primary_key else ()
    end_key = end.primary_key.columns if end.primary_key else ()
    if [found.columns.get((table.name, k), (None, None))[1] for k in key] != list(end_key) \
            or any((table.name, k) in found.values_written for k in key):
        return []  # the primary key or its values change: per-column digests do not line up
    out = []
    for column in table.columns:
        moved = found.columns.get((table.name, column.name))
        if moved is None or (table.name, column.name) in found.values_written:
            continue
        now = end.column(moved[1])
        if not _comparable(column, now):
            continue
        if old.columns[column.name] != new.columns[now.name]:
            where = column.name if now.name == column.name else f"{column.name} (now {now.name})"
            out.append(CheckResult("values kept", f"{label}.{where}", False,
                                   f"{label}.{where}: values changed though no data step "
                                   "writes this column"))
    return out


def orphan_count(table: Table, fk: ForeignKey) -> str:
    """``COUNT(*) FROM …``: the rows of ``table`` whose key has no parent row."""
    child, parent = ident("c"), ident("p")
    on = " AND ".join(f"{qualified('p', r)} = {qualified('c', c)}"
                      for c, r in zip(fk.columns, fk.ref_columns))
    present = " AND ".join(f"{qualified('c', c)} IS NOT NULL" for c in fk.columns)
    return (f"COUNT(*) FROM {ident(table.name)} AS {child} LEFT JOIN "
            f"{ident(fk.ref_table)} AS {parent} ON {on} "
            f"WHERE {qualified('p', fk.ref_columns[0])} IS NULL AND {present}")


Orphans = dict[tuple[str, str], int]  # (table, foreign key) -> rows without a parent


def orphans(cur, model: Schema) -> tuple[int, Orphans]:
    """How many foreign keys were checked, and the orphan rows of each key that has some."""
    keys = [(table, fk) for table in model.tables for fk in table.foreign_keys]
    counts = batched(cur, [orphan_count(table, fk) for table, fk in keys])
    return len(keys), {(table.name, fk.name): int(count)
                       for (table, fk), (count,) in zip(keys, counts) if count}


def orphan_failures(model: Schema, found: Orphans, allowed: Orphans) -> list[CheckResult]:
    """A failure per foreign key with more orphan rows than ``allowed`` (those the data had
    before the change, under the key's name now)."""
    out = []
    for (table, name), count in sorted(found.items()):
        before = allowed.get((table, name), 0)
        if count <= before:
            continue
        fk = model.table(table).foreign_key(name)
        already = f" ({before} already before)" if before else ""
        out.append(CheckResult(
            "foreign key", f"{table}.{name}", False,
            f"{table}.{name}: {count} row(s) of {table}({', '.join(fk.columns)}) have no "
            f"{fk.ref_table}({', '.join(fk.ref_columns)}){already}",
            {"orphans": count, "before": before}))
    return out


def orphans_at_end(found: Lineage, before: Orphans) -> Orphans:
    """Orphan counts keyed by the names their tables have after the proposal."""
    return {(found.table_at_end(t), n): c for (t, n), c in before.items()
            if found.table_at_end(t)}


def assertion_before(cur, rendered: RenderedAssertion) -> Digest | None:
    return query_digest(cur, rendered.before) if rendered.before else None


def assertion_result(cur, rendered: RenderedAssertion, before: Digest | None) -> CheckResult:
    name, expect = rendered.name, rendered.expect
    if expect == "same":
        after = query_digest(cur, rendered.after)
        ok = after == before
        message = (f"assertion {name}: the result is the same before and after "
                   f"({after.rows} row(s))" if ok else
                   f"assertion {name} failed: {before.rows} row(s) before, {after.rows} after"
                   + ("" if before.rows != after.rows else ", with different values"))
        return CheckResult("assertion", name, ok, message,
                           {"before": before.to_dict(), "after": after.to_dict()})
    if expect == "empty":
        cur.execute(f"SELECT COUNT(*) FROM ({rendered.after}) AS {ident('q')}")
        count = int(cur.fetchone()[0])
        return CheckResult("assertion", name, count == 0,
                           f"assertion {name}: " + ("no rows, as expected" if not count else
                                                    f"failed: expected no rows, got {count}"),
                           {"rows": count})
    cur.execute(rendered.after)
    row = cur.fetchone()
    value = row[0] if row else None
    ok = value is not None and Decimal(str(value)) == Decimal(str(expect))
    return CheckResult("assertion", name, ok,
                       f"assertion {name}: " + (f"{value}, as expected" if ok else
                                                f"failed: expected {expect}, got {value}"),
                       {"expected": expect, "actual": None if value is None else str(value)})


def move_result(check: MoveCheck, source: Digest, target_before: Digest | None,
                target_after: Digest, values: tuple[list[str], list[str]] | None = None
                ) -> CheckResult:
    """Digests compared, and the values row by row when they were fetched (``values``: those
    that left and those that arrived, each sorted): the first differing row is named."""
    arrived = target_after - target_before if check.grows and target_before else target_after
    ok = arrived == source
    unit = check.unit
    differing = first_difference(*values) if values else None
    if differing and ok:
        ok = False  # equal digests, yet the values differ: the checksum missed it
    if differing:
        message = (f"{check.label}: {check.what}: {source.rows} {unit} left, {arrived.rows} "
                   f"arrived; first differing row: {differing}")
    elif ok:
        message = f"{check.label}: {check.what}: all {source.rows} {unit} arrived"
    elif arrived.rows == source.rows:
        message = (f"{check.label}: {check.what}: {source.rows} {unit} left, as many arrived "
                   "but with other values")
    else:
        message = (f"{check.label}: {check.what}: {source.rows} {unit} left, "
                   f"{arrived.rows} arrived")
    return CheckResult("moved values", f"{check.label}: {check.what}", ok, message,
                       {"left": source.to_dict(), "arrived": arrived.to_dict()})


def first_difference(left: list[str], arrived: list[str]) -> str | None:
    """The first row, in key order, that left and did not arrive (and what arrived in its
    place), or that arrived without having left; None when the two agree."""
    missing = sorted((Counter(left) - Counter(arrived)).elements())
    extra = sorted((Counter(arrived) - Counter(left)).elements())
    if missing and extra:
        return f"{_clip(missing[0])} left, {_clip(extra[0])} arrived in its place"
    if missing:
        return f"{_clip(missing[0])} left and did not arrive"
    if extra:
        return f"{_clip(extra[0])} arrived but did not leave"
    return None


def _clip(text: str) -> str:
    return text if len(text) <= 120 else text[:117] + "…"


def _written(table: str, column: str, writers: dict[tuple[str, str | None], list[str]]
             ) -> str:
    steps = writers.get((table, column), []) + writers.get((table, None), [])
    return f"{column} (written by {', '.join(steps)})" if steps else column


def restored(base: Schema, unrestored: dict[tuple[str, str | None], str],
             writers: dict[tuple[str, str | None], list[str]],
             before: dict[str, TableDigest],
             after: dict[str, TableDigest]) -> tuple[list[CheckResult], list[str]]:
    """Failures, and notes on what the rollback does not claim to restore (``unrestored``:
    (table, column or None) -> why; ``writers``: column, or (table, None) for rows -> the
    steps that write them)."""
    failures, notes = [], []
    for table in base.tables:
        old, new, name = before[table.name], after[table.name], table.name
        if old.whole == new.whole:
            continue
        if (name, None) in unrestored:
            notes.append(f"{name}: not restored, as declared: {unrestored[(name, None)]}")
            continue
        changed = [c for c in old.columns if old.columns[c] != new.columns.get(c)]
        excused = [c for c in changed if (name, c) in unrestored]
        notes += [f"{name}.{c}: not restored, as declared: {unrestored[(name, c)]}"
                  for c in excused]
        rest = [c for c in changed if c not in excused]
        if old.whole.rows != new.whole.rows:
            message = (f"{name}: {old.whole.rows} row(s) before the forward script, "
                       f"{new.whole.rows} after the rollback")
        elif rest or not old.columns:
            message = f"{name}: rows differ after the rollback" + (
                f" in column(s) {', '.join(_written(name, c, writers) for c in rest)}"
                if rest else "")
        else:
            continue
        failures.append(CheckResult("restored", name, False, message,
                                    {"before": old.whole.rows, "after": new.whole.rows,
                                     "columns": rest}))
    return failures, notes
