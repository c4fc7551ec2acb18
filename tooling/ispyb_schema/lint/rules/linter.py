# SPDX-License-Identifier: LGPL-3.0-or-later
"""0xx: the linter's own input."""
from __future__ import annotations

from ..registry import Finding, rule


@rule(code="ISP001", name="bad-suppression", severity="error",
      summary="a lint-ignore comment names an unknown rule or gives no reason")
def bad_suppression(ctx):
    """Write ``# lint-ignore ISP102: why this finding does not apply`` anywhere in the
    proposal: the code (or several, separated by commas) and, after a colon, the reason
    reviewers will read. The suppressed findings are still listed, marked suppressed."""
    for loc, message in ctx.suppressions.problems:
        yield Finding(loc, message)
