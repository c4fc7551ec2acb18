# SPDX-License-Identifier: LGPL-3.0-or-later
"""The schema model: tables, columns, keys, views — plain data, no I/O."""
from .diff import Change, SchemaDiff, TableDiff, diff_schemas, diff_tables
from .schema import (
    FK_ACTIONS,
    INDEX_KINDS,
    Check,
    Column,
    ForeignKey,
    Generated,
    Index,
    IndexPart,
    Schema,
    Table,
    View,
)
from .types import ColumnType, TypeSyntaxError

__all__ = [
    "FK_ACTIONS", "INDEX_KINDS", "Change", "Check", "Column", "ColumnType", "ForeignKey",
    "Generated", "Index", "IndexPart", "Schema", "SchemaDiff", "Table", "TableDiff",
    "TypeSyntaxError", "View", "diff_schemas", "diff_tables",
]
