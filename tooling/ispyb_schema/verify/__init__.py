# SPDX-License-Identifier: LGPL-3.0-or-later
"""Verification on a real MariaDB: forward, compare, check, roll back — and applying for real."""
from .record import FORMAT, ProposalRun, StepResult, VerifyReport
from .session import verify_proposals

__all__ = ["FORMAT", "ProposalRun", "StepResult", "VerifyReport", "verify_proposals"]
