# SPDX-License-Identifier: MIT
"""Datapath speed: 64-byte frames end to end through the RTL with the Python driver in the loop.

The emulator is only useful if real traffic can cross it with Python in the loop. This drives
hdl/sim/nic_sim_top.v with the HDL frame source (Python wakes once per poll, never per beat)
and, as the baseline measured in the same run, with cocotbext-axi pushing the same frames into
MAC RX beat by beat. Either way the driver harvests every RX ring, forwards each frame zero-copy
on a TX ring and refills. Reported: frames per wall second, simulated Mpps, simulator cycles per
wall second, drops, and the ratio to the baseline; then the same on Icarus.

    python bench/datapath_bench.py [--frames N] [--quick]

Targets (issue 3): >= 5,000 frames per wall second and >= 10x the baseline on Verilator; in
simulated time, 14.88 Mpps (10G line rate of 64-byte frames) with no drops. A missed target is
reported, not a failure; the run fails only if the datapath itself fails (guard, lost frames).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from pystack import simrun  # noqa: E402

LINE_RATE_MPPS = 10e9 / ((64 + 20) * 8) / 1e6


def run(sim: str, modes: list[tuple[str, int]]) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        env = {"HILNIC_JOB": json.dumps({"modes": modes}), "HILNIC_OUT": str(out), "SIM": sim}
        simrun.run("nic_sim_top", "tb.nic.bench_datapath", sim=sim, extra_env=env, quiet=True)
        return json.loads(out.read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=20000, help="frames through the HDL source")
    ap.add_argument("--quick", action="store_true", help="small counts (a smoke run)")
    args = ap.parse_args()
    n = 2000 if args.quick else args.frames
    base_n = 300 if args.quick else 2000
    console = Console(width=150)
    rows = [
        ("verilator", r) for r in run("verilator", [("hdl_source", n), ("beat_by_beat", base_n)])
    ]
    rows += [("icarus", r) for r in run("icarus", [("hdl_source", max(500, n // 10))])]
    base = next(r for s, r in rows if r["mode"] == "beat_by_beat")
    table = Table(title="64-byte frames forwarded end to end (driver in the loop)")
    for col in (
        "sim",
        "feed",
        "frames",
        "frames/wall s",
        "x baseline",
        "sim Mpps",
        "x line rate",
        "cycles/wall s",
        "drops",
    ):
        table.add_column(col, justify="right")
    failed = False
    for sim, r in rows:
        ratio = r["frames_per_wall_s"] / base["frames_per_wall_s"]
        table.add_row(
            sim,
            r["mode"],
            f"{r['sent_on_mac_tx']}/{r['frames']}",
            f"{r['frames_per_wall_s']:,.0f}",
            f"{ratio:.1f}x",
            f"{r['sim_mpps']:.2f}",
            f"{r['sim_mpps'] / LINE_RATE_MPPS:.2f}",
            f"{r['cycles_per_wall_s']:,.0f}",
            ", ".join(
                f"{k}={v}"
                for k, v in {**r["drops"], "driver TX full": r["driver_tx_full_drops"]}.items()
                if v
            )
            or "0",
        )
        accounted = r["sent_on_mac_tx"] + sum(r["drops"].values()) + r["driver_tx_full_drops"]
        if r["guard_violations"] or accounted < r["frames"]:
            failed = True
    console.print(table)
    hdl = rows[0][1]
    console.print(
        f"Verilator HDL source: {hdl['frames_per_wall_s']:,.0f} frames/s (target 5,000), "
        f"{hdl['frames_per_wall_s'] / base['frames_per_wall_s']:.1f}x the beat-by-beat baseline "
        f"(target 10x); simulated {hdl['sim_mpps']:.2f} Mpps against 14.88 at 10G line rate."
    )
    if failed:
        console.print("[red]frames lost or DMA guard tripped[/red]")
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    sys.exit(main())
