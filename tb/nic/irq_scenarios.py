# SPDX-License-Identifier: MIT
"""Interrupt scenarios written once against the `Device` interface: tb/nic/test_irq.py runs them
on the RTL (both simulators), tests/test_nic_irq_model.py on the behavioural model. Each one
checks the rule it is named after directly (message counts, gaps, PBA, counters), so it needs
no reference run, and the traffic scenario also returns what it delivered so the RTL run can
be compared with the model frame by frame."""

from __future__ import annotations

from itertools import pairwise

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether

from pystack.nic.device import Device, Msi
from pystack.nic.driver import Driver
from pystack.nic.igb import Igb
from pystack.nic.intr import igb_msix_plan
from pystack.nic.irq_model import GPIE_EIAME, ICR_LSC, ICR_MSIERR, IVAR_VALID, MSIXCTL_ENABLE
from pystack.regmap import addr
from pystack.rss import RssConfig, symmetric_key
from pystack.traffic import edge_frames, random_frames
from tb.nic.scenarios import packet_key

US = 1000.0


def flows(count: int, size: int = 128, seed: int = 0) -> list[bytes]:
    """`count` frames of distinct TCP/UDP 5-tuples (they spread over every RETA entry)."""
    out = []
    for i in range(count):
        l4 = (TCP if i % 2 else UDP)(sport=1024 + (i * 7919 + seed) % 60000, dport=80 + i % 50)
        pkt = Ether() / IP(src=f"10.{i % 200}.{(i // 200) % 250}.{seed % 250}", dst="10.9.9.9")
        pkt = pkt / l4
        out.append(bytes(pkt / bytes(max(0, size - len(pkt)))))
    return out


async def attach(dev: Device, vectors: int = 10, rate_hz: int = 6000, ring: int = 256) -> Igb:
    """Driver plus interrupt mode with DragonFly's policy on every ring the NIC has."""
    probe = await dev.read_reg(addr("HN_CAPS"))
    plan = igb_msix_plan(vectors, probe & 0xFF, probe >> 8 & 0xFF)
    drv = Driver(
        dev,
        rx_queues=plan.rx_rings,
        tx_queues=plan.tx_rings,
        ring_size=ring,
        rss=plan.rss(symmetric_key()),
    )
    await drv.attach()
    intr = Igb(drv, plan, rate_hz=rate_hz)
    await intr.enable_intr()
    return intr


async def run_interrupts(intr: Igb, until_ns: float) -> dict[int, list[tuple]]:
    """Handle interrupts until `until_ns`; delivered packets per ring, in ring order."""
    dev = intr.drv.dev
    got: dict[int, list[tuple]] = {}
    while dev.now_ns() < until_ns:
        for ring, packets in (await intr.service(until_ns - dev.now_ns())).items():
            got.setdefault(ring, []).extend(packet_key(p) for p in packets)
    return got


async def rings_in_use(dev: Device, frames: int = 600) -> dict:
    """16 rings and 10 vectors: traffic only on the 9 rings in use, every ring vector and the
    status vector fire, every frame delivered is harvested by its vector's handler."""
    intr = await attach(dev, vectors=10)
    plan = intr.plan
    assert plan.rx_rings == list(range(9)) and plan.status_vector == 9
    assert plan.tx_vector == {r: r for r in range(9)}  # TX piggybacks on RX vectors
    sent = flows(frames)
    # The datapath issue's hostile mix rides along: runts, MAC errors, malformed headers,
    # jumbos and oversize frames, every 7th frame flagged as a MAC error.
    mixed = sent + random_frames(4, 150) + edge_frames()
    await dev.mac_send(mixed, rate=0.5, bad=range(frames, len(mixed), 7))
    dev.set_link(False)  # the status vector: link change
    got = await run_interrupts(intr, dev.now_ns() + 600 * US)
    stats = await intr.drv.read_stats()
    harvested = sum(len(v) for v in got.values())
    assert harvested == stats["GPRC"] >= frames, (harvested, stats["GPRC"], frames)
    drops = sum(v for k, v in stats.items() if k.split("[")[0] in ("HN_RQOVR", "RQDPC"))
    assert (
        stats["TPR"]
        == len(mixed)
        == (stats["MPC"] + stats["CRCERRS"] + stats["RUC"] + stats["GPRC"] + drops)
    ), "every frame offered is delivered or counted as dropped"
    assert sorted(got) == plan.rx_rings and all(got[r] for r in plan.rx_rings), sorted(got)
    for q in range(9, 16):
        assert stats[f"HN_RQPC[{q}]"] == 0, f"ring {q} is not in use but got traffic"
    for v in range(10):
        assert intr.stats[v].messages > 0, f"vector {v} never fired"
    assert intr.link_changes == 1
    # TX on every ring in use raises its (shared) vector.
    before = {v: s.messages for v, s in intr.stats.items()}
    for ring in plan.tx_rings:
        assert await intr.drv.transmit(ring, [sent[ring]]) == 1
    await run_interrupts(intr, dev.now_ns() + 200 * US)
    for ring in plan.tx_rings:
        v = plan.tx_vector[ring]
        assert intr.stats[v].messages > before[v], f"TX ring {ring} did not raise vector {v}"
        assert intr.drv.tx_pending(ring) == 0
    assert not dev.guard_violations()
    return {"rx": got, "stats": stats}


