# SPDX-License-Identifier: MIT
"""rx_admit: whole-frame admission. A frame is let through or dropped as `enable && room` say in
the first cycle its first beat is offered (the decision then holds: an offered beat is never
withdrawn) and never cut; a dropped frame is taken at full rate
whatever the downstream does (a MAC cannot be paused); every frame pulses ev_seen once and
every dropped one ev_missed once. Reference: the rule above, applied to the frames as a
monitor sees their first beats offered."""

from __future__ import annotations

import random

import cocotb
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from tb.common import StreamRules, cycles, pause, start


class Bench:
    def __init__(self, dut) -> None:
        self.dut = dut
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst)
        self.admitted: list[bool] = []  # per frame, in input order: let through?
        self.errors: list[str] = []
        self.seen = self.missed = 0
        cocotb.start_soon(self._monitor())

    async def _monitor(self) -> None:
        """Per cycle: frame boundaries on the input, the decision at each first beat, the event
        pulses, and that a dropped frame is never held off."""
        dut = self.dut
        in_frame = False
        decided = False  # the frame in hand has its decision (first beat offered or taken)
        passing = False
        while True:
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            valid = int(dut.s_axis_tvalid.value)
            ready = int(dut.s_axis_tready.value)
            ev_seen, ev_missed = int(dut.ev_seen.value), int(dut.ev_missed.value)
            self.seen += ev_seen
            self.missed += ev_missed
            first = valid and ready and not in_frame
            if valid and not in_frame and not decided:
                decided = True
                passing = bool(int(dut.enable.value) and int(dut.room.value))
                self.admitted.append(passing)
            if ev_seen != int(bool(first)) or ev_missed != int(bool(first and not passing)):
                self.errors.append(f"events seen={ev_seen} missed={ev_missed} at first={first}")
            in_drop = in_frame and not passing
            if valid and in_drop and not ready:
                self.errors.append("a dropped frame was held off")
            if valid and ready:
                in_frame = not int(dut.s_axis_tlast.value)
                decided = in_frame

    async def expect(self, frames: list[AxiStreamFrame]) -> None:
        """Wait for the input to drain, then compare the output with the admitted frames."""
        await self.source.wait()
        await cycles(self.dut, 40)
        assert len(self.admitted) == len(frames), "every frame's first beat seen"
        want = [f for f, ok in zip(frames, self.admitted, strict=True) if ok]
        got = []
        while not self.sink.empty():
            got.append(self.sink.recv_nowait())
        assert len(got) == len(want), f"{len(got)} frames out, {len(want)} admitted"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert bytes(g.tdata) == bytes(w.tdata), f"frame {i}: data"
            assert last_tuser(g) == last_tuser(w), f"frame {i}: tuser on the last beat"
        assert self.seen == len(frames)
        assert self.missed == self.admitted.count(False)
        assert not self.errors, self.errors[:5]


def last_tuser(frame: AxiStreamFrame) -> int:
    t = frame.tuser
    return int(t[-1]) if isinstance(t, list) else int(t or 0)


def random_frames(rng: random.Random, n: int) -> list[AxiStreamFrame]:
    frames = []
    for _ in range(n):
        length = rng.choice([1, 8, 9, 60, 64, rng.randint(1, 300)])
        tuser = [0] * (length - 1) + [int(rng.random() < 0.2)]
        frames.append(AxiStreamFrame(rng.randbytes(length), tuser=tuser))
    return frames


