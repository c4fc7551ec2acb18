# SPDX-License-Identifier: LGPL-3.0-or-later
"""How MariaDB 10.11 runs a column or index change online: the *kind* of one ALTER clause.

The operations classify their own clauses with these helpers (``Operation.alter_kinds``);
``lint.algorithm.KINDS`` gives each kind its cheapest algorithm and lock, with the sources.
"""
from __future__ import annotations

from ...model import Column, Table

_BYTES_PER_CHAR = {"latin1": 1, "ascii": 1, "binary": 1, "ucs2": 2, "utf8mb3": 3, "utf8": 3}
INDEX_KINDS = {"PRIMARY": "add primary key", "UNIQUE": "add unique key",
               "FULLTEXT": "add fulltext or spatial index",
               "SPATIAL": "add fulltext or spatial index"}


def drop_kind(table: Table, column: str) -> str:
    """The kind of dropping ``column``: its indexes decide."""
    indexes = [i for i in table.indexes if column.lower() in (c.lower() for c in i.columns)]
    if any(i.kind == "PRIMARY" for i in indexes):
        return "drop primary key column"
    if any(len(i.parts) > 1 for i in indexes):
        return "drop column of a multi-column index"
    return "drop indexed column" if indexes else "drop column"


def column_change(table: Table, old: Column, new: Column, moved: bool = False) -> set[str]:
    """The kinds of one MODIFY/CHANGE COLUMN from ``old`` to ``new`` in ``table``."""
    kinds = {"move column"} if moved else set()
    if old.name != new.name:
        kinds.add("rename column")
    kinds |= _type_kinds(table, old, new)
    if old.nullable and not new.nullable:
        kinds.add("make timestamp NOT NULL" if new.type.base == "timestamp" else "make NOT NULL")
    elif new.nullable and not old.nullable:
        kinds.add("make nullable")
    if (old.default, old.comment, old.on_update, old.check) != \
            (new.default, new.comment, new.on_update, new.check):
        kinds.add("change default, comment, ON UPDATE or CHECK")
    if old.generated != new.generated:
        virtual = old.generated and new.generated and not (old.generated.stored or
                                                           new.generated.stored)
        kinds.add("change virtual column expression" if virtual else "change type")
    if (old.compressed, old.auto_increment) != (new.compressed, new.auto_increment):
        kinds.add("change type")
    return kinds


def _indexed(table: Table, column: Column) -> bool:
    return any(column.name.lower() in (c.lower() for c in i.columns) for i in table.indexes)


def _type_kinds(table: Table, old: Column, new: Column) -> set[str]:
    a, b = old.type, new.type
    if table.effective_charset(old) != table.effective_charset(new):
        return {"change type"}
    kinds = set()
    if table.effective_collation(old) != table.effective_collation(new):
        kinds.add("change collation of an indexed column" if _indexed(table, old)
                  else "change collation")
    if a == b:
        return kinds
    if a.base == b.base == "varchar" and b.length > a.length:
        per_char = _BYTES_PER_CHAR.get((table.effective_charset(old) or "").lower(), 4)
        before, after = a.length * per_char, b.length * per_char
        # The length takes one byte up to 255 bytes; the two-byte form only reads values up to
        # 127 bytes the same way, so crossing 255 from above 127 rewrites the rows.
        if before <= 127 or before > 255 or after <= 255:
            return kinds | {"extend indexed varchar" if _indexed(table, old) else
                            "extend varchar"}
        return kinds | {"change type"}
    if a.is_integer and (a.base, a.unsigned, a.zerofill) == (b.base, b.unsigned, b.zerofill):
        return kinds | {"change integer display width"}
    if a.base == b.base and a.base in ("enum", "set") and len(b.values) > len(a.values) and \
            b.values[:len(a.values)] == a.values and \
            _member_bytes(a.base, len(a.values)) == _member_bytes(b.base, len(b.values)):
        return kinds | {"append enum or set values"}
    return kinds | {"change type"}


def _member_bytes(base: str, count: int) -> int:
    """Storage size of an enum (1 or 2 bytes) or a set (1, 2, 3, 4 or 8 bytes)."""
    if base == "enum":
        return 1 if count <= 255 else 2
    size = (count + 7) // 8
    return size if size <= 4 else 8