async def _one_vector(dev: Device, eitr_us: int) -> tuple[Driver, int]:
    """Ring 0 on vector 0 with moderation `eitr_us`, auto-clear, no auto-mask."""
    drv = Driver(dev, rx_queues=[0], tx_queues=[0], ring_size=512, rss=RssConfig(reta=[0] * 128))
    await drv.attach()
    window = dev.memory.alloc(64, 64, "msi")
    dev.guard(window)
    dev.msi_window(window.base, window.base + 64)
    w = dev.write_reg
    await w(addr("IVAR", 0), 0 | IVAR_VALID)
    await w(addr("EITR", 0), eitr_us << 2)
    await w(addr("MSIXTADD", 0), window.base)
    await w(addr("MSIXTMSG", 0), 0xA0)
    await w(addr("MSIXTVCTRL", 0), 0)
    await w(addr("HN_MSIWBASE", 0), window.base)
    await w(addr("HN_MSIWLIMIT", 0), window.base + 64)
    await w(addr("HN_MSIXCTL"), MSIXCTL_ENABLE)
    await w(addr("EIAC"), 1)
    await w(addr("EIMS"), 1)
    return drv, window.base


async def collect(dev: Device, until_ns: float) -> list[Msi]:
    out: list[Msi] = []
    while dev.now_ns() < until_ns:
        out.extend(await dev.wait_interrupt(until_ns - dev.now_ns()))
    return out


async def moderation(dev: Device) -> None:
    """EITR 20 us: a frame every ~2 us gives at most one message per interval; a frame every
    60 us fires at once each time; every frame is delivered either way."""
    eitr = 20
    drv, _ = await _one_vector(dev, eitr)
    t0 = dev.now_ns()
    await dev.mac_send(flows(100, size=1500), rate=0.6)  # ~2 us apart: 10x above 1/EITR
    fast = await collect(dev, t0 + 400 * US)
    gaps = [b.time_ns - a.time_ns for a, b in pairwise(fast)]
    span = fast[-1].time_ns - fast[0].time_ns
    # (1e-3: the model sums float nanoseconds)
    assert all(g >= eitr * US - 1e-3 for g in gaps), f"messages closer than EITR: {min(gaps)} ns"
    assert len(fast) <= span / (eitr * US) + 1, (len(fast), span)
    assert len(fast) < 30, f"{len(fast)} messages for 100 frames: not coalesced"
    delivered = 0
    while got := drv.harvest(0, budget=512):
        delivered += len(got)
    await drv.refill(0)
    assert delivered == 100
    # Below 1/EITR: after an idle interval each frame's message fires at once.
    await collect(dev, dev.now_ns() + 2 * eitr * US)
    slow = []
    for f in flows(5, seed=9):
        start = dev.now_ns()
        await dev.mac_send([f], rate=1.0)
        got = await collect(dev, start + 60 * US)
        assert len(got) == 1, f"{len(got)} messages for one frame after an idle interval"
        assert got[0].time_ns - start < 3 * US, "an event after an idle interval must fire at once"
        slow.extend(got)
    assert all(m.data == 0xA0 for m in fast + slow)
    assert len(drv.harvest(0, budget=512)) == 5


