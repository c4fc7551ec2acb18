# SPDX-License-Identifier: LGPL-3.0-or-later
"""Across proposals: conflicts between open proposals, and the release train.

Two open proposals conflict when they change the same table, column, index or key and do not
apply one after the other in both orders to the same result. The release train is every
accepted proposal in dependency order, applied one after the other on each baseline: what the
next release would run.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..changeset.validate import Validation, dependencies
from ..errors import Diagnostic
from ..model import Schema, diff_schemas

OPEN = ("draft", "under review", "accepted")
RELEASED = ("accepted", "applied")


@dataclass(frozen=True)
class Conflict:
    """``other`` is the proposal at fault: the one whose steps fail (or give another result)
    next to this one's. ``dependents``: the open proposals that reach it through
    ``depends_on`` (their own walks fail because of it). ``through``: this proposal's own
    dependency that fails next to ``other`` (then this proposal is affected, not at fault)."""

    other: str
    items: frozenset  # what both change: (table, None) or (table, "column x"), …
    why: str
    dependents: tuple[str, ...] = ()
    through: str = ""

    @property
    def names(self) -> list[str]:
        return sorted(f"{t}.{i.split(' ', 1)[1]}" if i and i.startswith("column ") else
                      f"{t} {i}" if i else t for t, i in self.items)


@dataclass(frozen=True)
class TrainStop:
    """Where the release train breaks on one baseline."""

    baseline: str
    proposal: str
    diagnostic: Diagnostic


def touched(before: Schema, after: Schema) -> set[tuple[str, str | None]]:
    """(table, None) for tables created or dropped; (table, item) for each column, index,
    foreign key or table option that differs."""
    out: set[tuple[str, str | None]] = set()
    for name in set(before.table_names()) | set(after.table_names()):
        a, b = before.table(name), after.table(name)
        if a is None or b is None:
            out.add((name, None))
        elif a != b:
            for kind, items in (("column", "columns"), ("index", "indexes"),
                                ("foreign key", "foreign_keys")):
                old = {i.name.lower(): i for i in getattr(a, items)}
                new = {i.name.lower(): i for i in getattr(b, items)}
                out |= {(name, f"{kind} {(old.get(n) or new[n]).name}")
                        for n in old.keys() | new.keys() if old.get(n) != new.get(n)}
            if (a.comment, a.charset, a.collation, a.engine) != \
                    (b.comment, b.charset, b.collation, b.engine):
                out.add((name, "options"))
    return out


def overlap(mine: set, theirs: set) -> frozenset:
    """What both change; a table one of them creates or drops covers all of it."""
    common = set()
    for a in mine:
        for b in theirs:
            if a[0].lower() == b[0].lower() and None in (a[1], b[1]) or a == b:
                common.add(a if a[1] else b)
    return frozenset(common)


class Portfolio:
    """All the project's proposals, validated together, and the baselines of the train."""

    def __init__(self, validation: Validation, baselines: dict[str, Schema]) -> None:
        self.validation, self.baselines = validation, baselines

    def _valid(self, pid: str) -> bool:
        walk = self.validation.walks.get(pid)
        return walk is not None and not walk.diagnostics

    @cached_property
    def _touched(self) -> dict[str, set]:
        v = self.validation
        return {pid: touched(v.bases[pid], v.walks[pid].model)
                for pid in v.order if self._valid(pid)}

    def _related(self, a: str, b: str) -> bool:
        return a in dependencies(self.validation, b) or b in dependencies(self.validation, a)

    def conflicts(self, pid: str) -> list[Conflict]:
        """The open proposals ``pid`` conflicts with, each named by the proposal at fault: when
        the walk that fails is a dependency's, the conflict is with that dependency (of the
        other proposal: named instead of it; of ``pid``: ``through``)."""
        proposals = self.validation.proposals
        if pid not in self._touched or proposals[pid].status not in OPEN:
            return []
        found: dict[tuple[str, str], Conflict] = {}
        for other in self._touched:
            if other == pid or proposals[other].status not in OPEN or self._related(pid, other):
                continue
            items = overlap(self._touched[pid], self._touched[other])
            if not items:
                continue
            why, failed = self._incompatible(pid, other)
            if not why:
                continue
            mine = dependencies(self.validation, pid)
            if failed in mine:  # pid's dependency fails next to other: pid is not at fault
                items = overlap(self._touched.get(failed, set()), self._touched[other]) or items
                found.setdefault((other, failed), Conflict(other, items, why, through=failed))
            elif failed and failed not in (pid, other):  # other's dependency fails next to pid
                items = overlap(self._touched[pid], self._touched.get(failed, set())) or items
                key = (failed, "")
                known = found.get(key) or Conflict(failed, items, why)
                found[key] = Conflict(known.other, known.items, known.why,
                                      tuple(sorted({*known.dependents, other})))
            else:
                key = (other, "")
                known = found.get(key)
                found[key] = Conflict(other, items, why, known.dependents if known else ())
        return list(found.values())

    def _after(self, first: str, then: str) -> tuple[Schema | None, str, str]:
        """The model after ``first`` and then ``then`` (with its own dependencies); when one
        of them fails: None, why, and the proposal whose walk failed."""
        v = self.validation
        done = set(dependencies(v, first)) | {first}
        model = v.walks[first].model
        for pid in [d for d in dependencies(v, then) if d not in done] + [then]:
            walk = v.over(pid, model)
            if walk.diagnostics:
                role = "" if pid == then else f" (which {then} depends on)"
                return None, f"after {first}, {pid}{role} fails: {walk.diagnostics[0]}", pid
            model = walk.model
        return model, "", ""

    def _incompatible(self, a: str, b: str) -> tuple[str, str]:
        """Why ``a`` and ``b`` do not apply in both orders to one result ("" if they do),
        and the proposal whose walk failed ("" when both orders run and differ)."""
        ab, why, failed = self._after(a, b)
        if ab is None:
            return why, failed
        ba, why, failed = self._after(b, a)
        if ba is None:
            return why, failed
        diff = diff_schemas(ab, ba)
        return (f"the result depends on the order: {diff.changes()[0]}" if diff else ""), ""

    @cached_property
    def train_order(self) -> list[str]:
        """The accepted proposals in dependency order."""
        return [p for p in self.validation.order
                if self.validation.proposals[p].status == "accepted"]

    @cached_property
    def train(self) -> list[TrainStop]:
        """Where the release train breaks, on each baseline where it does."""
        stops = []
        for label, model in self.baselines.items():
            for pid in self.train_order:
                walk = self.validation.over(pid, model)
                if walk.diagnostics:
                    stops.append(TrainStop(label, pid, walk.diagnostics[0]))
                    break
                model = walk.model
        return stops
