# SPDX-License-Identifier: LGPL-3.0-or-later
"""The lint rule registry: each rule is one small generator registered with its stable code.

A rule receives a :class:`~.context.LintContext` and yields :class:`Finding` records (where,
what); the runner adds the code, name and severity, so a rule never decides its own severity
or reads configuration. Codes come in bands: 0xx the linter itself, 1xx data loss, 2xx
data-dependent, 3xx algorithm and locks, 4xx Galera, 5xx ISPyB conventions, 6xx views and
routines, 7xx across proposals. A retired code is never reused.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from ..errors import SourceLoc

SEVERITIES = ("error", "warning", "notice")
BANDS = {"0": "the linter", "1": "data loss", "2": "data-dependent", "3": "algorithm and locks",
         "4": "Galera cluster", "5": "ISPyB conventions", "6": "views and routines",
         "7": "across proposals"}
_CODE = re.compile(r"ISP[0-7]\d\d")


@dataclass(frozen=True)
class Finding:
    """What a rule reports: where in the proposal, and one line naming the table/column."""

    loc: SourceLoc | None
    message: str


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    check: Callable[..., Iterator[Finding]]

    @property
    def band(self) -> str:
        return BANDS[self.code[3]]

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")


RULES: dict[str, Rule] = {}


def rule(*, code: str, name: str, severity: str, summary: str):
    """Register a rule function under ``code``; codes and names are declared once."""
    if not _CODE.fullmatch(code):
        raise ValueError(f"rule code {code!r} is not ISP followed by a band digit 0-7 and two "
                         "digits")
    if severity not in SEVERITIES:
        raise ValueError(f"{code}: severity must be one of {SEVERITIES}")

    def register(func):
        if code in RULES or any(r.name == name for r in RULES.values()):
            raise ValueError(f"rule {code} ({name}) is registered twice")
        RULES[code] = Rule(code, name, severity, summary, func)
        return func
    return register
