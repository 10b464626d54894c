# SPDX-License-Identifier: MIT
"""The behavioural NIC model against hdl/DATAPATH.md, programmed by hand (no driver), so these
tests check the model on its own terms: every drop rule in order, every counter, the guard."""

from __future__ import annotations

import asyncio
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw

from pystack.nic.desc import (
    CTRL_RST,
    RCTL_EN,
    RCTL_LBM_MAC,
    STATUS_GIO_MASTER_ENABLE,
    TCTL_EN,
    TDWBAL_ENABLE,
    XDCTL_ENABLE,
    RxWriteback,
    TxDesc,
    rx_read_desc,
)
from pystack.nic.device import Region
from pystack.nic.model import DECERR, SLVERR, ModelDevice
from pystack.regmap import addr
from pystack.rss import MS_KEY, HashType, RssConfig, classify_frame, toeplitz_hash
from pystack.rss.program import rss_register_writes
from pystack.traffic import edge_frames, pad, random_frames

RING0 = 0x10000
BUF0 = 0x100000
BUFQ = 256  # buffers per RX queue in the hand-built layout
MEM = 32 << 20


def tcp4(
    src: str = "10.0.0.1", dst: str = "10.0.0.2", sport: int = 1000, dport: int = 80, size: int = 0
) -> bytes:
    return pad(
        bytes(Ether() / IP(src=src, dst=dst) / TCP(sport=sport, dport=dport) / Raw(bytes(size)))
    )


def raw_frame(length: int, seed: int = 0) -> bytes:
    """A non-IP frame of exactly `length` bytes (goes to the default queue)."""
    head = bytes(6) + bytes(6) + b"\x88\xb5"
    body = bytes((seed + i) & 0xFF for i in range(max(0, length - len(head))))
    return (head + body)[:length]


def identity(dev: ModelDevice) -> None:
    tpr, parts = dev.tpr_identity()
    assert tpr == parts
    assert tpr == dev.peek("TPR")


def wr(dev: ModelDevice, name: str, value: int, index: int = 0) -> None:
    dev.write_reg_now(addr(name, index), value)


def rd(dev: ModelDevice, name: str, index: int = 0) -> int:
    return dev.read_reg_now(addr(name, index))


def rx_ring(
    dev: ModelDevice,
    q: int,
    ndesc: int = 16,
    bsize_kb: int = 2,
    post: int | None = None,
    enable: bool = True,
) -> tuple[int, list[int]]:
    """Program RX queue q by hand; post `post` buffers (default ndesc - 1)."""
    base = RING0 + q * 0x1000
    bsize = bsize_kb * 1024
    bufs = [BUF0 + (q * BUFQ + i) * bsize for i in range(ndesc)]
    wr(dev, "RDBAL", base, q)
    wr(dev, "RDBAH", 0, q)
    wr(dev, "RDLEN", ndesc * 16, q)
    wr(dev, "SRRCTL", bsize_kb, q)
    dev.mem_write(base, b"".join(rx_read_desc(b) for b in bufs))
    if enable:
        wr(dev, "RXDCTL", XDCTL_ENABLE, q)
        wr(dev, "RDT", ndesc - 1 if post is None else post, q)
    return base, bufs


def to_queue(dev: ModelDevice, q: int) -> None:
    """RSS off: everything goes to the default queue q."""
    wr(dev, "MRQC", 0)
    wr(dev, "HN_RSSDEFQ", q)


def receive(
    dev: ModelDevice, frames: list[bytes], bad: tuple[int, ...] = (), rate: float = 1.0
) -> None:
    asyncio.run(dev.mac_send(frames, rate=rate, bad=bad))
    dev.advance_ns(dev.ns_until_idle())
    assert dev.mac_idle()


def writeback(dev: ModelDevice, base: int, i: int) -> RxWriteback:
    return RxWriteback.unpack(dev.mem_read(base + 16 * i, 16))


def delivered(
    dev: ModelDevice, base: int, bufs: list[int], start: int, count: int, ndesc: int = 16
) -> list[bytes]:
    """Frames in ring slots start.. (reassembled), from the write-backs."""
    out, cur = [], b""
    i = start
    while len(out) < count:
        wb = writeback(dev, base, i % ndesc)
        assert wb.dd
        cur += dev.mem_read(bufs[i % ndesc], wb.length)
        if wb.eop:
            out.append(cur)
            cur = b""
        i += 1
    return out


@pytest.fixture
def dev() -> ModelDevice:
    d = ModelDevice(mem_size=MEM)
    wr(d, "RCTL", RCTL_EN)
    return d


# ---- registers ----------------------------------------------------------------------------


def test_caps_and_reset_values() -> None:
    d = ModelDevice(
        num_rx_queues=4, num_tx_queues=8, max_frame=2048, max_ring_desc=1024, num_vectors=3
    )
    assert rd(d, "HN_CAPS") == 4 | 8 << 8 | 3 << 16 | 10 << 24
    assert rd(d, "HN_CAPS2") == 2048 | 64 << 16 | 8 << 24
    assert rd(d, "SRRCTL", 3) == 2
    assert rd(d, "STATUS") == STATUS_GIO_MASTER_ENABLE  # link down, mastering on
    d.set_link(True)
    assert rd(d, "STATUS") == STATUS_GIO_MASTER_ENABLE | 2
    assert asyncio.run(d.read_reg(addr("HN_CAPS"))) & 0xFF == 4


