"""The DragonFly paper's claims in the emulator: interrupt mode against npoll, and packet
batching on and off, over an offered-load sweep, in simulated time on the behavioural model.

The host (4 CPUs, 16 rings, 10 vectors, UDP echo and ping) answers 64 flows of 64-byte
requests offered at a share of 10G line rate. For each point: replies per simulated second,
p50/p99 round-trip latency, and interrupts, netisr messages and IPIs per packet. Ratios are
against interrupt mode with batching at the same load, measured in the same run.

    python bench/stack_bench.py [--quick] [--json FILE]

Claims checked (reported, not asserted): npoll gives the highest throughput and the lowest
latency under load; batching cuts cross-CPU messages per packet by at least 10x under load.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from pystack.nic.model import ModelDevice  # noqa: E402
from pystack.stack.host import HOST_IP, HOST_MAC, Host  # noqa: E402
from pystack.stack.peer import Peer  # noqa: E402
from pystack.stack.sim import ModelSim  # noqa: E402

US = 1000.0
LINE_RATE_PPS = 10e9 / ((64 + 20) * 8)


def point(mode: str, batching: bool, load: float, requests: int) -> dict[str, Any]:
    """One run: `requests` echo requests offered at `load` x 10G line rate."""
    dev = ModelDevice(link_up=True, keep_dma_log=False)
    sim = ModelSim(dev)
    box: dict[str, Any] = {}

    async def main() -> None:
        host = await Host.create(sim, dev, mode=mode, batching=batching)
        await host.proto.bind(7, echo=True)
        peer = Peer(dev, HOST_MAC, HOST_IP)
        flows = peer.flows(64)
        await peer.send([(f, -1, peer.arp_request(f)) for f in flows], rate=0.05)
        await sim.sleep(300 * US)
        peer.collect()
        base = host.cpu_totals()
        base_rx = host.stats.dispatched
        rounds = requests // len(flows)
        reqs = [(f, s, peer.request(f, s)) for s in range(rounds) for f in flows]
        start = sim.now()
        await peer.send(reqs, rate=load)
        end = peer._wire_end + 2000 * US
        while sim.now() < end and peer.sent:
            await sim.sleep(20 * US)
            peer.collect()
        last = max(peer._wire_end, sim.now())
        totals = host.cpu_totals()
        rx = max(1, host.stats.dispatched - base_rx)
        lat = sorted(peer.latencies)
        box.update(
            mode=mode,
            batching=batching,
            load=load,
            offered=len(reqs),
            replies=peer.replies,
            lost=len(peer.sent),
            replies_per_s=peer.replies / ((last - start) / 1e9),
            p50_us=lat[len(lat) // 2] / US if lat else None,
            p99_us=lat[int(len(lat) * 0.99)] / US if lat else None,
            interrupts_per_pkt=(totals["interrupts"] - base["interrupts"]) / rx,
            messages_per_pkt=(totals["messages"] - base["messages"]) / rx,
            ipis_per_pkt=(totals["ipis"] - base["ipis"]) / rx,
            rings_used=len(host.stats.rx_by_ring),
        )

    sim.spawn(main())
    sim.run(1e9)
    return box


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer requests and load points")
    ap.add_argument("--json", type=Path, help="write every point as JSON here")
    args = ap.parse_args()
    loads = [0.005, 0.05] if args.quick else [0.002, 0.01, 0.03, 0.06, 0.1]
    requests = 640 if args.quick else 3200
    rows = [
        point(mode, batching, load, requests)
        for load in loads
        for mode, batching in (("intr", True), ("npoll", True), ("intr", False), ("npoll", False))
    ]
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
            str(r["rings_used"]),
        )
    console = Console(width=150)
    console.print(table)
    top = max(loads)
    at = {(r["mode"], r["batching"]): r for r in rows if r["load"] == top}
    best = max(at.values(), key=lambda r: r["replies_per_s"])

    def ipi_cut(mode: str) -> float:
        on = at[(mode, True)]["ipis_per_pkt"]
        return at[(mode, False)]["ipis_per_pkt"] / on if on else float("inf")

    console.print(
        f"At load {top}: highest throughput {best['mode']} "
        f"(batching {'on' if best['batching'] else 'off'}); p99 npoll "
        f"{at[('npoll', True)]['p99_us']:.1f} us, interrupts {at[('intr', True)]['p99_us']:.1f} us;"
        f" IPIs per packet batching off / on: intr {ipi_cut('intr'):.1f}x, "
        f"npoll {ipi_cut('npoll'):.1f}x (npoll's polling CPU is the flow's CPU: no IPIs at all)"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
