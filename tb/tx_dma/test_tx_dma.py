# SPDX-License-Identifier: MIT
"""tx_dma: the TX DMA engine alone, with cocotbext-axi's AxiRam as host memory and a chunk sink
with random backpressure. Reference (TxRef): hdl/DATAPATH.md's TX rules: enabled rings served
round robin, up to 16 frames per turn while the ring holds descriptors, one head write-back at
the end of each turn (when enabled), chains to EOP, zero-length buffers, DMA errors and bad
descriptors (a buffer address at or above 2^ADDR_WIDTH) stopping only their queue (a frame
already handed on ended with an abort). Checked: every frame's bytes, queue and ending, the
frame order across queues, each write-back (address and value), the ev_done, ev_dmae and
ev_cfgerr events, heads and stop state, and that every read stays within the lines of the rings
and buffers handed out and every write hits exactly a write-back word."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import cocotb
from cocotb.triggers import RisingEdge

from pystack.nic.desc import TxDesc
from tb.common import DECERR, OKAY, SLVERR, CheckedRam, cycles, line_hull, start

LB = 64
HIGH = 0x3C1 << 32
RING_AT = HIGH + 0x10_0000
WB_AT = HIGH + 0x18_0000
POOL_AT = HIGH + 0x20_0000
TURN_FRAMES = 16
BADDESC = -1  # stands for a bad descriptor where a DMA response goes


@dataclass
class Ring:
    base: int
    size: int = 16
    enabled: bool = False
    wb: bool = True
    stopped: bool = False
    reason: int = 0
    head: int = 0
    tail: int = 0
    descs: dict[int, TxDesc] = field(default_factory=dict)
    # Its head frame's chain ran past this tail: skipped until the tail moves.
    wait_tail: int | None = None


@dataclass
class Out:
    """One frame as the packer sees it."""

    queue: int
    data: bytes
    abort: bool


class TxRef:
    """The engine's observable behaviour for the descriptors posted, turn by turn."""

    def __init__(
        self, rings: list[Ring], ram: CheckedRam, wb_addr: list[int], addr_width: int
    ) -> None:
        self.rings = rings
        self.ram = ram
        self.wb_addr = wb_addr
        self.addr_width = addr_width
        self.cfgerr = 0
        self.last: int | None = None  # queue of the previous turn
        self.frames: list[Out] = []
        self.wbs: list[tuple[int, bytes]] = []
        self.done: list[int] = []
        self.dmae: list[int] = []

    def run(self, tx_enable: bool, first: int | None) -> None:
        """Serve until no ring has work. `first` names the first turn's queue when the
        reference has not seen a turn yet (where round robin starts is not specified)."""
        if not tx_enable:
            return
        n = len(self.rings)
        while True:
            live = [q for q, r in enumerate(self.rings) if self.has_work(r)]
            if not live:
                return
            if self.last is None:
                first = live[0] if first is None and len(live) == 1 else first
                assert first in live, f"first turn on queue {first}, which has no work"
                q = first
            else:
                q = next(c % n for c in range(self.last + 1, self.last + n + 1) if c % n in live)
            self.last = q
            self.turn(q)

    @staticmethod
    def has_work(r: Ring) -> bool:
        return r.enabled and not r.stopped and r.head != r.tail and r.wait_tail != r.tail

    def chain_resp(self, r: Ring) -> int | None:
        """Walk the head frame's chain: OKAY when its EOP is owned, None when it runs past the
        tail, or the error of a descriptor line read on the way."""
        for k in range((r.tail - r.head) % r.size):
            slot = (r.head + k) % r.size
            line = r.base + 16 * slot - (16 * slot) % LB
            resp = self.ram.error_at(line, LB, "R")
            if resp != OKAY:
                return resp
            if r.descs[slot].eop:
                return OKAY
        return None

    def stop(self, q: int, resp: int) -> bool:
        r = self.rings[q]
        r.stopped, r.reason = True, {SLVERR: 1, DECERR: 2, BADDESC: 3}[resp]
        self.dmae.append(q)
        self.cfgerr += resp == BADDESC
        return True

    def turn(self, q: int) -> bool:
        """One turn of queue q."""
        r = self.rings[q]
        count, data, started = 0, b"", False
        while count < TURN_FRAMES:
            # A frame starts only once its whole chain is owned (hdl/DATAPATH.md).
            chain = self.chain_resp(r)
            if chain is None:
                r.wait_tail = r.tail
                if count == 0:
                    return True  # nothing sent: no write-back, the queue is skipped
                break
            if chain != OKAY:
                return self.fail(q, b"", False, chain)
            r.wait_tail = None
            while True:
                assert r.head != r.tail, "a started chain is always whole"
                slot = r.head
                line = r.base + 16 * slot - (16 * slot) % LB
                resp = self.ram.error_at(line, LB, "R")
                if resp != OKAY:
                    return self.fail(q, data, started, resp)
                d = r.descs[slot]
                if d.addr >> self.addr_width:  # whatever its length
                    return self.fail(q, data, started, BADDESC)
                if d.length:
                    lo, size = line_hull(d.addr, d.length)
                    bad = [k for k in range(lo, lo + size, LB) if self.ram.error_at(k, LB, "R")]
                    if bad:
                        part = max(0, bad[0] - d.addr)
                        data += self.ram.read(d.addr, part)
                        started = started or part > 0
                        return self.fail(q, data, started, self.ram.error_at(bad[0], LB, "R"))
                    data += self.ram.read(d.addr, d.length)
                    started = True
                r.head = (r.head + 1) % r.size
                if d.eop:
                    break
            self.frames.append(Out(q, data, False))
            data, started = b"", False
            count += 1
            if r.head == r.tail:
                break
        if r.wb:
            value = r.head.to_bytes(4, "little")
            self.wbs.append((self.wb_addr[q], value))
            resp = self.ram.error_at(self.wb_addr[q], 4, "W")
            if resp != OKAY:
                return self.stop(q, resp)
        self.done.append(q)
        return True

    def fail(self, q: int, data: bytes, started: bool, resp: int) -> bool:
        if started:
            self.frames.append(Out(q, data, True))
        return self.stop(q, resp)