def test_bad_register_accesses_are_refused_and_counted() -> None:
    d = ModelDevice(num_rx_queues=4, num_tx_queues=2)
    assert d.read_reg_now(0x00004) == 0  # hole
    d.write_reg_now(0x05810, 1)  # hole inside the RSS block
    d.write_reg_now(addr("GPRC"), 5)  # read-only counter
    d.write_reg_now(addr("HN_RSSFRAMES"), 5)
    assert d.read_reg_now(addr("RDBAL", 0) + 4 * 0x40) == 0  # queue 4 does not exist
    d.write_reg_now(addr("TDLEN", 0) + 2 * 0x40, 128)  # TX queue 2 does not exist
    d.write_reg_now(addr("TDBAL") + 0xC, 1)  # TX block has no SRRCTL
    assert rd(d, "GPRC") == 0
    assert rd(d, "HN_BADACC") == 7
    assert [b.resp for b in d.bad_accesses] == [
        DECERR,
        DECERR,
        SLVERR,
        SLVERR,
        DECERR,
        DECERR,
        DECERR,
    ]
    assert d.bad_accesses[0].op == "R" and d.bad_accesses[0].addr == 4


def test_tail_outside_ring_is_refused() -> None:
    d = ModelDevice()
    rx_ring(d, 0, ndesc=16, post=5)
    wr(d, "RDT", 16)
    wr(d, "RDT", 1000)
    assert rd(d, "RDT") == 5
    assert rd(d, "HN_BADACC") == 2
    assert all(b.resp == SLVERR for b in d.bad_accesses)


def test_register_fields() -> None:
    d = ModelDevice()
    wr(d, "RDBAL", 0x12345FFF, 1)
    assert rd(d, "RDBAL", 1) == 0x12345F80
    wr(d, "HN_RSSDEFQ", 0x1FF)
    assert rd(d, "HN_RSSDEFQ") == 0xFF
    cfg = RssConfig(key=bytes(range(40)), reta=[(i * 7) % 16 for i in range(128)], default_queue=3)
    for a, v in rss_register_writes(cfg):
        d.write_reg_now(a, v)
    got = d.rss_config()
    assert (got.key, got.reta, got.default_queue, got.mrqc) == (
        cfg.key,
        cfg.reta,
        cfg.default_queue,
        cfg.mrqc,
    )
    assert rd(d, "RETA", 1) == int.from_bytes(bytes(cfg.reta[4:8]), "little")
    wr(d, "CTRL", 0x5)
    assert rd(d, "CTRL") == 5
    # RW registers keep all 32 bits; xXDCTL keeps its other bits beside ENABLE.
    wr(d, "SRRCTL", 0x1234_0002, 2)
    assert rd(d, "SRRCTL", 2) == 0x1234_0002
    wr(d, "RDLEN", 1024, 2)
    wr(d, "RXDCTL", XDCTL_ENABLE | 0x0000_0005, 2)
    assert rd(d, "RXDCTL", 2) == XDCTL_ENABLE | 5


def test_ring_geometry_is_sampled_at_enable() -> None:
    """RDLEN rewritten while enabled reads back as written, but the ring and the tail check
    keep the geometry sampled at enable; a disabled queue checks against RDLEN when usable."""
    d = ModelDevice()
    wr(d, "RCTL", RCTL_EN)
    base, bufs = rx_ring(d, 0, ndesc=64, post=0)
    wr(d, "RDLEN", 128, 0)
    wr(d, "SRRCTL", 1, 0)
    assert rd(d, "RDLEN", 0) == 128
    wr(d, "RDT", 20, 0)  # inside the 64-descriptor ring sampled at enable
    assert rd(d, "RDT", 0) == 20 and rd(d, "HN_BADACC") == 0
    to_queue(d, 0)
    receive(d, [raw_frame(1500)])  # one 2 KiB buffer (sampled), not two of 1 KiB
    assert rd(d, "RDH", 0) == 1
    assert delivered(d, base, bufs, 0, 1, ndesc=64) == [raw_frame(1500)]
    # Disabled: the tail is checked against RDLEN / 16, refused when RDLEN is unusable.
    wr(d, "RDLEN", 200, 2)
    wr(d, "RDT", 5, 2)
    assert rd(d, "RDT", 2) == 0 and rd(d, "HN_BADACC") == 1
    wr(d, "RDLEN", 256, 2)
    wr(d, "RDT", 5, 2)
    wr(d, "RDT", 16, 2)
    assert rd(d, "RDT", 2) == 5 and rd(d, "HN_BADACC") == 2


