# SPDX-License-Identifier: MIT
"""frame_sink: frames sent with cocotbext-axi come back from take() byte-exact with their
last-beat tuser flag and the cycle of their last beat, at one beat per cycle with ctl_stall 0
and with about n/256 stalls; take() returns only what is new; both rings wrap; a full table or
memory drops (and counts) instead of stalling; oversize frames are cut at 16383 bytes and
flagged; clear() restarts."""

from __future__ import annotations

import itertools
import random

import cocotb
from cocotb.clock import Clock
from cocotb.handle import Immediate
from cocotb.triggers import FallingEdge, RisingEdge, Timer
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSource

from pystack.rtl.backdoor import FrameSink

CLOCK_NS = 4
MEM_LINES = 1 << 14
TABLE = 1 << 12


class Handshake:
    """Per-cycle counter (test only): cycles with tvalid, with tvalid && !tready, tready low."""

    def __init__(self, dut) -> None:
        self.dut = dut
        self.cycles = self.valid = self.stalled = self.not_ready = 0
        self.last_beats: list[int] = []  # the cycle of each frame's last beat
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        dut = self.dut
        while True:
            await FallingEdge(dut.clk)
            self.cycles += 1
            valid, ready = int(dut.s_axis_tvalid.value), int(dut.s_axis_tready.value)
            self.valid += valid
            self.stalled += valid and not ready
            self.not_ready += not ready
            if valid and ready and int(dut.s_axis_tlast.value):
                self.last_beats.append(self.cycles)


async def setup(dut) -> tuple[FrameSink, AxiStreamSource]:
    Clock(dut.clk, CLOCK_NS, unit="ns").start()
    dut.ctl_stall.value = 0
    dut.ctl_clear.value = 0
    source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst)
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)
    return FrameSink(dut), source


async def send(dut, source: AxiStreamSource, frames: list[tuple[bytes, object]]) -> None:
    """Send (data, tuser) frames and wait until the last beat is in."""
    for data, tuser in frames:
        await source.send(AxiStreamFrame(data, tuser=tuser))
    await source.wait()
    for _ in range(3):
        await RisingEdge(dut.clk)


def random_frames(rng: random.Random, n: int, hi: int = 2000) -> list[tuple[bytes, int]]:
    out = []
    for _ in range(n):
        length = rng.choice([1, 7, 8, 9, 63, 64, 65, rng.randint(1, hi), rng.randint(1, hi)])
        out.append((rng.randbytes(length), int(rng.random() < 0.05)))
    return out


