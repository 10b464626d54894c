# SPDX-License-Identifier: MIT
"""The behavioural model of the NIC: the `--sim model` back end and the RTL scoreboard's reference.

It implements hdl/DATAPATH.md rule by rule rather than cycle by cycle, because its job is to say
*what* the RTL must do with every frame (which counter, which queue, which bytes where), and a
model that mirrors the RTL's timing would share its bugs instead of catching them. Time exists
only where the contract needs it: MAC RX frames arrive at line rate, each one handled at the
instant its last byte arrives, so a driver racing the wire (ring full, refill late) sees the same
drops on both back ends. DMA is infinitely fast here, so the packet buffer never fills and the
"no room in the packet buffer" cause of `MPC` never happens in the model.

The model performs every host-memory access the RTL would, at the RTL's granularity, through
one checked path: that is what lets the guard regions, injected DMA errors and the DMA log mean
the same thing on both back ends.

Where DATAPATH.md is silent the model decides as follows (the RTL must agree):

* Register addresses are taken modulo the 128 KiB BAR with bits [1:0] ignored. RW registers
  keep all 32 bits written, whichever fields hilnic uses (CTRL, RCTL, SRRCTL, ...), except
  RDBAL/TDBAL ([6:0] read 0), HN_RSSDEFQ ([7:0]) and CTRL.RST (self-clearing). xXDCTL keeps
  its other bits; ENABLE reads back the queue's enable state.
* A refused enable leaves ENABLE 0 and HN_xQSTAT = 0b1110 (stopped, reason 3); a queue stopped
  by an error keeps ENABLE 1 with HN_xQSTAT = stopped | reason << 2. Writing ENABLE = 1 to an
  enabled (running or stopped) queue changes nothing; writing ENABLE = 0 always clears head,
  tail and status, enabled or not. A refused queue may be re-enabled directly.
* Ring base, length and (RX) buffer size (SRRCTL[6:0]) are sampled when ENABLE goes 0 -> 1 and
  used until the queue is disabled; rewriting the registers meanwhile changes only what they
  read back. A tail write must name a descriptor of the ring: of the sampled ring while the
  queue is enabled, else of the ring xDLEN describes when xDLEN is a usable length (a non-zero
  multiple of 128 within the largest ring); with an unusable xDLEN every tail write is refused.
  While the queue is enabled a tail write must not take back descriptors the NIC owns (leave
  fewer than (tail - head) mod size): refused with SLVERR like a tail outside the ring.
* A descriptor whose buffer address is at or above 2^dma_addr_width (the RTL's DMA_ADDR_WIDTH)
  is a bad descriptor, like a misaligned RX buffer: the queue stops with reason 3, HN_xQDMAE
  and HN_CFGERR count it. The address is never truncated.
* RX: descriptors are fetched per frame (no prefetch), all `need` of them, each read and then
  checked (64-byte aligned, below 2^dma_addr_width) in ring order, before anything is written;
  the first failure stops the queue. On a DMA error in the data or write-back phase the bytes
  already written stay written and the head does not move.
* TX: descriptors are fetched once each (a cache of fetched, unconsumed descriptors; cleared on
  disable, stop and reset). Every buffer of a frame is read whole, also past MAX_FRAME, in
  chain order, each after checking its descriptor's address (whatever its length). A frame
  whose data read fails or that holds a bad descriptor is not sent at all (no partial, aborted
  frame), its head is not moved and there is no head write-back. A cut frame counts in
  HN_TQERR only (it leaves as a MAC abort, not as a sent frame). An empty frame moves the head
  and is written back like any other. A failed head write-back stops the queue after the frame
  was sent and counted.
* TX frames take no time; they are sent when TDT, TXDCTL or TCTL is written. In loopback they
  are counted as sent (GPTC, HN_TQ*) and then received (TPR, ...), a cut frame as a MAC error.
* A default queue (HN_RSSDEFQ) at or above the queue count means queue 0, as in
  rx_classifier.v. STATUS.LU is an input (`set_link`), untouched by CTRL.RST, and gates nothing.
* CTRL.RST leaves host memory, frames already on the MAC RX wire, frames already sent, guard
  regions, injected errors and the logs alone. DMA takes no time here, so CTRL.RST is done at
  once and STATUS.GIO_MASTER_ENABLE reads 0 as soon as CTRL.GIO_MASTER_DISABLE is set. While
  mastering is off the model starts no DMA: MAC RX frames the receiver would take are counted in
  MPC (the RTL holds them in its packet buffer until it fills, then counts MPC, and a reset
  drops what it held), TX sends nothing and interrupt messages still go (the RTL holds them
  until mastering is on again).
* Pool buffers (`guard_pool`) may be touched only while granted (`pystack.nic.device.
  BufferGuard`); an access outside a grant is recorded as a violation and still performed, as
  the RTL does (its check reads the DMA log).
"""