def test_enable_with_bad_config_is_refused() -> None:
    d = ModelDevice(max_ring_desc=64)
    for n, length in enumerate((0, 100, 64 * 16 + 128)):
        wr(d, "RDLEN", length, 0)
        wr(d, "RXDCTL", XDCTL_ENABLE, 0)
        assert rd(d, "RXDCTL", 0) & XDCTL_ENABLE == 0
        assert rd(d, "HN_RQSTAT", 0) == 0b1110
        assert rd(d, "HN_CFGERR") == n + 1
    wr(d, "RDLEN", 128, 1)
    wr(d, "SRRCTL", 0, 1)
    wr(d, "RXDCTL", XDCTL_ENABLE, 1)
    assert rd(d, "RXDCTL", 1) == 0 and rd(d, "HN_CFGERR") == 4
    wr(d, "TDLEN", 64, 0)
    wr(d, "TXDCTL", XDCTL_ENABLE, 0)
    assert rd(d, "TXDCTL", 0) == 0 and rd(d, "HN_TQSTAT", 0) == 0b1110
    assert rd(d, "HN_CFGERR") == 5
    # Clearing ENABLE clears the error; a good configuration then enables.
    wr(d, "RXDCTL", 0, 0)
    assert rd(d, "HN_RQSTAT", 0) == 0
    wr(d, "RDLEN", 64 * 16, 0)
    wr(d, "RXDCTL", XDCTL_ENABLE, 0)
    assert rd(d, "HN_RQSTAT", 0) == 1 and rd(d, "RXDCTL", 0) == XDCTL_ENABLE


def test_reset_clears_registers_counters_and_queues_not_memory(dev: ModelDevice) -> None:
    base, _ = rx_ring(dev, 0)
    to_queue(dev, 0)
    receive(dev, [raw_frame(100)])
    dev.write_reg_now(0x4, 0)
    assert rd(dev, "GPRC") == 1 and rd(dev, "RDH") == 1 and rd(dev, "HN_BADACC") == 1
    mem = dev.mem_read(base, 256)
    wr(dev, "CTRL", CTRL_RST)
    for name in (
        "GPRC",
        "TPR",
        "HN_BADACC",
        "RCTL",
        "RDH",
        "RDT",
        "RDLEN",
        "HN_RSSDEFQ",
        "HN_RSSFRAMES",
        "CTRL",
        "RXDCTL",
        "HN_RQSTAT",
    ):
        assert rd(dev, name) == 0, name
    assert rd(dev, "SRRCTL") == 2
    assert dev.mem_read(base, 256) == mem


# ---- RX -----------------------------------------------------------------------------------


def test_rx_delivers_with_rss_fields(dev: ModelDevice) -> None:
    reta = [(i * 5 + 3) % 16 for i in range(128)]
    for a, v in rss_register_writes(RssConfig(reta=reta)):
        dev.write_reg_now(a, v)
    for q in range(16):
        rx_ring(dev, q)
    cases = [
        (tcp4("66.9.149.187", "161.142.100.80", 2794, 1766), HashType.IPV4_TCP),
        (
            pad(
                bytes(
                    Ether()
                    / IP(src="199.92.111.2", dst="65.69.140.83")
                    / UDP(sport=14230, dport=4739)
                )
            ),
            HashType.IPV4_UDP,
        ),
        (
            pad(
                bytes(
                    Ether()
                    / IPv6(src="3ffe:2501:200:1fff::7", dst="3ffe:2501:200:3::1")
                    / TCP(sport=2794, dport=1766)
                )
            ),
            HashType.IPV6_TCP,
        ),
        (
            pad(
                bytes(
                    Ether()
                    / Dot1Q(vlan=5)
                    / IP(src="1.2.3.4", dst="5.6.7.8")
                    / TCP(sport=1, dport=2)
                )
            ),
            HashType.IPV4_TCP,
        ),
    ]
    tuples = [
        bytes([66, 9, 149, 187, 161, 142, 100, 80]) + struct.pack(">HH", 2794, 1766),
        bytes([199, 92, 111, 2, 65, 69, 140, 83]) + struct.pack(">HH", 14230, 4739),
        bytes.fromhex("3ffe25010200 1fff 0000000000000007".replace(" ", ""))
        + bytes.fromhex("3ffe2501020000030000000000000001")
        + struct.pack(">HH", 2794, 1766),
        bytes([1, 2, 3, 4, 5, 6, 7, 8]) + struct.pack(">HH", 1, 2),
    ]
    heads = [0] * 16
    for (frame, htype), tup in zip(cases, tuples, strict=True):
        h = toeplitz_hash(MS_KEY, tup)
        q = reta[h & 127]
        receive(dev, [frame])
        base = RING0 + q * 0x1000
        wb = writeback(dev, base, heads[q])
        assert (wb.rss_hash, wb.hash_type, wb.dd, wb.eop, wb.length) == (
            h,
            htype,
            True,
            True,
            len(frame),
        )
        assert wb.vlan_tags == (1 if Dot1Q in Ether(frame) else 0)
        assert dev.mem_read(BUF0 + (q * BUFQ + heads[q]) * 2048, len(frame)) == frame
        heads[q] += 1
        assert rd(dev, "RDH", q) == heads[q]
    assert toeplitz_hash(MS_KEY, tuples[0]) == 0x51CCC178  # Microsoft's published vector
    assert rd(dev, "GPRC") == 4 and rd(dev, "HN_RSSHASHED") == 4
    identity(dev)


