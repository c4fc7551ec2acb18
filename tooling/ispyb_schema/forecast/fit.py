# SPDX-License-Identifier: LGPL-3.0-or-later
"""Fitting a statement's time to the rows it touches, and saying how well the fit predicts.

Each statement was timed at a few scales. Three models compete: ``constant`` (a metadata-only
change), ``linear`` (time = a + b·n) and ``n log n`` (time = a + b·n·log2 n, what a sort or an
index build costs). Each is fitted on all scales but the largest and asked to predict the
largest (the *holdout*): the model with the smaller holdout error is chosen (the simpler one on
a tie), then fitted again on every scale. A statement whose rows do not change with the scale
(an empty new table) is ``constant``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

MODELS = {
    "constant": lambda n: 0.0,
    "linear": lambda n: float(n),
    "n log n": lambda n: n * math.log2(n) if n > 1 else 0.0,
}


@dataclass(frozen=True)
class Fit:
    model: str  # "linear", "n log n" or "constant"
    a: float  # seconds
    b: float  # seconds per unit of the model's term
    holdout_error: float | None  # |predicted - measured| / measured at the largest scale

    def predict(self, rows: float) -> float:
        term = MODELS[self.model](rows)
        return max(self.a + self.b * term, 0.0)

    def to_dict(self) -> dict:
        return {"model": self.model, "a": round(self.a, 6), "b": self.b,
                "holdout_error": None if self.holdout_error is None
                else round(self.holdout_error, 4)}


def least_squares(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """a, b of y = a + b·x; b never negative (time does not fall as rows grow)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:  # the constant model, or rows that did not change
        return my, 0.0
    b = max(sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx, 0.0)
    return my - b * mx, b


def fit(rows: list[float], seconds: list[float]) -> Fit:
    """The best model for these samples (at least two; three or more give a holdout)."""
    if len(rows) < 2 or len(rows) != len(seconds):
        raise ValueError("a fit needs at least two samples of rows and seconds")
    order = sorted(range(len(rows)), key=lambda i: rows[i])
    rows, seconds = [rows[i] for i in order], [seconds[i] for i in order]
    if rows[0] == rows[-1]:
        mean = sum(seconds) / len(seconds)
        held = _error(sum(seconds[:-1]) / (len(seconds) - 1), seconds[-1])
        return Fit("constant", mean, 0.0, held if len(rows) > 2 else None)
    best: tuple[float, str] | None = None
    for name, term in MODELS.items():
        if len(rows) < 3:
            break
        a, b = least_squares([term(r) for r in rows[:-1]], seconds[:-1])
        error = _error(max(a + b * term(rows[-1]), 0.0), seconds[-1])
        if best is None or error < best[0]:
            best = (error, name)
    held, name = best if best else (None, "linear")  # two samples: no holdout
    a, b = least_squares([MODELS[name](r) for r in rows], seconds)
    return Fit(name, a, b, held)


def _error(predicted: float, measured: float) -> float:
    return abs(predicted - measured) / measured if measured > 0 else 0.0