class Bench:
    def __init__(self, dut) -> None:
        self.dut = dut
        self.nq = int(dut.NUM_QUEUES.value)
        self.riw = int(dut.RING_IDX_WIDTH.value)
        self.rng = random.Random(15)
        self.ram = CheckedRam(dut, size=1 << 24)
        self.rings = [Ring(RING_AT + q * 0x1_0000) for q in range(self.nq)]
        self.wb_addr = [WB_AT + 4 * q for q in range(self.nq)]
        for r in self.rings:
            self.ram.readable.append((r.base, 16 << self.riw))
        self.ram.writable += [(a, 4) for a in self.wb_addr]
        self.ref = TxRef(self.rings, self.ram, self.wb_addr, int(dut.ADDR_WIDTH.value))
        self.pool = POOL_AT
        self.tx_enable = True
        self.ready_gap = 0.0
        self.outs: list[Out] = []
        self.done: list[int] = []
        self.dmae: list[int] = []
        self.cfgerr = 0
        self.chunk_errors: list[str] = []
        dut.m_chunk_ready.value = 0
        self.apply()
        cocotb.start_soon(self._sink())

    async def _sink(self) -> None:
        """Take chunks with random stalls; group them into frames; watch the events."""
        dut = self.dut
        cur: Out | None = None
        ready = 0
        while True:
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            if int(dut.ev_done.value):
                self.done.append(int(dut.ev_done_queue.value))
            if int(dut.ev_dmae.value):
                self.dmae.append(int(dut.ev_dmae_queue.value))
            self.cfgerr += int(dut.ev_cfgerr.value)
            if ready and int(dut.m_chunk_valid.value):
                n = int(dut.m_chunk_bytes.value)
                q = int(dut.m_chunk_queue.value)
                last, abort = int(dut.m_chunk_last.value), int(dut.m_chunk_abort.value)
                data = int(dut.m_chunk_data.value).to_bytes(LB, "little")[:n]
                if cur is None:
                    cur = Out(q, b"", False)
                if q != cur.queue:
                    self.chunk_errors.append(f"queue {q} inside a frame of queue {cur.queue}")
                if n > LB or (n == 0 and not last):
                    self.chunk_errors.append(f"chunk of {n} bytes, last {last}")
                if abort and (n or not last):
                    self.chunk_errors.append("abort chunk carries data or is not last")
                cur.data += data
                if last:
                    cur.abort = bool(abort)
                    self.outs.append(cur)
                    cur = None
            ready = int(self.rng.random() >= self.ready_gap)
            dut.m_chunk_ready.value = ready

    def apply(self) -> None:
        dut, riw = self.dut, self.riw
        base = size = tail = enable = wb = wbe = 0
        for q, r in enumerate(self.rings):
            base |= r.base << (64 * q)
            size |= r.size << ((riw + 1) * q)
            tail |= r.tail << (riw * q)
            enable |= int(r.enabled) << q
            wb |= self.wb_addr[q] << (64 * q)
            wbe |= int(r.wb) << q
        dut.tq_base.value = base
        dut.tq_size.value = size
        dut.tq_tail.value = tail
        dut.tq_enable.value = enable
        dut.tq_wb_addr.value = wb
        dut.tq_wb_enable.value = wbe
        dut.tx_enable.value = int(self.tx_enable)

    def buffer(self, data: bytes) -> int:
        """Place a buffer at any byte alignment, now and then straddling a 4 KiB boundary."""
        if self.rng.random() < 0.1:
            self.pool = (self.pool | 0xFFF) + 1 - self.rng.randrange(1, 200)
        addr = self.pool + self.rng.randrange(0, 300)
        self.pool = addr + len(data) + 1
        self.ram.write(addr, data)
        if data:
            self.ram.readable.append(line_hull(addr, len(data)))
        return addr

    def post_frame(
        self, q: int, parts: list[int], eop: bool = True, beyond: int | None = None
    ) -> bool:
        """A frame of buffers of the given lengths; False when the ring has no room. Part
        `beyond` gets bit ADDR_WIDTH set in its address: truncated, it names its real buffer."""
        r = self.rings[q]
        if len(parts) > r.size - 1 - (r.tail - r.head) % r.size:
            return False
        for k, n in enumerate(parts):
            addr = self.buffer(self.rng.randbytes(n))
            if k == beyond:
                addr |= 1 << self.ref.addr_width
            d = TxDesc(addr, n, eop and k == len(parts) - 1)
            self.ram.write(r.base + 16 * r.tail, d.pack())
            r.descs[r.tail] = d
            r.tail = (r.tail + 1) % r.size
        return True

    async def reset_ring(self, q: int, size: int, enable: bool = True, wb: bool = True) -> None:
        r = self.rings[q]
        r.enabled = False
        r.tail = 0
        self.apply()
        await cycles(self.dut, 3)
        r.size, r.head, r.stopped, r.reason, r.descs, r.wb = size, 0, False, 0, {}, wb
        r.wait_tail = None
        r.enabled = enable
        self.apply()
        await cycles(self.dut, 2)

    def heads(self) -> list[int]:
        head, riw = int(self.dut.tq_head.value), self.riw
        return [head >> (riw * q) & ((1 << riw) - 1) for q in range(self.nq)]

    async def run(self) -> None:
        """Apply the posted work, wait until the engine has done all it can, and check."""
        n_out, n_wb = len(self.outs), len(self.ref.wbs)
        log_start = len(self.ram.log)
        self.apply()
        for _ in range(200000):
            await RisingEdge(self.dut.clk)
            stopped = int(self.dut.tq_stopped.value)
            heads = self.heads()
            idle = all(
                not r.enabled or stopped >> q & 1 or heads[q] == r.tail
                for q, r in enumerate(self.rings)
            )
            if idle or not self.tx_enable:
                break
        await cycles(self.dut, 60)
        first = self.outs[n_out].queue if len(self.outs) > n_out else None
        self.ref.run(self.tx_enable, first)
        self.check(n_out, n_wb, log_start)

    def check(self, n_out: int, n_wb: int, log_start: int) -> None:
        got, want = self.outs[n_out:], self.ref.frames[n_out:]
        assert not self.chunk_errors, self.chunk_errors[:3]
        assert len(got) == len(want), f"{len(got)} frames, expected {len(want)}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert (g.queue, g.abort) == (w.queue, w.abort), f"frame {n_out + i}: {g} vs {w}"
            assert g.data == w.data, f"frame {n_out + i}: data ({len(g.data)} vs {len(w.data)})"
        wbs = [(a.addr, a.data) for a in self.ram.log[log_start:] if a.op == "W"]
        assert wbs == self.ref.wbs[n_wb:], "head write-backs (address, value) in order"
        assert self.done == self.ref.done, "ev_done per completed turn"
        assert self.dmae == self.ref.dmae, "ev_dmae per stopped queue"
        assert self.cfgerr == self.ref.cfgerr, "ev_cfgerr per queue stopped on a bad descriptor"
        assert not self.ram.violations, self.ram.violations[:3]
        stopped, reason = int(self.dut.tq_stopped.value), int(self.dut.tq_reason.value)
        for q, (r, h) in enumerate(zip(self.rings, self.heads(), strict=True)):
            assert stopped >> q & 1 == r.stopped, f"queue {q} stopped"
            assert reason >> (2 * q) & 3 == r.reason, f"queue {q} reason"
            if r.stopped:
                r.head = h  # where the engine stopped is not specified; the driver restarts
            else:
                assert h == r.head, f"queue {q} head {h}, expected {r.head}"


