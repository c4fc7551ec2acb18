# SPDX-License-Identifier: LGPL-3.0-or-later
"""3xx: how each ALTER runs — in place, instantly, or by copying the table — and what it
locks, as predicted by :mod:`..algorithm`."""
from __future__ import annotations

from ..algorithm import COPY
from ..registry import Finding, rule

# The ISPyB tables with millions of rows at the facilities: rebuilding one takes hours.
LARGE_TABLES = frozenset("""
    DataCollection DataCollectionGroup Image ImageQualityIndicators GridInfo Position
    BLSample BLSubSample BLSampleImage BLSession
    AutoProc AutoProcIntegration AutoProcProgram AutoProcProgramAttachment AutoProcProgramMessage
    AutoProcScaling AutoProcScalingStatistics AutoProcScaling_has_Int AutoProcStatus
    ProcessingJob ProcessingJobParameter ProcessingJobImageSweep XRFFluorescenceMapping
""".split())


def describe(alter) -> str:
    steps = ", ".join(str(n) for n in sorted({s.number for s in alter.steps}))
    return (f"ALTER TABLE {alter.table} (step{'s' if ',' in steps else ''} {steps}): "
            f"{alter.prediction} — {', '.join(alter.prediction.kinds)}")


@rule(code="ISP300", name="alter-algorithm", severity="notice",
      summary="the algorithm and lock MariaDB 10.11 will use for an ALTER")
def alter_algorithm(ctx):
    """For each ALTER of the plan (clauses of consecutive steps on one table are folded into
    one statement), the algorithm MariaDB 10.11 picks: INSTANT (metadata only), NOCOPY (no
    table rebuild; indexes may be built), INPLACE (the table is rebuilt, writes allowed) or
    COPY (a copy, writes blocked), and the lock it needs. Add the printed clause to an ALTER to
    make MariaDB refuse it rather than fall back to something slower."""
    for alter in ctx.alters:
        yield Finding(alter.steps[0].op.where(), describe(alter))


@rule(code="ISP301", name="copy-large-table", severity="warning",
      summary="an ALTER copies one of the large ISPyB tables")
def copy_large_table(ctx):
    """ALGORITHM=COPY writes a new copy of the whole table and blocks writes to it until the
    copy is done: hours on DataCollection or Image at a large facility. Prefer changes MariaDB
    can do instantly (add a column instead of changing a type), split the change, or plan a
    maintenance window."""
    for alter in ctx.alters:
        if alter.table in LARGE_TABLES and alter.prediction.worst >= COPY:
            yield Finding(alter.deciding_step.op.where(),
                          f"ALTER TABLE {alter.table} copies the table and blocks writes while "
                          f"it runs ({alter.prediction}: {', '.join(alter.prediction.kinds)})")
