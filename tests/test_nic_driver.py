# SPDX-License-Identifier: MIT
"""The driver on the model back end: bytes in == bytes out, RSS steering against an independent
Toeplitz reference, ring wrap, full rings, jumbo frames, TX, zero-copy forwarding, loopback and
recovery from every queue-stopping error."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw

from pystack.nic.desc import RCTL_EN, RCTL_LBM_MAC, TxDesc, rx_read_desc
from pystack.nic.driver import Driver, RxPacket
from pystack.nic.model import DECERR, SLVERR, ModelDevice
from pystack.regmap import addr
from pystack.rss import MS_KEY, HashType, RssConfig, classify_frame, toeplitz_hash
from pystack.traffic import flow_frames, pad, random_frames


def run(coro_fn: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(coro_fn())  # type: ignore[arg-type]


def raw_frame(length: int, seed: int = 0) -> bytes:
    head = bytes(6) + bytes(6) + b"\x88\xb5"
    body = bytes((seed * 7 + i) & 0xFF for i in range(max(0, length - len(head))))
    return (head + body)[:length]


def tcp4(
    sport: int, dport: int = 80, src: str = "10.0.0.1", dst: str = "10.0.0.2", size: int = 0
) -> bytes:
    return pad(
        bytes(Ether() / IP(src=src, dst=dst) / TCP(sport=sport, dport=dport) / Raw(bytes(size)))
    )


async def pump(
    dev: ModelDevice,
    drv: Driver,
    frames: list[bytes],
    bad: tuple[int, ...] = (),
    slice_ns: float = 5000.0,
    rate: float = 1.0,
) -> list[RxPacket]:
    """Send frames and service the rings while they arrive."""
    await dev.mac_send(frames, rate=rate, bad=bad)
    got: list[RxPacket] = []
    while not dev.mac_idle():
        await dev.sleep_ns(slice_ns)
        got += await drv.poll_once()
    got += await drv.poll_once()
    return got


def check_identity(dev: ModelDevice, stats: dict[str, int]) -> None:
    drops = sum(
        v for k, v in stats.items() if k.split("[")[0] in ("HN_RQOVR", "RQDPC", "HN_RQDMAE")
    )
    assert stats["TPR"] == (stats["MPC"] + stats["CRCERRS"] + stats["RUC"] + stats["GPRC"] + drops)
    tpr, parts = dev.tpr_identity()
    assert tpr == parts == stats["TPR"]


async def attached(ring_size: int = 32, **kw: object) -> tuple[ModelDevice, Driver]:
    dev_kw = {k: kw.pop(k) for k in list(kw) if k in ("num_rx_queues", "num_tx_queues", "mem_size")}
    dev = ModelDevice(**dev_kw)  # type: ignore[arg-type]
    drv = Driver(dev, ring_size=ring_size, **kw)  # type: ignore[arg-type]
    await drv.attach()
    return dev, drv


def test_attach_programs_everything() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=64, num_rx_queues=8, num_tx_queues=4)
        assert (drv.num_rx_queues, drv.num_tx_queues, drv.max_frame) == (8, 4, 9018)
        for q in range(8):
            assert dev.peek("HN_RQSTAT", q) == 1 and dev.peek("RDT", q) == 63
        for q in range(4):
            assert dev.peek("HN_TQSTAT", q) == 1
        assert dev.peek("RCTL") & RCTL_EN and dev.peek("HN_CFGERR") == 0
        assert drv.rss is not None and dev.rss_config().reta == drv.rss.reta
        assert set(drv.rss.reta) == set(range(8))
        names = [r.name for r in dev.memory.regions]
        assert names.count("buffer pool") == 1 and "tx head write-back" in names
        assert drv.pool_free() == (8 + 4) * 63 - 8 * 63
        stats = await drv.read_stats()
        assert "RQDPC[7]" in stats and "HN_TQERR[3]" in stats and "HN_RSSERR[4]" in stats
        assert not any(stats.values())

    run(body)


def test_default_sizes_fit_the_default_memory() -> None:
    async def body() -> None:
        drv = Driver(ModelDevice())
        await drv.attach()
        assert drv.pool_free() == 16 * 127
        with pytest.raises(MemoryError, match="host memory"):
            await Driver(ModelDevice(), ring_size=256).attach()

    run(body)


def test_flows_delivered_intact_on_all_queues() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=64)
        frames = list(flow_frames(11, 300, 1500))
        got = await pump(dev, drv, frames)
        assert len(got) == len(frames)
        assert sorted(p.data for p in got) == sorted(frames)
        assert {p.queue for p in got} == set(range(16))
        # Per queue, arrival order is kept.
        assert drv.rss is not None
        for q in range(16):
            want = [f for f in frames if classify_frame(f, drv.rss).queue == q]
            assert [p.data for p in got if p.queue == q] == want
        assert all(p.hash_type != HashType.NONE for p in got)
        assert drv.pool_free() == 16 * 63  # every buffer back in the pool or on a ring
        stats = await drv.read_stats()
        assert stats["GPRC"] == len(frames) and stats["GORCL"] == sum(map(len, frames))
        check_identity(dev, stats)
        assert dev.guard_violations() == []

    run(body)


def test_queue_matches_independent_toeplitz() -> None:
    async def body() -> None:
        reta = [(i * 11 + 5) % 16 for i in range(128)]
        dev, drv = await attached(rss=RssConfig(reta=reta))
        cases = [
            (
                tcp4(2794, 1766, "66.9.149.187", "161.142.100.80"),
                bytes([66, 9, 149, 187, 161, 142, 100, 80]) + struct.pack(">HH", 2794, 1766),
            ),
            (
                pad(
                    bytes(
                        Ether()
                        / IP(src="12.22.207.184", dst="209.142.163.6")
                        / UDP(sport=9, dport=38024)
                    )
                ),
                bytes([12, 22, 207, 184, 209, 142, 163, 6]) + struct.pack(">HH", 9, 38024),
            ),
            (
                pad(
                    bytes(
                        Ether()
                        / Dot1Q(vlan=9)
                        / IPv6(src="2001:db8::1", dst="2001:db8::2")
                        / TCP(sport=40000, dport=443)
                    )
                ),
                bytes.fromhex("20010db8000000000000000000000001")
                + bytes.fromhex("20010db8000000000000000000000002")
                + struct.pack(">HH", 40000, 443),
            ),
            (
                pad(bytes(Ether() / IP(src="1.1.1.1", dst="2.2.2.2", flags="MF") / UDP())),
                bytes([1, 1, 1, 1, 2, 2, 2, 2]),
            ),  # fragment: 2-tuple
        ]
        got = await pump(dev, drv, [c[0] for c in cases])
        assert len(got) == 4
        by_data = {p.data: p for p in got}
        for frame, tup in cases:
            h = toeplitz_hash(MS_KEY, tup)
            pkt = by_data[frame]
            assert (pkt.rss_hash, pkt.queue) == (h, reta[h & 127])
        assert by_data[cases[2][0]].vlan_tags == 1
        assert by_data[cases[3][0]].hash_type == HashType.IPV4

    run(body)


def test_ring_wraps_many_times() -> None:
    async def body() -> None:
        dev, drv = await attached(
            ring_size=16, rx_queues=[3], rss=RssConfig(mrqc=0, default_queue=3)
        )
        frames = [raw_frame(60 + (i * 37) % 3000, i) for i in range(160)]
        got: list[RxPacket] = []
        for i in range(0, len(frames), 5):
            got += await pump(dev, drv, frames[i : i + 5])
        assert [p.data for p in got] == frames
        assert all(p.queue == 3 for p in got)
        assert dev.peek("HN_RQPC", 3) == 160 and dev.peek("RQDPC", 3) == 0
        descs = sum(-(-len(f) // 2048) for f in frames)
        assert descs > 10 * 16
        assert dev.peek("RDH", 3) == descs % 16
        check_identity(dev, await drv.read_stats())

    run(body)


def test_ring_full_exact_drops_and_recovery() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=16, rss=RssConfig(mrqc=0, default_queue=5))
        frames = [raw_frame(300, i) for i in range(40)]
        await dev.mac_send(frames)
        await dev.sleep_ns(dev.ns_until_idle())
        assert dev.peek("RQDPC", 5) == 25 and dev.peek("HN_RQPC", 5) == 15
        got = await drv.poll_once()
        assert [p.data for p in got] == frames[:15]
        got = await pump(dev, drv, frames[:7])
        assert [p.data for p in got] == frames[:7]
        assert dev.peek("RQDPC", 5) == 25
        # Harvest without refilling: the ring runs dry again after exactly 15 more.
        await dev.mac_send(frames[:20])
        await dev.sleep_ns(dev.ns_until_idle())
        assert len(drv.harvest(5, budget=100)) == 15
        assert dev.peek("RQDPC", 5) == 30
        await drv.refill(5)
        got = await pump(dev, drv, frames[:3])
        assert [p.data for p in got] == frames[:3]
        check_identity(dev, await drv.read_stats())

    run(body)


def test_jumbo_and_oversize() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=16, rss=RssConfig(mrqc=0, default_queue=0))
        jumbo = [raw_frame(9000, i) for i in range(5)]
        got = await pump(dev, drv, [*jumbo, raw_frame(9100), raw_frame(9018, 9)])
        assert [p.data for p in got] == [*jumbo, raw_frame(9018, 9)]
        assert all(len(p.buffers) == 5 for p in got)
        assert dev.peek("HN_RQOVR", 0) == 1
        stats = await drv.read_stats()
        assert stats["HN_RQOVR[0]"] == 1
        check_identity(dev, stats)

    run(body)


def test_runts_mac_errors_and_missed() -> None:
    async def body() -> None:
        dev, drv = await attached()
        frames = random_frames(5, 200)
        bad = (1, 50, 51, 199)
        got = await pump(dev, drv, frames, bad=bad)
        good = [f for i, f in enumerate(frames) if i not in bad and len(f) >= 60]
        assert sorted(p.data for p in got) == sorted(good)
        stats = await drv.read_stats()
        assert stats["CRCERRS"] == 4
        assert stats["RUC"] == sum(1 for i, f in enumerate(frames) if i not in bad and len(f) < 60)
        await dev.write_reg(addr("RCTL"), 0)
        assert await pump(dev, drv, frames[:10]) == []
        stats = await drv.read_stats()
        assert stats["MPC"] == 10 and stats["TPR"] == 210
        check_identity(dev, stats)

    run(body)


def test_tx_every_queue_padding_and_multi_buffer() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=16)
        sent = []
        for q in range(16):
            frames = [raw_frame(20 + q, q), raw_frame(1000, q), raw_frame(5000 + q, q)]
            assert await drv.transmit(q, frames) == 3
            sent += [frames[0] + bytes(60 - len(frames[0])), *frames[1:]]
        out = dev.mac_take()
        assert [f.data for f in out] == sent
        assert not any(f.aborted for f in out)
        assert drv.reclaim() == 16 * 5
        stats = await drv.read_stats()
        assert stats["GPTC"] == 48 and stats["GOTCL"] == sum(map(len, sent))
        assert all(stats[f"HN_TQPC[{q}]"] == 3 for q in range(16))
        assert drv.pool_free() == 16 * 15

    run(body)


def test_tx_ring_full_accepts_a_prefix() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=8, tx_queues=[2])
        await dev.write_reg(addr("TCTL"), 0)  # hold frames in the ring
        frames = [raw_frame(100, i) for i in range(12)]
        assert await drv.transmit(2, frames) == 7
        assert await drv.transmit(2, frames[7:]) == 0
        await dev.write_reg(addr("TCTL"), 2)
        assert [f.data for f in dev.mac_take()] == frames[:7]
        assert await drv.transmit(2, frames[7:]) == 5  # reclaims by itself
        assert [f.data for f in dev.mac_take()] == frames[7:]

    run(body)


def test_zero_copy_forward() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=32)
        frames = [*flow_frames(2, 50, 200), raw_frame(7000, 1)]
        await dev.mac_send(frames)
        await dev.sleep_ns(dev.ns_until_idle())
        pool_before = drv.pool_free()
        forwarded = []
        for q in range(16):
            bufs = drv.harvest_buffers(q, budget=100)
            await drv.refill(q)
            assert await drv.transmit_buffers((q + 1) % 16, [b.segments for b in bufs]) == len(bufs)
            forwarded += [b.length for b in bufs]
        out = dev.mac_take()
        assert sorted(f.data for f in out) == sorted(frames)
        drv.reclaim()
        assert drv.pool_free() == pool_before
        assert dev.guard_violations() == []
        # Copies read nothing from the buffers: only the NIC touched them.
        assert sum(forwarded) == sum(map(len, frames))

    run(body)


def test_loopback_integrity() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=64)
        await dev.write_reg(addr("RCTL"), RCTL_EN | RCTL_LBM_MAC)
        frames = [*flow_frames(4, 40, 150), raw_frame(8000, 3)]
        got = []
        for i in range(0, len(frames), 20):
            assert await drv.transmit(i % 16, frames[i : i + 20]) == len(frames[i : i + 20])
            got += await drv.poll_once()
        for _ in range(3):
            got += await drv.poll_once(budget=200)
        assert dev.mac_take() == []
        assert sorted(p.data for p in got) == sorted(frames)
        assert await pump(dev, drv, frames[:3]) == []
        stats = await drv.read_stats()
        assert stats["MPC"] == 3 and stats["GPTC"] == len(frames)
        check_identity(dev, stats)

    run(body)


def test_misaligned_buffer_stops_one_queue_and_restart() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=16, rss=RssConfig(mrqc=0, default_queue=4))
        ring = drv.rx[4]
        dev.mem_write(ring.region.base, rx_read_desc(ring.slots[0] + 8))  # type: ignore[operator]
        await pump(dev, drv, [raw_frame(100)] * 2)
        assert await drv.queue_status("rx", 4) == 0b1110
        stats = await drv.read_stats()
        assert (stats["HN_RQDMAE[4]"], stats["RQDPC[4]"], stats["HN_CFGERR"]) == (1, 1, 1)
        # Other queues keep working.
        await dev.write_reg(addr("HN_RSSDEFQ"), 6)
        got = await pump(dev, drv, [raw_frame(100, 1)])
        assert [(p.queue, p.data) for p in got] == [(6, raw_frame(100, 1))]
        await drv.restart_queue("rx", 4)
        assert await drv.queue_status("rx", 4) == 1
        await dev.write_reg(addr("HN_RSSDEFQ"), 4)
        frames = [raw_frame(500, i) for i in range(40)]
        got = await pump(dev, drv, frames, rate=0.1)
        assert [p.data for p in got] == frames
        check_identity(dev, await drv.read_stats())
        assert drv.pool_free() == 16 * 15

    run(body)


def test_dma_error_window_stops_only_that_queue() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=16)
        ring = drv.rx[9].region
        dev.inject_dma_error(ring.base, ring.base + ring.size, DECERR)
        frames = list(flow_frames(8, 100, 400))
        got = await pump(dev, drv, frames)
        stats = await drv.read_stats()
        assert await drv.queue_status("rx", 9) == 0b1010
        assert stats["HN_RQDMAE[9]"] == 1 and stats["RQDPC[9]"] > 0
        assert all(stats[f"HN_RQDMAE[{q}]"] == 0 for q in range(16) if q != 9)
        assert len(got) == len(frames) - stats["HN_RQDMAE[9]"] - stats["RQDPC[9]"]
        check_identity(dev, stats)
        dev.clear_dma_errors()
        await drv.restart_queue("rx", 9)
        got = await pump(dev, drv, frames)
        assert sorted(p.data for p in got) == sorted(frames)

    run(body)


def test_tx_dma_error_and_restart() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=16)
        ring = drv.tx[3].region
        dev.inject_dma_error(ring.base + 32, ring.base + 48, SLVERR)  # descriptor 2
        frames = [raw_frame(100, i) for i in range(5)]
        assert await drv.transmit(3, frames) == 5
        assert [f.data for f in dev.mac_take()] == frames[:2]
        assert await drv.queue_status("tx", 3) == 0b0110
        assert (await drv.read_stats())["HN_TQDMAE[3]"] == 1
        assert await drv.transmit(4, frames) == 5 and len(dev.mac_take()) == 5
        dev.clear_dma_errors()
        await drv.restart_queue("tx", 3)
        assert drv.tx_heads()[3] == 0
        assert await drv.transmit(3, frames) == 5
        assert [f.data for f in dev.mac_take()] == frames
        drv.reclaim()
        assert drv.pool_free() == 16 * 15

    run(body)


def test_guard_catches_wild_tx_descriptor() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=16)
        ring = drv.tx[0]
        dev.mem_write(ring.region.base, TxDesc(16, 100).pack())  # page 0: never allocated
        await dev.write_reg(addr("TDT", 0), 1)
        assert dev.mac_take() == []
        (violation,) = dev.guard_violations()
        assert "0x10" in violation
        assert await drv.queue_status("tx", 0) == 0b1010

    run(body)


def test_bad_register_address_counted() -> None:
    async def body() -> None:
        dev, drv = await attached(num_rx_queues=4, num_tx_queues=4)
        await dev.write_reg(addr("RDT", 0) + 4 * 0x40, 1)  # queue 4 does not exist
        await dev.write_reg(addr("RDT", 0), 32)  # outside the ring
        assert (await drv.read_stats())["HN_BADACC"] == 2
        assert len(dev.bad_accesses) == 2

    run(body)


def test_enable_with_bad_rdlen_refused_then_restart_fixes() -> None:
    async def body() -> None:
        dev, drv = await attached(ring_size=16)
        await dev.write_reg(addr("RXDCTL", 1), 0)
        await dev.write_reg(addr("RDLEN", 1), 100)
        await dev.write_reg(addr("RXDCTL", 1), 1 << 25)
        assert await dev.read_reg(addr("RXDCTL", 1)) == 0
        assert await drv.queue_status("rx", 1) == 0b1110
        assert (await drv.read_stats())["HN_CFGERR"] == 1
        await drv.restart_queue("rx", 1)  # reprograms the ring
        assert await drv.queue_status("rx", 1) == 1

    run(body)


class Spy:
    """Counts backdoor calls and register writes, as the RTL back end would pay for them."""

    def __init__(self, dev: ModelDevice) -> None:
        self.reads = 0
        self.writes = 0
        self.regs: list[tuple[int, int]] = []
        read, write, write_reg = dev.mem_read, dev.mem_write, dev.write_reg

        def mem_read(a: int, n: int) -> bytes:
            self.reads += 1
            return read(a, n)

        def mem_write(a: int, data: bytes) -> None:
            self.writes += 1
            write(a, data)

        async def reg_write(a: int, v: int) -> None:
            self.regs.append((a, v))
            await write_reg(a, v)

        dev.mem_read = mem_read  # type: ignore[method-assign]
        dev.mem_write = mem_write  # type: ignore[method-assign]
        dev.write_reg = reg_write  # type: ignore[method-assign]

    def reset(self) -> None:
        self.reads = self.writes = 0
        self.regs = []


def test_backdoor_and_register_traffic_is_batched() -> None:
    async def body() -> None:
        dev, drv = await attached(
            ring_size=128, rx_queues=2, tx_queues=2, rss=RssConfig(mrqc=0, default_queue=0)
        )
        spy = Spy(dev)
        frames = [raw_frame(64 + i, i) for i in range(100)]
        await dev.mac_send(frames)
        await dev.sleep_ns(dev.ns_until_idle())
        got = drv.harvest(0, budget=200)
        assert [p.data for p in got] == frames
        # 100 descriptors: one line first (an idle ring costs one read), then 64-descriptor
        # slices; 100 neighbouring buffers in 64 KiB reads; no writes (refill rewrites slots).
        assert spy.reads <= 3 + 4 and spy.writes == 0
        spy.reset()
        assert await drv.refill(0) == 100
        assert spy.regs == [(addr("RDT", 0), 99)] and spy.writes <= 2
        spy.reset()
        assert await drv.transmit(1, frames[:50]) == 50
        assert [a for a, _ in spy.regs] == [addr("TDT", 1)]
        assert spy.writes <= 2 + 2
        spy.reset()
        drv.reclaim()
        assert spy.reads == 1
        assert [f.data for f in dev.mac_take()] == frames[:50]

    run(body)
