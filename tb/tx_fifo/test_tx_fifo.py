# SPDX-License-Identifier: MIT
"""tx_fifo: store and forward. Reference: the output carries exactly the input's frames (data,
tuser on the last beat), in order; a frame's first beat leaves only after its last beat went
in; once a frame starts, its beats leave back to back whenever the MAC is ready (no idle
cycle inside a frame, whatever gaps the input had); a full FIFO holds the input off, never
drops. Input gaps, backpressure on both sides, frames from one beat to the largest."""

from __future__ import annotations

import random

import cocotb
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from tb.common import cycles, pause, start


class Bench:
    def __init__(self, dut) -> None:
        self.dut = dut
        self.beat = len(dut.s_axis_tdata) // 8
        self.max_frame = int(dut.MAX_FRAME.value)
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst)
        self.errors: list[str] = []
        self.ins_done = 0  # frames whose last beat went in
        self.outs_started = 0
        cocotb.start_soon(self._watch())

    async def _watch(self) -> None:
        dut = self.dut
        out_mid = False
        while True:
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            if int(dut.s_axis_tvalid.value) and int(dut.s_axis_tready.value):
                self.ins_done += int(dut.s_axis_tlast.value)
            valid, ready = int(dut.m_axis_tvalid.value), int(dut.m_axis_tready.value)
            if out_mid and not valid:
                self.errors.append("idle cycle inside a frame on the output")
            if valid and ready:
                if not out_mid:
                    self.outs_started += 1
                    if self.outs_started > self.ins_done:
                        self.errors.append(f"frame {self.outs_started} left before it was whole")
                out_mid = not int(dut.m_axis_tlast.value)

    def frames(self, rng: random.Random, n: int) -> list[AxiStreamFrame]:
        out = []
        for _ in range(n):
            length = rng.choice([1, self.beat, 60, rng.randint(1, self.max_frame), self.max_frame])
            beats = -(-length // self.beat)
            tuser = [0] * (beats - 1) + [int(rng.random() < 0.2)]
            out.append(AxiStreamFrame(rng.randbytes(length), tuser=tuser))
        return out

    async def check(self, frames: list[AxiStreamFrame]) -> None:
        for f in frames:
            await self.source.send(f)
        await self.source.wait()
        for i, want in enumerate(frames):
            got = await self.sink.recv()
            assert bytes(got.tdata) == bytes(want.tdata), f"frame {i}: data"
            last = got.tuser[-1] if isinstance(got.tuser, list) else got.tuser
            assert int(last) == want.tuser[-1], f"frame {i}: tuser on the last beat"
        await cycles(self.dut, 10)
        assert self.sink.empty(), "no extra frame"
        assert not self.errors, self.errors[:3]


async def setup(dut) -> Bench:
    dut.hold.value = 0
    bench = Bench(dut)
    await start(dut)
    return bench


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def frames_pass_whole_and_unbroken(dut) -> None:
    """Random frames with input gaps (as DMA reads arrive) and a ready MAC: data intact, every
    frame starts only once whole and leaves without an idle cycle."""
    bench = await setup(dut)
    bench.source.set_pause_generator(pause(1, 0.4))
    await bench.check(bench.frames(random.Random(2), 60))


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def mac_backpressure_and_a_full_fifo(dut) -> None:
    """The MAC stalls for long stretches: the FIFO fills and holds the input off (nothing lost);
    largest frames back to back still pass, and tvalid never falls inside a frame."""
    bench = await setup(dut)
    bench.sink.set_pause_generator(pause(3, 0.6))
    frames = bench.frames(random.Random(4), 40)
    frames += [AxiStreamFrame(bytes(bench.max_frame), tuser=0) for _ in range(4)]
    for f in frames:
        await bench.source.send(f)
    await bench.source.wait()
    for i, want in enumerate(frames):
        got = await bench.sink.recv()
        assert bytes(got.tdata) == bytes(want.tdata), f"frame {i}"
    # tvalid never falls inside a frame, stalled or not.
    assert not bench.errors, bench.errors[:3]


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def hold_finishes_the_frame_and_starts_none(dut) -> None:
    """hold (a device reset pending) raised while frames are queued: the frame on the wire
    finishes whole, no new frame starts while hold is up, and all go once it falls."""
    bench = await setup(dut)
    frames = [AxiStreamFrame(bytes([i]) * bench.max_frame, tuser=0) for i in range(3)]
    for f in frames:
        await bench.source.send(f)
    while not int(dut.m_axis_tvalid.value):
        await RisingEdge(dut.clk)
    await cycles(dut, 3)
    dut.hold.value = 1
    for _ in range(2 * bench.max_frame // bench.beat + 50):  # the frame's wire time, twice
        await RisingEdge(dut.clk)
    got = await bench.sink.recv()
    assert bytes(got.tdata) == bytes(frames[0].tdata), "the frame on the wire finished whole"
    assert bench.sink.empty() and not int(dut.m_axis_tvalid.value), "no new frame under hold"
    dut.hold.value = 0
    for want in frames[1:]:
        got = await bench.sink.recv()
        assert bytes(got.tdata) == bytes(want.tdata)
    assert not bench.errors, bench.errors[:3]
