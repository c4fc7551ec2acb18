# SPDX-License-Identifier: LGPL-3.0-or-later
"""The human summary of a verification: one line per run, then what failed, in full."""
from __future__ import annotations

from .record import VerifyReport


def summary_lines(report: VerifyReport) -> list[str]:
    width = max((len(r.proposal_id) for r in report.runs), default=0)
    lines = []
    for run in report.runs:
        seconds = sum(s.seconds for s in run.steps)
        failed = [s for s in run.steps if not s.ok]
        name = run.proposal_id.ljust(width)
        if run.proposal_id == "all":
            name += f"  ({' -> '.join(run.proposals)})"
        if run.ok:
            lines.append(f"  {name}  verified  {len(run.steps)} stages  {seconds:.1f} s")
        else:
            where = ", ".join(s.name for s in failed)
            lines.append(f"  {name}  FAILED at {where}  {seconds:.1f} s")
        for step in failed:
            lines.append(f"    {step.name}:")
            lines += [f"      {line}" for line in (step.error or "").splitlines()]
        if run.database:
            lines.append(f"    kept scratch database: {run.database}")
    verified = sum(r.ok for r in report.runs)
    where = (f" on a {report.server.get('nodes')}-node Galera cluster"
             if report.server.get("kind") == "galera" else "")
    lines.append(f"{verified} of {len(report.runs)} run(s) verified{where} in "
                 f"{report.seconds:.1f} s")
    return lines
