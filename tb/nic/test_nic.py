# SPDX-License-Identifier: MIT
"""Full NIC on the simulators, scoreboarded against the behavioural model: the same driver
code and the same frames go through hdl/sim/nic_sim_top.v and through pystack.nic.model, and
every delivered frame (bytes, queue, hash, type, errors), every frame on MAC TX and every
counter must agree. Independent checks ride along: the bytes delivered are the bytes sent, the
queue is what the RETA says for the hash, and the guard never trips."""

from __future__ import annotations

import os
import random

import cocotb
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from pystack.nic.desc import RCTL_EN, RCTL_LBM_MAC
from pystack.nic.driver import Driver
from pystack.nic.model import ModelDevice
from pystack.regmap import addr
from pystack.rss import RssConfig, classify_frame, symmetric_key
from pystack.rtl.device import RtlDevice
from pystack.traffic import edge_frames, flow_frames, random_frames
from tb.nic.scenarios import Outcome, drain_tx, harvest_all, rx_batches, tx_every_queue

RING = 16


def rss_config() -> RssConfig:
    return RssConfig(key=symmetric_key(), reta=[i % 16 for i in range(128)])


async def pair(dut, ring: int = RING, **kw) -> tuple[RtlDevice, Driver, ModelDevice, Driver]:
    """The RTL and the model, each with an attached driver, configured identically."""
    rtl = RtlDevice(dut, name=os.environ.get("SIM", "rtl"))
    await rtl.start()
    model = ModelDevice(link_up=True)
    drivers = []
    for dev in (rtl, model):
        drv = Driver(dev, ring_size=ring, rss=rss_config(), **kw)
        await drv.attach()
        drivers.append(drv)
    return rtl, drivers[0], model, drivers[1]


def assert_same(rtl: Outcome, model: Outcome, ordered_tx: bool = True) -> None:
    diff = {
        k: (rtl.stats[k], model.stats.get(k))
        for k in rtl.stats
        if rtl.stats[k] != model.stats.get(k)
    }
    assert not diff, f"counters differ (RTL, model): {diff}"
    for q in sorted(set(rtl.rx) | set(model.rx)):
        got, want = rtl.rx.get(q, []), model.rx.get(q, [])
        assert len(got) == len(want), f"queue {q}: RTL delivered {len(got)}, model {len(want)}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert g == w, f"queue {q} frame {i}: RTL {g[1:]} len {len(g[0])}, model {w[1:]}"
    assert len(rtl.tx) == len(model.tx), f"MAC TX: RTL sent {len(rtl.tx)}, model {len(model.tx)}"
    # Across queues the order is the NIC's round robin against the model's queue by queue.
    rtl_tx, model_tx = (rtl.tx, model.tx) if ordered_tx else (sorted(rtl.tx), sorted(model.tx))
    for i, (g, w) in enumerate(zip(rtl_tx, model_tx, strict=True)):
        assert g == w, (
            f"MAC TX frame {i}: RTL {len(g[0])} B abort={g[1]}, model {len(w[0])} B abort={w[1]}"
        )
    assert not rtl.violations, rtl.violations


def tpr_balanced(stats: dict[str, int]) -> bool:
    drops = sum(
        v for k, v in stats.items() if k.split("[")[0] in ("HN_RQOVR", "RQDPC", "HN_RQDMAE")
    )
    return stats["TPR"] == stats["MPC"] + stats["CRCERRS"] + stats["RUC"] + stats["GPRC"] + drops


def udp(i: int, size: int) -> bytes:
    pkt = Ether() / IP(src=f"10.0.{i % 200}.1", dst="10.1.0.2") / UDP(sport=1000 + i, dport=7)
    return bytes(pkt / bytes(max(0, size - len(pkt))))


@cocotb.test()
async def rx_all_queues_wrap_and_ring_full(dut) -> None:
    """Hostile mix over all 16 rings of 16 descriptors: rings wrap, some batches overflow a
    ring (exact RQDPC), every error class appears; RTL == model frame by frame."""
    rtl, rdrv, model, mdrv = await pair(dut)
    rng = random.Random(11)
    frames = list(flow_frames(3, flows=64, count=500)) + random_frames(4, 300) + edge_frames()
    rng.shuffle(frames)
    frames += [udp(i, 9000) for i in range(6)] + [udp(7, 9100), udp(8, 9018), udp(9, 9019)]
    batches = [frames[i : i + 120] for i in range(0, len(frames), 120)]
    bad = [[j for j in range(len(b)) if rng.random() < 0.02] for b in batches]
    got = await rx_batches(rtl, rdrv, batches, bad=bad)
    want = await rx_batches(model, mdrv, batches, bad=bad)
    assert_same(got, want)
    stats = got.stats
    assert tpr_balanced(stats)
    assert stats["TPR"] == len(frames)
    assert sum(stats[f"RQDPC[{q}]"] for q in range(16)) > 0, "no ring ever filled"
    assert all(stats[f"HN_RQPC[{q}]"] > RING for q in range(16)), "a ring did not wrap"
    assert (
        stats["RUC"] > 0
        and stats["CRCERRS"] > 0
        and sum(stats[f"HN_RQOVR[{q}]"] for q in range(16)) == 2
    )
    cfg = rss_config()
    sent = {}
    for f in frames:
        sent.setdefault(f, 0)
        sent[f] += 1
    for q, pkts in got.rx.items():
        for data, h, *_ in pkts:
            assert data in sent, "delivered bytes that were never sent"
            want_q = classify_frame(data, cfg).queue
            assert want_q == q, f"hash {h:#x} went to {q}, RETA says {want_q}"
    jumbo = [p for pkts in got.rx.values() for p in pkts if len(p[0]) >= 9000]
    assert len(jumbo) >= 6, "jumbo frames across descriptors were not delivered"


