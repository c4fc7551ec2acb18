# SPDX-License-Identifier: LGPL-3.0-or-later
"""Server start-up: a MariaDB container against the baseline, an ephemeral local mariadbd.

    python benchmarks/bench_harness.py [--repeat N] [--kinds local,docker]

Starts and stops each kind N times in turn (interleaved, so machine load hits both alike) and
prints the median and best time to a server that answers (``Server.startup``) and to its removal,
with the ratio of each kind's median start-up to the local one. The container's first start
initialises its datadir (the official image's entrypoint does the same), which is most of the
difference. Goal: a container start-up within 3x the ephemeral mariadbd's.
"""
from __future__ import annotations

import argparse
import statistics
import time

from ispyb_schema.harness.server import open_server


def start_and_stop(kind: str) -> tuple[float, float, str]:
    server = open_server(prefer=kind)
    described = server.describe()
    started = time.perf_counter()
    server.close()
    return server.startup, time.perf_counter() - started, described


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--kinds", default="local,docker", help="comma-separated server kinds; the first is the baseline")
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    starts: dict[str, list[float]] = {k: [] for k in kinds}
    stops: dict[str, list[float]] = {k: [] for k in kinds}
    described = {}
    for _ in range(args.repeat):
        for kind in kinds:
            startup, stop, described[kind] = start_and_stop(kind)
            starts[kind].append(startup)
            stops[kind].append(stop)
    baseline = statistics.median(starts[kinds[0]])
    for kind in kinds:
        median = statistics.median(starts[kind])
        print(f"{kind:8} start-up median {median:6.2f} s  best {min(starts[kind]):6.2f} s  "
              f"ratio {median / baseline:5.2f}x   stop median {statistics.median(stops[kind]):5.2f} s")
    for kind in kinds:
        print(f"  {kind}: {described[kind]}")
    print("goal: docker start-up <= 3x local")


if __name__ == "__main__":
    main()
