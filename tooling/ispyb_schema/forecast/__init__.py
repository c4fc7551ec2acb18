# SPDX-License-Identifier: LGPL-3.0-or-later
"""``forecast``: how long a proposal's forward script takes at production size.

Measure at three scales of synthetic data (:mod:`.measure`), fit each statement's time to the
rows it touches and check the fit on a held-out scale (:mod:`.fit`), predict at the target
sizes (:mod:`.targets`), and report per statement and per proposal (:mod:`.report`).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from ..baseline import baseline_label, load_schema
from ..changeset.plan import fingerprint
from ..changeset.validate import validate
from ..errors import InputError, SourceLoc
from ..harness.server import Server
from ..model import Schema
from ..verify.session import in_dependency_order, make_loader
from .measure import measure
from .report import predict, record
from .targets import Target

DEFAULT_SCALES = (10_000, 30_000, 100_000)  # DataCollection rows


def check_scales(scales: list[int]) -> list[int]:
    if len(scales) < 3 or len(set(scales)) != len(scales) or min(scales) < 1:
        raise InputError.single(None, "forecast needs three or more different scales of at "
                                      "least 1 row: two to fit, and the largest to check the "
                                      "fit")
    return sorted(scales)


def forecast(paths: list[Path], baseline_source: str, fixtures: list[Path], server: Server,
             scales: list[int], targets: list[Target], *, base: Schema | None = None,
             say: Callable[[str], None] = lambda _: None) -> dict:
    """The forecast record of the proposals at ``paths`` (and the ones they depend on, which
    run first and are forecast too); ``base`` is the baseline's model if already loaded."""
    scales = check_scales(scales)
    clock = time.perf_counter()
    base = base or load_schema(baseline_source)
    validation = validate([Path(p) for p in paths], base)
    validation.raise_if_errors()
    subjects, problems = in_dependency_order(validation, base)
    if problems:
        raise InputError.single(SourceLoc(", ".join(map(str, paths))),
                                "the proposals do not apply together: " + "; ".join(problems))
    label = baseline_label(baseline_source)
    series = measure(server, base, make_loader(baseline_source, base, fixtures), subjects,
                     scales, label, say)
    predicted = predict(series, targets)
    return record(predicted, targets, scales, {"source": label, "fingerprint": fingerprint(base)},
                  server.describe(),
                  time.perf_counter() - clock)
