# SPDX-License-Identifier: MIT
"""frame_source: frames loaded by backdoor come out byte-exact, in table order (wrapping at
ctl_table_len), with tuser on the last beat of flagged frames, with and without backpressure
(AXI-Stream stability checked every cycle); the rate pacing hits (len + 20) / 8 cycles per frame
at line rate and leaves no idle cycle at rate 0; the counters and stat_busy agree."""

from __future__ import annotations

import random
from collections.abc import Iterator

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge, Timer
from cocotbext.axi import AxiStreamBus, AxiStreamSink

from pystack.rtl.backdoor import FrameSource

CLOCK_NS = 4  # every test also has a 50 ms simulated-time limit: a hang fails, never stalls


class Watch:
    """Per-cycle checker (test only): AXI-Stream stability under backpressure, the cycle of
    every frame's first beat, idle cycles inside a playback. Samples at the falling edge, where
    the values are the ones the next rising edge takes."""

    def __init__(self, dut) -> None:
        self.dut = dut
        self.cycle = 0
        self.starts: list[int] = []
        self.beats = 0
        self.errors: list[str] = []
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        dut = self.dut
        held = None
        in_frame = False
        while True:
            await FallingEdge(dut.clk)
            self.cycle += 1
            valid = int(dut.m_axis_tvalid.value)
            ready = int(dut.m_axis_tready.value)
            if held is not None:
                now = (
                    valid,
                    int(dut.m_axis_tdata.value),
                    int(dut.m_axis_tkeep.value),
                    int(dut.m_axis_tlast.value),
                    int(dut.m_axis_tuser.value),
                )
                if now != held and len(self.errors) < 5:
                    self.errors.append(f"cycle {self.cycle}: beat changed while stalled")
            held = None
            if valid and not ready:
                held = (
                    1,
                    int(dut.m_axis_tdata.value),
                    int(dut.m_axis_tkeep.value),
                    int(dut.m_axis_tlast.value),
                    int(dut.m_axis_tuser.value),
                )
            if valid and ready:
                self.beats += 1
                if not in_frame:
                    self.starts.append(self.cycle)
                in_frame = not int(dut.m_axis_tlast.value)


async def setup(dut) -> tuple[FrameSource, AxiStreamSink]:
    Clock(dut.clk, CLOCK_NS, unit="ns").start()
    for name in ("ctl_start", "ctl_first", "ctl_count", "ctl_table_len", "ctl_rate"):
        getattr(dut, name).value = 0
    sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst)
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)
    return FrameSource(dut), sink