def test_drop_rules_in_order(dev: ModelDevice) -> None:
    rx_ring(dev, 0, post=2)
    to_queue(dev, 0)
    good = raw_frame(100)
    receive(dev, [good, good], bad=(0,))  # MAC error, then delivered
    assert (rd(dev, "CRCERRS"), rd(dev, "GPRC")) == (1, 1)
    receive(dev, [raw_frame(59), raw_frame(0), raw_frame(60)])  # two runts, one delivered
    assert (rd(dev, "RUC"), rd(dev, "GPRC")) == (2, 2)
    receive(dev, [raw_frame(100)])  # ring empty now: RQDPC
    assert rd(dev, "RQDPC", 0) == 1
    receive(dev, [raw_frame(9019), raw_frame(9100)])  # too long, whatever the ring
    assert rd(dev, "HN_RQOVR", 0) == 2
    wr(dev, "RXDCTL", 0, 1)
    to_queue(dev, 1)  # queue 1 not enabled
    receive(dev, [good])
    assert rd(dev, "RQDPC", 1) == 1
    wr(dev, "RCTL", 0)  # receiver off: MPC, not classified
    frames_before = rd(dev, "HN_RSSFRAMES")
    receive(dev, [good, raw_frame(10)], bad=(1,))
    assert rd(dev, "MPC") == 2 and rd(dev, "HN_RSSFRAMES") == frames_before
    # Everything past MPC was classified, the runts counted as classifier runts.
    assert rd(dev, "HN_RSSFRAMES") == rd(dev, "TPR") - 2
    assert rd(dev, "HN_RSSERR", 0) == 2
    assert rd(dev, "TPR") == 11
    identity(dev)


def test_ring_full_drops_exactly_and_recovers(dev: ModelDevice) -> None:
    base, bufs = rx_ring(dev, 0, ndesc=16)
    to_queue(dev, 0)
    frames = [raw_frame(200, i) for i in range(20)]
    receive(dev, frames)
    assert rd(dev, "HN_RQPC", 0) == 15 and rd(dev, "RQDPC", 0) == 5
    assert delivered(dev, base, bufs, 0, 15) == frames[:15]
    # Give back 4 descriptors (tail 15 -> 3): exactly four more fit.
    for i in range(15, 16 + 3):
        dev.mem_write(base + 16 * (i % 16), rx_read_desc(bufs[i % 16]))
    wr(dev, "RDT", 3)
    receive(dev, frames[:6])
    assert rd(dev, "HN_RQPC", 0) == 19 and rd(dev, "RQDPC", 0) == 7
    assert delivered(dev, base, bufs, 15, 4) == frames[:4]
    identity(dev)


def test_frame_is_never_split_across_a_full_ring(dev: ModelDevice) -> None:
    rx_ring(dev, 0, ndesc=16, bsize_kb=1, post=3)  # 3 x 1 KiB free
    to_queue(dev, 0)
    receive(dev, [raw_frame(3500)])  # needs 4
    assert rd(dev, "RQDPC", 0) == 1 and rd(dev, "RDH", 0) == 0
    assert not [e for e in dev.dma_log if e[1] == "W"]
    receive(dev, [raw_frame(3000)])  # needs 3
    assert rd(dev, "HN_RQPC", 0) == 1 and rd(dev, "RDH", 0) == 3
    identity(dev)


def test_jumbo_spans_five_descriptors(dev: ModelDevice) -> None:
    base, bufs = rx_ring(dev, 2)
    to_queue(dev, 2)
    frame = raw_frame(9000, 7)
    receive(dev, [frame])
    wbs = [writeback(dev, base, i) for i in range(5)]
    assert [w.length for w in wbs] == [2048] * 4 + [9000 - 4 * 2048]
    assert [w.eop for w in wbs] == [False] * 4 + [True]
    assert all(w.dd for w in wbs) and not writeback(dev, base, 5).dd
    assert len({(w.hash_type, w.rss_hash, w.packet_type, w.parse_error) for w in wbs}) == 1
    assert delivered(dev, base, bufs, 0, 1) == [frame]
    assert rd(dev, "HN_RQBC", 2) == 9000 and rd(dev, "GORCL") == 9000
    # Data writes cover exactly the frame bytes in each buffer; write-backs are 16 bytes.
    writes = [(a, n) for _, op, a, n, _ in dev.dma_log if op == "W"]
    assert writes[:5] == [(bufs[i], w.length) for i, w in enumerate(wbs)]
    assert writes[5:] == [(base + 16 * i, 16) for i in range(5)]
    identity(dev)


