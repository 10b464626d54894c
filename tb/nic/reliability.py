# SPDX-License-Identifier: MIT
"""Reliability scenarios written once against the `Device` interface (issue 12's three bugs),
so the same code runs on both simulators and on the model: a device reset at a chosen clock
offset under RX and TX traffic followed by a byte-for-byte recovery check, a tail moved back
over descriptors the NIC has cached, and a TX frame posted in halves while another queue sends.

Each scenario returns the problems it found as sentences (empty: all good), so a sweep can
report every failing offset at once instead of stopping at the first."""

from __future__ import annotations

import random
from collections.abc import Sequence

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from pystack.nic.desc import CTRL_RST, MIN_FRAME
from pystack.nic.device import CLOCK_NS, Device
from pystack.nic.driver import Driver
from pystack.regmap import BY_NAME, QUEUE_STRIDE, addr
from pystack.rss import RssConfig, classify_frame, symmetric_key
from tb.nic.scenarios import TX_FLUSH_NS

RING = 32
BATCH = 40  # recovery frames per batch: a few per queue, so no ring fills before a harvest
WAIT_LIMIT_NS = 2e6  # every wait in a scenario is bounded: a NIC that never answers is a hang


def rss_config() -> RssConfig:
    return RssConfig(key=symmetric_key(), reta=[i % 16 for i in range(128)])


def udp_frame(rng: random.Random, size: int) -> bytes:
    pkt = (
        Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")
        / IP(src=f"10.0.{rng.randrange(256)}.{rng.randrange(1, 255)}", dst="10.1.0.2")
        / UDP(sport=rng.randrange(1024, 65536), dport=7)
    )
    return bytes(pkt / rng.randbytes(max(0, size - len(pkt))))


def qaddr(name: str, queue: int) -> int:
    reg = BY_NAME[name]
    assert reg.stride == QUEUE_STRIDE
    return reg.offset + queue * QUEUE_STRIDE


async def wait_mac_idle(dev: Device) -> bool:
    start = dev.now_ns()
    while not dev.mac_idle():
        if dev.now_ns() - start > WAIT_LIMIT_NS:
            return False
        await dev.sleep_ns(1000.0)
    await dev.sleep_ns(2000.0)
    return True


async def drain_tx(dev: Device, drv: Driver) -> bool:
    start = dev.now_ns()
    while True:
        drv.reclaim()
        if all(drv.tx_pending(q) == 0 for q in drv.tx):
            await dev.sleep_ns(TX_FLUSH_NS)  # the last frame leaves whole (store and forward)
            return True
        if dev.now_ns() - start > WAIT_LIMIT_NS:
            return False
        await dev.sleep_ns(1000.0)


async def recovery_check(
    dev: Device, drv: Driver, rng: random.Random, rx_frames: int, tx_frames: int
) -> list[str]:
    """Attach again, then `rx_frames` good frames in and `tx_frames` out: each delivered once,
    byte for byte, in order, on the queue the Python classifier names; MAC TX carries exactly
    what was posted; the counters add up; no DMA outside the driver's buffers."""
    problems: list[str] = []
    await drv.attach()
    dev.mac_take()
    assert drv.rss is not None
    want: dict[int, list[bytes]] = {}
    got: dict[int, list[bytes]] = {}
    sent = 0
    while sent < rx_frames:
        batch = [udp_frame(rng, rng.choice([60, 64, 128, 600, 1514])) for _ in range(BATCH)]
        batch = batch[: rx_frames - sent]
        for f in batch:
            want.setdefault(classify_frame(f, drv.rss).queue, []).append(f)
        await dev.mac_send(batch, rate=0.5)
        if not await wait_mac_idle(dev):
            return [*problems, "recovery: MAC RX never went idle"]
        for q in drv.rx:
            for p in drv.harvest(q, budget=drv.ring_size):
                got.setdefault(q, []).append(p.data)
            await drv.refill(q)
        sent += len(batch)
    for q in sorted(set(want) | set(got)):
        w, g = want.get(q, []), got.get(q, [])
        if w != g:
            lost = len([f for f in w if f not in g])
            problems.append(
                f"recovery: queue {q} delivered {len(g)} frames, {len(w)} expected "
                f"({lost} missing or altered)"
            )
    stats = await drv.read_stats()
    drops = {k: v for k, v in stats.items() if v and k.split("[")[0] in DROP_COUNTERS}
    if stats["TPR"] != rx_frames or stats["GPRC"] != rx_frames or drops:
        problems.append(
            f"recovery: TPR {stats['TPR']}, GPRC {stats['GPRC']} for {rx_frames} frames, "
            f"drops {drops}"
        )
    out = [udp_frame(rng, rng.choice([40, 60, 300, 1514])) for _ in range(tx_frames)]
    for i, f in enumerate(out):
        if await drv.transmit(i % len(drv.tx), [f]) != 1:
            problems.append(f"recovery: TX queue {i % len(drv.tx)} refused a frame")
    if not await drain_tx(dev, drv):
        problems.append("recovery: TX never completed")
    sent_tx = dev.mac_take()
    padded = sorted(f + bytes(max(0, MIN_FRAME - len(f))) for f in out)
    if sorted(t.data for t in sent_tx) != padded or any(t.aborted for t in sent_tx):
        extra = [(len(t.data), t.aborted) for t in sent_tx if t.data not in padded or t.aborted]
        missing = [len(f) for f in padded if f not in [t.data for t in sent_tx]]
        problems.append(
            f"recovery: MAC TX carried {len(sent_tx)} frames for {len(out)} posted: unexpected "
            f"(bytes, aborted) {extra}, missing {missing}"
        )
    problems += [f"guard: {v}" for v in dev.guard_violations()]
    return problems