from __future__ import annotations

import bisect
import struct
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from pystack import regdefs as rd
from pystack.nic.caps import Caps
from pystack.nic.desc import (
    CTRL_GIO_MASTER_DISABLE,
    CTRL_RST,
    DESC_BYTES,
    MIN_FRAME,
    RCTL_EN,
    RX_BUFFER_ALIGN,
    STATUS_GIO_MASTER_ENABLE,
    TCTL_EN,
    TDWBAL_ENABLE,
    XDCTL_ENABLE,
    RxWriteback,
    TxDesc,
)
from pystack.nic.device import (
    CLOCK_NS,
    HOST_MEMORY_BASE,
    BufferGuard,
    DmaAllocator,
    Msi,
    Region,
    TxFrame,
    wire_schedule,
)
from pystack.nic.irq_model import ICR_LSC, ICR_QSTOP, IrqModel
from pystack.regdefs import QStopReason
from pystack.regmap import (
    ADDR_WIDTH,
    BY_NAME,
    IRQ_REGISTERS,
    MAX_VECTORS,
    QUEUE_STRIDE,
    REGISTERS,
    TXQ_BASE,
    Register,
)
from pystack.rss.classify import RETA_ENTRIES, HashType, RssConfig, classify_frame
from pystack.rss.parse import ParseError
from pystack.rss.toeplitz import KEY_BYTES

OKAY = "OKAY"
SLVERR = "SLVERR"
DECERR = "DECERR"
_RESP_REASON = {SLVERR: QStopReason.SLVERR, DECERR: QStopReason.DECERR}
REASON_BADCFG = QStopReason.BADDESC
# Frames a TX ring may send per round-robin turn before the head write-back (hilnic.rdl's
# hn_tx_burst_frames, as tx_dma.v's).
TX_BURST_FRAMES = rd.TX_BURST_FRAMES

SRRCTL_BSIZE = rd.SRRCTL.BSIZEPACKET
RING_BASE_MASK = rd.RDBAL.ADDR.mask
assert rd.TDBAL.ADDR == rd.RDBAL.ADDR
QSTAT = rd.HN_RQSTAT  # HN_TQSTAT has the same fields
assert (rd.HN_TQSTAT.RUNNING, rd.HN_TQSTAT.STOPPED, rd.HN_TQSTAT.REASON) == (
    QSTAT.RUNNING,
    QSTAT.STOPPED,
    QSTAT.REASON,
)
MASK32 = 0xFFFF_FFFF
DMA_BEAT_BYTES = 64


@dataclass(frozen=True)
class BadAccess:
    """A register access the NIC refused (and counted in HN_BADACC)."""

    op: str  # 'R' or 'W'
    addr: int
    value: int | None
    resp: str  # DECERR (unmapped) or SLVERR (read-only, tail outside the ring)
    why: str


@dataclass
class _Queue:
    enabled: bool = False
    stopped: bool = False
    reason: int = 0
    head: int = 0
    tail: int = 0
    ctl: int = 0  # xXDCTL bits other than ENABLE, as written
    # Ring geometry, sampled from the registers when ENABLE goes 0 -> 1.
    base: int = 0
    ndesc: int = 0
    bsize: int = 0
    fetched: list[TxDesc] = field(default_factory=list)  # TX: descriptors read past head

    def status(self) -> int:
        running = self.enabled and not self.stopped
        return (
            QSTAT.RUNNING.put(running)
            | QSTAT.STOPPED.put(self.stopped)
            | QSTAT.REASON.put(self.reason)
        )


@dataclass
class _Arrival:
    time_ns: float
    frame: bytes
    bad: bool


_KIND = {"R": "read", "W": "write"}


