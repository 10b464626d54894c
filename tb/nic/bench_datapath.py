# SPDX-License-Identifier: MIT
"""cocotb side of bench/datapath_bench.py: forward 64-byte frames end to end (MAC RX, RX DMA,
driver harvest, zero-copy TX, MAC TX) with the Python driver in the loop, fed either by the HDL
frame source or, as the baseline, by cocotbext-axi beat by beat. Writes its figures as JSON to
$HILNIC_OUT."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

import cocotb
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSource
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from pystack.nic.device import CLOCK_NS
from pystack.nic.driver import Driver
from pystack.rss import RssConfig, symmetric_key
from pystack.rtl.device import RtlDevice

POLL_NS = 8000.0


def frames_64(count: int) -> list[bytes]:
    out = []
    for i in range(count):
        pkt = Ether() / IP(src=f"10.{i % 250}.{i // 250 % 250}.1", dst="10.9.0.2")
        pkt = pkt / UDP(sport=1024 + i % 60000, dport=9)
        raw = bytes(pkt)
        out.append(raw + bytes(64 - len(raw)))
    return out


def mac_tx_frames(dev: RtlDevice) -> int:
    """Frames the sink saw: stored plus not stored (its table fills up; the count does not)."""
    return int(dev.dut.snk_stat_frames.value) + int(dev.dut.snk_stat_dropped.value)


async def forward(dev: RtlDevice, drv: Driver, total: int, fed: Callable[[], bool]) -> dict:
    """Poll every POLL_NS: harvest every ring, send each frame back out zero-copy on the TX
    queue of the same number, refill, reclaim; stop when `total` frames have left MAC TX."""
    forwarded = polls = tx_full = 0
    while True:
        for q in drv.rx:
            got = drv.harvest_buffers(q, budget=drv.ring_size)
            if got:
                taken = await drv.transmit_buffers(q, [list(p.segments) for p in got])
                for p in got[taken:]:  # TX ring full: the driver drops (counted, never silent)
                    drv.release([b for b, _ in p.segments])
                forwarded += taken
                tx_full += len(got) - taken
                await drv.refill(q)
        drv.reclaim()
        polls += 1
        sent = mac_tx_frames(dev)
        if sent >= total or polls > 20000:
            break
        if fed() and forwarded == sent and polls % 20 == 0:
            stats = await drv.read_stats()
            nic_drops = stats["MPC"] + sum(stats[f"RQDPC[{q}]"] for q in drv.rx)
            if stats["GPRC"] + nic_drops >= total and forwarded + tx_full == stats["GPRC"]:
                break
        await dev.sleep_ns(POLL_NS)
    return {"forwarded": forwarded, "polls": polls, "driver_tx_full_drops": tx_full}


async def run_mode(dut, mode: str, total: int) -> dict:
    dev = RtlDevice(dut, name=os.environ.get("SIM", "rtl"))
    await dev.start()
    drv = Driver(dev, ring_size=128, rss=RssConfig(key=symmetric_key()))
    await drv.attach()
    frames = frames_64(min(total, 4096))
    await dev.sink.clear()
    t0 = time.perf_counter()
    c0 = time.process_time()
    s0 = dev.now_ns()
    if mode == "hdl_source":
        dev.source.load(frames)
        await dev.source.start(total, rate=1.0)
        fed = dev.mac_idle
    else:
        dut.src_select.value = 0
        src = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis_mac_rx"), dut.clk, dut.rst)

        async def feed() -> None:
            for i in range(total):
                await src.send(AxiStreamFrame(frames[i % len(frames)], tuser=0))
            await src.wait()

        feeding = cocotb.start_soon(feed())
        fed = feeding.done
    got = await forward(dev, drv, total, fed)
    await RisingEdge(dut.clk)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    sim_ns = dev.now_ns() - s0
    stats = await drv.read_stats()
    drops = {
        k: v
        for k, v in stats.items()
        if v and k.split("[")[0] in ("MPC", "RQDPC", "RUC", "CRCERRS", "HN_RQDMAE")
    }
    sent = mac_tx_frames(dev)
    return {
        "mode": mode,
        "frames": total,
        "sent_on_mac_tx": sent,
        "wall_s": wall,
        "cpu_s": cpu,
        "sim_ns": sim_ns,
        "frames_per_wall_s": sent / wall,
        "cycles_per_wall_s": sim_ns / CLOCK_NS / wall,
        "sim_mpps": sent / sim_ns * 1e3,
        "drops": drops,
        "guard_violations": dev.guard_violations(),
        **got,
    }


@cocotb.test()
async def datapath(dut) -> None:
    plan = json.loads(os.environ["HILNIC_JOB"])
    results = [await run_mode(dut, mode, count) for mode, count in plan["modes"]]
    with open(os.environ["HILNIC_OUT"], "w") as fh:
        json.dump(results, fh)
