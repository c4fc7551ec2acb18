# SPDX-License-Identifier: LGPL-3.0-or-later
"""The CI gate: validate, lint and verify the selected proposals, one result per proposal and
check. A proposal that does not validate is not linted or verified; without a database the
data checks and verify are skipped and say so; a stage that cannot run fails.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..baseline import load_schema
from ..changeset.validate import Validation, dependencies, validate
from ..errors import Diagnostic, EnvironmentProblem, SourceLoc
from ..harness.server import Server
from ..lint import lint_proposals
from ..lint.conflicts import Portfolio
from ..lint.impact import ImpactIndex
from ..lint.probe import DataSource
from ..lint.run import LintFinding
from ..progress import Progress
from .result import CheckResult, GateFinding, GateResult


@dataclass
class GateInputs:
    baseline_source: str
    fixtures: list[Path] = field(default_factory=list)
    server: Server | None = None  # None: no database (--no-db)
    impact: ImpactIndex | None = None
    other_proposals: list[Path] = field(default_factory=list)  # the rest of the project
    train_baselines: dict[str, str] = field(default_factory=dict)  # label -> source
    progress: Progress = field(default_factory=Progress)  # the command's display


def run_gate(selected: list[Path], inputs: GateInputs) -> GateResult:
    inputs.progress.phase("validate", f"{len(selected)} proposals")
    baseline = load_schema(inputs.baseline_source)
    validation = validate(list(selected) + list(inputs.other_proposals), baseline)
    gate = GateResult()
    wanted = _proposals_of(validation, selected)
    valid = {pid for pid, path in wanted.items() if _validate(gate, validation, pid, path)}
    baselines = {"the baseline": baseline}
    baselines.update({label: load_schema(src) for label, src in inputs.train_baselines.items()})
    portfolio = Portfolio(validation, baselines)
    gate.train = portfolio.train_order
    inputs.progress.phase("validate", f"{len(valid)} of {len(wanted)} valid", done=True)
    inputs.progress.phase("lint", f"{len(valid)} proposals"
                          + (" (data checks on the server)" if inputs.server else ""))
    data = DataSource(inputs.server, baseline, inputs.fixtures) if inputs.server else None
    report = lint_proposals(validation, sorted(valid), data=data, impact=inputs.impact,
                            portfolio=portfolio)
    for pid, path in wanted.items():
        if pid in valid:
            findings = [_from_lint(f) for f in report.results[pid].findings]
            status = "failed" if any(f.blocking for f in findings) else "passed"
            gate.results.append(CheckResult(pid, str(path), "lint", status, findings))
        else:
            gate.results.append(CheckResult(pid, str(path), "lint", "skipped",
                                            note="it does not validate"))
    inputs.progress.phase("lint", "done", done=True)
    _verify(gate, inputs, {pid: wanted[pid] for pid in wanted if pid in valid},
            [pid for pid in wanted if pid not in valid])
    return gate


def _proposals_of(validation: Validation, selected: list[Path]) -> dict[str, Path]:
    """id -> file for each selected file (the file's stem when it did not load)."""
    by_file = {Path(p.file).resolve(): pid for pid, p in validation.proposals.items()}
    return {by_file.get(Path(path).resolve(), Path(path).stem): Path(path) for path in selected}


def _validate(gate: GateResult, validation: Validation, pid: str, path: Path) -> bool:
    own = [d for d in validation.sorted_diagnostics()
           if d.loc and Path(d.loc.file).resolve() == path.resolve()]
    findings = [_from_diagnostic(d) for d in own]
    walk = validation.walks.get(pid)
    if not own and (walk is None or walk.diagnostics):
        broken = [d for d in dependencies(validation, pid) if validation.walks.get(d) is None or
                  validation.walks[d].diagnostics] if pid in validation.proposals else []
        why = f"depends on {', '.join(broken)}, which does not validate" if broken else \
            "it does not validate"
        findings.append(GateFinding("validate", "E503", "error", why,
                                    validation.proposals[pid].loc("depends_on")
                                    if pid in validation.proposals else None))
    gate.results.append(CheckResult(pid, str(path), "validate",
                                    "failed" if findings else "passed", findings))
    return not findings


def _from_diagnostic(d: Diagnostic) -> GateFinding:
    return GateFinding("validate", d.code, "error", d.message, d.loc)


def _from_lint(f: LintFinding) -> GateFinding:
    return GateFinding("lint", f.code, f.severity, f.message, f.loc, f.suppressed)


def _verify(gate: GateResult, inputs: GateInputs, valid: dict[str, Path],
            invalid: list[str]) -> None:
    for pid in invalid:
        gate.results.append(CheckResult(pid, None, "verify", "skipped",
                                        note="it does not validate"))
    if not valid:
        return
    if inputs.server is None:
        gate.notes.append("verify skipped: no database (--no-db)")
        gate.results += [CheckResult(pid, str(p), "verify", "skipped", note="--no-db")
                         for pid, p in valid.items()]
        return
    try:
        from ..verify import verify_proposals

        inputs.progress.phase("verify", f"{len(valid)} proposals on {inputs.server.describe()}")
        report = verify_proposals(list(valid.values()), inputs.baseline_source,
                                  inputs.fixtures, inputs.server, progress=inputs.progress)
    except (ImportError, EnvironmentProblem) as err:  # the stage could not run: it fails
        gate.notes.append(f"verify could not run: {err}")
        gate.results += [CheckResult(pid, str(p), "verify", "failed", [GateFinding(
            "verify", "VERIFY", "error", f"verify could not run: {err}",
            SourceLoc(str(p), 1, 1))], note=str(err)) for pid, p in valid.items()]
        return
    for run in report.runs:
        file = run.file or valid.get(run.proposal_id)
        loc = SourceLoc(str(file), 1, 1) if file else None
        findings = [GateFinding("verify", "VERIFY", "error", f"{step.name}: {step.error}", loc)
                    for step in run.steps if not step.ok]
        if not run.ok and not findings:
            findings.append(GateFinding("verify", "VERIFY", "error", "verification failed", loc))
        gate.results.append(CheckResult(run.proposal_id, run.file, "verify",
                                        "failed" if findings else "passed", findings))
