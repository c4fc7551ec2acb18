# SPDX-License-Identifier: LGPL-3.0-or-later
"""Claims a proposal makes about the upstream schema, stated so that the tool can check them
(``facts:`` in a proposal): a table or column present or absent, an enum value, a stored
routine reading a column, a role granted a privilege. :func:`check_facts` says which do not
hold on a baseline with its routines and grants."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import SourceLoc
from ..model import Schema


@dataclass(frozen=True)
class Fact:
    kind: str    # present | absent | enum_has | routine_reads | granted
    value: object  # "Table" / "Table.column", or the mapping the kind takes
    loc: SourceLoc | None = None

    def __str__(self) -> str:
        if isinstance(self.value, dict):
            return f"{self.kind}: " + ", ".join(f"{k}={v}" for k, v in self.value.items())
        return f"{self.kind}: {self.value}"


def facts_from_yaml(items, root) -> tuple[Fact, ...]:
    return tuple(Fact(kind, value, root.below("facts", i)()) for i, item in enumerate(items)
                 for kind, value in item.items())


def _split(name: str) -> tuple[str, str | None]:
    table, _, column = name.partition(".")
    return table, column or None


def _exists(model: Schema, name: str) -> bool:
    table, column = _split(name)
    found = model.table(table) or model.view(table)
    if found is None or column is None:
        return found is not None
    if hasattr(found, "column"):
        return found.column(column) is not None
    return False


def _enum_has(model: Schema, spec: dict) -> bool:
    table, column = _split(spec["column"])
    found = model.table(table)
    col = found.column(column) if found and column else None
    return col is not None and spec["value"] in (col.type.values or ())


def _routine_reads(index, spec: dict, model: Schema) -> bool:
    """The routine uses the table or column: the impact analysis's own search (aliases
    resolved, strings and parameters left out) finds it there."""
    from ..lint.impact import Target, object_hits

    table, column = _split(spec["column"])
    name = spec["routine"].lower()
    objects = [o for o in index.objects if o.name.lower() == name] if index else []
    target = Target(table, column, "checked", True, None)
    return any(object_hits(obj, [target], model) for obj in objects)


def _granted(index, spec: dict) -> bool:
    if not index:
        return False
    wanted = spec["privilege"].upper()
    return any(g.who.lower() == spec["role"].lower() and g.kind == "table" and
               g.table.lower() == spec["table"].lower() and wanted in g.privilege_names
               for g in index.grants)


def fact_holds(fact: Fact, model: Schema, index=None) -> bool:
    """Whether ``fact`` is true of ``model`` and of ``index`` (an ImpactIndex: the baseline's
    routines and grants)."""
    if fact.kind == "present":
        return _exists(model, fact.value)
    if fact.kind == "absent":
        return not _exists(model, fact.value)
    if fact.kind == "enum_has":
        return _enum_has(model, fact.value)
    if fact.kind == "routine_reads":
        return _routine_reads(index, fact.value, model)
    if fact.kind == "granted":
        return _granted(index, fact.value)
    raise ValueError(f"unknown fact {fact.kind!r}")


def check_facts(facts, model: Schema, index=None) -> list[str]:
    """``file:line:col: <fact> does not hold`` for each fact that is false."""
    return [f"{fact.loc}: {fact} does not hold on this baseline" for fact in facts
            if not fact_holds(fact, model, index)]
