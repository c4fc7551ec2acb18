# SPDX-License-Identifier: LGPL-3.0-or-later
"""Lint's algorithm check reads the cost model of :mod:`ispyb_schema.changeset.algorithm`
(which ALGORITHM and LOCK MariaDB 10.11 uses for each ALTER, with its sources).
``tests/test_lint_algorithm.py`` checks every kind and every example proposal on a server: the
prediction must succeed and the next cheaper algorithm (or lock) must be refused.
"""
from __future__ import annotations

from ..changeset.algorithm import (
    ALGORITHMS,
    COPY,
    INPLACE,
    INSTANT,
    KINDS,
    LOCKS,
    NEW_INDEX,
    NOCOPY,
    STRUCTURAL,
    Cost,
    Prediction,
    combine,
    predict,
)

__all__ = ["ALGORITHMS", "COPY", "INPLACE", "INSTANT", "KINDS", "LOCKS", "NEW_INDEX", "NOCOPY",
           "STRUCTURAL", "Cost", "Prediction", "combine", "predict"]