DROP_COUNTERS = ("MPC", "CRCERRS", "RUC", "HN_RQOVR", "RQDPC", "HN_RQDMAE", "HN_TQDMAE")


async def reset_under_traffic(
    dev: Device,
    drv: Driver,
    offset_cycles: int,
    seed: int,
    handshake: bool,
    recovery_frames: int = 200,
) -> list[str]:
    """Back-to-back frames of mixed sizes in and large frames out, then a device reset
    `offset_cycles` after the traffic starts: CTRL.RST written directly (`handshake` False,
    a driver that skips the master-disable step) or the driver's full handshake. The reset must
    complete within a bounded number of register reads, and the NIC must then recover."""
    rng = random.Random(seed)
    for q in list(drv.tx)[:4]:
        await drv.transmit(q, [udp_frame(rng, 1514) for _ in range(3)])
    frames = [udp_frame(rng, rng.choice([60, 64, 64, 64, 200, 1514, 3000])) for _ in range(60)]
    await dev.mac_send(frames, rate=1.0)
    await dev.sleep_ns(offset_cycles * CLOCK_NS)
    if handshake:
        await drv.reset_device()
    else:
        await dev.write_reg(addr("CTRL"), CTRL_RST)
        for _ in range(2000):
            if not await dev.read_reg(addr("CTRL")) & CTRL_RST:
                break
        else:
            return [f"offset {offset_cycles}: CTRL.RST never completed (hang)"]
    if not await wait_mac_idle(dev):
        return [f"offset {offset_cycles}: MAC RX never went idle after the reset"]
    dev.mac_take()  # a frame cut by the reset leaves aborted: not part of the check
    problems = await recovery_check(dev, drv, rng, recovery_frames, 16)
    return [f"offset {offset_cycles}: {p}" for p in problems]


