# SPDX-License-Identifier: MIT
"""What TCP costs the emulator: HTTP/1.1 connections per simulated second and per wall
second, and the Python time per segment, against the UDP echo path measured in the same run.

    python bench/tcp_bench.py [--quick] [--verilator] [--json FILE]

Each row is one `hilnic sim` run in this process (the model) or as a cocotb child (Verilator):
`--workload http` with its defaults (64 closed-loop clients, 1 KiB objects, one request per
connection, SO_REUSEPORT) and the default UDP scenario, over the same simulated time. Segments
per wall second count both directions (the host's input and output). The issue's target: at
least 20,000 TCP segments per wall second on the model.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from pystack.scenario.backends import run_backend  # noqa: E402
from pystack.scenario.options import ScenarioOptions  # noqa: E402
from pystack.scenario.outputs import read_results  # noqa: E402

TARGET_SEGMENTS_PER_WALL_S = 20_000


def measure(opts: ScenarioOptions) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        res = read_results(run_backend(replace(opts, out=tmp).check()))
    cpu = res.speed.cpu_s or res.speed.wall_s
    frames = res.mac.rx_frames + res.mac.tx_frames
    row: dict[str, Any] = {
        "workload": opts.workload,
        "sim": opts.sim,
        "sim_ms": res.sim_us / 1000,
        "wall_s": res.speed.wall_s,
        "cpu_s": cpu,
        "frames": frames,
        "frames_per_wall_s": frames / res.speed.wall_s,
        "cpu_us_per_frame": cpu / frames * 1e6,
    }
    if res.http is not None:
        load_s = opts.duration_us / 1e6
        row["conns_per_sim_s"] = res.http.completed / load_s
        row["conns_per_wall_s"] = res.http.completed / res.speed.wall_s
        row["failures"] = sum(res.http.failures.values())
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="10 ms instead of 50 ms simulated")
    ap.add_argument("--verilator", action="store_true", help="also one 2 ms point on the RTL")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    console = Console(width=140)
    duration = 10_000.0 if args.quick else 50_000.0
    base = ScenarioOptions(sim="model", duration_us=duration)
    runs = [
        ("udp", base),
        ("http", replace(base, workload="http")),
    ]
    if args.verilator:
        rtl = replace(base, sim="verilator", duration_us=2000.0)
        runs += [("udp", rtl), ("http", replace(rtl, workload="http"))]
    rows = [measure(opts) for _, opts in runs]
    table = Table(title="TCP (HTTP/1.1) against UDP echo, same run")
    cols = ("back end", "workload", "sim ms", "wall s", "frames/wall s", "CPU us/frame",
            "x UDP's cost", "conns/sim s", "conns/wall s")  # fmt: skip
    for c in cols:
        table.add_column(c, justify="right")
    for r in rows:
        udp = next(u for u in rows if u["sim"] == r["sim"] and u["workload"] == "udp")
        table.add_row(
            r["sim"],
            r["workload"],
            f"{r['sim_ms']:.1f}",
            f"{r['wall_s']:.1f}",
            f"{r['frames_per_wall_s']:,.0f}",
            f"{r['cpu_us_per_frame']:.1f}",
            f"{r['cpu_us_per_frame'] / udp['cpu_us_per_frame']:.2f}x",
            f"{r.get('conns_per_sim_s', 0):,.0f}" if "conns_per_sim_s" in r else "-",
            f"{r.get('conns_per_wall_s', 0):,.0f}" if "conns_per_wall_s" in r else "-",
        )
    console.print(table)
    model_http = next(r for r in rows if r["sim"] == "model" and r["workload"] == "http")
    ratio = model_http["frames_per_wall_s"] / TARGET_SEGMENTS_PER_WALL_S
    console.print(
        f"model: {model_http['frames_per_wall_s']:,.0f} TCP segments per wall second, "
        f"{ratio:.2f}x the target of {TARGET_SEGMENTS_PER_WALL_S:,}"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