class ModelDevice:
    """The NIC as hdl/DATAPATH.md describes it, implementing `pystack.nic.device.Device`."""

    name = "model"

    def __init__(
        self,
        num_rx_queues: int = 16,
        num_tx_queues: int = 16,
        max_frame: int = 9018,
        max_ring_desc: int = 4096,
        mem_size: int = 16 << 20,
        clock_ns: float = CLOCK_NS,
        mac_bytes: int = 8,
        num_vectors: int = 10,
        link_up: bool = False,
        keep_dma_log: bool = True,
        dma_addr_width: int = 48,
    ) -> None:
        if not 1 <= num_rx_queues <= 128 or not 1 <= num_tx_queues <= 128:
            raise ValueError("queue counts must be 1..128")
        if max_ring_desc < 8 or max_ring_desc & (max_ring_desc - 1):
            raise ValueError("max_ring_desc must be a power of two >= 8")
        if not 64 <= max_frame <= 16383:
            raise ValueError("max_frame must be 64..16383")
        if not 32 <= dma_addr_width <= 64:
            raise ValueError("dma_addr_width must be 32..64")
        self.dma_addr_width = dma_addr_width
        self.num_rx_queues = num_rx_queues
        self.num_tx_queues = num_tx_queues
        self.max_frame = max_frame
        self.max_ring_desc = max_ring_desc
        self.mem_size = mem_size
        self.clock_ns = clock_ns
        self.mac_bytes = mac_bytes
        self.num_vectors = num_vectors
        self.irq = IrqModel(num_vectors, self.now_ns, self._msi_write, clock_ns)
        self._msi_taken = 0
        self.keep_dma_log = keep_dma_log
        self.mem = bytearray(mem_size)
        self.memory = DmaAllocator(base=HOST_MEMORY_BASE, size=mem_size - HOST_MEMORY_BASE)
        self.bad_accesses: list[BadAccess] = []
        self.dma_log: list[tuple[float, str, int, int, str]] = []
        self._regions: list[Region] = []
        # The regions' union as sorted, disjoint, non-adjacent spans: an access is guarded
        # when it lies inside one span (a bisection per access, however many rings there are).
        self._span_starts: list[int] = []
        self._span_ends: list[int] = []
        self.buffers = BufferGuard()
        self._violations: list[str] = []
        self._errors: list[tuple[int, int, str]] = []
        self._link = link_up
        self._now = 0.0
        self._wire_end = 0.0
        self._arrivals: deque[_Arrival] = deque()
        self._tx_out: list[TxFrame] = []
        self._decode: dict[int, tuple[Register, int]] = {}
        self._irq_names = {r.name for r in IRQ_REGISTERS}
        for reg in REGISTERS:
            for index in range(self._instances(reg)):
                self._decode[reg.offset + index * reg.stride] = (reg, index)
        self._reset()

    # ---- Device: registers ---------------------------------------------------------------

    async def read_reg(self, addr: int) -> int:
        return self.read_reg_now(addr)

    async def write_reg(self, addr: int, value: int) -> None:
        self.write_reg_now(addr, value)

    def read_reg_now(self, addr: int) -> int:
        """`read_reg` without the coroutine (register accesses take no model time)."""
        addr = self._bar_addr(addr)
        hit = self._decode.get(addr)
        if hit is None:
            self._bad("R", addr, None, DECERR, "unmapped address")
            return 0
        return self._read(*hit)

    def write_reg_now(self, addr: int, value: int) -> None:
        """`write_reg` without the coroutine."""
        addr = self._bar_addr(addr)
        value &= MASK32
        hit = self._decode.get(addr)
        if hit is None:
            self._bad("W", addr, value, DECERR, "unmapped address")
            return
        reg, index = hit
        if reg.access == "RO":
            self._bad("W", addr, value, SLVERR, f"{reg.name} is read-only")
            return
        self._write(reg, index, value, addr)
        self._tx_run()

    def peek(self, name: str, index: int = 0) -> int:
        """A register's value by name, without a bus access (for scoreboards and tests)."""
        reg = BY_NAME[name]
        if not 0 <= index < self._instances(reg):
            raise IndexError(f"{name} has {self._instances(reg)} instances in this build")
        return self._read(reg, index)

    # ---- Device: host memory ---------------------------------------------------------------

    def mem_read(self, addr: int, length: int) -> bytes:
        self._check_backdoor(addr, length)
        return bytes(self.mem[addr : addr + length])

    def mem_write(self, addr: int, data: bytes) -> None:
        self._check_backdoor(addr, len(data))
        self.mem[addr : addr + len(data)] = data

    def guard(self, region: Region) -> None:
        self._regions.append(region)
        spans: list[list[int]] = []
        for r in sorted((r for r in self._regions if r.size > 0), key=lambda r: r.base):
            if spans and r.base <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], r.base + r.size)
            else:
                spans.append([r.base, r.base + r.size])
        self._span_starts = [a for a, _ in spans]
        self._span_ends = [z for _, z in spans]

    def guard_pool(self, region: Region, stride: int) -> None:
        self.buffers.add_pool(region, stride)

    def grant(self, addr: int) -> None:
        self.buffers.grant(addr, self._now)

    def revoke(self, addr: int) -> None:
        self.buffers.revoke(addr, self._now)

    def revoke_all(self) -> None:
        self.buffers.revoke_all(self._now)

    def guard_violations(self) -> list[str]:
        return list(self._violations)

    def clear_violations(self) -> None:
        self._violations.clear()

    def inject_dma_error(self, base: int, limit: int, resp: str = SLVERR) -> None:
        """Answer every NIC DMA access touching bytes [base, limit) with `resp`."""
        if resp not in (SLVERR, DECERR):
            raise ValueError("resp must be SLVERR or DECERR")
        self._errors.append((base, limit, resp))

    def clear_dma_errors(self) -> None:
        self._errors.clear()

    # ---- Device: time and MAC ------------------------------------------------------------

    def now_ns(self) -> float:
        return self._now

    async def sleep_ns(self, ns: float) -> None:
        self.advance_ns(ns)

    def advance_ns(self, ns: float) -> None:
        """`sleep_ns` without the coroutine: handle every MAC RX frame due by then."""
        target = self._now + max(0.0, ns)
        while True:
            due = self.irq.next_deadline()
            if (
                self._arrivals
                and self._arrivals[0].time_ns <= target
                and (due is None or self._arrivals[0].time_ns <= due)
            ):
                arrival = self._arrivals.popleft()
                self._now = max(self._now, arrival.time_ns)
                self._rx_frame(arrival.frame, arrival.bad, from_loopback=False)
            elif due is not None and due <= target:
                self._now = max(self._now, due)  # a moderated message falls due
                self.irq.service()
            else:
                break
        self._now = target
        self._tx_run()

    def next_event_ns(self) -> float | None:
        """When the next frame arrives or a moderated interrupt falls due (None: neither)."""
        due = self.irq.next_deadline()
        if due is not None and due < self._now:
            due = self._now
        if self._arrivals:
            arrival = self._arrivals[0].time_ns
            return arrival if due is None or arrival < due else due
        return due

    def ns_until_idle(self) -> float:
        """How long until the last queued MAC RX frame has arrived (0 when idle)."""
        return max(0.0, self._arrivals[-1].time_ns - self._now) if self._arrivals else 0.0

    async def mac_send(
        self, frames: Sequence[bytes], rate: float = 1.0, bad: Sequence[int] = ()
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        bad_set = set(bad)
        start = max(self._now, self._wire_end)
        times, self._wire_end = wire_schedule(
            start, [len(f) for f in frames], rate, self.clock_ns, self.mac_bytes
        )
        for i, (t, frame) in enumerate(zip(times, frames, strict=True)):
            self._arrivals.append(_Arrival(t, bytes(frame), i in bad_set))

    def mac_idle(self) -> bool:
        return not self._arrivals

    def mac_take(self) -> list[TxFrame]:
        out, self._tx_out = self._tx_out, []
        return out

    # ---- Device: interrupts ------------------------------------------------------------------

    def msi_window(self, base: int, limit: int) -> None:
        """Where the host's interrupt controller sits (the RTL's MSI catcher watches there;
        the model records every message it writes anyway)."""

    def take_interrupts(self) -> list[Msi]:
        """MSI-X messages written since the last call, oldest first."""
        messages = self.irq.messages
        if len(messages) == self._msi_taken:  # the common case: asked after every task step
            return []
        out = messages[self._msi_taken :]
        self._msi_taken = len(messages)
        return out

    async def wait_interrupt(self, timeout_ns: float) -> list[Msi]:
        """Advance until a message arrives or `timeout_ns` passes; the messages taken."""
        got = self.take_interrupts()
        end = self._now + timeout_ns
        while not got and self._now < end:
            nxt = self.next_event_ns()
            step = min(end, nxt if nxt is not None else end) - self._now
            self.advance_ns(step if step > 0 else min(end - self._now, self.clock_ns))
            got = self.take_interrupts()
        return got

    def _msi_write(self, addr: int, data: bytes) -> bool:
        resp, _ = self._dma("W", addr, len(data), data)
        return resp == OKAY

    def set_link(self, up: bool) -> None:
        if up != self._link:
            self._link = up
            self.irq.other_event(ICR_LSC)

    # ---- registers -------------------------------------------------------------------------

    def _instances(self, reg: Register) -> int:
        if reg.stride == QUEUE_STRIDE:
            return self.num_tx_queues if reg.offset >= TXQ_BASE else self.num_rx_queues
        if reg.count == MAX_VECTORS:
            return self.num_vectors
        return reg.count

    @staticmethod
    def _bar_addr(addr: int) -> int:
        return addr & ((1 << ADDR_WIDTH) - 1) & ~3

    def _bad(self, op: str, addr: int, value: int | None, resp: str, why: str) -> None:
        self.bad_accesses.append(BadAccess(op, addr, value, resp, why))
        self._count("HN_BADACC")

    def _reset(self) -> None:
        """CTRL.RST: every register, counter and queue to its reset state; memory untouched."""
        self._regs: dict[str, list[int]] = {
            r.name: [r.reset] * self._instances(r) for r in REGISTERS
        }
        self._rxq = [_Queue() for _ in range(self.num_rx_queues)]
        self._txq = [_Queue() for _ in range(self.num_tx_queues)]
        self._tx_rr = 0
        # Queues that may hold a frame to send: marked when their tail moves or they are
        # enabled (and all of them when TCTL or CTRL changes), cleared when a turn finds
        # nothing. The TX engine visits only these, so idle rings cost nothing per call.
        self._tx_pending: set[int] = set()
        self._rss_cfg: RssConfig | None = None
        self.irq.reset()

    def _master_off(self) -> bool:
        return bool(self._regs["CTRL"][0] & CTRL_GIO_MASTER_DISABLE)

    def _count(self, name: str, index: int = 0, by: int = 1) -> None:
        regs = self._regs[name]
        regs[index] = (regs[index] + by) & MASK32

    def _read(self, reg: Register, index: int) -> int:
        name = reg.name
        if name in self._irq_names:
            return self.irq.read(name, index)
        if name == "STATUS":
            master = 0 if self._master_off() else STATUS_GIO_MASTER_ENABLE
            return master | rd.STATUS.LU.put(self._link)
        if name in ("HN_CAPS", "HN_CAPS2"):
            caps = Caps(
                rx_queues=self.num_rx_queues,
                tx_queues=self.num_tx_queues,
                vectors=self.num_vectors,
                max_ring_desc=self.max_ring_desc,
                max_frame=self.max_frame,
                dma_bytes=DMA_BEAT_BYTES,
                mac_bytes=self.mac_bytes,
            ).encode()
            return caps[name == "HN_CAPS2"]
        if name in ("RDH", "RDT", "HN_RQSTAT", "RXDCTL"):
            return self._queue_field(self._rxq[index], name)
        if name in ("TDH", "TDT", "HN_TQSTAT", "TXDCTL"):
            return self._queue_field(self._txq[index], name)
        return self._regs[name][index]

    @staticmethod
    def _queue_field(q: _Queue, name: str) -> int:
        if name.endswith("DH"):
            return q.head
        if name.endswith("DT"):
            return q.tail
        if name.endswith("STAT"):
            return q.status()
        return q.ctl | (XDCTL_ENABLE if q.enabled else 0)

    def _write(self, reg: Register, index: int, value: int, addr: int) -> None:
        name = reg.name
        if name in self._irq_names:
            self.irq.write(name, index, value)
            return
        if name == "CTRL":
            if value & CTRL_RST:
                self._reset()
            else:
                self._regs[name][0] = value
                self._tx_pending.update(range(self.num_tx_queues))
            return
        if name == "TCTL":
            self._tx_pending.update(range(self.num_tx_queues))
        if name in ("RDT", "TDT"):
            rx = name == "RDT"
            q = (self._rxq if rx else self._txq)[index]
            length = self._regs["RDLEN" if rx else "TDLEN"][index]
            ndesc = q.ndesc if q.enabled else length // DESC_BYTES if self._len_ok(length) else 0
            if value >= ndesc:
                why = f"{name}[{index}] = {value} is outside a {ndesc}-descriptor ring"
                self._bad("W", addr, value, SLVERR, why)
                return
            if q.enabled and (value - q.head) % ndesc < (q.tail - q.head) % ndesc:
                why = f"{name}[{index}] = {value} takes back descriptors the NIC owns"
                self._bad("W", addr, value, SLVERR, why)
                return
            q.tail = value
            if not rx:
                self._tx_pending.add(index)
            return
        if name in ("RXDCTL", "TXDCTL"):
            self._write_xdctl(name == "RXDCTL", index, value)
            return
        if name in ("RDBAL", "TDBAL"):
            value &= RING_BASE_MASK
        elif name == "HN_RSSDEFQ":
            value &= rd.HN_RSSDEFQ.WMASK
        if name in ("MRQC", "HN_RSSDEFQ", "RETA", "RSSRK"):
            self._rss_cfg = None
        self._regs[name][index] = value

    def _write_xdctl(self, rx: bool, index: int, value: int) -> None:
        q = (self._rxq if rx else self._txq)[index]
        q.ctl = value & ~XDCTL_ENABLE
        if not value & XDCTL_ENABLE:
            q.enabled = q.stopped = False
            q.reason = q.head = q.tail = 0
            q.fetched.clear()
            return
        if q.enabled:
            return  # already on (running or stopped): nothing changes until it is cleared
        length = self._regs["RDLEN" if rx else "TDLEN"][index]
        ok = self._len_ok(length)
        if rx:
            ok = ok and SRRCTL_BSIZE.get(self._regs["SRRCTL"][index]) != 0
        if not ok:
            q.stopped, q.reason = True, REASON_BADCFG
            self._count("HN_CFGERR")
            return
        q.enabled, q.stopped, q.reason = True, False, 0
        q.fetched.clear()
        if not rx:
            self._tx_pending.add(index)
        prefix = "R" if rx else "T"
        q.base = self._regs[f"{prefix}DBAH"][index] << 32 | self._regs[f"{prefix}DBAL"][index]
        q.ndesc = length // DESC_BYTES
        q.bsize = SRRCTL_BSIZE.get(self._regs["SRRCTL"][index]) * 1024 if rx else 0

    def _len_ok(self, length: int) -> bool:
        """A usable ring length: a non-zero multiple of 128 bytes within the largest ring."""
        return 0 < length <= self.max_ring_desc * DESC_BYTES and length % 128 == 0

    def _bad_buffer(self, addr: int, rx: bool) -> bool:
        """A descriptor the NIC refuses: beyond the DMA address width, or (RX) misaligned."""
        return addr >> self.dma_addr_width != 0 or (rx and addr % RX_BUFFER_ALIGN != 0)

    def rss_config(self) -> RssConfig:
        """The classifier configuration the RSS registers hold right now."""
        if self._rss_cfg is None:
            regs = self._regs
            key = b"".join(w.to_bytes(4, "little") for w in regs["RSSRK"])[:KEY_BYTES]
            reta_bytes = b"".join(w.to_bytes(4, "little") for w in regs["RETA"])
            defq = regs["HN_RSSDEFQ"][0]
            self._rss_cfg = RssConfig(
                key=key,
                mrqc=regs["MRQC"][0],
                reta=list(reta_bytes[:RETA_ENTRIES]),
                default_queue=defq if defq < self.num_rx_queues else 0,
                num_queues=self.num_rx_queues,
            )
        return self._rss_cfg

    # ---- DMA -------------------------------------------------------------------------------

    def _check_backdoor(self, addr: int, length: int) -> None:
        if addr < 0 or length < 0 or addr + length > self.mem_size:
            raise IndexError(f"backdoor access 0x{addr:x}+{length} beyond host memory")

    def _guarded(self, addr: int, length: int) -> bool:
        """True when every byte of the access lies in some registered region."""
        if length <= 0:
            return True
        i = bisect.bisect_right(self._span_starts, addr) - 1
        return i >= 0 and addr + length <= self._span_ends[i]

    def _dma(self, op: str, addr: int, length: int, data: bytes = b"") -> tuple[str, bytes]:
        """One NIC access to host memory: checked, logged, and performed only if answered OKAY."""
        end = addr + length
        resp = OKAY
        if self._regions and not self._guarded(addr, length):
            self._violations.append(
                f"{self._now:.1f} ns: {_KIND[op]} of {length} bytes at 0x{addr:x} outside every "
                "guarded region"
            )
            resp = DECERR
        else:
            why = self.buffers.check(addr, length, self._now)
            if why is not None:
                self._violations.append(
                    f"{self._now:.1f} ns: {_KIND[op]} of {length} bytes at 0x{addr:x}: {why}"
                )
        if addr < 0 or end > self.mem_size:
            resp = DECERR
        for base, limit, err in self._errors:
            if addr < limit and base < end:
                resp = err
                break
        if self.keep_dma_log:
            self.dma_log.append((self._now, op, addr, length, resp))
        if resp != OKAY:
            return resp, b""
        if op == "R":
            return resp, bytes(self.mem[addr:end])
        self.mem[addr:end] = data
        return resp, b""

    # ---- RX --------------------------------------------------------------------------------

    def _rx_frame(self, frame: bytes, bad: bool, from_loopback: bool) -> None:
        """One frame from the MAC (or loopback), through DATAPATH.md's RX rules in order."""
        self._count("TPR")
        rctl = self._regs["RCTL"][0]
        loopback = rd.RCTL.LBM.get(rctl) == rd.Loopback.MAC
        if not rctl & RCTL_EN or (loopback and not from_loopback) or self._master_off():
            self._count("MPC")
            return
        res = classify_frame(frame, self.rss_config())
        self._count("HN_RSSFRAMES")
        if res.hash_type is not HashType.NONE:
            self._count("HN_RSSHASHED")
        if res.error is not ParseError.NONE:
            self._count("HN_RSSERR", int(res.error) - 1)
        if bad:
            self._count("CRCERRS")
            return
        if len(frame) < MIN_FRAME:
            self._count("RUC")
            return
        qi = res.queue
        if len(frame) > self.max_frame:
            self._count("HN_RQOVR", qi)
            return
        q = self._rxq[qi]
        if not q.enabled or q.stopped:
            self._count("RQDPC", qi)
            return
        bsize, ndesc, base = q.bsize, q.ndesc, q.base
        need = -(-len(frame) // bsize)
        if (q.tail - q.head) % ndesc < need:
            self._count("RQDPC", qi)
            return
        slots = [base + ((q.head + i) % ndesc) * DESC_BYTES for i in range(need)]
        buffers = []
        for slot in slots:
            resp, raw = self._dma("R", slot, DESC_BYTES)
            if resp != OKAY:
                self._rx_stop(qi, _RESP_REASON[resp])
                return
            buffers.append(struct.unpack_from("<Q", raw)[0])
            if self._bad_buffer(buffers[-1], rx=True):
                self._rx_stop(qi, REASON_BADCFG)
                return
        chunks = [frame[i * bsize : (i + 1) * bsize] for i in range(need)]
        for buf, chunk in zip(buffers, chunks, strict=True):
            resp, _ = self._dma("W", buf, len(chunk), chunk)
            if resp != OKAY:
                self._rx_stop(qi, _RESP_REASON[resp])
                return
        for i, (slot, chunk) in enumerate(zip(slots, chunks, strict=True)):
            wb = RxWriteback(
                hash_type=int(res.hash_type),
                packet_type=res.packet_type,
                parse_error=int(res.error),
                vlan_tags=res.vlan_tags,
                rss_hash=res.hash,
                dd=True,
                eop=i == need - 1,
                length=len(chunk),
            )
            resp, _ = self._dma("W", slot, DESC_BYTES, wb.pack())
            if resp != OKAY:
                self._rx_stop(qi, _RESP_REASON[resp])
                return
        q.head = (q.head + need) % ndesc
        self._count("HN_RQPC", qi)
        self._count("HN_RQBC", qi, len(frame))
        self._count("GPRC")
        self._count("GORCL", 0, len(frame))
        self.irq.queue_event(qi, tx=False)

    def _rx_stop(self, qi: int, reason: int) -> None:
        q = self._rxq[qi]
        q.stopped, q.reason = True, reason
        self._count("HN_RQDMAE", qi)
        if reason == REASON_BADCFG:
            self._count("HN_CFGERR")
        self.irq.other_event(ICR_QSTOP)

    # ---- TX --------------------------------------------------------------------------------

    def _tx_run(self) -> None:
        """Send every complete frame the enabled queues hold, up to TX_BURST_FRAMES per queue
        per turn."""
        pending = self._tx_pending
        if not pending or not self._regs["TCTL"][0] & TCTL_EN or self._master_off():
            return
        n = self.num_tx_queues
        while pending:
            rr = self._tx_rr
            qi = min(pending, key=lambda q: (q - rr) % n)  # round robin from _tx_rr
            if self._tx_turn(qi):
                self._tx_rr = (qi + 1) % n
            else:
                pending.discard(qi)

    def _tx_turn(self, qi: int) -> bool:
        """One turn of queue `qi`: frames while it has them (at most TX_BURST_FRAMES), then one
        head write-back. A queue stopped by a DMA error writes nothing back."""
        q = self._txq[qi]
        taken = 0
        while taken < TX_BURST_FRAMES and self._tx_one(qi):
            taken += 1
            if q.stopped:
                return True
        if taken:
            self._tx_write_back(qi)
            if not q.stopped:
                self.irq.queue_event(qi, tx=True)
        return taken > 0

    def _tx_write_back(self, qi: int) -> None:
        q = self._txq[qi]
        wbal = self._regs["TDWBAL"][qi]
        if wbal & TDWBAL_ENABLE:
            wb_addr = self._regs["TDWBAH"][qi] << 32 | (wbal & rd.TDWBAL.ADDR.mask)
            resp, _ = self._dma("W", wb_addr, 4, q.head.to_bytes(4, "little"))
            if resp != OKAY:
                self._tx_stop(qi, _RESP_REASON[resp])

    def _tx_one(self, qi: int) -> bool:
        """Take one frame from queue `qi`; False when it has no complete frame to offer."""
        q = self._txq[qi]
        if not q.enabled or q.stopped:
            return False
        ndesc, base = q.ndesc, q.base
        pos = (q.head + len(q.fetched)) % ndesc
        while not any(d.eop for d in q.fetched) and pos != q.tail:
            resp, raw = self._dma("R", base + pos * DESC_BYTES, DESC_BYTES)
            if resp != OKAY:
                self._tx_stop(qi, _RESP_REASON[resp])
                return True
            q.fetched.append(TxDesc.unpack(raw))
            pos = (pos + 1) % ndesc
        end = next((i for i, d in enumerate(q.fetched) if d.eop), None)
        if end is None:
            return False
        chain = q.fetched[: end + 1]
        parts = []
        for d in chain:
            if self._bad_buffer(d.addr, rx=False):
                self._tx_stop(qi, REASON_BADCFG)
                return True
            if d.length:
                resp, raw = self._dma("R", d.addr, d.length)
                if resp != OKAY:
                    self._tx_stop(qi, _RESP_REASON[resp])
                    return True
                parts.append(raw)
        del q.fetched[: end + 1]
        q.head = (q.head + end + 1) % ndesc
        data = b"".join(parts)
        if not data:
            self._count("HN_TQERR", qi)
        else:
            aborted = len(data) > self.max_frame
            if aborted:
                data = data[: self.max_frame]
                self._count("HN_TQERR", qi)
            elif len(data) < MIN_FRAME:
                data += bytes(MIN_FRAME - len(data))
            if not aborted:  # a cut frame leaves as a MAC abort: HN_TQERR only, not sent
                self._count("HN_TQPC", qi)
                self._count("HN_TQBC", qi, len(data))
                self._count("GPTC")
                self._count("GOTCL", 0, len(data))
            self._emit(TxFrame(data, aborted))
        return True

    def _emit(self, frame: TxFrame) -> None:
        rctl = self._regs["RCTL"][0]
        if rd.RCTL.LBM.get(rctl) == rd.Loopback.MAC:
            self._rx_frame(frame.data, frame.aborted, from_loopback=True)
        else:
            self._tx_out.append(TxFrame(frame.data, frame.aborted, self._now))

    def _tx_stop(self, qi: int, reason: int) -> None:
        q = self._txq[qi]
        q.stopped, q.reason = True, reason
        q.fetched.clear()
        self._count("HN_TQDMAE", qi)
        if reason == REASON_BADCFG:
            self._count("HN_CFGERR")
        self.irq.other_event(ICR_QSTOP)

    # ---- checks ----------------------------------------------------------------------------

    def tpr_identity(self) -> tuple[int, int]:
        """(TPR, MPC + CRCERRS + RUC + GPRC + sum of per-queue drops): equal, always."""
        r = self._regs
        total = r["MPC"][0] + r["CRCERRS"][0] + r["RUC"][0] + r["GPRC"][0]
        total += sum(r["HN_RQOVR"]) + sum(r["RQDPC"]) + sum(r["HN_RQDMAE"])
        return r["TPR"][0], total & MASK32
