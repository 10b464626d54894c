# SPDX-License-Identifier: MIT
"""tx_packer: chunks of any byte count (as tx_dma cuts buffers at any alignment) become a packed
MAC stream. Reference: per frame, the concatenated chunk bytes, padded with zeros to 60, cut at
MAX_FRAME with tuser on the last beat (counted bad), an empty frame not sent (counted bad), an
aborted frame ended with tuser (not counted), nothing sent for an abort before any data. Every
beat is checked: full beats inside a frame, the last beat's tkeep packed from byte 0.
Backpressure on both sides; the wire stays busy within a frame when chunks keep up."""

from __future__ import annotations

import random
from dataclasses import dataclass

import cocotb
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamSink

from tb.common import cycles, pause, start

MIN_FRAME = 60


@dataclass
class Chunk:
    data: bytes  # the valid bytes
    last: bool = False
    abort: bool = False
    queue: int = 0


@dataclass
class Frame:
    chunks: list[Chunk]

    @property
    def data(self) -> bytes:
        return b"".join(c.data for c in self.chunks)

    @property
    def aborted(self) -> bool:
        return self.chunks[-1].abort

    @property
    def queue(self) -> int:
        return self.chunks[-1].queue


def expected(frame: Frame, max_frame: int) -> tuple[bytes | None, bool, tuple | None]:
    """(wire bytes or None, tuser, event (bad, queue, bytes) or None) for one frame. For an
    aborted frame the wire bytes are the prefix that must appear."""
    d = frame.data
    if frame.aborted:
        return (d[:max_frame] if d else None), True, None
    if not d:
        return None, False, (1, frame.queue, 0)
    if len(d) > max_frame:
        return d[:max_frame], True, (1, frame.queue, max_frame)
    wire = d + bytes(max(0, MIN_FRAME - len(d)))
    return wire, False, (0, frame.queue, len(wire))


