# SPDX-License-Identifier: MIT
"""`make fuzz`: the fuzz campaign (tb/nic/fuzz.py) on a simulator with the model in lockstep,
or on the model alone, with a summary table; exits 1 on any finding and prints the seed and the
shortest failing sequence found.

    python -m tb.nic.fuzz_run [--sim verilator|icarus|model] [--seed N] [--frames N] [--abuse N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pystack import simrun
from pystack.nic.driver import Driver
from pystack.nic.model import ModelDevice
from tb.nic.fuzz import Side, campaign
from tb.nic.reliability import RING, rss_config


def run_model(seed: int, frames: int, abuse: int) -> dict:
    dev = ModelDevice(link_up=True)
    side = Side(dev, Driver(dev, ring_size=RING, rss=rss_config()))
    return asdict(asyncio.run(campaign([side], seed, frames, abuse)))


def run_rtl(sim: str, seed: int, frames: int, abuse: int, out: Path) -> dict:
    result = out / "findings.json"
    result.unlink(missing_ok=True)
    env = {
        "SIM": sim,
        "HILNIC_FUZZ_SEED": str(seed),
        "HILNIC_FUZZ_FRAMES": str(frames),
        "HILNIC_FUZZ_ABUSE": str(abuse),
        "HILNIC_FUZZ_OUT": str(result.resolve()),
    }
    try:
        simrun.run("nic_sim_top", "tb.nic.test_fuzz", sim=sim, extra_env=env, quiet=True)
    except simrun.SimulationFailed:
        if not result.exists():
            raise
    return json.loads(result.read_text())


def table(found: dict, title: str) -> Table:
    t = Table(title=title)
    t.add_column("check")
    t.add_column("count", justify="right")
    for k in ("frames", "rounds", "abuse_acts", "hangs", "identity", "silent_losses",
              "misdelivered", "guard", "model_mismatch", "recovery"):  # fmt: skip
        value = found[k]
        bad = k not in ("frames", "rounds", "abuse_acts") and value
        t.add_row(k.replace("_", " "), f"[red]{value}[/]" if bad else str(value))
    return t


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sim", choices=(*simrun.SIMULATORS, "model"), default="verilator")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--frames", type=int, default=100_000)
    p.add_argument("--abuse", type=int, default=70, help="hostile driver acts")
    p.add_argument("--out", type=Path, default=Path("out/fuzz"))
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    if args.sim == "model":
        found = run_model(args.seed, args.frames, args.abuse)
    else:
        found = run_rtl(args.sim, args.seed, args.frames, args.abuse, args.out)
    wall = time.time() - t0
    console = Console()
    console.print(table(found, f"fuzz: {args.sim}, seed {args.seed}, {wall:.0f} s"))
    for line in found["problems"][:20]:
        console.print(f"[red]{line}[/]")
    for line in found["reproductions"]:
        console.print(f"reproduce: {line}")
    if found["problems"]:
        console.print(f"again: python -m tb.nic.fuzz_run --sim {args.sim} --seed {args.seed} "
                      f"--frames {args.frames} --abuse {args.abuse}")  # fmt: skip
    return 1 if found["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
