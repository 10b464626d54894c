# SPDX-License-Identifier: MIT
"""cocotb side of bench/sim_speed.py: how many clocks of hdl/sim/nic_sim_top.v a wall second
buys under cocotb, with Python out of the loop while the clocks are counted.

The clock, reset and bring-up are the ones every RTL run uses (`RtlDevice.start`, the driver's
`attach`), so the figure is what the scenario and the benches pay per clock before Python does
any work of its own. Each mode waits on one Timer for the whole window, so only the clock
generator wakes Python:

- `idle`: link up, nothing configured, nothing on the wire.
- `streaming`: the driver attached once (rings full of buffers), then the HDL frame source
  plays 64-byte frames at line rate for the window; nobody harvests, so the window is kept
  short enough for the rings to hold what arrives and the whole RX datapath, DMA included,
  stays busy. The NIC's own counters say afterwards how many frames it delivered or dropped.

Job in $HILNIC_JOB (`{"modes": [[mode, clocks], ...], "repeats": n}`: each mode runs `n`
windows of `clocks`), figures as JSON to $HILNIC_OUT.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import Timer

from pystack.nic.device import CLOCK_NS, CLOCK_PS, MAC_BYTES, PREAMBLE_IFG_BYTES
from pystack.nic.driver import Driver
from pystack.rss import RssConfig, symmetric_key
from pystack.rtl import HDL_CLOCK_ENV
from pystack.rtl.device import RtlDevice
from tb.nic.bench_datapath import frames_64

FRAME_BYTES = 64
# Buffers sized for 64-byte frames and a single TX ring: the RX rings then hold 16 x 511
# frames in the default 16 MiB of host memory, about 86k clocks of line-rate traffic.
RING_SIZE = 512
BUFFER_BYTES = 1024
CLOCKS_PER_FRAME = (FRAME_BYTES + PREAMBLE_IFG_BYTES) / MAC_BYTES


async def windows(clocks: int, repeats: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each of `repeats` back-to-back windows of `clocks` clocks, one
    trigger per window. The bench keeps the best of each: the machine is shared, and load only
    slows a window; CPU time (this process: the simulator and Python) load barely touches."""
    out = []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        await Timer(clocks * CLOCK_PS, "ps")
        out.append((time.perf_counter() - t0, time.process_time() - c0))
    return out


async def run_mode(
    dev: RtlDevice, drv: Driver, mode: str, clocks: int, repeats: int
) -> dict[str, Any]:
    result: dict[str, Any] = {"mode": mode, "clocks": clocks, "repeats": repeats}
    if mode == "idle":
        walls = await windows(clocks, repeats)
    elif mode == "streaming":
        await drv.attach()
        frames = int(clocks * repeats / CLOCKS_PER_FRAME)
        dev.source.load(frames_64(min(frames, 4096)))
        await dev.source.start(frames, rate=1.0)
        walls = await windows(clocks, repeats)
        stats = await drv.read_stats()
        result.update(
            frames=frames,
            played=dev.source.sent,
            delivered=stats["GPRC"],
            dropped=stats["MPC"] + sum(stats[f"RQDPC[{q}]"] for q in drv.rx),
        )
    else:
        raise ValueError(f"unknown mode {mode!r}")
    result.update(
        walls_s=[w for w, _ in walls],
        cpus_s=[c for _, c in walls],
        clocks_per_wall_s=clocks / min(w for w, _ in walls),
        clocks_per_cpu_s=clocks / max(1e-9, min(c for _, c in walls)),
    )
    return result


@cocotb.test()
async def clocks(dut: Any) -> None:
    """One device and one clock for every mode: a second `RtlDevice.start` would start a
    second clock generator on the same signal."""
    plan = json.loads(os.environ["HILNIC_JOB"])
    dev = RtlDevice(dut, name=os.environ.get("SIM", "rtl"))
    await dev.start()
    drv = Driver(
        dev,
        tx_queues=1,
        ring_size=RING_SIZE,
        buffer_size=BUFFER_BYTES,
        rss=RssConfig(key=symmetric_key()),
    )
    repeats = int(plan.get("repeats", 3))
    results = [await run_mode(dev, drv, m, int(n), repeats) for m, n in plan["modes"]]
    # Which clock the run had: the top's own (HDL, simrun's hdl_clock) or cocotb's, which is
    # "gpi" (toggled in C++ through VPI) where the runner trusts inertial writes, else "py".
    impl = (
        "hdl" if os.environ.get(HDL_CLOCK_ENV) == "1" else Clock(dut.clk, CLOCK_NS, unit="ns").impl
    )
    for r in results:
        r["clock"] = impl
    with open(os.environ["HILNIC_OUT"], "w") as fh:
        json.dump(results, fh)
