# SPDX-License-Identifier: LGPL-3.0-or-later
"""Validate proposals: load them (and the proposals they depend on), order them by
``depends_on``, and walk each over the baseline with its dependencies applied.

The :class:`Validation` is what every stage starts from: the walks, and the
:class:`~.engine.Walker` that made them (``over``) for the walks a stage needs on another
model (the release train, proposals in a row), each made once.

Proposal ids are file names: a dependency ``x`` is ``x.yaml`` next to the proposal naming it.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Diagnostic, InputError
from ..model import Schema
from .engine import Walker
from .load import read_proposal
from .proposal import Proposal, without_batches
from .walk import ProposalWalk


@dataclass
class Validation:
    proposals: dict[str, Proposal] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)   # dependency order
    bases: dict[str, Schema] = field(default_factory=dict)  # the model each starts from
    walks: dict[str, ProposalWalk] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    partial: set[str] = field(default_factory=set)  # loaded with problems: walked, not used
    walker: Walker = field(default_factory=Walker, repr=False)
    unbatched: dict[str, Proposal] = field(default_factory=dict, repr=False)

    def over(self, pid: str, model: Schema, *, batched: bool = True) -> ProposalWalk:
        """Proposal ``pid`` walked over ``model`` (made once per model); ``batched=False``:
        the variant without ``batch`` on its data steps (verify runs both)."""
        proposal = self.proposals[pid]
        if not batched:
            if pid not in self.unbatched:  # kept: the walker knows a proposal by its id
                self.unbatched[pid] = without_batches(proposal)
            proposal = self.unbatched[pid]
        return self.walker.over(proposal, model)

    def sorted_diagnostics(self) -> list[Diagnostic]:
        def key(d: Diagnostic):
            return (d.loc.file, d.loc.line, d.loc.column, d.code) if d.loc else ("", 0, 0, "")
        unique = {(str(d.loc), d.code, d.message): d for d in self.diagnostics}
        return sorted(unique.values(), key=key)

    def raise_if_errors(self) -> None:
        if self.diagnostics:
            raise InputError(self.sorted_diagnostics())


@contextmanager
def _rare_full_collections() -> Iterator[None]:
    """A walk builds many long-lived immutable objects (a model per step), and each full pass
    of the cyclic garbage collector walks all of them again: with the default thresholds the
    time per step grew with the file. While validating, a full pass runs a hundred times less
    often (the young collections still free short-lived cycles, e.g. sqlglot's trees)."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, max(old, 1000))
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


def validate(paths: list[Path], baseline: Schema) -> Validation:
    with _rare_full_collections():
        return _validate(paths, baseline)


def _validate(paths: list[Path], baseline: Schema) -> Validation:
    result = Validation()
    files = [Path(p) for p in paths]
    _load_all(files, result)
    cyclic = _cycles(result)
    result.order = _topological(result, cyclic)
    for pid in result.order:
        proposal = result.proposals[pid]
        if any(d not in result.walks or result.walks[d].diagnostics or d in result.partial
               for d in proposal.depends_on):
            continue  # a dependency is broken; its own errors say why
        base = baseline
        for dep in dependencies(result, pid):
            base = result.over(dep, base).model
        result.bases[pid] = base
        result.walks[pid] = result.over(pid, base)
        result.diagnostics += result.walks[pid].diagnostics
    for pid in result.partial:  # checked as far as it parsed; no stage may use it
        result.proposals.pop(pid, None), result.bases.pop(pid, None), result.walks.pop(pid, None)
    result.order = [pid for pid in result.order if pid not in result.partial]
    return result


def _load_all(files: list[Path], result: Validation) -> None:
    todo, seen_files = list(files), set()
    while todo:
        path = todo.pop(0)
        if path.resolve() in seen_files:
            continue
        seen_files.add(path.resolve())
        proposal, problems = read_proposal(path)
        result.diagnostics += problems
        if proposal is None:
            continue
        same = next((p for p in result.proposals.values()
                     if p.id.lower() == proposal.id.lower()), None)
        if same is not None:  # ids name files and upstream scripts: case must not tell apart
            also = "" if same.id == proposal.id else f" (as {same.id!r}; ids must differ " \
                                                     "in more than case)"
            result.diagnostics.append(Diagnostic(proposal.loc("id"), f"proposal id "
                                                 f"{proposal.id!r} is also used by "
                                                 f"{same.file}{also}", "E304"))
            continue
        if problems:
            result.partial.add(proposal.id)  # its steps up to the first broken one are walked
        if path.stem != proposal.id:
            result.diagnostics.append(Diagnostic(proposal.loc("id"), f"the file is named "
                                                 f"{path.name!r} but the id is "
                                                 f"{proposal.id!r}; name it {proposal.id}.yaml",
                                                 "E019"))
        result.proposals[proposal.id] = proposal
        for key in ("depends_on", "supersedes"):
            for i, pid in enumerate(getattr(proposal, key)):
                sibling = path.parent / f"{pid}.yaml"
                if sibling.is_file() and _exact_name(sibling):
                    if key == "depends_on":
                        todo.append(sibling)
                elif pid not in result.proposals:
                    result.diagnostics.append(Diagnostic(
                        proposal.loc(key, i), f"unknown proposal id {pid!r}: no {pid}.yaml "
                                              f"next to {path.name}", "E106"))


def _exact_name(path: Path) -> bool:
    """Whether the file exists under exactly this name (not only case-insensitively)."""
    try:
        return path.name in {p.name for p in path.parent.iterdir()}
    except OSError:
        return False


def _cycles(result: Validation) -> set[str]:
    """Proposals on a depends_on cycle; each gets an error at the entry that closes it."""
    graph = {pid: [d for d in p.depends_on if d in result.proposals]
             for pid, p in result.proposals.items()}
    cyclic: set[str] = set()
    for start in sorted(graph):
        path = _path_back(graph, start)
        if path:
            cyclic.update(path)
            proposal = result.proposals[start]
            target = path[1] if len(path) > 1 else start
            index = proposal.depends_on.index(target)
            chain = " -> ".join(path + [start])
            result.diagnostics.append(Diagnostic(proposal.loc("depends_on", index),
                                                 f"dependency cycle: {chain}", "E501"))
    return cyclic


def _path_back(graph: dict[str, list[str]], start: str) -> list[str] | None:
    """A path start -> … -> start, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(graph[node], reverse=True):
            if nxt == start:
                return path
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


def _topological(result: Validation, cyclic: set[str]) -> list[str]:
    order: list[str] = []
    done: set[str] = set()
    pending = sorted(pid for pid in result.proposals if pid not in cyclic)
    while pending:
        ready = [p for p in pending if all(d in done or d not in result.proposals or d in cyclic
                                           for d in result.proposals[p].depends_on)]
        if not ready:
            break
        for pid in ready:
            order.append(pid)
            done.add(pid)
        pending = [p for p in pending if p not in done]
    return [p for p in order if not any(d in cyclic for d in result.proposals[p].depends_on)]


def dependencies(result: Validation, pid: str) -> list[str]:
    """Every proposal ``pid`` depends on, transitively, in dependency order."""
    wanted, todo = set(), list(result.proposals[pid].depends_on)
    while todo:
        dep = todo.pop()
        if dep not in wanted and dep in result.proposals:
            wanted.add(dep)
            todo += result.proposals[dep].depends_on
    return [p for p in result.order if p in wanted]
