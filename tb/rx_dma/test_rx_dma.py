# SPDX-License-Identifier: MIT
"""rx_dma: the RX DMA engine alone, with cocotbext-axi's AxiRam as host memory and a Python
packet buffer in front. Reference (RxRef): hdl/DATAPATH.md's RX rules 2-8 in order for each
frame, the descriptor write-back layout from pystack.nic.desc, and the error rules (a DMA error
or a misaligned buffer stops only its queue). Checked: every event (kind, queue, bytes), every
delivered byte and write-back, heads, stop state and reason, that every DMA read stays inside
the rings and every written byte inside the buffers and rings the test handed out, that nothing
is written for a frame refused for a bad descriptor (a buffer misaligned or at or above
2^ADDR_WIDTH, whichever of the frame's descriptors it is), and that one descriptor-line fetch
serves several frames. Backpressure on all five AXI channels, idle gaps between frames, and
write data both held until its address is taken and free to go first (w_after_aw)."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

import cocotb
from cocotb.triggers import RisingEdge

from pystack.nic.desc import RxWriteback, rx_read_desc
from pystack.regdefs import QStopReason, RxOutcome
from tb.common import DECERR, OKAY, SLVERR, CheckedRam, cycles, start

LB = 64
HIGH = 0x7A5 << 32  # addresses above 32 bits: the upper bits must reach the bus
RING_AT = HIGH + 0x10_0000
POOL_AT = HIGH + 0x20_0000
DELIVER, CRCERR, RUNT, OVERSIZE, NODESC, DMAERR = (
    RxOutcome.DELIVER, RxOutcome.CRCERR, RxOutcome.RUNT, RxOutcome.OVERSIZE, RxOutcome.NODESC,
    RxOutcome.DMAERR,
)  # fmt: skip
WHY_SLVERR, WHY_DECERR, WHY_BADDESC = (
    QStopReason.SLVERR, QStopReason.DECERR, QStopReason.BADDESC,
)  # fmt: skip


@dataclass
class Ring:
    base: int
    size: int = 8  # descriptors
    bsize: int = 2  # KiB
    enabled: bool = False
    stopped: bool = False
    reason: int = 0
    head: int = 0
    tail: int = 0
    slots: dict[int, int] = field(default_factory=dict)  # slot -> buffer posted there

    def owned(self) -> int:
        return (self.tail - self.head) % self.size


@dataclass
class Frame:
    queue: int
    data: bytes
    mac_error: int = 0
    oversize: int = 0
    fields: dict[str, int] = field(default_factory=dict)
    lines: int = 0


@dataclass
class Delivery:
    frame: Frame
    writes: list[tuple[int, bytes, int, bytes]]  # (buffer, bytes, slot address, write-back)


class RxRef:
    """What must happen to each frame, given the rings as the test set them up."""

    def __init__(self, rings: list[Ring], ram: CheckedRam, addr_width: int) -> None:
        self.rings = rings
        self.ram = ram
        self.addr_width = addr_width
        self.deliveries: list[Delivery] = []
        self.untouched: list[tuple[int, int]] = []  # (addr, size) that must not be written
        self.cfgerr = 0

    def frame(self, f: Frame) -> tuple[int, int]:
        """(event kind, queue) for one frame, updating the ring state."""
        if f.mac_error:
            return CRCERR, f.queue
        if len(f.data) < 60:
            return RUNT, f.queue
        if f.oversize:
            return OVERSIZE, f.queue
        r = self.rings[f.queue]
        bsize = r.bsize * 1024
        need = -(-len(f.data) // bsize)
        if not r.enabled or r.stopped or r.owned() < need:
            return NODESC, f.queue
        slots = [(r.head + i) % r.size for i in range(need)]
        # Every descriptor the frame needs is read and checked, in ring order, before a write.
        for slot in slots:
            slot_addr = r.base + 16 * slot
            why = self.resp_why(self.ram.error_at(slot_addr - slot_addr % LB, LB, "R"))
            if not why and self.bad_buffer(r.slots[slot]):
                why = WHY_BADDESC
                self.untouched += [(r.slots[s] % (1 << self.addr_width), 64) for s in slots]
                self.untouched += [(r.base + 16 * s, 16) for s in slots]
            if why:
                r.stopped, r.reason = True, why
                self.cfgerr += why == WHY_BADDESC
                return DMAERR, f.queue
        writes = []
        for i, slot in enumerate(slots):
            buf = r.slots[slot]
            chunk = f.data[i * bsize : (i + 1) * bsize]
            slot_addr = r.base + 16 * slot
            why = self.failure(buf, len(chunk), slot_addr)
            if why:
                r.stopped, r.reason = True, why
                return DMAERR, f.queue
            wb = RxWriteback(
                hash_type=f.fields["hash_type"],
                packet_type=f.fields["packet_type"],
                parse_error=f.fields["error"],
                vlan_tags=f.fields["vlan_tags"],
                rss_hash=f.fields["hash"],
                dd=True,
                eop=i == need - 1,
                length=len(chunk),
            ).pack()
            writes.append((buf, chunk, slot_addr, wb))
        r.head = (r.head + need) % r.size
        self.deliveries.append(Delivery(f, writes))
        return DELIVER, f.queue

    def bad_buffer(self, buf: int) -> bool:
        """A descriptor the engine refuses: misaligned, or beyond the DMA address width."""
        return buf % 64 != 0 or buf >> self.addr_width != 0

    @staticmethod
    def resp_why(resp: int) -> int:
        return 0 if resp == OKAY else WHY_DECERR if resp == DECERR else WHY_SLVERR

    def failure(self, buf: int, size: int, slot_addr: int) -> int:
        """The stop reason the writes for one buffer meet (0: none). Tests inject at most one
        error per frame, so the order between them does not matter."""
        for resp in (self.ram.error_at(buf, size, "W"), self.ram.error_at(slot_addr, 16, "W")):
            if resp != OKAY:
                return self.resp_why(resp)
        return 0


class Bench:
    def __init__(self, dut) -> None:
        self.dut = dut
        self.nq = int(dut.NUM_QUEUES.value)
        self.riw = int(dut.RING_IDX_WIDTH.value)
        self.rng = random.Random(13)
        self.ram = CheckedRam(dut, size=1 << 24)
        self.rings = [Ring(RING_AT + q * 0x1_0000) for q in range(self.nq)]
        for r in self.rings:
            self.ram.readable.append((r.base, 16 << self.riw))
            self.ram.writable.append((r.base, 16 << self.riw))
        self.ref = RxRef(self.rings, self.ram, int(dut.ADDR_WIDTH.value))
        self.pool = POOL_AT
        self.frames: deque[Frame] = deque()  # arrived, not yet popped
        self.lines: deque[int] = deque()
        self.arrivals: deque[Frame] = deque()  # waiting to arrive
        self.arrival_gap = 0.0
        self.events: list[tuple[int, int, int]] = []
        self.cfgerr = 0
        self.expected: list[tuple[int, int]] = []
        self.log_start = self.ev_start = 0
        dut.w_after_aw.value = 1
        dut.frame_valid.value = 0
        dut.line_valid.value = 0
        self.apply()
        cocotb.start_soon(self._fifo())
        cocotb.start_soon(self._events())

    # ---- the packet buffer in front (rx_fifo's show-ahead interface) ------------------------
    def _show(self) -> None:
        dut = self.dut
        dut.frame_valid.value = int(bool(self.frames))
        if self.frames:
            f = self.frames[0]
            dut.frame_queue.value = f.queue
            dut.frame_len.value = min(len(f.data), 0xFFFF)
            dut.frame_oversize.value = f.oversize
            dut.frame_mac_error.value = f.mac_error
            dut.frame_lines.value = f.lines
            for name in ("hash", "hash_type", "error", "packet_type", "vlan_tags"):
                getattr(dut, f"frame_{name}").value = f.fields[name]
        dut.line_valid.value = int(bool(self.lines))
        if self.lines:
            dut.line_data.value = self.lines[0]

    async def _fifo(self) -> None:
        dut = self.dut
        while True:
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            if self.frames and int(dut.frame_pop.value):
                self.frames.popleft()
            if self.lines and int(dut.line_pop.value):
                self.lines.popleft()
            if self.arrivals and self.rng.random() >= self.arrival_gap:
                f = self.arrivals.popleft()
                # Store and forward: a frame shows only once all its lines are in.
                stored = f.data[: f.lines * LB]
                stored += self.rng.randbytes(f.lines * LB - len(stored))  # junk past the end
                for k in range(f.lines):
                    self.lines.append(int.from_bytes(stored[k * LB : (k + 1) * LB], "little"))
                self.frames.append(f)
            self._show()

    async def _events(self) -> None:
        dut = self.dut
        while True:
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            if int(dut.ev_valid.value):
                ev = (int(dut.ev_kind.value), int(dut.ev_queue.value), int(dut.ev_bytes.value))
                self.events.append(ev)
            self.cfgerr += int(dut.ev_cfgerr.value)

    # ---- the driver side -------------------------------------------------------------------
    def apply(self) -> None:
        """Drive the ring configuration inputs from the rings."""
        dut, riw = self.dut, self.riw
        base = size = bsize = tail = enable = 0
        for q, r in enumerate(self.rings):
            base |= r.base << (64 * q)
            size |= r.size << ((riw + 1) * q)
            bsize |= r.bsize << (7 * q)
            tail |= r.tail << (riw * q)
            enable |= int(r.enabled) << q
        dut.rq_base.value = base
        dut.rq_size.value = size
        dut.rq_bsize.value = bsize
        dut.rq_tail.value = tail
        dut.rq_enable.value = enable

    def alloc(self, size: int, misalign: int = 0) -> int:
        aligned = self.pool + -self.pool % 64  # (a misaligned buffer leaves the pool so)
        addr = aligned + 64 * self.rng.randrange(0, 70) + misalign
        self.pool = addr + size + 64
        self.ram.writable.append((addr, size))
        return addr

    def post(self, q: int, n: int | None = None, misalign: int = 0, beyond: bool = False) -> None:
        """Hand the NIC up to n more descriptors (all free ones but one by default). `beyond`
        sets bit ADDR_WIDTH of the buffer address: truncated, it would name a real buffer."""
        r = self.rings[q]
        room = r.size - 1 - r.owned()
        for _ in range(room if n is None else min(n, room)):
            buf = self.alloc(r.bsize * 1024, misalign)
            if beyond:
                buf |= 1 << self.ref.addr_width
            self.ram.write(r.base + 16 * r.tail, rx_read_desc(buf))
            r.slots[r.tail] = buf
            r.tail = (r.tail + 1) % r.size

    async def reset_ring(self, q: int, size: int, bsize: int, enable: bool = True) -> None:
        """Disable (the engine forgets head, cache and error), reprogram, enable and fill."""
        r = self.rings[q]
        r.enabled = False
        r.tail = 0
        self.apply()
        await cycles(self.dut, 3)
        r.size, r.bsize, r.head, r.stopped, r.reason, r.slots = size, bsize, 0, False, 0, {}
        r.enabled = enable
        self.apply()
        await cycles(self.dut, 2)

    def frame(self, q: int, n: int, **kw: int) -> Frame:
        rng = self.rng
        fields = {
            "hash": rng.getrandbits(32),
            "hash_type": rng.getrandbits(4),
            "error": rng.getrandbits(3),
            "packet_type": rng.getrandbits(12),
            "vlan_tags": rng.getrandbits(2),
        }
        f = Frame(q, rng.randbytes(n), fields=fields, **kw)
        f.lines = -(-n // LB) if not f.oversize else rng.randint(1, -(-n // LB))
        return f

    async def run(self, frames: list[Frame]) -> None:
        """Send a batch, wait for every outcome, and check it."""
        self.log_start = len(self.ram.log)
        self.ev_start = len(self.events)
        for f in frames:
            self.expected.append(self.ref.frame(f))
        self.apply()
        self.arrivals.extend(frames)
        for _ in range(400000):
            if len(self.events) >= len(self.expected) and not self.arrivals and not self.lines:
                break
            await RisingEdge(self.dut.clk)
        await cycles(self.dut, 20)
        self.check()

    def check(self) -> None:
        got = [(k, q) for k, q, _ in self.events]
        assert len(got) == len(self.expected), f"{len(got)} outcomes, {len(self.expected)} frames"
        for i, (g, w) in enumerate(zip(got, self.expected, strict=True)):
            assert g == w, f"frame {i}: outcome (kind, queue) {g}, expected {w}"
        sizes = [b for k, _, b in self.events[self.ev_start :] if k == DELIVER]
        assert sizes == [len(d.frame.data) for d in self.ref.deliveries], "delivered bytes"
        for d in self.ref.deliveries:
            for buf, chunk, slot_addr, wb in d.writes:
                assert self.ram.read(buf, len(chunk)) == chunk, f"data at 0x{buf:x}"
                got_wb = self.ram.read(slot_addr, 16)
                assert got_wb == wb, f"write-back at 0x{slot_addr:x}: {got_wb.hex()} != {wb.hex()}"
        self.ref.deliveries.clear()
        batch = self.ram.log[self.log_start :]
        for addr, size in self.ref.untouched:
            hit = [
                a for a in batch if a.op == "W" and a.addr < addr + size and addr < a.addr + a.size
            ]
            assert not hit, f"written at 0x{addr:x} for a refused frame"
        self.ref.untouched.clear()
        assert not self.ram.violations, self.ram.violations[:3]
        assert self.cfgerr == self.ref.cfgerr, "ev_cfgerr pulses"
        dut, riw = self.dut, self.riw
        head = int(dut.rq_head.value)
        stopped = int(dut.rq_stopped.value)
        reason = int(dut.rq_reason.value)
        for q, r in enumerate(self.rings):
            assert stopped >> q & 1 == r.stopped, f"queue {q} stopped"
            assert reason >> (2 * q) & 3 == r.reason, f"queue {q} reason"
            if not r.stopped:
                assert head >> (riw * q) & ((1 << riw) - 1) == r.head, f"queue {q} head"
            else:  # the driver's view: continue from the engine's head once restarted
                r.head = head >> (riw * q) & ((1 << riw) - 1)


async def setup(dut) -> Bench:
    bench = Bench(dut)
    await start(dut)
    return bench


def lengths(rng: random.Random) -> int:
    return rng.choice([60, 61, 64, 65, 127, 128, 1023, 1024, 1025, 2048, rng.randint(60, 5000)])


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def random_traffic(dut) -> None:
    """Phases of random frames over all queues (drops of every kind, ring full, wrap, mixed
    buffer sizes, multi-buffer frames, DMA errors, misaligned buffers and buffers beyond the
    address width now and then, queues restarted), with random AXI backpressure and arrival
    gaps; write data held for its address in some phases and free to go first in others."""
    bench = await setup(dut)
    rng = random.Random(14)
    bench.ram.pause(3, 0.3)
    bench.arrival_gap = 0.5
    for q in range(bench.nq):
        await bench.reset_ring(q, rng.choice([8, 16, 64]), rng.choice([1, 2, 4]), q != 3)
        bench.post(q)
    for phase in range(16):
        dut.w_after_aw.value = phase % 2
        # Inject at most one error per phase, on a queue's next buffer or next ring line.
        q = rng.randrange(bench.nq)
        r = bench.rings[q]
        bench.ram.errors.clear()
        what = rng.choice(["none", "none", "data", "wb", "fetch", "align", "beyond"])
        resp = rng.choice([SLVERR, DECERR])
        if r.enabled and not r.stopped and r.owned() > 0:
            slot = r.head
            if what == "data":
                bench.ram.errors.append((r.slots[slot], r.slots[slot] + 1, resp, "W"))
            elif what == "wb":
                a = r.base + 16 * slot
                bench.ram.errors.append((a, a + 16, resp, "W"))
            elif what == "fetch" and r.size > 4:
                line = r.base + ((r.head // 4 + 1) * 64) % (16 * r.size)  # not the cached line
                bench.ram.errors.append((line, line + 64, resp, "R"))
            elif what == "align" and r.owned() < r.size - 1:
                bench.post(q, 1, misalign=rng.choice([8, 16, 32]))
            elif what == "beyond" and r.owned() < r.size - 1:
                bench.post(q, 1, beyond=True)
        frames = []
        for _ in range(rng.randint(10, 40)):
            k = rng.random()
            fq = rng.randrange(bench.nq)
            if k < 0.05:
                frames.append(bench.frame(fq, rng.randint(60, 300), mac_error=1))
            elif k < 0.1:
                frames.append(bench.frame(fq, rng.randint(1, 59)))
            elif k < 0.15:
                frames.append(bench.frame(fq, rng.randint(1519, 9100), oversize=1))
            else:
                frames.append(bench.frame(fq, lengths(rng)))
        await bench.run(frames)
        # The driver: restart stopped queues, sometimes change geometry, refill.
        for q, r in enumerate(bench.rings):
            if r.stopped or rng.random() < 0.1:
                await bench.reset_ring(q, rng.choice([8, 16, 32]), rng.choice([1, 2, 3, 16]))
            if rng.random() < 0.8:
                bench.post(q, rng.randint(1, r.size))
    kinds = {k for k, _ in bench.expected}
    assert kinds == set(range(6)), f"every outcome met: {sorted(kinds)}"


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def descriptor_cache(dut) -> None:
    """One descriptor-line read serves four frames; a disabled queue forgets its cache (the
    ring moved to a new base while off is read afresh)."""
    bench = await setup(dut)
    await bench.reset_ring(0, 16, 2)
    bench.post(0)  # 15 descriptors
    frames = [bench.frame(0, 100) for _ in range(12)]
    await bench.run(frames)
    ring = bench.rings[0]
    fetches = [a for a in bench.ram.log if a.op == "R"]
    assert [a.addr for a in fetches] == [ring.base + 64 * k for k in range(3)], fetches
    # One frame from the fourth line, leaving it cached with two descriptors...
    await bench.run([bench.frame(0, 100)])
    # ...then off, moved, on: the new ring's descriptors are read, not the cached ones.
    ring.base += 0x4000
    bench.ram.readable.append((ring.base, 16 * 16))
    bench.ram.writable.append((ring.base, 16 * 16))
    await bench.reset_ring(0, 16, 2)
    bench.post(0)
    await bench.run([bench.frame(0, 100) for _ in range(3)])
    assert [a.addr for a in bench.ram.log if a.op == "R"][-1] == ring.base


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def errors_stop_only_their_queue(dut) -> None:
    """Each error kind on queue 1 (descriptor fetch, data write, write-back; SLVERR and DECERR;
    a misaligned buffer; a buffer at or above 2^ADDR_WIDTH) stops queue 1 with its reason and
    counts the frame, while queue 0 keeps delivering; frames for the stopped queue count as
    RQDPC; a restart brings it back. Each case with write data held for its address and not."""
    bench = await setup(dut)
    bench.ram.pause(5, 0.2)
    for q in range(2):
        await bench.reset_ring(q, 8, 1)
    cases = [("fetch", SLVERR), ("fetch", DECERR), ("data", SLVERR), ("data", DECERR),
             ("wb", SLVERR), ("wb", DECERR), ("align", 0), ("beyond", 0)]  # fmt: skip
    for k, (what, resp) in enumerate(2 * cases):
        dut.w_after_aw.value = k // len(cases)
        await bench.reset_ring(1, 8, 1)
        bench.post(0)
        bench.post(1, 2 if what in ("align", "beyond") else 3)
        r = bench.rings[1]
        bench.ram.errors.clear()
        # Two good 2-buffer frames first (the second line of the ring is then not cached).
        if what == "fetch":
            bench.ram.errors.append((r.base + 64, r.base + 128, resp, "R"))
            bench.post(1)
        elif what == "data":
            bench.ram.errors.append((r.slots[2] + 64, r.slots[2] + 65, resp, "W"))
        elif what == "wb":
            bench.ram.errors.append((r.base + 32, r.base + 48, resp, "W"))
        else:  # slot 2: the third frame's only buffer
            bench.post(1, 1, misalign=32 if what == "align" else 0, beyond=what == "beyond")
            bench.post(1)
        frames = [bench.frame(1, 1500), bench.frame(0, 200)]
        frames += [bench.frame(1, 2500 if what == "fetch" else 200), bench.frame(0, 300)]
        frames += [bench.frame(1, 100), bench.frame(0, 400)]
        await bench.run(frames)
        assert r.stopped and r.reason == {SLVERR: 1, DECERR: 2, 0: 3}[resp], what
        assert [k for k, _ in bench.expected[-6:]] == [0, 0, DMAERR, 0, NODESC, 0], what
    assert bench.ref.cfgerr == 4


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def jumbo_and_4k_bursts(dut) -> None:
    """9000-byte frames into one 16 KiB buffer and into nine 1 KiB buffers, buffers placed so
    that bursts must split at 4 KiB boundaries (AxiRam rejects a burst that crosses one)."""
    bench = await setup(dut)
    bench.ram.pause(6, 0.2)
    await bench.reset_ring(0, 16, 16)
    await bench.reset_ring(2, 32, 1)
    bench.pool = POOL_AT + 0x1000 - 3 * 64  # the first buffer starts 3 lines before 4 KiB
    bench.post(0)
    bench.post(2)
    frames = [bench.frame(0, 9000), bench.frame(2, 9000), bench.frame(0, 8191)]
    frames += [bench.frame(2, 3 * 1024), bench.frame(2, 3 * 1024 + 1), bench.frame(0, 4097)]
    await bench.run(frames)
    assert [k for k, _ in bench.expected] == [DELIVER] * 6


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def misaligned_second_buffer(dut) -> None:
    """DATAPATH.md: "a descriptor whose buffer address is not 64-byte aligned: nothing is
    written". Queue 0, 1 KiB buffers, descriptor 0 aligned, descriptor 1 at an address 32 bytes
    off; a 1500-byte frame needs both. No write at all, head 0, the queue stopped with reason 3
    (this once failed: rx_dma wrote buffer 0 and its write-back before it found descriptor 1
    misaligned)."""
    await refused_later_buffer(dut, misalign=32)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def buffer_beyond_address_width(dut) -> None:
    """A buffer address at or above 2^ADDR_WIDTH is a bad descriptor (not truncated onto a real
    buffer): as the first buffer of a frame, as the fifth (the walk reads the ring's second
    line to find it), and as the second: the queue stops with reason 3, nothing is written, the
    head stays, HN_CFGERR's event pulses; a restart delivers again."""
    bench = await refused_later_buffer(dut, beyond=True)
    for good, bsize, length in ((0, 2, 1500), (4, 1, 5000)):
        await bench.reset_ring(0, 8, bsize)
        bench.post(0, good)
        bench.post(0, 1, beyond=True)
        bench.post(0, 1)
        await bench.run([bench.frame(0, length), bench.frame(0, 100)])
        assert bench.expected[-2:] == [(DMAERR, 0), (NODESC, 0)]
        assert bench.rings[0].reason == WHY_BADDESC and not int(dut.rq_head.value) & 0x3F
    await bench.reset_ring(0, 8, 2)
    bench.post(0)
    await bench.run([bench.frame(0, 3000), bench.frame(0, 60)])
    assert bench.expected[-2:] == [(DELIVER, 0), (DELIVER, 0)]
    assert bench.cfgerr == bench.ref.cfgerr == 3