def test_misaligned_buffer_stops_queue_badddesc(dev: ModelDevice) -> None:
    base0, _ = rx_ring(dev, 0)
    base1, bufs1 = rx_ring(dev, 1)
    dev.mem_write(base0, rx_read_desc(BUF0 + 8))
    to_queue(dev, 0)
    receive(dev, [raw_frame(100)])
    assert rd(dev, "HN_RQSTAT", 0) == 0b1110
    assert rd(dev, "HN_RQDMAE", 0) == 1 and rd(dev, "HN_CFGERR") == 1
    assert not [e for e in dev.dma_log if e[1] == "W"]
    receive(dev, [raw_frame(100)])  # stopped: RQDPC
    assert rd(dev, "RQDPC", 0) == 1
    to_queue(dev, 1)
    receive(dev, [raw_frame(80, 1)])
    assert delivered(dev, base1, bufs1, 0, 1) == [raw_frame(80, 1)]
    assert rd(dev, "HN_RQSTAT", 1) == 1
    # Recovery: clear and set ENABLE (head and tail start over), post again.
    wr(dev, "RXDCTL", 0, 0)
    assert rd(dev, "HN_RQSTAT", 0) == 0 and rd(dev, "RDH", 0) == 0
    base0, bufs0 = rx_ring(dev, 0)
    to_queue(dev, 0)
    receive(dev, [raw_frame(90)])
    assert delivered(dev, base0, bufs0, 0, 1) == [raw_frame(90)]
    identity(dev)


@pytest.mark.parametrize("slot", [0, 1, 4])
def test_buffer_beyond_address_width_is_a_bad_descriptor(slot: int) -> None:
    """A buffer at or above 2^dma_addr_width, as the first, second or fifth buffer of a
    frame: reason 3, HN_RQDMAE and HN_CFGERR, nothing written (the address is not truncated
    onto the real buffer it would alias), head unchanged."""
    d = ModelDevice(mem_size=MEM, dma_addr_width=40)
    wr(d, "RCTL", RCTL_EN)
    base, bufs = rx_ring(d, 0, bsize_kb=1)
    d.mem_write(base + 16 * slot, rx_read_desc(bufs[slot] | 1 << 40))
    to_queue(d, 0)
    receive(d, [raw_frame(5000)])  # five 1 KiB buffers
    assert rd(d, "HN_RQSTAT", 0) == 0b1110 and rd(d, "RDH", 0) == 0
    assert rd(d, "HN_RQDMAE", 0) == 1 and rd(d, "HN_CFGERR") == 1
    assert not [e for e in d.dma_log if e[1] == "W"]
    # Reads stop at the bad descriptor: the ones before it, and it.
    assert [a for _, op, a, _, _ in d.dma_log] == [base + 16 * k for k in range(slot + 1)]
    identity(d)


def test_dma_error_window_stops_only_that_queue(dev: ModelDevice) -> None:
    for q in range(3):
        rx_ring(dev, q)
    dev.inject_dma_error(
        BUF0 + BUFQ * 2048, BUF0 + (BUFQ + 1) * 2048, SLVERR
    )  # queue 1's first buffer
    for q in (0, 1, 2, 1):
        to_queue(dev, q)
        receive(dev, [raw_frame(100)])
    assert rd(dev, "HN_RQSTAT", 1) == 0b0110
    assert rd(dev, "HN_RQDMAE", 1) == 1 and rd(dev, "RQDPC", 1) == 1
    assert [rd(dev, "HN_RQPC", q) for q in range(3)] == [1, 0, 1]
    assert rd(dev, "HN_CFGERR") == 0
    # A DECERR on a descriptor fetch.
    dev.inject_dma_error(RING0 + 2 * 0x1000 + 16, RING0 + 2 * 0x1000 + 32, DECERR)
    to_queue(dev, 2)
    receive(dev, [raw_frame(100)])
    assert rd(dev, "HN_RQSTAT", 2) == 0b1010
    assert dev.dma_log[-1][1:] == ("R", RING0 + 2 * 0x1000 + 16, 16, DECERR)
    identity(dev)


def test_guard_catches_wild_descriptor(dev: ModelDevice) -> None:
    base, _ = rx_ring(dev, 0)
    dev.guard(Region(base, 256, "ring"))
    dev.guard(Region(BUF0, 15 * 2048, "buffers"))
    dev.mem_write(base + 16, rx_read_desc(0x700000))
    to_queue(dev, 0)
    receive(dev, [raw_frame(100), raw_frame(100)])
    assert rd(dev, "HN_RQPC", 0) == 1
    assert rd(dev, "HN_RQSTAT", 0) == 0b1010  # DECERR
    (violation,) = dev.guard_violations()
    assert "0x700000" in violation
    assert dev.mem_read(0x700000, 100) == bytes(100)  # not performed
    identity(dev)


def test_dma_beyond_memory_is_decerr() -> None:
    d = ModelDevice(mem_size=1 << 20)
    wr(d, "RCTL", RCTL_EN)
    base, _ = rx_ring(d, 0, post=0)
    d.mem_write(base, rx_read_desc(2 << 20))
    wr(d, "RDT", 1)
    to_queue(d, 0)
    receive(d, [raw_frame(64)])
    assert rd(d, "HN_RQSTAT", 0) == 0b1010 and d.guard_violations() == []
    identity(d)


