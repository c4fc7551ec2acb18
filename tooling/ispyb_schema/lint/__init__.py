# SPDX-License-Identifier: LGPL-3.0-or-later
"""Lint: what a proposal risks, rule by rule — data loss, data-dependent failures, table
rebuilds and locks, Galera, ISPyB conventions, views and routines, other proposals."""
from .docs import rule_pages
from .registry import RULES, Finding, rule
from .run import LintFinding, LintReport, lint_proposals

__all__ = ["RULES", "Finding", "LintFinding", "LintReport", "lint_proposals", "rule",
           "rule_pages"]
