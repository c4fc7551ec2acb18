# SPDX-License-Identifier: LGPL-3.0-or-later
"""In-file suppression: ``# lint-ignore ISP102: the column was never written`` anywhere in a
proposal turns that code's findings for the proposal into suppressed ones (still reported,
with the reason). A suppression must name known codes and give a reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceLoc

_COMMENT = re.compile(r"(?:^|\s)#\s*lint-ignore\b(?P<rest>.*)$")
_HEAD = re.compile(r"\s*(?P<codes>[A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*)\s*(?::\s*(?P<reason>.*))?$")


@dataclass(frozen=True)
class Suppression:
    code: str
    reason: str
    loc: SourceLoc


@dataclass
class Suppressions:
    by_code: dict[str, Suppression] = field(default_factory=dict)
    problems: list[tuple[SourceLoc, str]] = field(default_factory=list)

    def reason(self, code: str) -> str | None:
        found = self.by_code.get(code)
        return found.reason if found else None


def read_suppressions(file: str, known_codes) -> Suppressions:
    """The ``# lint-ignore`` comments of ``file``; malformed ones become problems."""
    result = Suppressions()
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return result
    for number, line in enumerate(lines, start=1):
        comment = _COMMENT.search(line)
        if not comment:
            continue
        loc = SourceLoc(file, number, comment.start() + 1 + (line[comment.start()] != "#"))
        head = _HEAD.match(comment["rest"])
        if not head or not (head["reason"] or "").strip():
            result.problems.append((loc, "a suppression reads '# lint-ignore CODE[, CODE…]: "
                                         "reason' and must give its reason"))
            continue
        for code in (c.strip().upper() for c in head["codes"].split(",")):
            if code not in known_codes:
                result.problems.append((loc, f"lint-ignore names unknown rule {code!r}"))
            else:
                result.by_code[code] = Suppression(code, head["reason"].strip(), loc)
    return result