def random_frames(rng: random.Random, n: int, lo: int = 1, hi: int = 2000) -> list[bytes]:
    lengths = [rng.choice([lo, lo + 1, 7, 8, 9, 63, 64, 65, hi]) for _ in range(n // 10)]
    lengths += [rng.randint(lo, hi) for _ in range(n - len(lengths))]
    rng.shuffle(lengths)
    return [rng.randbytes(length) for length in lengths]


def last_flag(frame, beat_bytes: int) -> bool:
    """tuser of the last beat; every earlier beat must have tuser low."""
    tuser = frame.tuser
    if not isinstance(tuser, list):
        return bool(tuser)
    tail = len(frame.tdata) % beat_bytes or beat_bytes
    head, last = tuser[:-tail], tuser[-tail:]
    assert not any(head), "tuser set before the last beat"
    assert len(set(last)) == 1
    return bool(last[0])


async def collect(sink: AxiStreamSink, n: int, beat_bytes: int) -> list[tuple[bytes, bool]]:
    out = []
    for _ in range(n):
        frame = await sink.recv()
        out.append((bytes(frame.tdata), last_flag(frame, beat_bytes)))
    return out


def pauses(rng: random.Random, prob: float) -> Iterator[int]:
    while True:
        yield int(rng.random() < prob)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def play_all_frames(dut) -> None:
    src, sink = await setup(dut)
    rng = random.Random(10)
    frames = random_frames(rng, 300)
    bad = set(rng.sample(range(300), 12))
    src.load(frames, bad)
    assert not src.busy
    watch = Watch(dut)
    await src.start(rate=0)
    assert src.busy, "stat_busy is high as soon as start() returns"
    await src.wait()
    assert not src.busy
    got = await collect(sink, len(frames), src.beat_bytes)
    assert got == [(f, i in bad) for i, f in enumerate(frames)]
    assert src.sent == 300
    assert src.stall_cycles == 0
    assert not watch.errors, watch.errors
    beats = sum(-(-len(f) // src.beat_bytes) for f in frames)
    assert watch.beats == beats
    span = watch.starts[-1] - watch.starts[0] + -(-len(frames[-1]) // src.beat_bytes)
    assert span == beats, f"rate 0 must leave no idle cycle: {beats} beats over {span} cycles"


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def backpressure_and_table_wrap(dut) -> None:
    src, sink = await setup(dut)
    rng = random.Random(11)
    frames = random_frames(rng, 120, hi=1200)
    bad = set(rng.sample(range(120), 6))
    src.load(frames, bad)
    watch = Watch(dut)
    sink.set_pause_generator(pauses(rng, 0.3))
    count, first = 200, 100  # entries 100..119, 0..119, 0..59
    await src.play(count=count, rate=0, first=first)
    order = [(first + k) % len(frames) for k in range(count)]
    got = await collect(sink, count, src.beat_bytes)
    assert got == [(frames[i], i in bad) for i in order]
    assert src.sent == count
    assert src.stall_cycles > 0
    assert not watch.errors, watch.errors
    # A shorter table_len than loaded wraps earlier; count 0 plays nothing.
    sink.set_pause_generator(None)
    sink.pause = False  # the generator's last value would otherwise stay
    await src.start(count=7, rate=0, first=1, table_len=3)
    await src.wait()
    got = await collect(sink, 7, src.beat_bytes)
    assert [f for f, _ in got] == [frames[i] for i in (1, 2, 0, 1, 2, 0, 1)]
    await src.start(count=0)
    assert not src.busy
    assert src.sent == count + 7


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def rate_pacing(dut) -> None:
    src, sink = await setup(dut)
    rng = random.Random(12)
    bb = src.beat_bytes
    frames = [rng.randbytes(64) for _ in range(200)]
    src.load(frames)
    watch = Watch(dut)

    await src.play(rate=1.0)
    assert src.sent == 200, "stat_busy must not fall before the last beat"
    await collect(sink, len(frames), bb)
    gaps = [b - a for a, b in zip(watch.starts, watch.starts[1:], strict=False)]
    mean = sum(gaps) / len(gaps)
    want = (64 + 20) / bb
    dut._log.warning(
        "frame_source: 64-byte frames at line rate: %.3f cycles between starts (want %.2f)",
        mean,
        want,
    )
    assert abs(mean - want) <= 0.01 * want

    # Half line rate, mixed lengths: total time is the frames' cost over the rate.
    frames = [rng.randbytes(rng.randint(60, 1500)) for _ in range(120)]
    src.load(frames)
    watch.starts.clear()
    await src.play(rate=0.5)
    assert src.sent == 320
    await collect(sink, len(frames), bb)
    span = watch.starts[-1] - watch.starts[0]
    want_span = sum(len(f) + 20 for f in frames[:-1]) / (bb * 0.5)
    dut._log.warning(
        "frame_source: mixed frames at half rate: %d cycles, want %.1f", span, want_span
    )
    assert abs(span - want_span) <= 0.01 * want_span

    # Rate 0: back to back, not a single idle cycle between frames.
    frames = [rng.randbytes(64) for _ in range(200)]
    src.load(frames)
    watch.starts.clear()
    await src.play(rate=0)
    assert src.sent == 520
    await collect(sink, len(frames), bb)
    gaps = {b - a for a, b in zip(watch.starts, watch.starts[1:], strict=False)}
    dut._log.warning("frame_source: 64-byte frames at rate 0: gaps %s cycles", sorted(gaps))
    assert gaps == {64 // bb}


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def stall_banks_at_most_one_frame(dut) -> None:
    """Credit earned while the sink stalls is capped at one maximum frame's cost: after a long
    stall only that much goes out early, then frames are paced at the rate again."""
    src, sink = await setup(dut)
    rng = random.Random(13)
    bb = src.beat_bytes
    length, rate = 1000, 0.25
    frames = [rng.randbytes(length) for _ in range(40)]
    src.load(frames)
    sink.pause = True
    await src.start(rate=rate)
    await Timer(30000 * CLOCK_NS, "ns")  # 4x the cycles that fill the cap
    watch = Watch(dut)
    sink.pause = False
    await src.wait()
    assert src.sent == len(frames)
    await collect(sink, len(frames), bb)
    beats = -(-length // bb)
    gaps = [b - a for a, b in zip(watch.starts, watch.starts[1:], strict=False)]
    burst = sum(1 for g in gaps if g == beats)
    # Each back-to-back frame spends its cost less what it earns while on the wire.
    cap = (16383 + 20) * 256
    net = (length + 20) * 256 - beats * src.rate_value(rate)
    dut._log.warning("frame_source: %d frames back to back after the stall", burst)
    assert cap // net <= burst <= cap // net + 2, f"{burst} frames back to back"
    paced = gaps[burst + 1 :]
    want = (length + 20) / (bb * rate)
    assert paced and abs(sum(paced) / len(paced) - want) <= 0.01 * want
