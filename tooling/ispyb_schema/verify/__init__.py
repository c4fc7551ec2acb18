# SPDX-License-Identifier: LGPL-3.0-or-later
"""Verification on a real MariaDB: forward, compare, check, roll back — and applying for real.

The names below are imported when first asked for, so that ``apply`` (``verify.apply``) does
not load the verification session's stack."""
from __future__ import annotations

import importlib

_NAMES = {"FORMAT": ".record", "ProposalRun": ".record", "StepResult": ".record",
          "VerifyReport": ".record", "verify_proposals": ".session"}

__all__ = sorted(_NAMES)


def __getattr__(name: str):
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_NAMES[name], __name__), name)
    globals()[name] = value
    return value
