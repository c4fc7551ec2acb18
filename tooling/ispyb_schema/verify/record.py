# SPDX-License-Identifier: LGPL-3.0-or-later
"""The verification record: what ran, how long it took and what it found, as JSON.

The format is versioned (``FORMAT``) and documented in the README section "Verification
record"; a change that removes or renames a key gets a new version number.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = "ispyb-schema/verify-result/1"


@dataclass
class StepResult:
    name: str
    ok: bool
    seconds: float
    details: dict = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "ok": self.ok, "seconds": round(self.seconds, 3),
                "details": self.details, "error": self.error}


@dataclass
class ProposalRun:
    proposal_id: str  # the proposal's id, or "all" for the run of all of them together
    file: str | None
    ok: bool = True
    steps: list[StepResult] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)  # in the order applied
    database: str | None = None  # the scratch database, when kept

    def to_dict(self) -> dict:
        return {"proposal": self.proposal_id, "file": self.file, "proposals": self.proposals,
                "ok": self.ok, "database": self.database,
                "seconds": round(sum(s.seconds for s in self.steps), 3),
                "steps": [s.to_dict() for s in self.steps]}


@dataclass
class VerifyReport:
    ok: bool
    runs: list[ProposalRun]
    baseline: dict = field(default_factory=dict)  # source, tables, fingerprint
    fixtures: list[str] = field(default_factory=list)
    server: dict = field(default_factory=dict)  # kind, version
    started: str = ""  # UTC, ISO 8601
    seconds: float = 0.0
    tool_version: str = ""

    def to_dict(self) -> dict:
        return {"format": FORMAT, "ok": self.ok,
                "tool": {"name": "ispyb-schema", "version": self.tool_version},
                "started": self.started, "seconds": round(self.seconds, 3),
                "server": self.server, "baseline": self.baseline, "fixtures": self.fixtures,
                "runs": [r.to_dict() for r in self.runs]}

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=False) + "\n",
                             encoding="utf-8")
        temporary.replace(path)
