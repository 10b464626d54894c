# SPDX-License-Identifier: MIT
"""Full-NIC scenarios written once against the `Device` interface, so the same code runs on the
RTL and on the behavioural model and the two outcomes can be compared field by field (the
model is the scoreboard's reference)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pystack.nic.device import Device
from pystack.nic.driver import Driver, RxPacket

SETTLE_NS = 2000.0  # long enough for the RX buffer to drain after the last frame
# MAC TX is store-and-forward (hdl/tx/tx_fifo.v): the last frame of a burst leaves its whole
# wire time after its head write-back, up to 9018 bytes at 10 Gb/s.
TX_FLUSH_NS = 8000.0


@dataclass
class Outcome:
    """What a scenario observed: frames per RX queue in ring order, MAC TX, every counter."""

    rx: dict[int, list[tuple]] = field(default_factory=dict)
    tx: list[tuple[bytes, bool]] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)


def packet_key(p: RxPacket) -> tuple:
    return (p.data, p.rss_hash, p.hash_type, p.packet_type, p.parse_error, p.vlan_tags)


async def settle(dev: Device) -> None:
    """Wait until MAC RX has played everything, then let the datapath drain."""
    while not dev.mac_idle():
        await dev.sleep_ns(1000.0)
    await dev.sleep_ns(SETTLE_NS)


async def drain_tx(dev: Device, drv: Driver, limit_ns: float = 1e6) -> None:
    """Wait until the NIC has completed every TX descriptor (head write-back), then settle."""
    start = dev.now_ns()
    while True:
        drv.reclaim()
        if all(drv.tx_pending(q) == 0 for q in drv.tx):
            break
        assert dev.now_ns() - start < limit_ns, "TX did not complete"
        await dev.sleep_ns(SETTLE_NS)
    await dev.sleep_ns(TX_FLUSH_NS)
    await settle(dev)


async def harvest_all(drv: Driver, out: Outcome) -> None:
    for q in drv.rx:
        while True:
            got = drv.harvest(q, budget=drv.ring_size)
            out.rx.setdefault(q, []).extend(packet_key(p) for p in got)
            await drv.refill(q)
            if not got:
                break


async def rx_batches(
    dev: Device,
    drv: Driver,
    batches: Sequence[Sequence[bytes]],
    rate: float = 1.0,
    bad: Sequence[Sequence[int]] | None = None,
) -> Outcome:
    """Play each batch at `rate`, wait for it to land, harvest every ring and refill it.

    Rings start each batch full, so which frames find a ring full is decided by the batch and
    the RETA alone and the RTL and the model must agree on every drop."""
    out = Outcome()
    for i, batch in enumerate(batches):
        await dev.mac_send(list(batch), rate=rate, bad=bad[i] if bad else ())
        await settle(dev)
        await harvest_all(drv, out)
    out.stats = await drv.read_stats()
    out.violations = dev.guard_violations()
    return out


async def tx_every_queue(dev: Device, drv: Driver, frames: Sequence[bytes]) -> Outcome:
    """Send frame i on TX queue i % queues, a few per call, and collect what leaves."""
    out = Outcome()
    queues = sorted(drv.tx)
    per_queue: dict[int, list[bytes]] = {q: [] for q in queues}
    for i, f in enumerate(frames):
        per_queue[queues[i % len(queues)]].append(f)
    for q in queues:
        sent = await drv.transmit(q, per_queue[q])
        assert sent == len(per_queue[q]), f"queue {q} took {sent} of {len(per_queue[q])}"
    await drain_tx(dev, drv)
    out.tx = [(t.data, t.aborted) for t in dev.mac_take()]
    out.stats = await drv.read_stats()
    out.violations = dev.guard_violations()
    return out