async def setup(dut, enable: int = 1, room: int = 1) -> Bench:
    dut.enable.value = enable
    dut.room.value = room
    dut.flush.value = 0
    bench = Bench(dut)
    await start(dut)
    return bench


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def random_admission(dut) -> None:
    """Random frames, random gaps and backpressure, enable and room toggling every few cycles."""
    bench = await setup(dut)
    rules = StreamRules(dut, "m_axis", ("tdata", "tkeep", "tlast", "tuser"))
    rng = random.Random(1)
    bench.source.set_pause_generator(pause(11, 0.2))
    bench.sink.set_pause_generator(pause(12, 0.3))

    async def toggle() -> None:
        while True:
            dut.enable.value = int(rng.random() < 0.7)
            dut.room.value = int(rng.random() < 0.7)
            await cycles(dut, rng.choice([1, 2, 5, 13]))

    cocotb.start_soon(toggle())
    frames = random_frames(rng, 400)
    for f in frames:
        await bench.source.send(f)
    await bench.expect(frames)
    assert not rules.errors, rules.errors[:3]
    ok = bench.admitted.count(True)
    assert 50 < ok < 350, f"the test should both admit and drop ({ok} of 400 admitted)"


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def decided_at_first_beat(dut) -> None:
    """Directed: enable or room falling mid-frame does not cut an admitted frame; rising
    mid-frame does not admit the rest of a dropped one; one-beat frames back to back."""
    bench = await setup(dut)
    frames = []

    async def send_and_flip(length: int, signal, value: int, after: int) -> None:
        f = AxiStreamFrame(bytes(i % 256 for i in range(length)), tuser=0)
        frames.append(f)
        await bench.source.send(f)
        await cycles(dut, after)
        signal.value = value

    # Admitted, then enable drops during the frame (40 beats): whole frame out.
    await send_and_flip(320, dut.enable, 0, 5)
    await bench.source.wait()
    # Dropped (enable 0), enable rises mid-frame: whole frame dropped.
    await send_and_flip(320, dut.enable, 1, 5)
    await bench.source.wait()
    # Admitted, room drops mid-frame: whole frame out; next frame dropped; room back.
    await send_and_flip(200, dut.room, 0, 5)
    await bench.source.wait()
    await send_and_flip(100, dut.room, 1, 30)
    await bench.source.wait()
    # One-beat frames back to back, alternating enable every cycle.
    for i in range(20):
        frames.append(AxiStreamFrame(bytes([i] * 8), tuser=i % 2))
        await bench.source.send(frames[-1])

    async def alternate() -> None:
        for i in range(40):
            dut.enable.value = i % 2
            await RisingEdge(dut.clk)
        dut.enable.value = 1

    await alternate()
    await bench.expect(frames)
    assert bench.admitted[:4] == [True, False, True, False]
    assert True in bench.admitted[4:] and False in bench.admitted[4:]


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def admitted_frame_waits_for_downstream(dut) -> None:
    """Downstream stalled for long stretches: an admitted frame stalls the input (nothing is
    lost or duplicated); a dropped frame still goes at full rate."""
    bench = await setup(dut)
    bench.sink.pause = True
    await cycles(dut, 2)  # the sink drops tready one cycle after pause is set
    frames = [AxiStreamFrame(bytes([k]) * 100, tuser=0) for k in range(3)]
    await bench.source.send(frames[0])
    await cycles(dut, 30)
    assert not int(dut.s_axis_tready.value), "admitted frame held by the stalled downstream"
    assert bench.sink.empty()
    bench.sink.pause = False
    await bench.source.wait()
    dut.enable.value = 0
    bench.sink.pause = True
    await bench.source.send(frames[1])  # dropped at full rate although downstream is stalled
    await bench.source.wait()
    dut.enable.value = 1
    await bench.source.send(frames[2])
    await cycles(dut, 20)
    bench.sink.pause = False
    await bench.expect(frames)
    assert bench.admitted == [True, False, True]


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def offered_beat_is_not_withdrawn(dut) -> None:
    """AXI-Stream rule: the first beat of a frame is offered downstream while downstream is
    stalled; enable then falls. The beat stays offered (tvalid held until tready) and the frame
    is admitted (this once failed: rx_admit withdrew tvalid and dropped the frame)."""
    bench = await setup(dut)
    rules = StreamRules(dut, "m_axis", ("tdata", "tkeep", "tlast", "tuser"))
    bench.sink.pause = True
    await cycles(dut, 2)  # the sink drops tready one cycle after pause is set
    frame = AxiStreamFrame(bytes(range(64)), tuser=0)
    await bench.source.send(frame)
    await cycles(dut, 5)
    assert int(dut.m_axis_tvalid.value), "first beat offered"
    dut.enable.value = 0
    await cycles(dut, 5)
    bench.sink.pause = False
    await cycles(dut, 30)
    assert not rules.errors, rules.errors[0]
    await bench.expect([frame])


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def flush_drops_the_rest_of_a_frame(dut) -> None:
    """A flush (device reset behind the block) in the middle of an admitted frame: the rest of
    that frame never leaves (it would reach the reset classifier as a headless frame), the wire
    is never held off meanwhile, and the next frame is decided afresh."""
    bench = await setup(dut)
    long = AxiStreamFrame(bytes(range(200)) * 2, tuser=0)
    short = AxiStreamFrame(bytes(range(64)), tuser=0)
    await bench.source.send(long)
    await bench.source.send(short)
    while not int(dut.m_axis_tvalid.value):
        await RisingEdge(dut.clk)
    await cycles(dut, 10)  # ten beats of the long frame are through
    dut.flush.value = 1
    await RisingEdge(dut.clk)
    dut.flush.value = 0
    for _ in range(200):
        await RisingEdge(dut.clk)
        valid, ready = int(dut.s_axis_tvalid.value), int(dut.s_axis_tready.value)
        if valid and not ready:
            bench.errors.append("the wire was held off after the flush")
        if not int(dut.s_axis_tvalid.value) and bench.source.empty():
            break
    await bench.source.wait()
    await cycles(dut, 20)
    got = []
    while not bench.sink.empty():
        got.append(bytes(bench.sink.recv_nowait().tdata))
    # The long frame's first ten beats went out as a frame without tlast; the sink glues what it
    # got into one frame with the short one, which must follow whole.
    assert got, "the short frame came through"
    assert got[-1].endswith(bytes(short.tdata)), "the frame after the flush passes whole"
    head = got[-1][: -len(short.tdata)]
    assert 0 < len(head) < len(long.tdata), f"{len(head)} bytes of the long frame went out"
    assert bytes(long.tdata).startswith(head), "only the long frame's pre-flush beats went out"
    assert not bench.errors, bench.errors[:3]