def test_arrival_timing(dev: ModelDevice) -> None:
    """The frame source's rule: a frame has arrived after its own beats from the start of its
    slot; a slot is (length + 20) byte times / rate; batches queue behind each other's slots."""
    rx_ring(dev, 0)
    to_queue(dev, 0)
    asyncio.run(dev.mac_send([raw_frame(60), raw_frame(1500)]))
    t0 = 8 * 6.4  # ceil(60 / 8) beats
    t1 = (60 + 20) / 8 * 6.4 + 188 * 6.4  # the second slot's start, then ceil(1500 / 8) beats
    assert dev.ns_until_idle() == pytest.approx(t1)
    dev.advance_ns(t0 - 0.01)
    assert rd(dev, "TPR") == 0
    dev.advance_ns(0.02)
    assert rd(dev, "TPR") == 1 and not dev.mac_idle()
    asyncio.run(dev.sleep_ns(t1 - t0))
    assert rd(dev, "TPR") == 2 and dev.mac_idle()
    # Half rate: twice the slot; a later send queues behind the earlier batch's last slot.
    wire_end = (80 + 1520) / 8 * 6.4
    now = dev.now_ns()
    asyncio.run(dev.mac_send([raw_frame(100)], rate=0.5))
    asyncio.run(dev.mac_send([raw_frame(100)], rate=0.5))
    last = max(now, wire_end) + 2 * (120 / 8 * 6.4) + 13 * 6.4
    assert dev.ns_until_idle() == pytest.approx(last - now)


def test_random_and_edge_frames_all_accounted(dev: ModelDevice) -> None:
    cfg = RssConfig(reta=[i % 16 for i in range(128)])
    for a, v in rss_register_writes(cfg):
        dev.write_reg_now(a, v)
    for q in range(16):
        rx_ring(dev, q, ndesc=256)
    frames = random_frames(3, 300) + edge_frames()
    bad = tuple(range(0, len(frames), 37))
    receive(dev, frames, bad=bad)
    want_runt = sum(1 for i, f in enumerate(frames) if len(f) < 60 and i not in bad)
    assert rd(dev, "CRCERRS") == len(bad)
    assert rd(dev, "RUC") == want_runt
    assert rd(dev, "GPRC") == len(frames) - len(bad) - want_runt
    # Each delivered frame is in the queue the Python classifier names, with its fields.
    per_queue: dict[int, list[bytes]] = {}
    for i, f in enumerate(frames):
        if i not in bad and len(f) >= 60:
            per_queue.setdefault(classify_frame(f, cfg).queue, []).append(f)
    for q, want in per_queue.items():
        base = RING0 + q * 0x1000
        bufs = [BUF0 + (q * BUFQ + i) * 2048 for i in range(256)]
        assert delivered(dev, base, bufs, 0, len(want), ndesc=256) == want
        for i, f in enumerate(want):
            res = classify_frame(f, cfg)
            wb = writeback(dev, base, i)
            assert (wb.rss_hash, wb.hash_type, wb.packet_type, wb.parse_error, wb.vlan_tags) == (
                res.hash,
                res.hash_type,
                res.packet_type,
                res.error,
                res.vlan_tags,
            )
    assert rd(dev, "HN_RSSFRAMES") == len(frames)
    identity(dev)


def test_reta_entry_out_of_range_uses_default_queue() -> None:
    d = ModelDevice(num_rx_queues=4)
    wr(d, "RCTL", RCTL_EN)
    for a, v in rss_register_writes(RssConfig(reta=[9] * 128, default_queue=0, num_queues=4)):
        d.write_reg_now(a, v)
    wr(d, "HN_RSSDEFQ", 2)
    rx_ring(d, 2)
    receive(d, [tcp4()])
    assert rd(d, "HN_RQPC", 2) == 1 and rd(d, "HN_RSSERR", 4) == 1
    assert writeback(d, RING0 + 2 * 0x1000, 0).parse_error == 5
    wr(d, "HN_RSSDEFQ", 7)  # a missing default queue means queue 0
    receive(d, [tcp4()])
    assert rd(d, "RQDPC", 0) == 1
    identity(d)


# ---- TX -----------------------------------------------------------------------------------

TXRING0 = 0x40000
TXBUF0 = 0x300000
HEADS = 0x3F000


def tx_ring(dev: ModelDevice, q: int, ndesc: int = 16, wb: bool = True) -> int:
    base = TXRING0 + q * 0x1000
    wr(dev, "TDBAL", base, q)
    wr(dev, "TDLEN", ndesc * 16, q)
    if wb:
        wr(dev, "TDWBAL", (HEADS + 4 * q) | TDWBAL_ENABLE, q)
    wr(dev, "TXDCTL", XDCTL_ENABLE, q)
    return base


