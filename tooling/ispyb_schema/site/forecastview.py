# SPDX-License-Identifier: LGPL-3.0-or-later
"""The newest forecast record (``ispyb-schema forecast``) -> each proposal's forecast section."""
from __future__ import annotations

from pathlib import Path

from ..changeset.plan import fingerprint
from ..forecast.report import duration, headline, latest
from ..model import Schema
from .viewmodel import Forecast, ForecastRow


def forecasts(root: Path, baseline: Schema) -> dict[str, Forecast]:
    """Per proposal id, its forecast from the newest record made against ``baseline``."""
    data = latest(root / "results", fingerprint(baseline))
    if not data:
        return {}
    targets = tuple(t["name"] for t in data["targets"])
    scales = [f"{s:,}" for s in data["scales"]]
    measured = (f"measured at {', '.join(scales[:-1])} and {scales[-1]} DataCollection rows "
                f"on {data['server']}, {data['started']}")
    out = {}
    for pid, entry in data["proposals"].items():
        rows = tuple(ForecastRow(
            st["index"], st["statement"], st["lock"],
            st["fit"]["model"] + ("" if st["holdout_error"] is None
                                  else f", holdout {st['holdout_error']:.0%}"),
            tuple(duration(st["predicted_seconds"][t]) for t in targets))
            for st in entry["statements"])
        out[pid] = Forecast(measured, targets,
                            tuple(headline(entry, t) for t in targets), rows)
    return out
