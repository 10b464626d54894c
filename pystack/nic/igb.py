# SPDX-License-Identifier: MIT
"""The igb-shaped half of the driver: what DragonFly's if_igb.c does around its rings.

DragonFly splits polling in two, and so does hilnic. The stack's npoll (pystack/stack/npoll.py,
if_poll.c) owns time: pollhz, bursts, which CPU ticks when. The driver owns its rings: which
CPU serves each one, the poll functions it hands npoll (`npoll_info`: igb_npoll_rx, _tx,
_status), the MSI-X handler (`msix`: igb_msix_rxtx and igb_msix_status in one), and the RETA
that steers flows to the rings the current mode uses. The driver never learns what the stack
does with a packet or what CPU time is: `rx_input` takes each harvested batch on the CPU that
harvested it, and the CPU's own `work` spends the time `costs` prices.

Rings and modes. npoll uses every ring: ring r is polled on CPU r % ncpus and the RETA is
i % rings, so when ncpus divides the ring count the polling CPU is the flow's CPU. Interrupt
mode follows igb (intr.py): V-1 rings, the RETA rewritten to them, TX rings on the RX vectors.
Rings are not capped at the CPU count (DragonFly does cap them) so that the vector limit, not
the CPU count, decides what interrupt mode can use.

Interrupts are counted once, per vector, when a message is accepted (`accept`); the handler
runs later, on the CPU its vector is bound to (`vector_cpu`), wherever the caller queues it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from pystack.nic.caps import Caps
from pystack.nic.device import Device, Msi, Region
from pystack.nic.driver import Driver, RxPacket
from pystack.nic.intr import (
    DEFAULT_RATE_HZ,
    OTHER_CAUSES,
    MsixPlan,
    ack_other_causes,
    eitr_value,
    igb_msix_plan,
)
from pystack.nic.irq_model import (
    GPIE_EIAME,
    ICR_LSC,
    IVAR_MISC_ENTRY_SHIFT,
    IVAR_VALID,
    MSIXCTL_ENABLE,
    ivar_slot,
)
from pystack.regmap import addr
from pystack.rss.classify import RETA_ENTRIES, RssConfig
from pystack.rss.program import reta_register_writes


@dataclass(frozen=True)
class DriverCosts:
    """The driver's share of the cost model; pystack/stack/cost.py extends it with the
    stack's and explains the numbers."""

    intr_entry_ns: float = 600.0  # vector dispatch, handler entry
    intr_exit_ns: float = 300.0  # EOI, return
    rx_desc_ns: float = 80.0  # one RX descriptor harvested and refilled
    tx_desc_ns: float = 60.0  # one TX descriptor posted or reclaimed
    reg_write_ns: float = 200.0


# A driver run without a stack (the interrupt benches) has no CPU model: only interrupt entry
# and exit take time, so that moderation and re-arming are exercised with realistic gaps.
STANDALONE_COSTS = DriverCosts(rx_desc_ns=0.0, tx_desc_ns=0.0, reg_write_ns=0.0)


class IgbCpu(Protocol):
    """What the driver needs of the CPU it runs on."""

    @property
    def cpuid(self) -> int: ...

    async def work(self, ns: float) -> None: ...


C = TypeVar("C", bound=IgbCpu)
RxInput = Callable[[C, list[RxPacket]], Awaitable[None]]


class Mode(StrEnum):
    OFF = "off"
    NPOLL = "npoll"
    INTR = "intr"


@dataclass
class DeviceCpu:
    """The CPU of a driver run without a stack: time is the device's clock."""

    dev: Device
    cpuid: int = 0

    async def work(self, ns: float) -> None:
        if ns > 0:
            await self.dev.sleep_ns(ns)


@dataclass
class VectorStats:
    messages: int = 0


@dataclass
class NpollInfo(Generic[C]):
    """ifpoll_info: the poll functions per CPU that npoll calls on its ticks."""

    rx: dict[int, list[Callable[[C, int], Awaitable[int]]]]
    tx: dict[int, list[Callable[[C], Awaitable[None]]]]
    status: Callable[[C], Awaitable[None]]


