# SPDX-License-Identifier: MIT
"""The TAP run on the behavioural model, in this process, with simulated time held to wall time.

The model jumps from event to event, so an idle host in interrupt mode would otherwise run
seconds of simulated time in a blink, and the stack's timers (ARP, npoll's adaptation, later
TCP's retransmission) would fire long before Linux's. Each step runs the model up to the wall
clock (never past it), at most STEP_NS at a time, and frames cross the TAP between steps: a
frame from Linux enters at the current simulated time. When the model is busier than real
time (npoll with 4 CPUs is about 9x slower here) it simply runs flat out and lags.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Coroutine
from typing import Any

from pystack.scenario.options import ScenarioOptions
from pystack.scenario.run import Progress, ScenarioRun

from .linux_peer import LinuxPeer
from .options import TapOptions
from .session import serve

STEP_NS = 1_000_000.0  # the longest step; also how long a held model waits for Linux
MIN_STEP_NS = 20_000.0
WALL_SLICE_S = 0.002  # a step's wall time when the model is slower than real time
TICK_NS = 1_000_000.0  # the session's own wake-ups: each costs the model a step


def run_now(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine of the model's that never suspends (its async methods don't)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("a model coroutine suspended")


def run_model(
    opts: ScenarioOptions,
    tap: TapOptions,
    fd: int,
    linux_mac: bytes,
    should_stop: Callable[[], bool],
    progress: Progress | None = None,
) -> ScenarioRun:
    from pystack.scenario.backends import model_device
    from pystack.stack.sim import ModelSim

    dev = model_device(opts)
    sim = ModelSim(dev)
    box: dict[str, Any] = {}

    async def main() -> None:
        box["run"] = await serve(
            sim,
            dev,
            opts,
            tap,
            fd,
            linux_mac,
            should_stop,
            progress,
            on_peer=lambda p: box.update(peer=p),
            tick_ns=TICK_NS,
        )

    sim.spawn(main())
    wall0, sim0 = time.perf_counter(), sim.now()
    step = STEP_NS
    while "run" not in box:
        peer: LinuxPeer | None = box.get("peer")
        if peer is not None:
            run_now(peer.pump_in())
        target = sim0 + (time.perf_counter() - wall0) * 1e9
        if sim.now() < target:
            # Steps last about WALL_SLICE_S of wall time, so frames cross the TAP that often
            # however slow the model is; a fast (idle) model takes long steps, which cost it
            # little, and is then held.
            w, s = time.perf_counter(), sim.now()
            sim.run(min(target, s + step))
            spent = max(1e-6, time.perf_counter() - w)
            if sim.now() > s:
                step = min(STEP_NS, max(MIN_STEP_NS, (sim.now() - s) / spent * WALL_SLICE_S))
        else:  # held: wait for wall time to catch up, or for Linux to send something
            select.select([fd], [], [], STEP_NS / 1e9)
        if peer is not None:
            peer.pump_out()
    return box["run"]  # type: ignore[no-any-return]
