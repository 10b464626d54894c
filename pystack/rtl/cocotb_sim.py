# SPDX-License-Identifier: MIT
"""`pystack.stack.sim.Sim` under cocotb: the stack's CPUs, timers and peer are cocotb tasks,
time is the RTL's simulated time, and MSI-X messages arrive from the MSI catcher through one
task that sleeps on its count (no per-clock polling)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import cocotb
from cocotb.triggers import Event

from pystack.nic.device import Msi
from pystack.rtl.device import RtlDevice


class CocotbSim:
    def __init__(self, dev: RtlDevice) -> None:
        self.dev = dev
        self._irq: Callable[[Msi], None] | None = None
        cocotb.start_soon(self._interrupts())

    def now(self) -> float:
        return self.dev.now_ns()

    async def sleep(self, ns: float) -> None:
        await self.dev.sleep_ns(ns)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> object:
        return cocotb.start_soon(coro)

    def event(self) -> Event:
        return Event()

    def on_interrupt(self, handler: Callable[[Msi], None]) -> None:
        self._irq = handler

    async def run_until(self, t_ns: float) -> None:
        if t_ns > self.now():
            await self.sleep(t_ns - self.now())

    async def _interrupts(self) -> None:
        while True:
            for msg in await self.dev.wait_interrupt(1e6):
                if self._irq is not None:
                    self._irq(msg)