class Igb(Generic[C]):
    """One NIC's rings in npoll or MSI-X interrupt mode. `Igb.attach` sizes it from the NIC's
    capabilities; a bench that programs its own `Driver` builds it directly."""

    def __init__(
        self,
        drv: Driver,
        plan: MsixPlan,
        *,
        ncpus: int = 1,
        costs: DriverCosts = STANDALONE_COSTS,
        rx_input: RxInput[C] | None = None,
        rate_hz: int = DEFAULT_RATE_HZ,
    ) -> None:
        self.drv, self.plan = drv, plan
        self.ncpus = ncpus
        self.costs = costs
        self.rx_input = rx_input
        self.rate_hz = rate_hz
        self.nrings = len(drv.rx)
        self.mode = Mode.OFF
        self.stats: dict[int, VectorStats] = {}  # per vector: messages accepted
        self.link_changes = 0
        self.rx_by_ring: Counter[int] = Counter()
        self.tx_by_ring: Counter[int] = Counter()
        # Without `rx_input` (no stack), harvested packets wait here for `service`'s caller.
        self.received: dict[int, list[RxPacket]] = {}
        self._window: Region | None = None

    @classmethod
    async def attach(
        cls,
        dev: Device,
        *,
        ncpus: int,
        vectors: int | None,
        key: bytes,
        ring_size: int,
        costs: DriverCosts,
        rx_input: RxInput[C],
    ) -> Igb[C]:
        """igb_attach: every ring pair the NIC has, `vectors` MSI-X vectors (None: all)."""
        caps = await Caps.read(dev)
        if vectors is None:
            vectors = caps.vectors
        elif not 1 <= vectors <= caps.vectors:
            raise ValueError(f"vectors {vectors}: the NIC has {caps.vectors}")
        nrings = min(caps.rx_queues, caps.tx_queues)
        plan = igb_msix_plan(vectors, caps.rx_queues, caps.tx_queues)
        drv = Driver(
            dev,
            rx_queues=nrings,
            tx_queues=nrings,
            ring_size=ring_size,
            rss=RssConfig(key=key, reta=poll_reta(nrings)),
        )
        await drv.attach()
        return cls(drv, plan, ncpus=ncpus, costs=costs, rx_input=rx_input)

    @property
    def dev(self) -> Device:
        return self.drv.dev

    @property
    def interrupts(self) -> int:
        """MSI-X messages accepted, all vectors."""
        return sum(s.messages for s in self.stats.values())

    # ---- rings and CPUs ----------------------------------------------------------------------

    def ring_cpu(self, ring: int) -> int:
        return ring % self.ncpus

    def rings_in_use(self) -> list[int]:
        if self.mode is Mode.INTR:
            return self.plan.rx_rings
        return list(range(self.nrings))

    def tx_ring(self, cpu: int) -> int:
        rings = self.rings_in_use()
        mine = [r for r in rings if self.ring_cpu(r) == cpu]
        return mine[0] if mine else rings[cpu % len(rings)]

    def vector_cpu(self, vector: int) -> int:
        """The CPU a vector's handler is bound to: its first RX ring's, else CPU 0."""
        if vector == self.plan.status_vector:
            return 0
        rings = self.plan.rx_rings_on(vector)
        return self.ring_cpu(rings[0]) if rings else 0

    async def _write_reta(self, reta: list[int]) -> None:
        for a, v in reta_register_writes(reta):
            await self.dev.write_reg(a, v)

    # ---- mode switches (igb_npoll, igb_init) -------------------------------------------------

    async def npoll_on(self) -> NpollInfo[C]:
        """igb_npoll(ifp, info): interrupts off, the RETA over every ring, and the poll
        functions for npoll to register."""
        if self.mode is Mode.INTR:
            await self.disable_intr()
        await self._write_reta(poll_reta(self.nrings))
        self.mode = Mode.NPOLL
        return self.npoll_info()

    async def npoll_off(self) -> None:
        """igb_npoll(ifp, NULL): the RETA to the interrupt plan's rings. The vectors are armed
        by `enable_intr` once the caller has drained the rings leaving service."""
        await self._write_reta(self.plan.reta)
        self.mode = Mode.INTR

    def npoll_info(self) -> NpollInfo[C]:
        rx: dict[int, list[Callable[[C, int], Awaitable[int]]]] = {}
        tx: dict[int, list[Callable[[C], Awaitable[None]]]] = {}
        for ring in range(self.nrings):
            cpu = self.ring_cpu(ring)

            async def rx_fn(c: C, budget: int, ring: int = ring) -> int:
                return await self.rxeof(c, ring, budget)

            async def tx_fn(c: C, ring: int = ring) -> None:
                await self.txeof(c, ring)

            rx.setdefault(cpu, []).append(rx_fn)
            tx.setdefault(cpu, []).append(tx_fn)
        return NpollInfo(rx, tx, self.status)

    # ---- ring work, on the ring's CPU --------------------------------------------------------

    async def rxeof(self, cpu: C, ring: int, budget: int) -> int:
        """Harvest up to `budget` packets, refill, hand them to the stack; how many."""
        packets = self.drv.harvest(ring, budget=budget)
        if not packets:
            return 0
        costs = self.costs
        await cpu.work(costs.rx_desc_ns * len(packets))
        await self.drv.refill(ring)
        await cpu.work(costs.reg_write_ns)
        self.rx_by_ring[ring] += len(packets)
        if self.rx_input is None:
            self.received.setdefault(ring, []).extend(packets)
        else:
            await self.rx_input(cpu, packets)
        return len(packets)

    async def txeof(self, cpu: C, ring: int) -> None:
        done = self.drv.reclaim(ring)
        if done:
            await cpu.work(self.costs.tx_desc_ns * done)

    async def start(self, cpu: C, frames: list[bytes]) -> int:
        """igb_start: post `frames` on the TX ring this CPU owns, reclaiming first if they do
        not fit; how many (a prefix) were posted."""
        ring = self.tx_ring(cpu.cpuid)
        if self.drv.tx[ring].space < len(frames):
            await self.txeof(cpu, ring)
        sent = await self.drv.transmit(ring, frames)
        await cpu.work(self.costs.tx_desc_ns * sent + self.costs.reg_write_ns)
        self.tx_by_ring[ring] += sent
        return sent

    async def status(self, cpu: C) -> None:
        """igb_npoll_status / igb_msix_status's register work: read and clear ICR."""
        icr = await ack_other_causes(self.dev)
        await cpu.work(self.costs.reg_write_ns)
        if icr & ICR_LSC:
            self.link_changes += 1

    # ---- MSI-X -------------------------------------------------------------------------------

    @property
    def mask(self) -> int:
        return (1 << self.plan.vectors) - 1

    async def enable_intr(self) -> None:
        """Program IVAR, EITR, the MSI-X table and masks (after `Driver.attach`)."""
        dev, plan = self.dev, self.plan
        if self._window is None:
            self._window = dev.memory.alloc(4 * plan.vectors, 64, "MSI-X messages")
            dev.guard(self._window)
        base = self._window.base
        dev.msi_window(base, base + self._window.size)
        w = dev.write_reg
        await w(addr("GPIE"), GPIE_EIAME)
        ivar = [0] * 8
        for tx, table in ((False, plan.rx_vector), (True, plan.tx_vector)):
            for ring, vec in table.items():
                reg, byte = ivar_slot(ring, tx)
                ivar[reg] |= (vec | IVAR_VALID) << 8 * byte
        for i, value in enumerate(ivar):
            await w(addr("IVAR", i), value)
        await w(addr("IVAR_MISC"), (plan.status_vector | IVAR_VALID) << IVAR_MISC_ENTRY_SHIFT)
        for v in range(plan.vectors):
            await w(addr("EITR", v), eitr_value(self.rate_hz))
            await w(addr("MSIXTADD", v), base + 4 * v)
            await w(addr("MSIXTUADD", v), 0)
            await w(addr("MSIXTMSG", v), v)
            await w(addr("MSIXTVCTRL", v), 0)
            self.stats.setdefault(v, VectorStats())
        await w(addr("HN_MSIWBASE", 0), base)
        await w(addr("HN_MSIWBASE", 1), 0)
        await w(addr("HN_MSIWLIMIT", 0), base + self._window.size)
        await w(addr("HN_MSIWLIMIT", 1), 0)
        await w(addr("HN_MSIXCTL"), MSIXCTL_ENABLE)
        await w(addr("EIAC"), self.mask)
        await w(addr("EIAM"), self.mask)
        await w(addr("IMS"), OTHER_CAUSES)
        await w(addr("EIMS"), self.mask)
        self.mode = Mode.INTR

    async def disable_intr(self) -> None:
        """Interrupts off (igb's disable path): EIMC all, no auto-clear, other causes off."""
        w = self.dev.write_reg
        await w(addr("EIMC"), 0xFFFF_FFFF)
        await w(addr("EIAC"), 0)
        await w(addr("IMC"), 0xFFFF_FFFF)
        await w(addr("HN_MSIXCTL"), 0)

    def accept(self, msg: Msi) -> int | None:
        """A message from the NIC: its vector, counted, or None outside interrupt mode."""
        if self.mode is not Mode.INTR:
            return None
        v = msg.data
        if v not in self.stats:
            raise RuntimeError(f"message with unknown data {v:#x} at {msg.addr:#x}")
        self.stats[v].messages += 1
        return v

    async def msix(self, cpu: C, vector: int) -> None:
        """The vector's handler (igb_msix_rxtx, or igb_msix_status for the status vector):
        harvest its RX rings dry, reclaim its TX rings, re-arm it through EIMS (EIAM masked it
        when the message went) unless interrupt mode ended meanwhile."""
        plan, costs = self.plan, self.costs
        await cpu.work(costs.intr_entry_ns)
        if vector == plan.status_vector:
            await self.status(cpu)
        for ring in plan.rx_rings_on(vector):
            while await self.rxeof(cpu, ring, self.drv.ring_size):
                pass
        for ring in plan.tx_rings_on(vector):
            await self.txeof(cpu, ring)
        if self.mode is Mode.INTR:
            await self.dev.write_reg(addr("EIMS"), 1 << vector)
        await cpu.work(costs.reg_write_ns + costs.intr_exit_ns)

    async def service(self, timeout_ns: float) -> dict[int, list[RxPacket]]:
        """Without a stack: wait for messages (up to `timeout_ns`), run their handlers on the
        device's clock, and return what they harvested, per RX ring."""
        cpu = DeviceCpu(self.dev)
        for msg in await self.dev.wait_interrupt(timeout_ns):
            vector = self.accept(msg)
            if vector is not None:
                await self.msix(cpu, vector)  # type: ignore[arg-type]
        got, self.received = self.received, {}
        return got


def poll_reta(nrings: int) -> list[int]:
    """npoll's RETA: every ring, in turn."""
    return [i % nrings for i in range(RETA_ENTRIES)]
