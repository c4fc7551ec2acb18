# SPDX-License-Identifier: LGPL-3.0-or-later
"""A forecast: per statement its fit and predicted time at each target size, per proposal the
totals a meeting asks for — how long, which tables read-only or blocked for how long, and for
how long a Galera cluster stops writes (every DDL statement runs in Total Order Isolation)."""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from .fit import Fit, fit
from .measure import DRIVER, Series
from .targets import Target

FORMAT = "ispyb-schema/forecast/1"
HOLDOUT_GOAL = 0.25  # for statements over HOLDOUT_MIN_SECONDS at the largest scale
HOLDOUT_MIN_SECONDS = 0.5


@dataclass
class Predicted:
    series: Series
    fit: Fit
    proportion: dict[str, float]  # table -> rows per DataCollection row at the largest scale
    seconds: dict[str, float] = field(default_factory=dict)  # target name -> seconds

    @property
    def table(self) -> str | None:
        return self.series.tables[0] if self.series.tables else None

    @property
    def largest(self) -> float:
        return self.series.samples[-1].seconds


def driver_rows(series: Series, rows_of) -> float:
    """What a statement's time is fitted against: the rows of every table it names."""
    return float(sum(rows_of(t) for t in series.tables))


def predict(series: list[Series], targets: list[Target]) -> list[Predicted]:
    out = []
    for s in series:
        samples = s.samples
        xs = [driver_rows(s, lambda t, smp=smp: smp.rows.get(t, 0)) for smp in samples]
        f = fit(xs, [smp.seconds for smp in samples])
        last = samples[-1]
        proportion = {t.lower(): n / last.scale_rows for t, n in last.rows.items()
                      if last.scale_rows}
        p = Predicted(s, f, proportion)
        for target in targets:
            x = driver_rows(s, lambda t: target.rows_of(t, proportion))
            p.seconds[target.name] = f.predict(x)
        out.append(p)
    return out


@dataclass
class Totals:
    seconds: float = 0.0
    read_only: dict[str, float] = field(default_factory=dict)  # table -> seconds (LOCK=SHARED)
    blocked: dict[str, float] = field(default_factory=dict)  # table -> seconds (EXCLUSIVE)
    toi: float = 0.0  # DDL time: a Galera cluster applies no other write meanwhile


def totals(predicted: list[Predicted], target: str) -> Totals:
    out = Totals()
    for p in predicted:
        seconds = p.seconds[target]
        out.seconds += seconds
        if p.series.ddl:
            out.toi += seconds
        if p.table and "LOCK=SHARED" in p.series.lock:
            out.read_only[p.table] = out.read_only.get(p.table, 0.0) + seconds
        if p.table and "LOCK=EXCLUSIVE" in p.series.lock:
            out.blocked[p.table] = out.blocked.get(p.table, 0.0) + seconds
    return out


def record(predicted: list[Predicted], targets: list[Target], scales: list[int],
           baseline: dict, server: str, seconds: float) -> dict:
    proposals: dict[str, dict] = {}
    for p in predicted:
        entry = proposals.setdefault(p.series.proposal, {"statements": []})
        entry["statements"].append({
            "index": p.series.index, "line": p.series.line, "steps": list(p.series.steps),
            "statement": p.series.first_line, "tables": list(p.series.tables),
            "lock": p.series.lock, "ddl": p.series.ddl,
            "measured": [{"rows": driver_rows(p.series, lambda t, s=s: s.rows.get(t, 0)),
                          "seconds": round(s.seconds, 5)} for s in p.series.samples],
            "fit": p.fit.to_dict(), "holdout_error": p.fit.holdout_error,
            "predicted_seconds": {t.name: round(p.seconds[t.name], 3) for t in targets},
        })
    for pid, entry in proposals.items():
        mine = [p for p in predicted if p.series.proposal == pid]
        entry["totals"] = {t.name: _totals_dict(totals(mine, t.name)) for t in targets}
    return {
        "format": FORMAT,
        "tool": {"name": "ispyb-schema", "version": __version__},
        "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(seconds, 2), "baseline": baseline, "server": server,
        "scales": scales, "targets": [{"name": t.name, "rows": t.rows} for t in targets],
        "proposals": proposals,
    }


def _totals_dict(t: Totals) -> dict:
    return {"seconds": round(t.seconds, 2), "toi_seconds": round(t.toi, 2),
            "read_only_seconds": {k: round(v, 2) for k, v in t.read_only.items()},
            "blocked_seconds": {k: round(v, 2) for k, v in t.blocked.items()}}


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.2f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def headline(entry: dict, target: str) -> str:
    """"at 10 M DataCollection: ~N in total; T read-only for ~M; cluster writes blocked ~K"."""
    t = entry["totals"][target]
    parts = [f"at {target}: ~{duration(t['seconds'])} in total"]
    parts += [f"{table} read-only for ~{duration(s)}"
              for table, s in sorted(t["read_only_seconds"].items()) if s >= 1]
    parts += [f"{table} blocked for ~{duration(s)}"
              for table, s in sorted(t["blocked_seconds"].items()) if s >= 1]
    parts.append(f"cluster writes blocked ~{duration(t['toi_seconds'])} under TOI")
    return "; ".join(parts)


def text_report(data: dict) -> list[str]:
    lines = [f"forecast on {data['baseline']['source']} ({data['server']}), measured at "
             + ", ".join(f"{s:,}" for s in data["scales"]) + f" {DRIVER} rows "
             f"in {data['seconds']:.0f} s"]
    targets = [t["name"] for t in data["targets"]]
    for pid, entry in data["proposals"].items():
        lines.append("")
        lines.append(pid)
        for target in targets:
            lines.append("  " + headline(entry, target))
        lines.append(f"  {'#':>3} {'fit':8} {'holdout':>8} " + " ".join(
            f"{t[:14]:>14}" for t in targets) + "  lock / statement")
        for st in entry["statements"]:
            held = st["holdout_error"]
            flag = ""
            if held is not None and st["measured"][-1]["seconds"] >= HOLDOUT_MIN_SECONDS \
                    and held > HOLDOUT_GOAL:
                flag = " (holdout over the 25 % goal)"
            lines.append(
                f"  {st['index']:>3} {st['fit']['model']:8} "
                f"{'—' if held is None else f'{held:.0%}':>8} "
                + " ".join(f"{duration(st['predicted_seconds'][t]):>14}" for t in targets)
                + f"  {st['lock']}: {st['statement'][:70]}{flag}")
    return lines


def write(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def latest(results: Path, fingerprint: str | None = None) -> dict | None:
    """The newest forecast record in a results folder, made against the baseline with this
    model fingerprint when one is given (for the site)."""
    for path in sorted(results.glob("forecast-*.json"), reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("format") == FORMAT and (
                fingerprint is None or data.get("baseline", {}).get("fingerprint") == fingerprint):
            return data
    return None
