# SPDX-License-Identifier: LGPL-3.0-or-later
"""Running the rules over validated proposals: findings with code, severity and location,
suppressions applied, in file order."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..changeset.validate import Validation
from ..errors import SourceLoc
from . import rules  # noqa: F401  (registers the rules)
from .context import Alter, LintContext
from .registry import RULES
from .suppress import read_suppressions


@dataclass(frozen=True)
class LintFinding:
    code: str
    name: str
    severity: str
    message: str
    loc: SourceLoc | None
    proposal: str
    suppressed: str | None = None  # the reason of the lint-ignore that covers it

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        if self.suppressed:
            return (f"{where}suppressed[{self.code}]: {self.message} (suppressed: "
                    f"{self.suppressed}; a {self.severity} otherwise)")
        return f"{where}{self.severity}[{self.code}]: {self.message}"

    @property
    def blocking(self) -> bool:
        return self.severity == "error" and not self.suppressed

    def to_dict(self) -> dict:
        loc = self.loc
        return {"code": self.code, "name": self.name, "severity": self.severity,
                "message": self.message, "proposal": self.proposal,
                "file": loc.file if loc else None, "line": loc.line if loc else None,
                "column": loc.column if loc else None, "suppressed": self.suppressed}


@dataclass
class LintResult:
    proposal: str
    file: str
    findings: list[LintFinding] = field(default_factory=list)
    alters: list[Alter] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.blocking for f in self.findings)


@dataclass
class LintReport:
    results: dict[str, LintResult] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # id -> why it was not linted

    @property
    def findings(self) -> list[LintFinding]:
        return [f for r in self.results.values() for f in r.findings]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results.values())

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "proposals": {pid: {"file": r.file, "ok": r.ok,
                                "findings": [f.to_dict() for f in r.findings],
                                "alters": [{"table": a.table, "sql": a.sql(),
                                            "algorithm": a.prediction.algorithm,
                                            "lock": a.prediction.lock,
                                            "kinds": list(a.prediction.kinds),
                                            "uncertain": a.prediction.uncertain}
                                           for a in r.alters]}
                          for pid, r in self.results.items()},
            "skipped": self.skipped,
        }


def run_rules(ctx: LintContext) -> list[LintFinding]:
    findings = []
    for code in sorted(RULES):
        rule = RULES[code]
        reason = None if code == "ISP001" else ctx.suppressions.reason(code)
        findings += [LintFinding(code, rule.name, rule.severity, f.message, f.loc,
                                 ctx.proposal.id, reason) for f in rule.check(ctx)]
    return sorted(findings, key=lambda f: ((f.loc.line, f.loc.column) if f.loc else (0, 0),
                                           f.code))


def lint_proposals(validation: Validation, ids: list[str] | None = None, *, data=None,
                   impact=None, portfolio=None, foreign_key_checks: bool = True) -> LintReport:
    """Lint the validated proposals ``ids`` (default: all, in dependency order). ``data`` is a
    :class:`~.probe.DataSource`, ``impact`` an :class:`~.impact.ImpactIndex`, ``portfolio`` a
    :class:`~.conflicts.Portfolio`; each is optional."""
    report = LintReport()
    for pid in validation.order:
        if ids is not None and pid not in ids:
            continue
        walk = validation.walks.get(pid)
        if walk is None or walk.diagnostics:
            report.skipped[pid] = "it does not validate"
            continue
        proposal = validation.proposals[pid]
        ctx = LintContext.build(walk, impact=impact,
                                portfolio=portfolio, foreign_key_checks=foreign_key_checks,
                                suppressions=read_suppressions(proposal.file, RULES))
        if data is not None:
            ctx.data = data.check(ctx, validation)
        report.results[pid] = LintResult(pid, proposal.file, run_rules(ctx), ctx.alters)
    return report
