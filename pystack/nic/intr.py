"""Interrupt mode for the driver: DragonFly igb's MSI-X policy on a NIC with fewer vectors than
rings (DragonFly's sys/dev/netif/igb/if_igb.c).

With V vectors, one is kept for status (link and errors) and V-1 carry rings, so interrupt mode
uses at most V-1 RX rings; the RETA is rewritten to spread flows over only those. A TX ring
whose CPU also polls an RX ring piggybacks on that ring's vector ("igbN rxXtxY"); others get
vectors of their own. Each handler harvests its RX ring, reclaims its TX ring and re-arms its
vector through EIMS, because EIAM auto-masked it when the message went. That is the constraint
npoll removes: in polling mode every ring carries traffic and no vector is needed.

Interrupt entry and exit cost simulated time (INTR_ENTRY_NS, INTR_EXIT_NS, from the stack's
cost model) so that interrupt rates show up in throughput.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pystack.nic.device import Device, Msi, Region
from pystack.nic.driver import Driver, RxPacket
from pystack.nic.irq_model import (
    GPIE_EIAME,
    ICR_LSC,
    ICR_MSIERR,
    ICR_QSTOP,
    IVAR_MISC_ENTRY_SHIFT,
    IVAR_QUEUES,
    IVAR_VALID,
    MSIXCTL_ENABLE,
    ivar_slot,
)
from pystack.regmap import addr
from pystack.rss.classify import RssConfig
from pystack.rss.ringmap import ringmap_cpus, ringmap_reta
from pystack.stack.cost import DEFAULT_COSTS

INTR_ENTRY_NS = DEFAULT_COSTS.intr_entry_ns
INTR_EXIT_NS = DEFAULT_COSTS.intr_exit_ns
DEFAULT_RATE_HZ = 6000  # IGB_MSIX_RX_RATE
EITR_MIN, EITR_MAX = 4, 0x7FFC  # igb_set_eitr's clamp of (1e6 / rate) << 2
OTHER_CAUSES = ICR_LSC | ICR_QSTOP | ICR_MSIERR


@dataclass(frozen=True)
class MsixPlan:
    """Which rings interrupt mode uses and which vector serves each."""

    rx_vector: dict[int, int]  # RX ring -> vector
    tx_vector: dict[int, int]  # TX ring -> vector (shared with an RX ring on the same CPU)
    status_vector: int
    reta: list[int]

    @property
    def rx_rings(self) -> list[int]:
        return sorted(self.rx_vector)

    @property
    def tx_rings(self) -> list[int]:
        return sorted(self.tx_vector)

    @property
    def vectors(self) -> int:
        return self.status_vector + 1

    def rx_rings_on(self, vector: int) -> list[int]:
        return [r for r, v in self.rx_vector.items() if v == vector]

    def tx_rings_on(self, vector: int) -> list[int]:
        return [r for r, v in self.tx_vector.items() if v == vector]

    def rss(self, key: bytes) -> RssConfig:
        """The RSS configuration for the rings in use."""
        return RssConfig(key=key, reta=self.reta, default_queue=self.rx_rings[0])


def igb_msix_plan(num_vectors: int, num_rx: int, num_tx: int, ncpus: int | None = None) -> MsixPlan:
    """igb_alloc_msix(): rings in use = min(rings, V-1[, CPUs]); RX ring i on vector i; a TX
    ring shares the vector of the RX ring on its CPU; the status vector comes last."""
    if num_vectors < 2:
        raise ValueError("MSI-X needs at least 2 vectors (one for rings, one for status)")
    cap = min(num_vectors - 1, IVAR_QUEUES, ncpus or num_vectors)
    nrx, ntx = min(num_rx, cap), min(num_tx, cap)
    cpus = ncpus or max(nrx, ntx)
    rx_cpu = ringmap_cpus(nrx, cpus)
    tx_cpu = ringmap_cpus(ntx, cpus)
    rx_vector = {ring: ring for ring in range(nrx)}
    by_cpu = {cpu: ring for ring, cpu in enumerate(rx_cpu)}
    tx_vector: dict[int, int] = {}
    nxt = nrx
    for ring, cpu in enumerate(tx_cpu):
        if cpu in by_cpu:
            tx_vector[ring] = rx_vector[by_cpu[cpu]]
        else:
            tx_vector[ring] = nxt
            nxt += 1
    if nxt >= num_vectors:
        raise ValueError(f"{nxt + 1} vectors needed, {num_vectors} available")
    return MsixPlan(rx_vector, tx_vector, nxt, ringmap_reta(nrx, cpus))


def eitr_value(rate_hz: int) -> int:
    """igb_set_eitr() for the 82576: the interval in 1 us units, shifted left 2."""
    if rate_hz <= 0:
        return 0
    return min(max((1_000_000 // rate_hz) << 2, EITR_MIN), EITR_MAX)


async def ack_other_causes(dev: Device) -> int:
    """The status handler's register work (igb_msix_status): read ICR, clear what was set."""
    icr = await dev.read_reg(addr("ICR"))
    if icr:
        await dev.write_reg(addr("ICR"), icr)
    return icr


