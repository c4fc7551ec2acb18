# SPDX-License-Identifier: LGPL-3.0-or-later
"""How well forecasts predict, measured in one run.

    python benchmarks/bench_forecast.py [--scales 10000,30000,100000] [--db URL|docker|local]

Every proposal in proposals/ is forecast on the embedded baseline: its forward statements are
timed at the three scales (DataCollection rows) and fitted on the two smaller ones; the
printed holdout error is how far the fit's prediction for the largest scale is from the time
measured there. Goal: at most 25 % for every statement that takes over 0.5 s at the largest
scale. Also printed: each such statement's times at the three scales and the fitted slope,
and the predicted totals at 10 M DataCollection rows.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from ispyb_schema.forecast import forecast
from ispyb_schema.forecast.report import HOLDOUT_GOAL, HOLDOUT_MIN_SECONDS, duration, headline
from ispyb_schema.forecast.targets import default_targets
from ispyb_schema.harness.server import KINDS, provide_server

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = ROOT / "schema"
PROPOSALS = sorted((ROOT / "proposals").glob("*.yaml"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="10000,30000,100000")
    parser.add_argument("--db", default=None, help="a mysql:// URL, 'docker' or 'local'")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    prefer = args.db if args.db in KINDS else None
    url = args.db if args.db and "://" in args.db else None
    with provide_server(url, prefer=prefer or ("url" if url else None)) as server:
        start = time.perf_counter()
        data = forecast(PROPOSALS, str(EMBEDDED), [EMBEDDED / "fixtures"], server, scales,
                        default_targets())
        print(f"forecast of {len(data['proposals'])} proposals at "
              f"{', '.join(f'{s:,}' for s in scales)} DataCollection rows on "
              f"{server.describe()}: {time.perf_counter() - start:.0f} s")
    target = data["targets"][1]["name"]
    checked = worst = 0
    for pid, entry in data["proposals"].items():
        print(f"\n{pid}\n  {headline(entry, target)}")
        for st in entry["statements"]:
            times = [m["seconds"] for m in st["measured"]]
            if times[-1] < HOLDOUT_MIN_SECONDS:
                continue
            checked += 1
            error = st["holdout_error"] or 0.0
            worst = max(worst, error)
            print(f"  {st['index']:>3} {st['fit']['model']:8} slope {st['fit']['b']:.3g} s/row  "
                  f"measured {' / '.join(f'{t:.2f}' for t in times)} s  holdout "
                  f"{error:.0%} ({'ok' if error <= HOLDOUT_GOAL else 'over the goal'})  "
                  f"at {target}: {duration(st['predicted_seconds'][target])}  "
                  f"{st['statement'][:50]}")
    print(f"\n{checked} statements over {HOLDOUT_MIN_SECONDS} s at the largest scale; worst "
          f"holdout error {worst:.0%} (goal <= {HOLDOUT_GOAL:.0%})")


if __name__ == "__main__":
    main()