async def masks_and_causes(dev: Device) -> None:
    """Vector mask and PBA, function mask, auto-mask and re-arm, EICS, link change, and a
    message address outside the window."""
    drv, base = await _one_vector(dev, 0)
    w, r = dev.write_reg, dev.read_reg
    # Masked vector: the event sets the PBA bit, unmasking fires it.
    await w(addr("MSIXTVCTRL", 0), 1)
    await dev.mac_send(flows(1), rate=1.0)
    assert not await collect(dev, dev.now_ns() + 20 * US)
    assert await r(addr("MSIXPBA")) == 1
    await w(addr("MSIXTVCTRL", 0), 0)
    assert len(await collect(dev, dev.now_ns() + 5 * US)) == 1
    assert await r(addr("MSIXPBA")) == 0
    # Function mask: the same through HN_MSIXCTL.
    await w(addr("HN_MSIXCTL"), 3)
    await w(addr("EICS"), 1)
    assert not await collect(dev, dev.now_ns() + 5 * US)
    assert await r(addr("MSIXPBA")) == 1
    await w(addr("HN_MSIXCTL"), 1)
    assert len(await collect(dev, dev.now_ns() + 5 * US)) == 1
    # Auto-mask: the message clears EIMS; events wait in EICR until the re-arm.
    await w(addr("GPIE"), GPIE_EIAME)
    await w(addr("EIAM"), 1)
    await w(addr("EICS"), 1)
    assert len(await collect(dev, dev.now_ns() + 5 * US)) == 1
    assert await r(addr("EIMS")) == 0
    await dev.mac_send(flows(3, seed=3), rate=1.0)
    assert not await collect(dev, dev.now_ns() + 20 * US)
    assert await r(addr("EICR")) == 1
    await w(addr("EIMS"), 1)
    assert len(await collect(dev, dev.now_ns() + 5 * US)) == 1
    assert await r(addr("EICR")) == 0  # auto-cleared by the message
    # No auto-clear, no auto-mask: one message per new cause, none for an old one.
    await w(addr("EIAC"), 0)
    await w(addr("EIAM"), 0)
    await w(addr("EIMS"), 1)
    await w(addr("EICS"), 1)
    assert len(await collect(dev, dev.now_ns() + 5 * US)) == 1
    assert not await collect(dev, dev.now_ns() + 5 * US)
    assert await r(addr("EICR")) == 1
    await w(addr("EICR"), 1)
    assert await r(addr("EICR")) == 0
    # Other causes on vector 1: link change, then a message address outside the window.
    await w(addr("EIAC"), 3)
    await w(addr("IVAR_MISC"), (1 | IVAR_VALID) << 8)
    await w(addr("IMS"), ICR_LSC | ICR_MSIERR)
    await w(addr("MSIXTADD", 1), base + 4)
    await w(addr("MSIXTMSG", 1), 0xB1)
    await w(addr("MSIXTVCTRL", 1), 0)
    await w(addr("EIMS"), 3)
    dev.set_link(False)
    got = await collect(dev, dev.now_ns() + 5 * US)
    assert [m.data for m in got] == [0xB1], got
    assert await r(addr("ICR")) & ICR_LSC
    await w(addr("ICR"), ICR_LSC)
    assert not await r(addr("ICR")) & ICR_LSC
    await w(addr("MSIXTADD", 0), base + 0x1000)  # outside the 64-byte window
    await w(addr("EICS"), 1)
    got = await collect(dev, dev.now_ns() + 5 * US)
    assert [m.data for m in got] == [0xB1], "the refused message must not land; MSIERR must"
    assert await r(addr("HN_MSIERR")) == 1
    assert await r(addr("ICR")) & ICR_MSIERR
    assert dev.mem_read(base + 0x1000, 4) == bytes(4)
    assert await r(addr("HN_MSISENT")) == 7
    assert not dev.guard_violations()
    del drv
