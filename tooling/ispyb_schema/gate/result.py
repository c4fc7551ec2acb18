# SPDX-License-Identifier: LGPL-3.0-or-later
"""What the gate found: one result per proposal and check (validate, lint, verify), each with
its findings, and the verdict. Every output format reads this."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import SourceLoc

CHECKS = ("validate", "lint", "verify")
LEVELS = ("error", "warning", "notice")


@dataclass(frozen=True)
class GateFinding:
    check: str
    code: str      # E101, ISP102, VERIFY
    level: str     # error, warning or notice
    message: str
    loc: SourceLoc | None
    suppressed: str | None = None  # the reason, for lint findings a lint-ignore covers

    @property
    def blocking(self) -> bool:
        return self.level == "error" and not self.suppressed

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        if self.suppressed:
            return (f"{where}suppressed[{self.code}]: {self.message} (suppressed: "
                    f"{self.suppressed}; a {self.level} otherwise)")
        return f"{where}{self.level}[{self.code}]: {self.message}"

    def to_dict(self) -> dict:
        loc = self.loc
        return {"check": self.check, "code": self.code, "level": self.level,
                "message": self.message, "file": loc.file if loc else None,
                "line": loc.line if loc else None, "column": loc.column if loc else None,
                "suppressed": self.suppressed}


@dataclass
class CheckResult:
    """One check of one proposal; ``status`` is passed, failed, skipped or unavailable."""

    proposal: str
    file: str | None
    check: str
    status: str
    findings: list[GateFinding] = field(default_factory=list)
    note: str = ""  # why it was skipped or unavailable

    def to_dict(self) -> dict:
        return {"proposal": self.proposal, "file": self.file, "check": self.check,
                "status": self.status, "note": self.note,
                "findings": [f.to_dict() for f in self.findings]}


@dataclass
class GateResult:
    results: list[CheckResult] = field(default_factory=list)
    train: list[str] = field(default_factory=list)  # accepted proposals, dependency order
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(r.status == "failed" for r in self.results)

    @property
    def findings(self) -> list[GateFinding]:
        return [f for r in self.results for f in r.findings]

    def counts(self) -> dict[str, int]:
        live = [f for f in self.findings if not f.suppressed]
        return {level: sum(f.level == level for f in live) for level in LEVELS}

    def proposals(self) -> list[str]:
        return list(dict.fromkeys(r.proposal for r in self.results))

    def status(self, proposal: str, check: str) -> CheckResult | None:
        return next((r for r in self.results if r.proposal == proposal and r.check == check),
                    None)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "counts": self.counts(), "train": self.train,
                "notes": self.notes, "results": [r.to_dict() for r in self.results]}
