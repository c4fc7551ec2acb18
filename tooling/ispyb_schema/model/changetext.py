# SPDX-License-Identifier: LGPL-3.0-or-later
"""Changes said readably: an enum's removed and added values rather than both lists, and a long
text's differing part first rather than the two texts in full."""
from __future__ import annotations

from .types import ColumnType

LONG = 200  # a message part longer than this shows the difference, not the whole


def type_change(a: ColumnType, b: ColumnType) -> str:
    """``from A to B``; for two enums (or sets): the values removed, added or reordered."""
    if a.base == b.base and a.base in ("enum", "set") and a.values != b.values:
        removed = [v for v in a.values if v not in b.values]
        added = [v for v in b.values if v not in a.values]
        parts = [f"removes {_listed(removed)}"] if removed else []
        parts += [f"adds {_listed(added)}"] if added else []
        if not parts:
            parts = ["reorders its values"]
        return f"{a.base} of {len(a.values)} values {' and '.join(parts)} (now {len(b.values)})"
    text = f"from {a} to {b}"
    return text if len(text) <= LONG else f"from {_short(a)} to {_short(b)}"


def change_difference(before, after) -> str:
    """``before -> after`` of a changed attribute, types in MariaDB's spelling; an enum or set
    list as the values it removes and adds; a long text with its differing part first."""
    if isinstance(before, ColumnType) and isinstance(after, ColumnType) and \
            before.base == after.base and before.base in ("enum", "set"):
        return type_change(before, after)
    shown = [str(v) if isinstance(v, ColumnType) else repr(v) for v in (before, after)]
    return difference(*shown)


def difference(before: str, after: str) -> str:
    """``before -> after``, or, when that is long, the part that differs first with a little
    context (``…'Mesh', ['Burn' -> 'Laue'], 'MAD'…``)."""
    whole = f"{before} -> {after}"
    if len(whole) <= LONG:
        return whole
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    head = before[max(0, start - 30):start]
    tail = before[len(before) - end:][:30]
    changed = f"[{before[start:len(before) - end][:80]} -> {after[start:len(after) - end][:80]}]"
    return f"{'…' if start > 30 else ''}{head}{changed}{tail}{'…' if end > 30 else ''}"


def _listed(values: list[str]) -> str:
    shown = ", ".join(repr(v) for v in values[:10])
    return shown + (f" and {len(values) - 10} more" if len(values) > 10 else "")


def _short(t: ColumnType) -> str:
    return f"{t.base} of {len(t.values)} values" if t.values else str(t)