async def tail_taken_back(dev: Device, drv: Driver) -> list[str]:
    """Issue 12's bug 2: one frame in (the NIC has cached descriptors 0..3 and head is 1), then
    RDT moved back to 1. The NIC refuses the write (SLVERR, HN_BADACC) and keeps using the
    buffers it owns; TDT likewise. Restarting the queue is the way to take descriptors back:
    three frames then land in the new buffers. A buffer revoked behind the NIC's back (a driver
    bug) and written by it is a guard violation."""
    problems: list[str] = []
    rng = random.Random(5)
    q = 0
    assert drv.rss is not None and drv.rss.reta == [q] * 128, "a one-queue RETA"
    await dev.mac_send([udp_frame(rng, 100)])
    await wait_mac_idle(dev)
    head = await dev.read_reg(qaddr("RDH", q))
    tail = await dev.read_reg(qaddr("RDT", q))
    if head != 1:
        problems.append(f"RDH is {head} after one frame, expected 1")
    bad_before = await dev.read_reg(addr("HN_BADACC"))
    await dev.write_reg(qaddr("RDT", q), 1)
    if await dev.read_reg(qaddr("RDT", q)) != tail:
        problems.append("RDT moved back over owned descriptors was taken")
    if await dev.read_reg(addr("HN_BADACC")) != bad_before + 1:
        problems.append("RDT moved back was not counted in HN_BADACC")
    frames = [udp_frame(rng, 200) for _ in range(3)]
    await dev.mac_send(frames)
    await wait_mac_idle(dev)
    got = [p.data for p in drv.harvest(q, budget=8)]
    await drv.refill(q)
    if got[1:] != frames:
        problems.append("frames after the refused RDT write were not delivered intact")
    # The right way: restart the queue (the NIC forgets the ring and its cache).
    await drv.restart_queue("rx", q)
    frames = [udp_frame(rng, 300) for _ in range(3)]
    await dev.mac_send(frames)
    await wait_mac_idle(dev)
    got = [p.data for p in drv.harvest(q, budget=8)]
    await drv.refill(q)
    if got != frames:
        problems.append("frames after a queue restart were not delivered intact")
    # TDT: a chain piece without EOP stays owned and unsent; moving TDT back over it is refused.
    tq = next(iter(drv.tx))
    tdt = await dev.read_reg(qaddr("TDT", tq))
    await drv.transmit_parts(tq, [bytes(80)], eop=False)
    await dev.sleep_ns(2000.0)
    bad_before = await dev.read_reg(addr("HN_BADACC"))
    await dev.write_reg(qaddr("TDT", tq), tdt)
    if await dev.read_reg(addr("HN_BADACC")) != bad_before + 1:
        problems.append("TDT moved back over an owned descriptor was taken")
    await drv.transmit_parts(tq, [bytes(20)], eop=True)
    await drain_tx(dev, drv)
    sent = dev.mac_take()
    if [t.data for t in sent] != [bytes(100)]:
        problems.append(f"the two-piece TX frame left as {[len(t.data) for t in sent]}")
    problems += [f"guard: {v}" for v in dev.guard_violations()]
    return problems


async def revoked_buffer_is_caught(dev: Device, drv: Driver) -> list[str]:
    """The guard sees a write into a posted buffer the driver has revoked (as a driver that took
    a descriptor back without telling the NIC would have): the per-buffer guard, not only the
    whole pool, decides. Returns the guard's report."""
    q = 0
    ring = drv.rx[q]
    buf = ring.slots[ring.clean]
    assert buf is not None
    dev.revoke(buf)
    await dev.mac_send([udp_frame(random.Random(6), 128)])
    await wait_mac_idle(dev)
    return dev.guard_violations()


async def half_posted_frame(
    dev: Device, drv: Driver, watch_gaps: Sequence[int] | None = None
) -> list[str]:
    """Issue 12's bug 3: queue 0 posts the first 46 bytes of a 92-byte frame without EOP,
    queue 5 a complete 262-byte frame. Queue 5's frame leaves within 20 us and nothing of queue
    0's does; once queue 0 posts the rest, its frame leaves whole. `watch_gaps` (RTL) collects
    the cycles MAC TX was idle inside a frame: there must be none."""
    problems: list[str] = []
    rng = random.Random(7)
    first = udp_frame(rng, 92)
    other = udp_frame(rng, 262)
    dev.mac_take()
    if not await drv.transmit_parts(0, [first[:46]], eop=False):
        return ["queue 0 refused the first half"]
    if await drv.transmit(5, [other]) != 1:
        return ["queue 5 refused its frame"]
    await dev.sleep_ns(20_000.0)
    sent = dev.mac_take()
    if [t.data for t in sent] != [other]:
        problems.append(f"in 20 us MAC TX carried {[len(t.data) for t in sent]}, want [262]")
    if not await drv.transmit_parts(0, [first[46:]], eop=True):
        problems.append("queue 0 refused the second half")
    if not await drain_tx(dev, drv):
        problems.append("TX never completed")
    sent = dev.mac_take()
    if [(t.data, t.aborted) for t in sent] != [(first, False)]:
        problems.append(f"the 92-byte frame left as {[(len(t.data), t.aborted) for t in sent]}")
    if watch_gaps:
        problems.append(f"MAC TX idled inside a frame for {len(watch_gaps)} cycles")
    problems += [f"guard: {v}" for v in dev.guard_violations()]
    return problems