def random_parts(rng: random.Random) -> list[int]:
    n = rng.choice([1, 1, 1, 2, 3])
    parts = [rng.choice([0, 1, 7, 60, 64, 65, 200, 1500, rng.randint(1, 3000)]) for _ in range(n)]
    return parts


async def setup(dut) -> Bench:
    bench = Bench(dut)
    await start(dut)
    return bench


@cocotb.test(timeout_time=300, timeout_unit="ms")
async def random_traffic(dut) -> None:
    """Phases of random frames (chains, empty buffers, any alignment, 4 KiB crossings) over all
    rings, write-back on some, rings restarted, tx_enable off for a phase, a DMA error or a
    buffer beyond the address width now and then; random AXI and chunk backpressure."""
    bench = await setup(dut)
    rng = random.Random(16)
    bench.ram.pause(7, 0.3)
    bench.ready_gap = 0.3
    for q in range(bench.nq):
        await bench.reset_ring(q, rng.choice([8, 16, 64]), wb=q != 2)
    for phase in range(16):
        bench.ram.errors.clear()
        for q in range(bench.nq):
            for _ in range(rng.randint(0, 20)):
                if not bench.post_frame(q, random_parts(rng)):
                    break
        if phase and rng.random() < 0.4:  # one error, on a ring's next line or next buffer
            q = rng.randrange(bench.nq)
            r = bench.rings[q]
            what = rng.choice(["fetch", "data", "wb", "beyond"])
            resp = rng.choice([SLVERR, DECERR])
            if what == "fetch" and r.size > 4:
                line = r.base + ((r.head // 4 + 1) * LB) % (16 * r.size)
                bench.ram.errors.append((line, line + LB, resp, "R"))
            elif what == "data":
                d = r.descs.get((r.head + rng.randrange(3)) % r.size)
                if d is not None and d.length:
                    a = d.addr + rng.randrange(d.length)
                    bench.ram.errors.append((a, a + 1, resp, "R"))
            elif what == "beyond":
                parts = random_parts(rng)
                bench.post_frame(q, parts, beyond=rng.randrange(len(parts)))
            else:
                bench.ram.errors.append((bench.wb_addr[q], bench.wb_addr[q] + 4, resp, "W"))
        bench.tx_enable = phase != 5
        if not bench.tx_enable:
            reads = len(bench.ram.log)
            await bench.run()
            assert len(bench.ram.log) == reads, "nothing read while TCTL.EN is off"
            bench.tx_enable = True
        await bench.run()
        for q, r in enumerate(bench.rings):
            if r.stopped or rng.random() < 0.1:
                await bench.reset_ring(q, rng.choice([8, 16, 32]), wb=rng.random() < 0.8)
    assert bench.ref.dmae, "the run met DMA errors"
    assert any(o.abort for o in bench.outs), "and aborted a frame already handed on"


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def sixteen_frames_per_turn(dut) -> None:
    """Rings of 40, 40 and 20 frames: turns of at most 16 frames in round robin (five of 16,
    then 4, 8, 8), one write-back at the end of each turn of the two rings that have it enabled
    and one ev_done per turn of all three."""
    bench = await setup(dut)
    for q in range(3):
        await bench.reset_ring(q, 64, wb=q != 2)
    for q in range(3):
        for _ in range(40 if q < 2 else 20):
            assert bench.post_frame(q, [60])
    await bench.run()
    runs = []
    for o in bench.outs:
        if runs and runs[-1][0] == o.queue:
            runs[-1][1] += 1
        else:
            runs.append([o.queue, 1])
    # Turns of 16 while a ring has that many left, then the rests (8, 8, 4), round robin.
    assert sorted(n for _, n in runs) == [4, 8, 8] + [16] * 5, runs
    assert [q for q, _ in runs[:3]] in ([0, 1, 2], [1, 2, 0], [2, 0, 1]), "round robin"
    assert len(bench.ref.wbs) == 6 and len(bench.done) == 8


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def chains_and_empty_buffers(dut) -> None:
    """A chain posted in two steps (the engine does not start it until its EOP is posted),
    zero-length buffers inside and at the end of chains, an all-empty frame, one-byte buffers
    at every offset of a line."""
    bench = await setup(dut)
    bench.ready_gap = 0.5
    await bench.reset_ring(0, 32)
    await bench.reset_ring(1, 16)
    assert bench.post_frame(0, [100, 0, 30], eop=False)
    await bench.run()  # the chain is walked, found short of its EOP, and not started
    assert bench.outs == [] and bench.heads()[0] == 0 and bench.done == []
    assert bench.post_frame(0, [0, 50])
    assert bench.post_frame(1, [0])
    assert bench.post_frame(1, [0, 0, 0])
    assert bench.post_frame(1, [64, 0])
    for off in range(0, LB, 7):
        bench.pool += off
        assert bench.post_frame(0, [1, 1])
    await bench.run()
    first = next(o for o in bench.outs if o.queue == 0)
    assert len(first.data) == 180, "the two-step chain leaves whole"


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def disable_mid_chain(dut) -> None:
    """A ring disabled while its frame waits for the rest of a chain: nothing of the frame
    was handed on (a chain starts only whole), nothing is counted as a DMA error, and the ring
    forgets its head."""
    bench = await setup(dut)
    await bench.reset_ring(0, 16)
    assert bench.post_frame(0, [200, 70], eop=False)
    await bench.run()
    ring = bench.rings[0]
    ring.enabled = False
    bench.apply()
    await cycles(dut, 20)
    assert bench.outs == []
    assert bench.dmae == [] and bench.heads()[0] == 0
    assert not int(dut.tq_stopped.value)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def buffer_beyond_address_width(dut) -> None:
    """A buffer address at or above 2^ADDR_WIDTH is a bad descriptor, never truncated onto a
    real buffer: as a frame's only buffer (nothing handed on), as the second of a chain (the
    first buffer's bytes end aborted) and on a zero-length buffer. Each stops the queue with
    reason 3 and pulses ev_dmae and ev_cfgerr; another ring keeps sending; a restart sends."""
    bench = await setup(dut)
    await bench.reset_ring(1, 16)
    for parts, beyond in (([100], 0), ([100, 50], 1), ([0], 0)):
        await bench.reset_ring(0, 16)
        assert bench.post_frame(0, parts, beyond=beyond)
        assert bench.post_frame(0, [70])
        assert bench.post_frame(1, [80])
        await bench.run()
        assert bench.rings[0].stopped and bench.rings[0].reason == 3
    assert bench.cfgerr == 3 and bench.dmae == [0, 0, 0]
    assert [(o.queue, o.abort, len(o.data)) for o in bench.outs if o.queue == 0] == [(0, True, 100)]
    assert len([o for o in bench.outs if o.queue == 1]) == 3
    await bench.reset_ring(0, 16)
    assert bench.post_frame(0, [70])
    await bench.run()
    assert bench.outs[-1].queue == 0 and not bench.outs[-1].abort