def post_tx(
    dev: ModelDevice,
    q: int,
    frames: list[list[bytes]],
    start: int = 0,
    ndesc: int = 16,
    write_tail: bool = True,
) -> int:
    """Each frame a list of buffer contents; returns the new tail."""
    base = TXRING0 + q * 0x1000
    slot = start
    for segs in frames:
        for i, seg in enumerate(segs):
            buf = TXBUF0 + (q * 16 + slot) * 0x4000 + 3  # any byte alignment is fine for TX
            dev.mem_write(buf, seg)
            desc = TxDesc(buf, len(seg), eop=i == len(segs) - 1)
            dev.mem_write(base + 16 * slot, desc.pack())
            slot = (slot + 1) % ndesc
    if write_tail:
        wr(dev, "TDT", slot, q)
    return slot


def tx_head(dev: ModelDevice, q: int) -> int:
    return int.from_bytes(dev.mem_read(HEADS + 4 * q, 4), "little")


def test_tx_pad_chain_cut_and_empty() -> None:
    d = ModelDevice()
    wr(d, "TCTL", TCTL_EN)
    tx_ring(d, 0)
    big = raw_frame(9100, 3)
    frames = [
        [raw_frame(20)],
        [raw_frame(700, 1), raw_frame(800, 2)],
        [b""],
        [big[:5000], big[5000:]],
        [raw_frame(60)],
    ]
    post_tx(d, 0, frames)
    out = d.mac_take()
    assert [f.data for f in out] == [
        raw_frame(20) + bytes(40),
        raw_frame(700, 1) + raw_frame(800, 2),
        big[:9018],
        raw_frame(60),
    ]
    assert [f.aborted for f in out] == [False, False, True, False]
    assert rd(d, "HN_TQERR", 0) == 2 and rd(d, "HN_TQPC", 0) == 3 and rd(d, "GPTC") == 3
    assert rd(d, "HN_TQBC", 0) == 60 + 1500 + 60 == rd(d, "GOTCL")  # the cut 9018 is not sent
    assert rd(d, "TDH", 0) == 7 and tx_head(d, 0) == 7
    # Every TX data read reads exactly the buffer bytes; the head write-back is 4 bytes.
    reads = [n for _, op, a, n, _ in d.dma_log if op == "R" and a >= TXBUF0]
    assert reads == [20, 700, 800, 5000, 4100, 60]
    # One 4-byte head write-back for the whole turn.
    assert [n for _, op, a, n, _ in d.dma_log if op == "W"] == [4]


def test_tx_waits_for_eop_and_tctl() -> None:
    d = ModelDevice()
    tx_ring(d, 0)
    tail = post_tx(d, 0, [[raw_frame(100)]])
    assert d.mac_take() == []  # TCTL.EN off
    wr(d, "TCTL", TCTL_EN)
    assert len(d.mac_take()) == 1
    base = TXRING0
    d.mem_write(TXBUF0, raw_frame(70))
    d.mem_write(base + 16 * tail, TxDesc(TXBUF0, 70, eop=False).pack())
    wr(d, "TDT", tail + 1, 0)
    assert d.mac_take() == [] and rd(d, "TDH", 0) == tail
    d.mem_write(base + 16 * (tail + 1), TxDesc(TXBUF0, 70, eop=True).pack())
    wr(d, "TDT", tail + 2, 0)
    assert [f.data for f in d.mac_take()] == [raw_frame(70) * 2]
    # Each descriptor is fetched once, although the NIC looked at the chain twice.
    desc_reads = [a for _, op, a, n, _ in d.dma_log if op == "R" and n == 16]
    assert desc_reads == [base, base + 16, base + 32]


def test_tx_round_robin_over_queues() -> None:
    d = ModelDevice()
    counts = {1: 18, 4: 1, 9: 3}
    for q, n in counts.items():
        tx_ring(d, q, ndesc=32)
        post_tx(d, q, [[raw_frame(100, 16 * q + k)] for k in range(n)], ndesc=32)
    wr(d, "TCTL", TCTL_EN)
    got = [f.data[14] for f in d.mac_take()]  # first payload byte = seed
    # A turn takes up to 16 frames from one ring, then the next ring with work gets one.
    assert got == [*range(16, 32), 64, 144, 145, 146, 32, 33]
    # One head write-back per turn: queue 1 twice, queues 4 and 9 once.
    assert len([a for _, op, a, _, _ in d.dma_log if op == "W"]) == 4
    assert [tx_head(d, q) for q in counts] == list(counts.values())


def test_tx_on_every_queue_and_wrap() -> None:
    d = ModelDevice()
    wr(d, "TCTL", TCTL_EN)
    for q in range(16):
        tx_ring(d, q, ndesc=8)
    for rnd in range(5):
        for q in range(16):
            tail = rd(d, "TDT", q)
            frames = [[raw_frame(64 + q, rnd * 3 + k)] for k in range(3)]
            post_tx(d, q, frames, start=tail, ndesc=8)
            assert [f.data for f in d.mac_take()] == [f[0] for f in frames]
            assert tx_head(d, q) == (tail + 3) % 8
    assert rd(d, "GPTC") == 5 * 16 * 3