def expected(frames: list[tuple[bytes, object]]) -> list[tuple[bytes, bool]]:
    out = []
    for data, tuser in frames:
        last = tuser[-1] if isinstance(tuser, list) else tuser
        out.append((data[:16383], bool(last) or len(data) > 16383))
    return out


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def capture_at_full_rate(dut) -> None:
    sink, source = await setup(dut)
    rng = random.Random(20)
    frames = random_frames(rng, 300)
    hs = Handshake(dut)
    await send(dut, source, frames)
    timed = sink.take_timed()
    got = [(data, flag) for data, flag, _ in timed]
    assert got == expected(frames)
    # Each frame's time is the cycle of its last beat: the gaps match the bus's, cycle for cycle.
    stamped = [cycle for _, _, cycle in timed]
    assert len(hs.last_beats) == len(stamped)
    assert [b - a for a, b in itertools.pairwise(stamped)] == [
        b - a for a, b in itertools.pairwise(hs.last_beats)
    ]
    bb = len(dut.s_axis_tdata) // 8
    beats = sum(-(-len(d) // bb) for d, _ in frames)
    assert sink.frames == 300 and sink.dropped == 0 and sink.beats == beats
    assert hs.stalled == 0, "ctl_stall 0 must never drop tready"
    dut._log.warning("frame_sink: %d beats in %d cycles with tvalid, 0 stalls", beats, hs.valid)
    assert sink.take() == [], "take() returns only what is new"
    # Bytes past a frame's end are stored as zeros (nothing stale in its last line).
    last_line = int(dut.wr_lines_reg.value) - 1
    data = frames[-1][0]
    raw = sink.line(last_line)
    tail = len(data) % 64
    if tail:
        assert raw[tail:] == bytes(64 - tail)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def stalls_and_tuser(dut) -> None:
    sink, source = await setup(dut)
    rng = random.Random(21)
    sink.set_stall(64)
    hs = Handshake(dut)
    frames: list[tuple[bytes, object]] = list(random_frames(rng, 150, hi=800))
    # tuser on the first beat only is not a MAC error; on the last beat it is.
    frames += [(bytes(range(40)), [1] * 8 + [0] * 32), (bytes(range(40)), [0] * 39 + [1])]
    await send(dut, source, frames[:80])
    got = sink.take()  # take in two pieces
    await send(dut, source, frames[80:])
    got += sink.take()
    assert got == expected(frames)
    await Timer(16000 * CLOCK_NS, "ns")  # a longer sample of the stall pattern
    share = hs.not_ready / hs.cycles
    dut._log.warning("frame_sink: ctl_stall 64: tready low on %.3f of %d cycles", share, hs.cycles)
    assert abs(share - 64 / 256) < 0.03
    assert hs.stalled > 0
    sink.set_stall(0)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def oversize_and_clear(dut) -> None:
    sink, source = await setup(dut)
    rng = random.Random(22)
    big = rng.randbytes(17000)
    await send(dut, source, [(big, 0), (b"after", 0)])
    assert sink.take() == [(big[:16383], True), (b"after", False)]

    # clear() in the middle of a frame: that frame is thrown away, capture restarts at 0.
    await source.send(AxiStreamFrame(rng.randbytes(4000)))
    for _ in range(100):
        await RisingEdge(dut.clk)
    await sink.clear()
    assert sink.frames == 0 and sink.dropped == 0
    frames = [(rng.randbytes(100), 0), (rng.randbytes(30), 1)]
    await send(dut, source, frames)
    assert sink.take() == expected(frames)
    first_entry = int(dut.table_mem[0].value) & 0xFFFFFFFF
    assert first_entry >> 15 == 0 and first_entry & 0x3FFF == 100, "restarts at line 0 / entry 0"
    assert sink.frames == 2 and sink.dropped == 0
    bb = len(dut.s_axis_tdata) // 8
    assert sink.beats == -(-100 // bb) + -(-30 // bb)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def rings_wrap_and_full_drops(dut) -> None:
    sink, source = await setup(dut)
    rng = random.Random(23)
    # Place both write pointers just before the ends of their rings (backdoor, all consumed).
    for name, value in (("wr_lines_reg", MEM_LINES - 2), ("wr_entries_reg", TABLE - 3)):
        getattr(dut, name).value = Immediate(value)
    dut.taken_lines.value = Immediate(MEM_LINES - 2)
    dut.taken_entries.value = Immediate(TABLE - 3)
    frames = [(rng.randbytes(rng.randint(100, 300)), rng.randrange(2)) for _ in range(8)]
    await send(dut, source, frames)
    assert sink.take() == expected(frames), "frames across the end of both rings"

    # Memory full: leave 3 free lines (pretend the rest is still unread).
    lines = int(dut.wr_lines_reg.value)
    dut.taken_lines.value = Immediate((lines - (MEM_LINES - 3)) % (1 << 32))
    fits, too_big = rng.randbytes(192), rng.randbytes(193)
    await send(dut, source, [(too_big, 0), (fits, 1)])
    assert sink.dropped == 1, "a frame needing 4 lines must be dropped, not stall"
    assert int(dut.wr_lines_reg.value) == lines + 3
    dut.taken_lines.value = Immediate(lines)  # as if those lines had been read
    assert sink.take() == [(fits, True)]

    # Table full: one free entry left.
    entries = int(dut.wr_entries_reg.value)
    dut.taken_entries.value = Immediate((entries - (TABLE - 1)) % (1 << 32))
    await send(dut, source, [(b"one", 0), (b"two", 0), (b"three", 0)])
    assert sink.dropped == 3 and int(dut.wr_entries_reg.value) == entries + 1
    dut.taken_entries.value = Immediate(entries)
    assert sink.take() == [(b"one", False)]
    await sink.clear()
    assert sink.dropped == 0 and sink.frames == 0
