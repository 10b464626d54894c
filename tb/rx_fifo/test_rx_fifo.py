# SPDX-License-Identifier: MIT
"""rx_fifo: the RX packet buffer. MAC beats are packed into DMA lines and stored whole; each
frame comes out paired, in order, with its classifier result (results may arrive before, during
or after their frame), with its length (saturating at 0xffff), the MAC-error flag (tuser on the
last beat), the oversize flag (longer than MAX_FRAME: storing stops there) and its line count.
`room` must hold whenever a largest frame fits (with the two lines of slack the RTL documents)
and never when it does not, so a sender that obeys it never loses a byte. Reference: the frames
and results the test sent; the consumer pops with random stalls, as rx_dma would."""

from __future__ import annotations

import random
from dataclasses import dataclass

import cocotb
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSource

from tb.common import cycles, pause, start

RESULT_FIELDS = ("hash", "hash_type", "queue", "error", "packet_type", "vlan_tags")


@dataclass
class Sent:
    data: bytes
    mac_error: int
    result: dict[str, int]


@dataclass
class Got:
    meta: dict[str, int]
    lines: list[bytes]


class Bench:
    def __init__(self, dut) -> None:
        self.dut = dut
        self.mb = len(dut.s_axis_tkeep)
        self.lb = len(dut.line_data) // 8
        self.depth = int(dut.DEPTH.value)
        self.max_frame = int(dut.MAX_FRAME.value)
        self.max_lines = -(-self.max_frame // self.lb)
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst)
        self.rng = random.Random(7)
        self.results: list[dict[str, int]] = []  # waiting to be offered
        self.results_ahead = 2  # results may run this many frames ahead of their frames
        self.res_gap = 0.5
        self.pop_gap = 0.3
        self.consume = True
        self.started = 0  # frames whose first beat went in
        self.sent_results = 0
        self.got: list[Got] = []
        for name in RESULT_FIELDS:
            getattr(dut, f"s_res_{name}").value = 0
        dut.s_res_valid.value = 0
        dut.frame_pop.value = 0
        dut.line_pop.value = 0
        cocotb.start_soon(self._inputs())
        cocotb.start_soon(self._results())
        cocotb.start_soon(self._consumer())

    async def _inputs(self) -> None:
        dut = self.dut
        in_frame = False
        while True:
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            assert int(dut.s_axis_tready.value), "the buffer never holds off the MAC"
            if int(dut.s_axis_tvalid.value):
                self.started += not in_frame
                in_frame = not int(dut.s_axis_tlast.value)

    async def _results(self) -> None:
        dut = self.dut
        while True:
            await RisingEdge(dut.clk)
            offer = (
                self.results
                and self.sent_results < self.started + self.results_ahead
                and self.rng.random() >= self.res_gap
            )
            if offer:
                res = self.results.pop(0)
                for name in RESULT_FIELDS:
                    getattr(dut, f"s_res_{name}").value = res[name]
                self.sent_results += 1
            dut.s_res_valid.value = int(bool(offer))

    async def _consumer(self) -> None:
        """Pop a frame's metadata, then its lines, with random idle cycles (like rx_dma)."""
        dut = self.dut
        pop_frame = pop_line = False
        lines_left = 0
        cur: Got | None = None
        while True:
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            if pop_frame and int(dut.frame_valid.value):
                meta = {n: int(getattr(dut, f"frame_{n}").value) for n in RESULT_FIELDS}
                for n in ("len", "oversize", "mac_error", "lines"):
                    meta[n] = int(getattr(dut, f"frame_{n}").value)
                cur = Got(meta, [])
                lines_left = meta["lines"]
                assert lines_left > 0
            if pop_line and int(dut.line_valid.value):
                assert cur is not None, "a line popped outside a frame"
                cur.lines.append(int(dut.line_data.value).to_bytes(self.lb, "little"))
                lines_left -= 1
                if lines_left == 0:
                    self.got.append(cur)
                    cur = None
            go = self.consume and self.rng.random() >= self.pop_gap
            pop_frame = go and cur is None
            pop_line = go and cur is not None
            dut.frame_pop.value = int(pop_frame)
            dut.line_pop.value = int(pop_line)

    def frame(self, data: bytes, mac_error: int = 0) -> Sent:
        rng = self.rng
        res = {
            "hash": rng.getrandbits(32),
            "hash_type": rng.getrandbits(4),
            "queue": rng.getrandbits(len(self.dut.s_res_queue)),
            "error": rng.getrandbits(3),
            "packet_type": rng.getrandbits(12),
            "vlan_tags": rng.getrandbits(2),
        }
        return Sent(data, mac_error, res)

    async def send(self, sent: Sent, obey_room: bool = True, null_tail: bool = False) -> None:
        """Queue a frame and its result. With obey_room, wait (as rx_admit would drop) until the
        previous frame is in and `room` is up."""
        if obey_room:
            await self.source.wait()
            await cycles(self.dut, 2)
            while not int(self.dut.room.value):
                await RisingEdge(self.dut.clk)
        n = len(sent.data)
        data = sent.data
        tkeep = None
        if null_tail:  # one more beat, with tkeep 0 and tlast
            data = data + bytes(self.mb)
            tkeep = [1] * n + [0] * self.mb
        tuser = [0] * (len(data) - 1) + [sent.mac_error]
        await self.source.send(AxiStreamFrame(data, tkeep=tkeep, tuser=tuser))
        self.results.append(sent.result)

    async def drain(self, n: int) -> None:
        await self.source.wait()
        for _ in range(200000):
            if len(self.got) >= n:
                break
            await RisingEdge(self.dut.clk)
        await cycles(self.dut, 10)

    def check(self, sent: list[Sent]) -> None:
        assert len(self.got) == len(sent), f"{len(self.got)} frames out, {len(sent)} in"
        for i, (g, s) in enumerate(zip(self.got, sent, strict=True)):
            n = len(s.data)
            for name in RESULT_FIELDS:
                assert g.meta[name] == s.result[name], f"frame {i}: result field {name}"
            assert g.meta["len"] == min(n, 0xFFFF), f"frame {i}: length"
            assert g.meta["mac_error"] == s.mac_error, f"frame {i}: MAC error flag"
            over = n > self.max_frame
            assert g.meta["oversize"] == int(over), f"frame {i}: oversize flag"
            stored = b"".join(g.lines)
            if over:
                assert 0 < len(g.lines) <= self.max_lines, f"frame {i}: stored past MAX_FRAME"
                assert stored == s.data[: len(stored)], f"frame {i}: stored prefix"
            else:
                assert len(g.lines) == -(-n // self.lb), f"frame {i}: lines"
                assert stored[:n] == s.data, f"frame {i}: data"
        self.got.clear()


async def setup(dut) -> Bench:
    bench = Bench(dut)
    await start(dut)
    return bench


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def random_frames(dut) -> None:
    """Random lengths (runts to oversize), MAC errors, gaps, result timing and pop stalls."""
    bench = await setup(dut)
    rng = random.Random(4)
    bench.source.set_pause_generator(pause(41, 0.2))
    mx = bench.max_frame
    sent = []
    for _ in range(250):
        n = rng.choice([1, 7, 8, 9, 60, 63, 64, 65, 128, mx, mx + 1, rng.randint(1, 700)])
        s = bench.frame(rng.randbytes(n), mac_error=int(rng.random() < 0.1))
        sent.append(s)
        await bench.send(s)
    await bench.drain(len(sent))
    bench.check(sent)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def room_when_full(dut) -> None:
    """Consumer stalled: largest frames go in while `room` says so. room falls exactly when
    fewer than MAX_LINES + 2 lines are free (never later: a largest frame must fit), no byte is
    lost, and room returns once the buffer is drained."""
    bench = await setup(dut)
    rng = random.Random(5)
    bench.consume = False
    mx = bench.max_frame
    sent = []
    used = 0
    while True:
        await bench.source.wait()
        await cycles(dut, 3)
        room = int(dut.room.value)
        free = bench.depth - used
        assert room == int(free >= bench.max_lines + 2), f"room {room} with {free} lines free"
        if not room:
            break
        # Largest frames while far from the threshold, then one line at a time across it.
        far = free - bench.max_lines - 2 > bench.max_lines
        n = rng.choice([mx, mx - 1, rng.randint(60, mx)]) if far else rng.randint(1, bench.lb)
        sent.append(bench.frame(rng.randbytes(n)))
        await bench.send(sent[-1])
        used += -(-n // bench.lb)
    assert len(sent) >= 2, "the buffer holds two largest frames"
    bench.consume = True
    await bench.drain(len(sent))
    bench.check(sent)
    assert int(dut.room.value)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def oversize_saturation_and_results_first(dut) -> None:
    """Oversize frames (one past MAX_FRAME, several lines past, and one of 70000 bytes whose
    length saturates), results delivered long before and long after their frames, and frames
    right behind them intact."""
    bench = await setup(dut)
    rng = random.Random(6)
    mx = bench.max_frame
    bench.results_ahead = 8
    bench.res_gap = 0.0
    lengths = [mx + 1, 60, mx + 64, 1, 3 * mx, 70000, 64, mx, 65]
    sent = [bench.frame(rng.randbytes(n), mac_error=i % 2) for i, n in enumerate(lengths)]
    for s in sent:
        await bench.send(s)
    await bench.drain(len(sent))
    bench.check(sent)
    # Results late: held back until every frame is in.
    bench.results_ahead = -100
    sent = [bench.frame(rng.randbytes(rng.randint(60, 200))) for _ in range(6)]
    for s in sent:
        await bench.send(s)
    await bench.source.wait()
    await cycles(dut, 20)
    assert not int(dut.frame_valid.value), "a frame waits for its result"
    bench.results_ahead = 100
    await bench.drain(len(sent))
    bench.check(sent)


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def null_last_beat(dut) -> None:
    """A frame of whole beats closed by an extra last beat with tkeep = 0 (AXI-Stream allows null
    bytes): the empty beat adds no byte and no line, so a 64-byte frame is one line (this once
    failed: rx_fifo stored the empty beat as a second line, which rx_dma, writing
    ceil(len / 64) lines, left behind for the next frame). Also with the null beat starting a
    new line's second lane, and a normal frame after each."""
    bench = await setup(dut)
    sent = [bench.frame(bytes(range(64))), bench.frame(bytes(range(100, 200)))]
    sent += [bench.frame(bytes(k % 251 for k in range(64 + bench.mb))), bench.frame(bytes(70))]
    for k, s in enumerate(sent):
        await bench.send(s, null_tail=k % 2 == 0)
    await bench.drain(len(sent))
    bench.check(sent)