def test_tx_dma_error_stops_queue() -> None:
    d = ModelDevice()
    wr(d, "TCTL", TCTL_EN)
    tx_ring(d, 0)
    tx_ring(d, 1)
    d.inject_dma_error(TXBUF0 + 2 * 0x4000, TXBUF0 + 3 * 0x4000, SLVERR)  # queue 0, slot 2
    post_tx(d, 0, [[raw_frame(100, k)] for k in range(4)])
    assert len(d.mac_take()) == 2
    assert rd(d, "HN_TQSTAT", 0) == 0b0110 and rd(d, "HN_TQDMAE", 0) == 1
    # A turn ended by a DMA error writes no head back: TDH says how far the NIC got.
    assert rd(d, "TDH", 0) == 2 and tx_head(d, 0) == 0
    post_tx(d, 1, [[raw_frame(100)]])
    assert len(d.mac_take()) == 1 and rd(d, "HN_TQSTAT", 1) == 1
    # Head write-back failure: the frame went, the queue stops.
    d.clear_dma_errors()
    d.inject_dma_error(HEADS + 4, HEADS + 8, DECERR)
    post_tx(d, 1, [[raw_frame(100)]], start=1)
    assert len(d.mac_take()) == 1 and rd(d, "HN_TQSTAT", 1) == 0b1010
    wr(d, "TXDCTL", 0, 0)
    assert (rd(d, "TDH", 0), rd(d, "TDT", 0), rd(d, "HN_TQSTAT", 0)) == (0, 0, 0)


def test_loopback() -> None:
    d = ModelDevice()
    wr(d, "RCTL", RCTL_EN | RCTL_LBM_MAC)
    wr(d, "TCTL", TCTL_EN)
    base, bufs = rx_ring(d, 0)
    to_queue(d, 0)
    tx_ring(d, 0)
    frames = [raw_frame(100 + k, k) for k in range(5)] + [raw_frame(30)]
    post_tx(d, 0, [[f] for f in frames])
    assert d.mac_take() == []
    got = delivered(d, base, bufs, 0, 6)
    assert got == [*frames[:5], raw_frame(30) + bytes(30)]
    receive(d, [raw_frame(100)])  # MAC RX is ignored in loopback
    assert rd(d, "MPC") == 1 and rd(d, "TPR") == 7 and rd(d, "GPTC") == 6
    # A cut TX frame arrives with the MAC error flag: CRCERRS.
    post_tx(d, 0, [[raw_frame(9100)]], start=6)
    assert rd(d, "CRCERRS") == 1
    identity(d)


@pytest.mark.parametrize(("segs", "bad"), [(1, 0), (2, 1), (2, 0)])
def test_tx_buffer_beyond_address_width_is_a_bad_descriptor(segs: int, bad: int) -> None:
    """A TX buffer address at or above 2^dma_addr_width (also on a zero-length buffer): the
    frame is not sent, the queue stops with reason 3, HN_TQDMAE and HN_CFGERR count it, no
    buffer past it is read; another queue keeps sending."""
    d = ModelDevice(dma_addr_width=40)
    wr(d, "TCTL", TCTL_EN)
    base = tx_ring(d, 0)
    tx_ring(d, 1)
    post_tx(d, 0, [[raw_frame(100, k) for k in range(segs)], [raw_frame(70)]], write_tail=False)
    desc = TxDesc.unpack(d.mem_read(base + 16 * bad, 16))
    length = 0 if segs == 2 and bad == 0 else desc.length
    d.mem_write(base + 16 * bad, TxDesc(desc.addr | 1 << 40, length, desc.eop).pack())
    wr(d, "TDT", segs + 1, 0)
    assert d.mac_take() == []
    assert rd(d, "HN_TQSTAT", 0) == 0b1110 and rd(d, "TDH", 0) == 0
    assert rd(d, "HN_TQDMAE", 0) == 1 and rd(d, "HN_CFGERR") == 1
    data_reads = [a for _, op, a, n, _ in d.dma_log if op == "R" and a >= TXBUF0]
    assert len(data_reads) == bad
    post_tx(d, 1, [[raw_frame(80)]])
    assert [f.data for f in d.mac_take()] == [raw_frame(80)]


@settings(max_examples=200, deadline=None)
@given(
    regions=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 120)), max_size=6),
    accesses=st.lists(st.tuples(st.integers(0, 560), st.integers(0, 140)), min_size=1, max_size=20),
)
def test_dma_guard_is_byte_coverage_by_the_regions(regions, accesses):
    """The guard's answer is the definition's: every byte of the access is in some region
    (regions may overlap, touch, or be empty)."""
    dev = ModelDevice(mem_size=1024)
    for base, size in regions:
        dev.guard(Region(base, size, "r"))
    covered = {b for base, size in regions for b in range(base, base + size)}
    for start, length in accesses:
        want = all(b in covered for b in range(start, start + length))
        assert dev._guarded(start, length) == want, (regions, start, length)
