# SPDX-License-Identifier: LGPL-3.0-or-later
"""Source locations and the error types every stage raises.

An error always says *where* (file, line, column — or table/column) and *what was expected*.
Stages collect :class:`Diagnostic` records and raise :class:`InputError` with all of them, so a
run reports every problem at once and writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class SourceLoc:
    """A position in an input file; line and column are 1-based."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True)
class Diagnostic:
    """One finding about an input: ``file:line:col: severity[code]: message``."""

    loc: SourceLoc | None
    message: str
    code: str = "E000"
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        return f"{where}{self.severity}[{self.code}]: {self.message}"


class IspybSchemaError(Exception):
    """Base class for every error this tool raises on purpose."""


@dataclass
class InputError(IspybSchemaError):
    """Bad input: one or more diagnostics. The CLI prints them all and exits 2."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)

    @classmethod
    def single(cls, loc: SourceLoc | None, message: str, code: str = "E000") -> "InputError":
        return cls([Diagnostic(loc, message, code)])


class EnvironmentProblem(IspybSchemaError):
    """The environment cannot do what was asked (no database server, missing binary…)."""
