# SPDX-License-Identifier: LGPL-3.0-or-later
"""The CI gate: validate, lint and verify proposals; report as text, JSON, JUnit XML, SARIF
and markdown."""
from .result import CheckResult, GateFinding, GateResult
from .run import GateInputs, run_gate

__all__ = ["CheckResult", "GateFinding", "GateInputs", "GateResult", "run_gate"]
