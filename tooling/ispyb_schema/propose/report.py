# SPDX-License-Identifier: LGPL-3.0-or-later
"""``diff --format report|json``: what differs between two schemas, table by table and attribute
by attribute, for people (text) and programs (JSON)."""
from __future__ import annotations

from typing import Any

from ..model import Schema, diff_schemas
from ..model.diff import Change
from .diff import SchemaSteps


def _value(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    from ..model.serialize import (column_to_dict, fk_to_dict, index_to_dict, view_to_dict)
    from ..model import Column, ForeignKey, Index, View

    for kind, to_dict in ((Column, column_to_dict), (Index, index_to_dict),
                          (ForeignKey, fk_to_dict), (View, view_to_dict)):
        if isinstance(value, kind):
            return to_dict(value)
    return str(value)


def _change(change: Change) -> dict[str, Any]:
    what, _, attribute = change.path.rpartition(".") if change.kind == "changed" else (
        change.path, "", "")
    return {"kind": change.kind, "object": what or change.path, "attribute": attribute or None,
            "old": _value(change.before), "new": _value(change.after)}


def report_data(old: Schema, new: Schema, old_label: str, new_label: str,
                steps: SchemaSteps) -> dict[str, Any]:
    diff = diff_schemas(old, new)
    return {
        "old": old_label,
        "new": new_label,
        "tables_only_in_old": diff.removed_tables,
        "tables_only_in_new": diff.added_tables,
        "tables_changed": {td.name: [_change(c) for c in td.changes]
                           for td in diff.changed_tables},
        "views": [_change(c) for c in diff.view_changes],
        "renames": steps.renames,
        "ambiguous_renames": steps.ambiguous,
        "not_expressible": [f"{d.loc}: {d.message}" for d in steps.problems],
        "steps": len(steps.steps),
    }


def report_text(data: dict[str, Any]) -> str:
    lines = [f"OLD: {data['old']}", f"NEW: {data['new']}", ""]

    def names(title: str, items: list[str]) -> None:
        lines.append(f"{title} ({len(items)})" + (":" if items else ""))
        lines.extend(f"  {item}" for item in items)

    names("tables only in OLD", data["tables_only_in_old"])
    names("tables only in NEW", data["tables_only_in_new"])
    lines.append(f"tables that differ ({len(data['tables_changed'])})"
                 + (":" if data["tables_changed"] else ""))
    for table, changes in data["tables_changed"].items():
        lines.append(f"  {table}")
        for c in changes:
            lines.append("    " + _line(c))
    if data["views"]:
        lines.append(f"views that differ ({len(data['views'])}):")
        lines.extend("  " + _line(c) for c in data["views"])
    for key, title in (("renames", "renames detected"),
                       ("ambiguous_renames", "rename candidates left as drop + add"),
                       ("not_expressible", "differences no operation can express")):
        if data[key]:
            names(title, data[key])
    return "\n".join(lines) + "\n"


def _line(c: dict[str, Any]) -> str:
    if c["kind"] == "added":
        return f"+ {c['object']} (only in NEW)"
    if c["kind"] == "removed":
        return f"- {c['object']} (only in OLD)"
    return f"~ {c['object']} {c['attribute']}: {c['old']!r} -> {c['new']!r}"
