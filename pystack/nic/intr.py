# SPDX-License-Identifier: MIT
"""Interrupt mode for the driver: DragonFly igb's MSI-X policy on a NIC with fewer vectors than
rings (DragonFly's sys/dev/netif/igb/if_igb.c).

With V vectors, one is kept for status (link and errors) and V-1 carry rings, so interrupt mode
uses at most V-1 RX rings; the RETA is rewritten to spread flows over only those. A TX ring
whose CPU also polls an RX ring piggybacks on that ring's vector ("igbN rxXtxY"); others get
vectors of their own. Each handler (pystack/nic/igb.py) harvests its RX ring, reclaims its TX
ring and re-arms its vector through EIMS, because EIAM auto-masked it when the message went.
That is the constraint npoll removes: in polling mode every ring carries traffic and no vector
is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pystack.nic.device import Device
from pystack.nic.irq_model import ICR_LSC, ICR_MSIERR, ICR_QSTOP, IVAR_QUEUES
from pystack.regmap import addr
from pystack.rss.classify import RssConfig
from pystack.rss.ringmap import ringmap_cpus, ringmap_reta

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
