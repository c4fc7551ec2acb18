# SPDX-License-Identifier: LGPL-3.0-or-later
"""``ispyb-schema apply``: run proposals' forward scripts on a database the user names."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import resolve_baseline
from .common import EXIT_GATE_FAILED, PROPOSAL, baseline_option, handle_errors


def _show_plan(plan, target: str) -> None:
    from ..render.quote import ident
    from ..verify.apply import STATUS

    click.echo(f"-- target: {target}")
    for create in plan.create:
        if create.startswith(f"CREATE TABLE {ident(STATUS)}"):
            click.echo(f"\n-- the target has no {STATUS} table: it is created first, as "
                       "upstream's")
        else:
            click.echo("\n-- the step record (which statements finished, for --recover)")
        click.echo(create)
    for script in plan.scripts:
        click.echo(f"\n-- {script.name}")
        click.echo(script.text, nl=False)


def _report(outcomes, plan) -> bool:
    from ..verify.apply import STATUS

    for outcome, script in zip(outcomes, plan.scripts):
        total = len(script.statements)
        click.echo(f"{outcome.proposal} ({script.name}):")
        for ran in outcome.done:
            s = ran.statement
            click.echo(f"  ran {s.index}/{total} line {s.line}: {s.first_line}  "
                       f"({ran.seconds:.2f} s, {ran.rows} rows)")
        if outcome.failure:
            click.echo("  " + str(outcome.failure).replace("\n", "\n  "), err=True)
            click.echo(f"  not run: {outcome.not_run} statement(s); {STATUS} records "
                       f"{script.name!r} as ONGOING", err=True)
            click.echo(f"  finish it with `apply --recover {script.proposal.file}`, or undo "
                       "what ran with `--recover --undo`", err=True)
        elif outcome.differences:
            click.echo("  applied, but the schema differs from the proposal's model:", err=True)
            for line in outcome.differences:
                click.echo(f"    {line}", err=True)
        else:
            click.echo(f"  done: {STATUS} records {script.name!r} as DONE")
    skipped = [s.proposal.id for s in plan.scripts[len(outcomes):]]
    if skipped:
        click.echo(f"not applied: {', '.join(skipped)}", err=True)
    return all(o.ok for o in outcomes) and not skipped


def _ran(done, total: int) -> None:
    for ran in done:
        s = ran.statement
        click.echo(f"  ran {s.index}/{total}: {s.first_line}  ({ran.seconds:.2f} s, "
                   f"{ran.rows} rows)")


def _recover(path: Path, source: str, conn, database: str, target: str, undo: bool,
             yes: bool, wait: float) -> None:
    from ..verify.apply import STATUS
    from ..verify.journal import STEPS
    from ..verify.recover import Refused, plan_recovery, run_recovery

    try:
        recovery = plan_recovery(path, source, conn, database, undo=undo, wait=wait)
    except Refused as why:
        click.echo(f"refused: nothing was run on {target}", err=True)
        click.echo("  " + str(why).replace("\n", "\n    "), err=True)
        sys.exit(EXIT_GATE_FAILED)
    name, forward = recovery.script.name, recovery.forward
    click.echo(f"-- target: {target}")
    click.echo(f"-- {name}: {len(forward.rows)} of {len(forward.steps)} statements done "
               f"(recorded in {STEPS})")
    for line in recovery.decisions + recovery.checked:
        click.echo(f"-- {line}")
    what = "undo" if undo else "finish"
    click.echo(f"-- to {what} it: {len(recovery.steps)} statement(s)"
               + (f", then the {STATUS} row and the step rows of {name!r} are deleted"
                  if undo else ""))
    for step in recovery.steps:
        click.echo(step.statement.sql)
    if not yes and not click.confirm(f"\nRun them on {target}?"):
        click.echo("nothing was run", err=True)
        sys.exit(EXIT_GATE_FAILED)
    outcome = run_recovery(recovery, conn, database)
    _ran(outcome.done, len(recovery.current.steps))
    if outcome.failure:
        click.echo("  " + str(outcome.failure).replace("\n", "\n  "), err=True)
        click.echo(f"  stopped; run --recover{' --undo' if undo else ''} again once it is "
                   "fixed", err=True)
        sys.exit(EXIT_GATE_FAILED)
    if outcome.differences:
        click.echo("  ran, but the schema differs from the model:", err=True)
        for line in outcome.differences:
            click.echo(f"    {line}", err=True)
        sys.exit(EXIT_GATE_FAILED)
    click.echo(f"  undone: {STATUS} no longer records {name!r}" if undo
               else f"  done: {STATUS} records {name!r} as DONE")


@click.command("apply")
@click.argument("proposals", nargs=-1, required=True, type=PROPOSAL)
@click.option("--db", "url", metavar="URL", required=True,
              help="The target database: mysql://user:pass@host:port/DB (a facility's "
              "development or test copy).")
@baseline_option
@click.option("--yes", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--recover", is_flag=True,
              help="Finish the one PROPOSAL whose run stopped part-way (SchemaStatus says "
              "ONGOING), from the first statement not done.")
@click.option("--undo", is_flag=True,
              help="With --recover: undo exactly the statements that ran instead.")
@click.option("--wait", type=click.FloatRange(min=0), default=60.0, show_default=True,
              metavar="SECONDS", help="With --recover: how long to wait for a statement the "
              "stopped run left running on the server.")
@handle_errors
def apply_command(proposals, url, baseline, yes, recover, undo, wait) -> None:
    """Apply PROPOSALs (files or ids) to the database at --db, recording each in SchemaStatus.

    Refuses a proposal already recorded there and a target whose schema differs from the
    baseline; shows the scripts and asks before running them; stops at the first failing
    statement and reports exactly what ran. Each finished statement is recorded in
    SchemaStatusStep, so --recover can finish (or --undo) a run that stopped part-way.
    Exit code 1 if refused or failed.
    """
    from ..verify.apply import apply_plan, connect, plan_apply
    from ..baseline import baseline_label

    if undo and not recover:
        raise click.UsageError("--undo goes with --recover")
    if recover and len(proposals) != 1:
        raise click.UsageError("--recover takes exactly one PROPOSAL")
    source = resolve_baseline(baseline)
    conn, database = connect(url)
    target = baseline_label(url)
    try:
        if recover:
            _recover(Path(proposals[0]), source, conn, database, target, undo, yes, wait)
            return
        plan = plan_apply([Path(p) for p in proposals], source, conn, database)
        if plan.refusals:
            click.echo(f"refused: nothing was applied to {target}", err=True)
            for refusal in plan.refusals:
                click.echo("  " + refusal.replace("\n", "\n    "), err=True)
            sys.exit(EXIT_GATE_FAILED)
        _show_plan(plan, target)
        if not yes and not click.confirm(f"\nApply {len(plan.scripts)} proposal(s) to "
                                         f"{target}?"):
            click.echo("nothing was applied", err=True)
            sys.exit(EXIT_GATE_FAILED)
        if not _report(apply_plan(plan, conn, database), plan):
            sys.exit(EXIT_GATE_FAILED)
    finally:
        conn.close()
