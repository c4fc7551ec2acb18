# SPDX-License-Identifier: LGPL-3.0-or-later
"""The rules, one module per band; importing them registers them."""
from . import (  # noqa: F401
    algorithm,
    conventions,
    data,
    destructive,
    galera,
    linter,
    proposals,
    views,
)
