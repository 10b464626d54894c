# SPDX-License-Identifier: MIT
"""What Ray costs and gives a sweep: the same model points on 1 and 2 local Ray workers (and
one after another in this process, without Ray), and Ray's own overhead per point, the time
from submission to the point starting on a worker, against the point's run time.

    python bench/sweep_bench.py [--points 12] [--duration 1000] [--json FILE]

Read the ratios this way: `speedup 2 vs 1 workers` is what a second core gives (at most 2;
less when other work shares the cores); `overhead / run` is the share of a point's time Ray
adds, which bounds how short points can be before a cluster stops paying off (a cluster adds
the network to the submission time but not to the run time). Ray's start-up is shown
separately: it is paid once per sweep, not per point.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

from rich.console import Console
from rich.table import Table

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from pystack.sweep.points import Point  # noqa: E402
from pystack.sweep.runner import InProcessRunner, RayRunner, RunResult, run_points  # noqa: E402
from pystack.sweep.spec import from_dict  # noqa: E402


def model_points(count: int, duration_us: float) -> list[Point]:
    """`count` distinct model points: two modes over loads, one seed each."""
    rates = [round(0.02 + 0.3 * i / max(1, count // 2 - 1), 3) for i in range(count // 2)]
    spec = from_dict(
        {
            "base": {"duration": duration_us, "sizes": [64], "malformed": 0.0, "flows": 64},
            "vary": {"mode": ["intr", "npoll"], "rate": rates},
        }
    )
    return spec.points()


def probe_points(count: int) -> list[Point]:
    return from_dict({"call": "pystack.sweep.probe:probe", "seeds": count}).points()


def timing(result: RunResult) -> dict[str, float]:
    recs = [r for r in result.records.values() if r["status"] == "ok"]
    queue = sorted(r["queue_s"] for r in recs)
    run = sorted(r["run_s"] for r in recs)
    return {
        "points": len(recs),
        "wall_s": result.wall_s,
        "queue_median_s": median(queue),
        "queue_max_s": queue[-1],
        "run_median_s": median(run),
        "run_sum_s": sum(run),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--points", type=int, default=12, help="model points (even)")
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated us per point")
    ap.add_argument("--json", type=Path, help="write the numbers here")
    args = ap.parse_args()
    console = Console(width=max(120, Console().width))
    points = model_points(args.points, args.duration)
    out: dict[str, Any] = {"points": len(points), "duration_us": args.duration}
    out["load_before"] = os.getloadavg()[0]

    run_points(model_points(2, 100.0), InProcessRunner())  # imports done, as on a warm worker
    t0 = time.perf_counter()
    seq = run_points(points, InProcessRunner())
    out["in_process"] = timing(seq)
    out["in_process"]["wall_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with RayRunner(workers=2) as ray2:
        out["ray_start_s"] = time.perf_counter() - t0
        # Both workers started and their imports done, as in a sweep's steady state.
        warm = run_points(model_points(2, 100.0), ray2)
        out["warm_up_s"] = warm.wall_s
        out["noop"] = timing(run_points(probe_points(40), ray2))
        with RayRunner(workers=1) as ray1:  # the same session, one point at a time
            out["ray_1"] = timing(run_points(points, ray1))
        out["ray_2"] = timing(run_points(points, ray2))
    t1 = time.perf_counter()
    out["ray_stop_s"] = (
        t1
        - t0
        - out["ray_start_s"]
        - sum(out[k]["wall_s"] for k in ("noop", "ray_1", "ray_2"))
        - out["warm_up_s"]
    )

    table = Table(title=f"{len(points)} model points, {args.duration:g} us simulated each")
    for col in ("run", "wall s", "per point s", "submit->start median ms", "max ms",
                "run median s"):  # fmt: skip
        table.add_column(col, justify="right")
    for name, key in (("in process, no Ray", "in_process"), ("Ray, 1 worker", "ray_1"),
                      ("Ray, 2 workers", "ray_2"), ("Ray, 40 no-op points", "noop")):  # fmt: skip
        t = out[key]
        table.add_row(
            name,
            f"{t['wall_s']:.2f}",
            f"{t['wall_s'] / t['points']:.3f}",
            f"{1000 * t['queue_median_s']:.1f}",
            f"{1000 * t['queue_max_s']:.1f}",
            f"{t['run_median_s']:.3f}",
        )
    console.print(table)
    r1, r2, noop = out["ray_1"], out["ray_2"], out["noop"]
    ratios = {
        "speedup 2 vs 1 workers": r1["wall_s"] / r2["wall_s"],
        "Ray 1 worker vs in process (wall)": r1["wall_s"] / out["in_process"]["wall_s"],
        "overhead / run (submit->start median over point run median)": r2["queue_median_s"]
        / r2["run_median_s"],
        "no-op points per wall s": noop["points"] / noop["wall_s"],
    }
    out["ratios"] = ratios
    out["load_after"] = os.getloadavg()[0]
    console.print(
        f"load average (1 min) {out['load_before']:.1f} before, {out['load_after']:.1f} after "
        f"on {os.cpu_count()} cores: other work on the machine cuts the 2-worker speedup"
    )
    console.print(
        f"Ray start {out['ray_start_s']:.1f} s (once per sweep), worker warm-up "
        f"{out['warm_up_s']:.1f} s, stop {out['ray_stop_s']:.1f} s"
    )
    for name, value in ratios.items():
        console.print(f"  {name}: [bold]{value:.3g}[/]")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
