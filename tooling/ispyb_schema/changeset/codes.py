# SPDX-License-Identifier: LGPL-3.0-or-later
"""The diagnostic codes, where the changeset stages have always found them: the one registry
is :mod:`ispyb_schema.codes`."""
from __future__ import annotations

from ..codes import CODES, RETIRED

__all__ = ["CODES", "RETIRED"]
