# SPDX-License-Identifier: MIT
"""The host side: the driver's harvest/refill loop, optionally forwarding RX to TX.

`HostLoop` is written against the `Device` interface only, so the RTL's host component and the
scoreboard's reference run the very same code on their own driver; `HostAgent` is the pyuvm
component around it on the RTL side, publishing every delivered frame.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from cocotb.triggers import Lock
from pyuvm import ConfigDB, uvm_analysis_port, uvm_component

from pystack.nic.device import Device
from pystack.nic.driver import Driver, RxPacket
from tb.nic.scenarios import TX_FLUSH_NS, settle
from tb.nic.uvm.config import NicContext
from tb.nic.uvm.items import HostSummary

TX_RETRY_NS = 1000.0
TX_DRAIN_LIMIT_NS = 2e6


class HostLoop:
    """Harvest every ring, refill it, and (forwarding) send each frame out on TX queue
    `queue % tx queues`, retrying what a full TX ring refuses."""

    def __init__(
        self,
        dev: Device,
        drv: Driver,
        on_rx: Callable[[RxPacket], None],
        forward: bool = False,
        budget: int = 64,
        after_transmit: Callable[[int, list[bytes]], None] | None = None,
    ) -> None:
        self.dev = dev
        self.drv = drv
        self.on_rx = on_rx
        self.forward = forward
        self.budget = budget
        self.after_transmit = after_transmit
        self.tx_queues = sorted(drv.tx)
        self.backlog: dict[int, deque[bytes]] = {q: deque() for q in self.tx_queues}
        self.delivered = 0
        self.forwarded = 0

    async def poll(self) -> int:
        """One pass over every RX ring (up to `budget` frames each); returns frames harvested."""
        total = 0
        for q in self.drv.rx:
            got = self.drv.harvest(q, self.budget)
            if not got:
                continue
            await self.drv.refill(q)
            for p in got:
                self.on_rx(p)
            if self.forward:
                self.backlog[self.tx_queues[q % len(self.tx_queues)]].extend(p.data for p in got)
            total += len(got)
        self.delivered += total
        if self.forward:
            await self.push_tx()
        return total

    async def drain_rx(self) -> None:
        """Harvest until every ring is empty."""
        while await self.poll():
            pass

    async def push_tx(self) -> None:
        for q, pending in self.backlog.items():
            if not pending:
                continue
            frames = list(pending)
            taken = await self.drv.transmit(q, frames)
            for _ in range(taken):
                pending.popleft()
            self.forwarded += taken
            if taken and self.after_transmit is not None:
                self.after_transmit(q, frames[:taken])

    def tx_idle(self) -> bool:
        self.drv.reclaim()
        return not any(self.backlog.values()) and all(
            self.drv.tx_pending(q) == 0 for q in self.tx_queues
        )

    async def drain_tx(self) -> None:
        """Until every forwarded frame has been sent and completed (head write-back)."""
        start = self.dev.now_ns()
        while True:
            await self.push_tx()
            if self.tx_idle():
                return
            if self.dev.now_ns() - start > TX_DRAIN_LIMIT_NS:
                pending = {q: self.drv.tx_pending(q) for q in self.tx_queues}
                backlog = {q: len(b) for q, b in self.backlog.items() if b}
                raise AssertionError(
                    f"{self.dev.name}: TX did not complete in {TX_DRAIN_LIMIT_NS:.0f} ns "
                    f"(descriptors pending {pending}, frames not yet posted {backlog})"
                )
            await self.dev.sleep_ns(TX_RETRY_NS)


class HostAgent(uvm_component):
    """The RTL's host: owns the RTL driver, harvests when a batch has landed (and every
    `poll_ns` while one plays), publishes each delivered frame (`RxPacket`: bytes, queue, RSS
    hash, hash type, packet type, parse error, VLAN tags) on `ap`, and at the end every counter
    and guard violation on `summary_ap`."""

    def build_phase(self) -> None:
        self.ctx: NicContext = ConfigDB().get(self, "", "nic")
        self.ap = uvm_analysis_port("ap", self)
        self.summary_ap = uvm_analysis_port("summary_ap", self)
        self.lock = Lock()
        self.loop: HostLoop | None = None
        self.drv: Driver | None = None
        self._stopping = False

    async def attach(self) -> None:
        """Reset the NIC through the driver and bring up every ring (before any traffic)."""
        cfg, rtl = self.ctx.cfg, self.ctx.rtl
        self.drv = Driver(rtl, ring_size=cfg.ring_size, buffer_size=cfg.buffer_size, rss=cfg.rss)
        await self.drv.attach()
        self.loop = HostLoop(rtl, self.drv, self.ap.write, cfg.forward, cfg.harvest_budget)

    async def run_phase(self) -> None:
        await self.ctx.ready.wait()
        poll_ns = self.ctx.cfg.poll_ns
        if not poll_ns:
            return
        while not self._stopping:
            await self.ctx.rtl.sleep_ns(poll_ns)
            async with self.lock:
                if not self._stopping:
                    assert self.loop is not None
                    await self.loop.poll()

    async def batch_landed(self) -> None:
        """The MAC RX driver's call once a batch has played and settled: empty every ring."""
        assert self.loop is not None, "HostAgent.attach() first"
        async with self.lock:
            await self.loop.drain_rx()

    async def finish(self) -> HostSummary:
        """Stop polling, collect every last frame, let TX finish, read every counter."""
        assert self.loop is not None and self.drv is not None
        rtl = self.ctx.rtl
        self._stopping = True
        async with self.lock:
            await settle(rtl)
            await self.loop.drain_rx()
            if self.loop.forward:
                await self.loop.drain_tx()
                await rtl.sleep_ns(TX_FLUSH_NS)  # the last frame leaves whole after its head
                await settle(rtl)
                await self.loop.drain_rx()
            summary = HostSummary(
                stats=await self.drv.read_stats(),
                violations=rtl.guard_violations(),
                delivered=self.loop.delivered,
                forwarded=self.loop.forwarded,
            )
        self.summary_ap.write(summary)
        return summary