async def refused_later_buffer(dut, misalign: int = 0, beyond: bool = False) -> Bench:
    """Descriptor 0 good, descriptor 1 bad, a 1500-byte frame needing both (1 KiB buffers)."""
    bench = await setup(dut)
    await bench.reset_ring(0, 8, 1)
    bench.post(0, 1)
    bench.post(0, 1, misalign=misalign, beyond=beyond)
    bench.apply()
    bench.arrivals.append(bench.frame(0, 1500))
    await cycles(dut, 300)
    writes = [a for a in bench.ram.log if a.op == "W"]
    assert int(dut.rq_stopped.value) & 1 and int(dut.rq_reason.value) & 3 == WHY_BADDESC
    assert not writes, f"{len(writes)} writes for a refused frame"
    assert int(dut.rq_head.value) & 0x3F == 0, "head moved for a refused frame"
    assert bench.cfgerr == 1
    # The bench's own record of the outcome, for what follows.
    bench.expected.append((DMAERR, 0))
    bench.rings[0].stopped, bench.rings[0].reason = True, WHY_BADDESC
    bench.ref.cfgerr += 1
    return bench


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def write_data_before_address(dut) -> None:
    """AXI4 rule: a slave may take write data before the address. With w_after_aw = 0 and the
    AW channel stalled while W flows, a burst's data finishes before its address is taken; the
    address stays offered until taken and the next burst's waits for it (this once failed:
    rx_dma overwrote the pending address with the next burst's, or kept awvalid high after
    awready, so bursts and data no longer matched). In nic_top dma_arb passes W only after its
    AW, which hid it."""
    bench = await setup(dut)
    dut.w_after_aw.value = 0
    aw = bench.ram.ram.write_if.aw_channel
    aw.set_pause_generator(iter(lambda: bench.rng.random() < 0.7, None))
    for q in range(2):
        await bench.reset_ring(q, 16, 2)
        bench.post(q)
    # Frames of one or two lines: the whole burst fits in AxiRam's W queue before its AW.
    await bench.run([bench.frame(k % 2, 60 + 7 * k) for k in range(10)])
