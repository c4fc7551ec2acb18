# SPDX-License-Identifier: LGPL-3.0-or-later
"""The gate's human summary: errors and warnings at their file:line:col, one line per
proposal, the verdict."""
from __future__ import annotations

from .result import CHECKS, GateResult


def to_text(gate: GateResult, notices: bool = False) -> str:
    """Suppressed findings are counted, not listed (the report files list them)."""
    lines = [str(f) for f in gate.findings
             if (notices or f.level != "notice") and not f.suppressed]
    suppressed = sum(bool(f.suppressed) for f in gate.findings)
    if lines:
        lines.append("")
    for proposal in gate.proposals():
        parts = []
        for check in CHECKS:
            result = gate.status(proposal, check)
            if result:
                parts.append(f"{check} {result.status}")
        lines.append(f"{proposal}: {', '.join(parts)}")
    if gate.train:
        lines.append(f"release train: {' -> '.join(gate.train)}")
    lines += gate.notes
    counts = gate.counts()
    summary = (f"{counts['error']} errors, {counts['warning']} warnings, {counts['notice']} "
               "notices" + (f", {suppressed} suppressed" if suppressed else ""))
    lines.append(f"gate {'passed' if gate.ok else 'FAILED'}: {summary}")
    return "\n".join(lines) + "\n"
