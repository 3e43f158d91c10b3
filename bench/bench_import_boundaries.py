"""Time `planner import boundaries FILE` on a fresh demo registry and print the match rate.

    .venv/bin/python bench/bench_import_boundaries.py --boundaries ../shared/geo/nghe-an/communes-2020-2024.geojson

Runs the real command in a subprocess (start-up included), a dry run and a real import,
three times each, on a temporary SQLite database.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLANNER = str(Path(sys.executable).with_name("planner"))


def run(env, *args):
    start = time.perf_counter()
    proc = subprocess.run([PLANNER, *args], env=env, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--boundaries", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PLANNER_DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite")
        _, proc = run(env, "demo")
        assert proc.returncode == 0, proc.stderr
        dry, real = [], []
        for _ in range(args.repeat):
            seconds, proc = run(env, "import", "boundaries", args.boundaries, "--dry-run", "--json")
            dry.append(seconds)
            report = json.loads(proc.stdout)
        for _ in range(args.repeat):
            seconds, proc = run(env, "import", "boundaries", args.boundaries)
            assert proc.returncode == 0, proc.stderr
            real.append(seconds)
        total = sum(len(report[k]) for k in ("matched", "ambiguous", "unmatched", "invalid"))
        print(f"file: {os.path.basename(args.boundaries)}  features: {total}")
        print(f"matched {len(report['matched'])}/{total}, ambiguous {len(report['ambiguous'])}, "
              f"unmatched {len(report['unmatched'])}, invalid {len(report['invalid'])}")
        print(f"dry run (--json), whole command: median {statistics.median(dry):.2f} s  (runs: "
              + ", ".join(f"{s:.2f}" for s in dry) + ")")
        print(f"import (writes 460 shapes), whole command: median {statistics.median(real):.2f} s  (runs: "
              + ", ".join(f"{s:.2f}" for s in real) + ")")


if __name__ == "__main__":
    main()