class Bench:
    def __init__(self, dut) -> None:
        self.dut = dut
        self.mb = len(dut.m_axis_tkeep)
        self.lb = len(dut.s_chunk_data) // 8
        self.max_frame = int(dut.MAX_FRAME.value)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst)
        self.events: list[tuple[int, int, int]] = []
        self.chunks: list[Chunk] = []
        self.gap = 0.0
        self.rng = random.Random(0)
        self.bubbles = 0  # cycles with tvalid low inside a frame
        dut.s_chunk_valid.value = 0
        dut.s_chunk_data.value = 0
        dut.s_chunk_bytes.value = 0
        dut.s_chunk_last.value = 0
        dut.s_chunk_abort.value = 0
        dut.s_chunk_queue.value = 0
        cocotb.start_soon(self._drive())
        cocotb.start_soon(self._watch())

    async def _drive(self) -> None:
        """Offer chunks in order (with random idle cycles when `gap` > 0); data past `bytes`
        is random junk the packer must not send."""
        dut = self.dut
        offered = None
        while True:
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            if offered is not None and int(dut.s_chunk_ready.value):
                self.chunks.pop(0)
                offered = None
            if offered is None and self.chunks and self.rng.random() >= self.gap:
                offered = self.chunks[0]
                junk = self.rng.randbytes(self.lb - len(offered.data))
                dut.s_chunk_data.value = int.from_bytes(offered.data + junk, "little")
                dut.s_chunk_bytes.value = len(offered.data)
                dut.s_chunk_last.value = int(offered.last)
                dut.s_chunk_abort.value = int(offered.abort)
                dut.s_chunk_queue.value = offered.queue
            dut.s_chunk_valid.value = int(offered is not None)

    async def _watch(self) -> None:
        dut = self.dut
        in_frame = False
        while True:
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            if int(dut.ev_valid.value):
                self.events.append(
                    (int(dut.ev_bad.value), int(dut.ev_queue.value), int(dut.ev_bytes.value))
                )
            valid = int(dut.m_axis_tvalid.value)
            if in_frame and not valid:
                self.bubbles += 1
            if valid and int(dut.m_axis_tready.value):
                in_frame = not int(dut.m_axis_tlast.value)

    async def run(self, frames: list[Frame]) -> None:
        for f in frames:
            self.chunks.extend(f.chunks)
        await self.settle()
        self.check(frames)

    async def settle(self) -> None:
        """Until every chunk is taken and the last frame has had time to leave."""
        while self.chunks:
            await RisingEdge(self.dut.clk)
        await cycles(self.dut, 3 * self.max_frame // self.mb + 50)

    def check(self, frames: list[Frame]) -> None:
        got = []
        while not self.sink.empty():
            got.append(self.sink.recv_nowait(compact=False))
        want = [(f, *expected(f, self.max_frame)) for f in frames]
        on_wire = [w for w in want if w[1] is not None]
        assert len(got) == len(on_wire), f"{len(got)} frames sent, {len(on_wire)} expected"
        mb = self.mb
        for i, (g, (f, wire, tuser, _)) in enumerate(zip(got, on_wire, strict=True)):
            keep, data = list(g.tkeep), bytes(g.tdata)
            beats = [keep[k : k + mb] for k in range(0, len(keep), mb)]
            for b in beats[:-1]:
                assert all(b), f"frame {i}: a beat before the last is not full"
            n_last = sum(beats[-1])
            assert beats[-1] == [1] * n_last + [0] * (mb - n_last), f"frame {i}: last tkeep"
            assert n_last > 0, f"frame {i}: the last beat carries no byte (tkeep 0)"
            sent = bytes(b for b, k in zip(data, keep, strict=True) if k)
            assert int(g.tuser[-1]) == int(tuser), f"frame {i}: tuser on the last beat"
            if f.aborted:
                # An abort ends the frame where it stands (one junk byte may close it).
                assert sent[: len(wire)] == wire and len(sent) - len(wire) in (0, 1), f"frame {i}"
            else:
                assert sent == wire, f"frame {i}: {len(sent)} bytes sent, {len(wire)} expected"
        events = [w[3] for w in want if w[3] is not None]
        assert self.events == events, "events: (bad, queue, bytes) per frame"


def buffer_chunks(rng: random.Random, data: bytes, lb: int, queue: int) -> list[Chunk]:
    """Chunks as tx_dma makes them: the frame split into buffers, each read from a random byte
    offset in its first line, so its first chunk is short and the rest are whole lines."""
    out = []
    pos = 0
    while pos < len(data):
        size = min(len(data) - pos, rng.choice([1, 7, 60, 64, 100, 500]))
        off = rng.randrange(lb)
        k = 0
        while k < size:
            n = min(size - k, lb - off if k == 0 else lb)
            out.append(Chunk(data[pos + k : pos + k + n], queue=queue))
            k += n
        pos += size
    return out


def line_chunks(data: bytes, lb: int, queue: int = 0) -> list[Chunk]:
    """A frame from one line-aligned buffer: whole-line chunks, the last one short."""
    out = [Chunk(data[k : k + lb], queue=queue) for k in range(0, len(data), lb)]
    out = out or [Chunk(b"", queue=queue)]
    out[-1].last = True
    return out


def random_frame(rng: random.Random, lb: int, max_frame: int) -> Frame:
    queue = rng.randrange(256)
    kind = rng.random()
    length = rng.choice([0, 1, 59, 60, 61, 64, max_frame, max_frame + 1, rng.randint(1, 400)])
    data = rng.randbytes(length)
    chunks = buffer_chunks(rng, data, lb, queue)
    if kind < 0.1:  # aborted: part of the data, then the abort
        chunks = chunks[: rng.randrange(len(chunks) + 1)]
        chunks.append(Chunk(b"", last=True, abort=True, queue=queue))
        return Frame(chunks)
    # Now and then an empty EOP buffer closes the frame (a zero-length last descriptor).
    if not chunks or kind < 0.25:
        chunks.append(Chunk(b"", queue=queue))
    chunks[-1].last = True
    return Frame(chunks)


async def setup(dut) -> Bench:
    bench = Bench(dut)
    await start(dut)
    return bench


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def random_frames(dut) -> None:
    bench = await setup(dut)
    rng = random.Random(2)
    bench.gap = 0.3
    bench.sink.set_pause_generator(pause(21, 0.3))
    frames = [random_frame(rng, bench.lb, bench.max_frame) for _ in range(300)]
    await bench.run(frames)


@cocotb.test(timeout_time=10, timeout_unit="ms")
async def full_rate_no_bubbles(dut) -> None:
    """Chunks always offered, wire always ready: beats leave back to back inside a frame."""
    bench = await setup(dut)
    rng = random.Random(3)
    frames = []
    for _ in range(40):
        data = rng.randbytes(rng.randint(60, bench.max_frame))
        frames.append(Frame(line_chunks(data, bench.lb)))
    await bench.run(frames)
    assert bench.bubbles == 0, f"{bench.bubbles} idle cycles inside frames"


@cocotb.test(timeout_time=10, timeout_unit="ms")
async def pad_cut_empty_abort(dut) -> None:
    """Directed: every length 0..70 padded; cut at MAX_FRAME and one past it; empty frames;
    aborts before any data, mid-frame, and after all data left; with and without backpressure."""
    bench = await setup(dut)
    mx = bench.max_frame
    frames = []
    for n in range(71):
        frames.append(Frame(line_chunks(bytes(range(1, n + 1)), bench.lb, queue=n)))
    for n in (mx - 1, mx, mx + 1, mx + 64, 3 * mx):
        frames.append(Frame(line_chunks(bytes(k % 251 for k in range(n)), bench.lb)))
    frames.append(Frame([Chunk(b"", last=True, queue=9)]))  # empty: not sent, counted bad
    frames.append(Frame([Chunk(b"", last=True, abort=True)]))  # abort before data: nothing
    frames.append(Frame([Chunk(bytes(64)), Chunk(bytes(64)), Chunk(b"", last=True, abort=True)]))
    frames.append(Frame([Chunk(bytes(30)), Chunk(b"", last=True, abort=True)]))
    await bench.run(frames)
    bench.events.clear()
    bench.gap = 0.5
    bench.sink.set_pause_generator(pause(31, 0.5))
    await bench.run(frames)
    # Abort after every byte already left: the frame is still ended, with tuser.
    bench.gap = 0.0
    bench.sink.clear_pause_generator()
    bench.sink.pause = False
    bench.events.clear()
    bench.chunks.append(Chunk(bytes(range(64)), queue=3))
    await cycles(dut, 40)
    bench.chunks.append(Chunk(b"", last=True, abort=True, queue=3))
    await bench.settle()
    got = bench.sink.recv_nowait(compact=False)
    assert int(got.tuser[-1]) == 1 and bytes(got.tdata)[:64] == bytes(range(64))
    assert bench.events == []


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def null_last_beat(dut) -> None:
    """A 64-byte chunk (last = 0), then, after a pause, a 0-byte chunk with last = 1 (tx_dma
    sends that for a zero-length EOP descriptor closing a chain). The frame ends on the beat
    carrying its last byte (this once failed: tx_packer sent an extra beat with tlast and
    tkeep = 0, which rx_fifo in loopback stored as a line of its own). Then the same for a
    frame cut at MAX_FRAME whose last byte ends a beat."""
    bench = await setup(dut)
    frame = Frame([Chunk(bytes(range(64)), queue=1), Chunk(b"", last=True, queue=1)])
    bench.chunks.append(frame.chunks[0])
    await cycles(dut, 30)
    bench.chunks.append(frame.chunks[1])
    await cycles(dut, 30)
    bench.check([frame])
    bench.events.clear()
    cut = bench.max_frame - bench.max_frame % bench.mb + bench.mb  # past MAX_FRAME
    data = bytes(k % 251 for k in range(cut))
    frame = Frame([*line_chunks(data, bench.lb), Chunk(b"", last=True)])
    frame.chunks[-2].last = False
    bench.chunks.extend(frame.chunks[:-1])
    await cycles(dut, 3 * cut // bench.mb + 30)
    bench.chunks.append(frame.chunks[-1])
    await bench.settle()
    bench.check([frame])
