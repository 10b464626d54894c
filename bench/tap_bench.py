# SPDX-License-Identifier: MIT
"""Linux on the wire, measured: what talking to the emulated NIC through a TAP costs against the
in-process traffic peer, on the model and on Verilator, in the same run.

For each back end:

* over TAP (`hilnic sim --peer tap`): `ping -c 20 -i 0.05` from the namespace (the RTT ping
  reports, in wall milliseconds), then a UDP echo of DATAGRAMS datagrams of random sizes up to
  1472 bytes through WORKERS parallel socat clients (datagrams per wall second); the run's own
  results give the RTT the stack saw (simulated, request on MAC RX to reply off MAC TX) and
  the slowdown (wall time per simulated time);
* in process (`hilnic sim`, the scenario's peer): a light scenario (echo and ping flows,
  no malformed frames) on the same back end: its RTT (simulated), its replies per wall second
  and its slowdown.

Ratios are TAP / in process. The RTT seen by the stack is comparable across the two (both
simulated, both from MAC RX to MAC TX); ping's RTT is wall time, so it is about the stack's
RTT times the slowdown plus the bridge's polling, which is what "unsynchronized time" means
for latency measured over TAP (README, "Linux on the wire"). Needs root.

    sudo .venv/bin/python bench/tap_bench.py [--sims model,verilator] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pystack.scenario.backends import run_backend  # noqa: E402
from pystack.scenario.options import ScenarioOptions  # noqa: E402
from pystack.scenario.outputs import read_results  # noqa: E402
from pystack.tap.drive import TapProcess, ping, udp_echo  # noqa: E402
from pystack.tap.namespace import missing_privileges  # noqa: E402

DATAGRAMS = {"model": 200, "verilator": 100}
WORKERS = 10
SCENARIO_US = {"model": 20_000.0, "verilator": 2_000.0}
READY_S = {"model": 60, "verilator": 600}


def over_tap(sim: str, out: Path) -> dict[str, Any]:
    netns = f"hilnic-bench-{sim[:3]}"
    run = TapProcess(sim, out, netns)
    try:
        if not run.wait_for("ready:", READY_S[sim]):
            raise RuntimeError(f"the TAP run did not come up:\n{run.text}")
        p = ping(netns, 20, 0.05, 30)
        e = udp_echo(netns, DATAGRAMS[sim], WORKERS, seed=1)
        rc = run.stop()
    finally:
        run.kill()
    if rc != 0 or p.received != 20 or e.errors:
        raise RuntimeError(f"TAP run on {sim} failed (exit {rc}, ping {p.received}/20, {e.errors})")
    res = run.results()
    return {
        "ping_rtt_ms": p.rtt_avg_ms,
        "stack_rtt_us": res["latency_us"]["p50"],
        "stack_icmp_rtt_us": res["tap"]["rtt_p50_us"].get("icmp"),
        "slowdown": res["speed"]["slowdown"],
        "echo_per_wall_s": e.per_wall_s,
        "echo_datagrams": e.ok,
    }


def in_process(sim: str, out: Path) -> dict[str, Any]:
    opts = ScenarioOptions(
        sim=sim,
        flows=16,
        sizes=[64, 576, 1472],
        rate=0.1,
        duration_us=SCENARIO_US[sim],
        malformed=0.0,
        out=str(out),
    ).check()
    res = read_results(run_backend(opts))
    sp = res.speed
    return {
        "stack_rtt_us": res.latency_us.p50,
        "slowdown": sp.wall_s * 1e6 / sp.sim_us,
        "echo_per_wall_s": res.replies.received / sp.wall_s,
        "replies": res.replies.received,
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sims", default="model,verilator")
    ap.add_argument("--json", type=Path, default=REPO / "out" / "bench" / "tap_bench.json")
    args = ap.parse_args()
    why = missing_privileges()
    if why:
        print(f"tap_bench: skipped: {why}")
        return 0
    rows = {}
    with tempfile.TemporaryDirectory(prefix="hilnic-tap-bench-") as tmp:
        for sim in args.sims.split(","):
            tap = over_tap(sim, Path(tmp) / f"tap-{sim}")
            ref = in_process(sim, Path(tmp) / f"ref-{sim}")
            rows[sim] = {
                "tap": tap,
                "in_process": ref,
                "ratio": {
                    k: ratio(tap[k], ref[k])
                    for k in ("stack_rtt_us", "slowdown", "echo_per_wall_s")
                },
                # What ping sees against what the stack saw, stretched by the slowdown.
                "ping_over_stack_rtt_x_slowdown": ratio(
                    tap["ping_rtt_ms"] * 1e3 if tap["ping_rtt_ms"] else None,
                    (tap["stack_icmp_rtt_us"] or 0) * (tap["slowdown"] or 0),
                ),
            }
    print(f"{'':<10} {'':<22} {'over TAP':>12} {'in process':>12} {'TAP/in-proc':>12}")
    for sim, r in rows.items():
        t, ref, q = r["tap"], r["in_process"], r["ratio"]
        print(f"{sim:<10} {'ping RTT (wall ms)':<22} {t['ping_rtt_ms']:>12.2f} {'-':>12} {'-':>12}")
        for key, label in (
            ("stack_rtt_us", "stack RTT (sim us)"),
            ("slowdown", "slowdown (wall/sim)"),
            ("echo_per_wall_s", "echo replies / wall s"),
        ):
            print(f"{'':<10} {label:<22} {t[key]:>12,.1f} {ref[key]:>12,.1f} {q[key]:>12.3f}")
        stretch = r["ping_over_stack_rtt_x_slowdown"]
        print(f"{'':<10} ping RTT / (stack ICMP RTT x slowdown): {stretch:.2f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=1))
    print(f"written: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
