# SPDX-License-Identifier: MIT
"""The DragonFly paper's claims in the emulator: interrupt mode against npoll, and packet
batching on and off, over an offered-load sweep, in simulated time on the behavioural model.

Each point is one `hilnic sim` scenario on the model (pystack/scenario/experiments.py): the
host (4 CPUs, 16 rings, 10 vectors) answers 64 flows of 64-byte UDP echo and ping requests,
plus background UDP, offered at a share of 10G line rate for 20 ms of simulated time. For
each point: replies per simulated second, p50/p99 round-trip latency, and interrupts, netisr
messages and IPIs per packet. Ratios are against interrupt mode with batching at the same
load, measured in the same run.

    python bench/stack_bench.py [--quick] [--json FILE]

Claims checked (reported, not asserted): npoll gives the highest throughput and the lowest
latency under load; batching cuts cross-CPU messages per packet by at least 10x under load.
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
from pystack.scenario.experiments import flatten, point  # noqa: E402
from pystack.scenario.options import ScenarioOptions  # noqa: E402
from pystack.scenario.outputs import read_results  # noqa: E402

US = 1000.0


def rtl_point(base: ScenarioOptions, console: Console, rows: list[dict[str, Any]]) -> None:
    """The same scenario on the RTL under Verilator and on the model: the emulator's numbers
    do not depend on the back end, and this is what the RTL costs in wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        opts = replace(base, sim="verilator", mode="npoll", rate=0.05, duration_us=2000.0, out=tmp)
        rtl = flatten(opts, read_results(run_backend(opts.check())))
    model = point(base, mode="npoll", rate=0.05, duration_us=2000.0)
    table = Table(title="One point on the RTL (Verilator) and on the model: npoll, load 0.05, 2 ms")
    for col in ("back end", "replies/s", "p50 us", "p99 us", "lost", "msgs/pkt", "IPIs/pkt",
                "wall s"):  # fmt: skip
        table.add_column(col, justify="right")
    for r in (rtl, model):
        table.add_row(
            r["sim"],
            f"{r['replies_per_s']:,.0f}",
            f"{r['p50_us']:.1f}",
            f"{r['p99_us']:.1f}",
            str(r["lost"]),
            f"{r['messages_per_pkt']:.3f}",
            f"{r['ipis_per_pkt']:.3f}",
            f"{r['wall_s']:.1f}",
        )
    console.print(table)
    console.print(f"RTL wall time / model wall time: {rtl['wall_s'] / model['wall_s']:.0f}x")
    rows += [rtl, model]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer requests and load points")
    ap.add_argument("--json", type=Path, help="write every point as JSON here")
    ap.add_argument("--no-rtl", action="store_true", help="skip the Verilator point")
    args = ap.parse_args()
    loads = [0.01, 0.1] if args.quick else [0.01, 0.05, 0.1, 0.2, 0.3, 0.4]
    base = ScenarioOptions(
        sim="model",
        duration_us=2000.0 if args.quick else 20000.0,
        sizes=[64],
        flows=64,
        malformed=0.0,
    )
    rows = [
        point(base, mode=mode, batching=batching, rate=load)
        for load in loads
        for mode, batching in (("intr", True), ("npoll", True), ("intr", False), ("npoll", False))
    ]
    for r in rows:
        r["load"] = r["rate"]
    table = Table(title="UDP echo + ping, 64 flows, 4 CPUs, 16 rings, 10 vectors (model)")
    for col in ("load", "mode", "batch", "replies/s", "x intr", "p50 us", "p99 us", "lost",
                "intr/pkt", "msgs/pkt", "IPIs/pkt", "rings"):  # fmt: skip
        table.add_column(col, justify="right")
    for r in rows:
        ref = next(
            x for x in rows if x["load"] == r["load"] and x["mode"] == "intr" and x["batching"]
        )
        table.add_row(
            f"{r['load']:.3f}",
            r["mode"],
            "on" if r["batching"] else "off",
            f"{r['replies_per_s']:,.0f}",
            f"{r['replies_per_s'] / ref['replies_per_s']:.2f}",
            f"{r['p50_us']:.1f}" if r["p50_us"] is not None else "-",
            f"{r['p99_us']:.1f}" if r["p99_us"] is not None else "-",
            str(r["lost"]),
            f"{r['interrupts_per_pkt']:.3f}",
            f"{r['messages_per_pkt']:.2f}",
            f"{r['ipis_per_pkt']:.2f}",
            str(r["rings_in_use"]),
        )
    console = Console(width=150)
    console.print(table)
    top = max(loads)
    at = {(r["mode"], r["batching"]): r for r in rows if r["load"] == top}
    best = max(at.values(), key=lambda r: r["replies_per_s"])
    worst = min(at.values(), key=lambda r: r["replies_per_s"])
    leader = (
        f"{best['mode']} (batching {'on' if best['batching'] else 'off'})"
        if best["replies_per_s"] > 1.01 * worst["replies_per_s"]
        else "none (every mode keeps up)"
    )

    def ipi_cut(mode: str) -> float:
        on = at[(mode, True)]["ipis_per_pkt"]
        return at[(mode, False)]["ipis_per_pkt"] / on if on else float("inf")

    console.print(
        f"At load {top}: highest throughput {leader}; p99 npoll "
        f"{at[('npoll', True)]['p99_us']:.1f} us, interrupts {at[('intr', True)]['p99_us']:.1f} us;"
        f" IPIs per packet batching off / on: intr {ipi_cut('intr'):.1f}x, "
        f"npoll {ipi_cut('npoll'):.1f}x (npoll polls each ring on its flows' CPU: its IPIs "
        "are ARP and socket-read rounds)"
    )
    if not args.no_rtl:
        rtl_point(base, console, rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
