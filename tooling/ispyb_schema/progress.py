# SPDX-License-Identifier: LGPL-3.0-or-later
"""Progress of a command (``build``, ``check``, ``verify``): silent (the API's default), or
the one display the commands share."""
from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from .verify.record import ProposalRun, StepResult


class Progress:
    """Receives the events of a verification (and the phases of a command around it); this
    base class ignores them."""

    def phase(self, name: str, text: str, *, done: bool = False) -> None:
        pass

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


class Display(Progress):
    """The one progress display of ``build``, ``check`` and ``verify``: a line per proposal
    (and per phase that is not per proposal, such as building the site).

    On a terminal (rich) each line updates in place: the stage, the statements done of a
    script, the time. In a log (not a terminal: CI) plain lines, one when a phase starts and
    one when a proposal is done, plus each failed stage as it fails.
    """

    def __init__(self, out: TextIO, *, live: bool | None = None) -> None:
        self.out = out
        self.live = out.isatty() if live is None else live
        self.lines: dict[object, int] = {}  # a run or a phase -> its line
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bars
            from rich.progress import TextColumn, TimeElapsedColumn

            self.bars = Bars(TextColumn("{task.description}"), BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(),
                             console=Console(file=out), transient=False)
            self.bars.start()

    def _show(self, key: object, text: str, total: int | None = None, done: int = 0) -> None:
        if key not in self.lines:
            self.lines[key] = self.bars.add_task(text, total=total, completed=done)
        else:
            self.bars.update(self.lines[key], description=text, total=total, completed=done)

    def _print(self, text: str) -> None:
        if self.live:
            self.bars.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.out, flush=True)

    def phase(self, name: str, text: str, *, done: bool = False) -> None:
        """A step of the command that is not per proposal, e.g. ``phase("site", "building")``."""
        if self.live:
            self._show(("phase", name), f"{name}: {text}", 1, int(done))
        else:
            self._print(f"{name}: {text}")

    def run_started(self, run: ProposalRun) -> None:
        if self.live:
            self._show(id(run), f"{run.proposal_id}: starting")

    def stage_started(self, run: ProposalRun, name: str) -> None:
        if self.live:
            self._show(id(run), f"{run.proposal_id}: {name}")

    def statement_done(self, run: ProposalRun, done: int, total: int) -> None:
        if self.live:
            task = self.bars.tasks[self.lines[id(run)]] if id(run) in self.lines else None
            self._show(id(run), task.description if task else run.proposal_id, total, done)

    def stage_done(self, run: ProposalRun, result: StepResult) -> None:
        if not result.ok:
            why = f": {result.error.splitlines()[0]}" if result.error else ""
            self._print(f"{run.proposal_id}: {result.name} {_outcome(result)}{why}")

    def run_done(self, run: ProposalRun) -> None:
        seconds = sum(s.seconds for s in run.steps)
        text = f"{run.proposal_id}: {'verified' if run.ok else 'FAILED'} ({seconds:.1f} s)"
        if self.live:
            self._show(id(run), text, 1, 1)
        else:
            self._print(text)

    def close(self) -> None:
        if self.live:
            self.bars.stop()
            self.live = False
