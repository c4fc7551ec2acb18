# SPDX-License-Identifier: LGPL-3.0-or-later
"""Progress of a verification: silent (the API's default), plain lines, or a live display."""
from __future__ import annotations

from typing import TextIO

from .record import ProposalRun, StepResult


class Progress:
    """Receives the events of a verification; this base class ignores them."""

    def run_started(self, run: ProposalRun) -> None:
        pass

    def stage_started(self, run: ProposalRun, name: str) -> None:
        pass

    def statement_done(self, run: ProposalRun, done: int, total: int) -> None:
        pass

    def stage_done(self, run: ProposalRun, result: StepResult) -> None:
        pass

    def run_done(self, run: ProposalRun) -> None:
        pass

    def close(self) -> None:
        pass


def _outcome(result: StepResult) -> str:
    return f"{'ok' if result.ok else 'FAILED'} ({result.seconds:.2f} s)"


class LineProgress(Progress):
    """One line per stage: for logs and CI."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def stage_done(self, run: ProposalRun, result: StepResult) -> None:
        print(f"{run.proposal_id}: {result.name} {_outcome(result)}", file=self.out, flush=True)

    def run_done(self, run: ProposalRun) -> None:
        print(f"{run.proposal_id}: {'verified' if run.ok else 'FAILED'}", file=self.out,
              flush=True)


class LiveProgress(Progress):
    """A rich progress bar per run on a terminal: the stage, and the statements of a script.
    Runs report from several threads; rich's progress display takes care of that."""

    def __init__(self, console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bars, TextColumn
        from rich.progress import TimeElapsedColumn

        self.bars = Bars(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                         TimeElapsedColumn(), console=console, transient=False)
        self.bars.start()
        self.tasks: dict[int, int] = {}  # id(run) -> its bar

    def run_started(self, run: ProposalRun) -> None:
        self.tasks[id(run)] = self.bars.add_task(run.proposal_id, total=None)

    def stage_started(self, run: ProposalRun, name: str) -> None:
        self.bars.update(self.tasks[id(run)], description=f"{run.proposal_id}: {name}",
                         total=None, completed=0)

    def statement_done(self, run: ProposalRun, done: int, total: int) -> None:
        self.bars.update(self.tasks[id(run)], total=total, completed=done)

    def stage_done(self, run: ProposalRun, result: StepResult) -> None:
        if not result.ok:
            self.bars.console.print(f"[red]{run.proposal_id}: {result.name} failed[/red]")

    def run_done(self, run: ProposalRun) -> None:
        mark = "[green]verified[/green]" if run.ok else "[red]FAILED[/red]"
        self.bars.update(self.tasks[id(run)], description=f"{run.proposal_id}: {mark}",
                         total=1, completed=1)

    def close(self) -> None:
        self.bars.stop()