@cocotb.test()
async def tx_every_queue_pad_and_multibuffer(dut) -> None:
    rtl, rdrv, model, mdrv = await pair(dut)
    frames = [
        udp(i, rng_size) for i, rng_size in enumerate([42, 60, 64, 128, 1514, 3000, 9018] * 6)
    ]
    frames += [b"\x01" * 20]
    got = await tx_every_queue(rtl, rdrv, frames)
    want = await tx_every_queue(model, mdrv, frames)
    assert_same(got, want, ordered_tx=False)
    order = [d for d, _ in got.tx]
    for q in range(16):  # within a queue, frames leave in ring order
        mine = [f + bytes(max(0, 60 - len(f))) for f in frames[q::16]]
        assert [d for d in order if d in mine] == mine, f"queue {q} out of order"
    assert len(got.tx) == len(frames)
    sent = sorted(f + bytes(max(0, 60 - len(f))) for f in frames)
    assert sorted(d for d, _ in got.tx) == sent
    assert all(got.stats[f"HN_TQPC[{q}]"] > 0 for q in range(16))


@cocotb.test()
async def loopback_integrity(dut) -> None:
    """TX into RX through the MAC loopback: every frame comes back intact on its RSS queue.
    Rounds of 15 frames (less than a ring) are harvested in between, so nothing is dropped."""
    rtl, rdrv, model, mdrv = await pair(dut)
    frames = list(flow_frames(9, flows=32, count=195))
    outs = []
    for dev, drv in ((rtl, rdrv), (model, mdrv)):
        await dev.write_reg(addr("RCTL"), RCTL_EN | RCTL_LBM_MAC)
        await dev.mac_send(frames[:10])  # ignored in loopback: counted as missed
        out = Outcome()
        for i in range(0, len(frames), 15):
            for q, f in enumerate(frames[i : i + 15]):
                assert await drv.transmit(q, [f]) == 1
            await drain_tx(dev, drv)
            await harvest_all(drv, out)
        out.tx = [(t.data, t.aborted) for t in dev.mac_take()]
        out.stats = await drv.read_stats()
        out.violations = dev.guard_violations()
        # Across TX queues the order is the NIC's round robin, so compare each RX queue as a set.
        out.rx = {q: sorted(pkts) for q, pkts in out.rx.items()}
        outs.append(out)
    assert_same(*outs)
    got = outs[0]
    assert got.tx == []
    assert sorted(p[0] for pkts in got.rx.values() for p in pkts) == sorted(frames)
    assert got.stats["MPC"] == 10 and got.stats["GPRC"] == len(frames)


@cocotb.test()
async def dma_error_stops_only_its_queue(dut) -> None:
    rtl, rdrv, model, mdrv = await pair(dut)
    frames = list(flow_frames(5, flows=64, count=300))
    outs = []
    for dev, drv in ((rtl, rdrv), (model, mdrv)):
        ring3 = drv.rx[3].region
        dev.inject_dma_error(ring3.base, ring3.base + ring3.size, "SLVERR")
        first = await rx_batches(dev, drv, [frames[:100]])
        status = await drv.queue_status("rx", 3)
        assert status & 0b10 and (status >> 2) & 3 == 1, f"queue 3 status {status:#x}"
        for q in range(16):
            if q != 3:
                assert await drv.queue_status("rx", q) == 1, f"queue {q} stopped too"
        dev.clear_dma_errors()
        await drv.restart_queue("rx", 3)
        second = await rx_batches(dev, drv, [frames[100:]])
        first.rx = {q: first.rx.get(q, []) + second.rx.get(q, []) for q in range(16)}
        first.stats = second.stats
        outs.append(first)
    assert_same(*outs)
    stats = outs[0].stats
    assert stats["HN_RQDMAE[3]"] == 1
    assert outs[0].rx[3], "queue 3 did not recover"
    assert tpr_balanced(stats)
