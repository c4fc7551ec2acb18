# SPDX-License-Identifier: LGPL-3.0-or-later
"""Who uses a table or column: views and foreign keys, read from the model."""
from __future__ import annotations

from ...model import Schema, Table
from ..sqlcheck import view_references


def view_users(model: Schema, table: str, column: str | None = None) -> list[str]:
    """Names of the views that read ``table`` (or ``table.column``)."""
    wanted = (table.lower(), column.lower() if column else None)
    users = []
    for view in model.views:
        refs = {(t.lower(), c.lower() if c else None) for t, c in view_references(view.definition)}
        if wanted in refs:
            users.append(view.name)
    return users


def foreign_keys_using(model: Schema, table: str, column: str) -> list[tuple[str, bool]]:
    """``(table.fk, own)`` for every foreign key that has ``table.column`` as a referencing
    column (own) or as a referenced one."""
    name = column.lower()
    found = [(f"{table}.{fk.name}", True) for fk in model.table(table).foreign_keys
             if name in (c.lower() for c in fk.columns)]
    return found + [(f"{other.name}.{fk.name}", False) for other, fk in model.referencing(table)
                    if name in (c.lower() for c in fk.ref_columns)]


def covering_index(table: Table, columns, exclude: str | None = None):
    """An index of ``table`` whose leading columns are ``columns`` (what InnoDB needs for a
    foreign key), other than the one named ``exclude``."""
    wanted = [c.lower() for c in columns]
    for index in table.indexes:
        if exclude and index.name.lower() == exclude.lower():
            continue
        lead = [p.column.lower() for p in index.parts[:len(wanted)]]
        if lead == wanted and not any(p.length for p in index.parts[:len(wanted)]):
            return index
    return None


def unique_key_on(table: Table, columns):
    """The PRIMARY or UNIQUE key of ``table`` made of exactly ``columns``, in that order."""
    wanted = [c.lower() for c in columns]
    for index in table.indexes:
        if index.is_unique and [c.lower() for c in index.columns] == wanted:
            return index
    return None