@dataclass
class VectorStats:
    messages: int = 0
    packets: int = 0


@dataclass
class IntrDriver:
    """Runs a `Driver` in MSI-X interrupt mode."""

    drv: Driver
    plan: MsixPlan
    rate_hz: int = DEFAULT_RATE_HZ
    stats: dict[int, VectorStats] = field(default_factory=dict)
    link_changes: int = 0
    other_causes: int = 0
    _window: Region | None = None

    @property
    def mask(self) -> int:
        return (1 << self.plan.vectors) - 1

    async def enable(self) -> None:
        """Program IVAR, EITR, the MSI-X table and masks (after `Driver.attach`)."""
        dev, plan = self.drv.dev, self.plan
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

    async def disable(self) -> None:
        """Interrupts off (igb's disable path): EIMC all, no auto-clear, other causes off."""
        w = self.drv.dev.write_reg
        await w(addr("EIMC"), 0xFFFF_FFFF)
        await w(addr("EIAC"), 0)
        await w(addr("IMC"), 0xFFFF_FFFF)
        await w(addr("HN_MSIXCTL"), 0)

    async def service(self, timeout_ns: float) -> dict[int, list[RxPacket]]:
        """Wait for messages (up to `timeout_ns`) and run their handlers; packets per RX ring."""
        got: dict[int, list[RxPacket]] = {}
        for msg in await self.drv.dev.wait_interrupt(timeout_ns):
            for ring, packets in (await self.handle(msg)).items():
                got.setdefault(ring, []).extend(packets)
        return got

    async def handle(self, msg: Msi) -> dict[int, list[RxPacket]]:
        """One vector's handler: igb_msix_rxtx (harvest, reclaim) or igb_msix_status."""
        dev, drv, plan = self.drv.dev, self.drv, self.plan
        v = msg.data
        if v not in self.stats:
            raise RuntimeError(f"message with unknown data {v:#x} at {msg.addr:#x}")
        self.stats[v].messages += 1
        await dev.sleep_ns(INTR_ENTRY_NS)
        got: dict[int, list[RxPacket]] = {}
        if v == plan.status_vector:
            icr = await ack_other_causes(dev)
            self.link_changes += bool(icr & ICR_LSC)
            self.other_causes += 1
        for ring in plan.rx_rings_on(v):
            packets: list[RxPacket] = []
            while batch := drv.harvest(ring, budget=drv.ring_size):
                packets.extend(batch)
                await drv.refill(ring)
            got[ring] = packets
            self.stats[v].packets += len(packets)
        for ring in plan.tx_rings_on(v):
            drv.reclaim(ring)
        await dev.write_reg(addr("EIMS"), 1 << v)  # re-arm: EIAM masked it
        await dev.sleep_ns(INTR_EXIT_NS)
        return got
