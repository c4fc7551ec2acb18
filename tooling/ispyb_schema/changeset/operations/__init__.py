# SPDX-License-Identifier: LGPL-3.0-or-later
"""The operations a proposal's steps are made of, one registry keyed by YAML name."""
from . import columns, data, enums, indexes, keys, merge, raw, tables, views  # noqa: F401 register
from .base import (
    REGISTRY,
    Clause,
    ColumnChange,
    DataLoss,
    NotReversible,
    Operation,
    Piece,
    Statement,
    Where,
)

__all__ = ["REGISTRY", "Clause", "ColumnChange", "DataLoss", "NotReversible", "Operation", "Piece",
           "Statement", "Where"]
