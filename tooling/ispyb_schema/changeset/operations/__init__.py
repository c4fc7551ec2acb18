# SPDX-License-Identifier: LGPL-3.0-or-later
"""The operations a proposal's steps are made of, one registry keyed by YAML name."""
from . import (  # noqa: F401 register
    checks,
    columns,
    data,
    enums,
    indexes,
    keys,
    merge,
    parents,
    raw,
    tables,
    views,
)
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
