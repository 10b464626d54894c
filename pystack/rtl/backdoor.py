# SPDX-License-Identifier: MIT
"""Backdoor access to the simulation-only HDL parts in hdl/sim/ (host_mem, frame_source,
frame_sink).

Why: waking Python once per bus beat caps a simulation at a few thousand frames a second. These
classes move data in zero simulated time and wake Python once per batch (one trigger on a
status port), never once per clock. Host memory and the sink's frame lines are C buffers that
Python maps (a slice per access); the frame source's memories and every register go by VPI, one
call per line (a cocotb access costs a few microseconds whatever the width).

VPI writes use `Immediate`: a plain `handle.value = x` is deferred in cocotb 2 until the coroutine
yields, so a read right after it would see the old line. Only reg arrays and regs that the HDL
never drives continuously are written; control inputs are driven through top-level ports, since
Verilator overwrites VPI writes to internally driven nets.

Each class takes the HDL instance (for the memories) and, separately, the handle that carries
its ctl_*/stat_* ports with an optional name prefix, so it also works when the part sits inside
a bigger top whose ports are named e.g. `src_ctl_start`.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cocotb.handle import Immediate
from cocotb.triggers import FallingEdge, ReadWrite, RisingEdge

# 32-bit frame table entry shared by frame_source and frame_sink.
MAX_FRAME = 16383
LEN_MASK = 0x3FFF
FLAG_BIT = 1 << 14
LINE_SHIFT = 15
ENTRIES_PER_TABLE_LINE = 16

OKAY, EXOKAY, SLVERR, DECERR = 0, 1, 2, 3


def _lines(handle: Any) -> int:
    return len(handle)


def _width_bytes(handle: Any) -> int:
    return len(handle[0]) // 8


class _Lines:
    """A part's line memory: a C buffer in this process (hdl/sim/sim_mem_dpi.cpp under
    Verilator, sim_mem_vpi.c under Icarus) whose address the part keeps in `mem_base`, mapped
    with ctypes so that an access is a slice, not a VPI call per line. Resolved on first use:
    the part's initial block opens the buffer, and Icarus runs initial blocks only once
    simulation starts."""

    def __init__(self, inst: Any) -> None:
        self._inst = inst
        self._buf: memoryview | None = None
        self.line_bytes = 0
        self.num_lines = 0

    @property
    def buf(self) -> memoryview:
        """The whole memory as bytes."""
        if self._buf is None:
            inst = self._inst
            self.line_bytes = int(inst.mem_line_bytes.value)
            self.num_lines = int(inst.mem_lines.value)
            base = int(inst.mem_base.value)
            if not base:
                raise RuntimeError(f"{inst._path}: the line memory is not open (mem_base is 0)")
            size = self.line_bytes * self.num_lines
            self._buf = memoryview((ctypes.c_uint8 * size).from_address(base)).cast("B")
        return self._buf

    def shape(self) -> tuple[int, int]:
        """(bytes per line, lines)."""
        self.buf  # noqa: B018 (resolves the shape with the buffer)
        return self.line_bytes, self.num_lines

    def read(self, index: int, count: int = 1) -> bytes:
        """`count` consecutive lines (not wrapping)."""
        lb = self.line_bytes or self.shape()[0]
        return bytes(self.buf[index * lb : (index + count) * lb])

    def write(self, index: int, data: bytes) -> None:
        """Bytes from the start of line `index`, visible at once."""
        lb = self.line_bytes or self.shape()[0]
        self.buf[index * lb : index * lb + len(data)] = data


class _Ports:
    """Names ctl_*/stat_* ports on `handle` with a prefix (the part may sit in a bigger top)."""

    def __init__(self, handle: Any, prefix: str) -> None:
        self._handle = handle
        self._prefix = prefix

    def __getitem__(self, name: str) -> Any:
        return getattr(self._handle, self._prefix + name)


def _entry(length: int, flag: bool, line: int) -> int:
    return (length & LEN_MASK) | (FLAG_BIT if flag else 0) | (line << LINE_SHIFT)


@dataclass(frozen=True)
class LogEntry:
    """One host_mem access-log entry (one AXI transaction)."""

    addr: int
    len: int  # AxLEN: beats - 1
    size: int  # AxSIZE: log2 bytes per beat
    is_write: bool
    resp: int  # worst response of the beats
    cycle: int  # clock cycles since reset when the last beat was performed

    @classmethod
    def decode(cls, raw: int) -> LogEntry:
        return cls(
            addr=raw & ((1 << 48) - 1),
            len=(raw >> 48) & 0xFF,
            size=(raw >> 56) & 7,
            is_write=bool((raw >> 59) & 1),
            resp=(raw >> 60) & 3,
            cycle=raw >> 64,
        )


class HostMemory:
    """hdl/sim/host_mem.v seen from the host: memory, DMA guard regions, error window, log.

    `inst` is the host_mem instance handle (the top itself in its own bench). Everything here
    takes zero simulated time.
    """

    def __init__(self, inst: Any) -> None:
        self._inst = inst
        self._lines = _Lines(inst)
        self._line_bytes, self._num_lines = self._lines.shape()
        self._buf = self._lines.buf
        self._num_regions = _lines(inst.region_limit)
        self._log_depth = _lines(inst.log_mem)
        # Mirror of which slots are used, read once: add_region must not scan by VPI each time.
        self._used = [int(inst.region_limit[i].value) != 0 for i in range(self._num_regions)]

    @property
    def line_bytes(self) -> int:
        """Bytes per memory line (= AXI data width / 8)."""
        return self._line_bytes

    @property
    def size(self) -> int:
        """Bytes of memory, from address 0."""
        return self._line_bytes * self._num_lines

    def _check(self, addr: int, length: int) -> None:
        if addr < 0 or length < 0 or addr + length > self.size:
            raise ValueError(f"[0x{addr:x}, +{length}) is outside host memory (0x{self.size:x})")

    def read_line(self, index: int) -> bytes:
        """One whole line."""
        return self._lines.read(index)

    def write_line(self, index: int, data: bytes) -> None:
        """One whole line, visible to the RTL at once."""
        self._lines.write(index, data)

    def read(self, addr: int, length: int) -> bytes:
        """`length` bytes from `addr`."""
        self._check(addr, length)
        return bytes(self._buf[addr : addr + length])

    def write(self, addr: int, data: bytes) -> None:
        """Bytes at `addr`, visible to the RTL at once."""
        self._check(addr, len(data))
        self._buf[addr : addr + len(data)] = data

    # ---- DMA guard ---------------------------------------------------------------------------
    def add_region(self, base: int, size: int) -> int:
        """Allow DMA to [base, base + size) in the next free slot; returns the slot."""
        if size <= 0 or base < 0:
            raise ValueError(f"bad region base 0x{base:x} size {size}")
        for slot, used in enumerate(self._used):
            if not used:
                self._inst.region_base[slot].value = Immediate(base)
                self._inst.region_limit[slot].value = Immediate(base + size)
                self._used[slot] = True
                return slot
        raise RuntimeError(f"all {self._num_regions} DMA guard regions are in use")

    def remove_region(self, slot: int) -> None:
        """Free one slot (its limit becomes 0, which marks it unused)."""
        self._inst.region_limit[slot].value = Immediate(0)
        self._used[slot] = False

    def clear_regions(self) -> None:
        for slot in range(self._num_regions):
            if self._used[slot]:
                self.remove_region(slot)

    def enable_guard(self, on: bool) -> None:
        self._inst.guard_enable.value = Immediate(int(on))

    def violations(self) -> int:
        """Beats refused by the guard since the last clear_violations()."""
        return int(self._inst.guard_count.value)

    def first_violation(self) -> int | None:
        """Beat address of the first refused beat, None if none."""
        if not int(self._inst.guard_first_valid.value):
            return None
        return int(self._inst.guard_first_addr.value)

    def clear_violations(self) -> None:
        self._inst.guard_count.value = Immediate(0)
        self._inst.guard_first_valid.value = Immediate(0)

    # ---- error injection ---------------------------------------------------------------------
    def set_error_window(self, base: int, limit: int, resp: int = SLVERR) -> None:
        """Beats touching [base, limit) answer `resp` (SLVERR or DECERR) and are not performed;
        limit <= base turns the window off."""
        if resp not in (OKAY, EXOKAY, SLVERR, DECERR):
            raise ValueError(f"bad AXI response {resp}")
        self._inst.err_base.value = Immediate(base)
        self._inst.err_limit.value = Immediate(limit)
        self._inst.err_resp.value = Immediate(resp)

    def clear_error_window(self) -> None:
        self.set_error_window(0, 0)

    # ---- access log --------------------------------------------------------------------------
    @property
    def log_depth(self) -> int:
        return self._log_depth

    @property
    def log_count(self) -> int:
        """Transactions logged since reset (the log keeps the last LOG_DEPTH)."""
        return int(self._inst.log_count.value)

    def log(self, since: int = 0) -> list[LogEntry]:
        """Logged transactions, oldest first: the last LOG_DEPTH, or fewer from index `since`."""
        count = self.log_count
        first = max(count - self._log_depth, since, 0)
        return [
            LogEntry.decode(int(self._inst.log_mem[i % self._log_depth].value))
            for i in range(first, count)
        ]


class FrameSource:
    """hdl/sim/frame_source.v: load frames by backdoor, play them with one start pulse.

    `inst` is the frame_source instance (memories); `ports` carries its ctl_*/stat_* ports named
    `prefix` + name (defaults: the instance itself, no prefix); `clk` defaults to `ports.clk`.
    """

    def __init__(self, inst: Any, ports: Any = None, prefix: str = "", clk: Any = None) -> None:
        self._inst = inst
        handle = inst if ports is None else ports
        self._p = _Ports(handle, prefix)
        self._clk = clk if clk is not None else handle.clk
        self._line_bytes = _width_bytes(inst.mem)
        self._num_lines = _lines(inst.mem)
        self._table_size = _lines(inst.table_mem) * ENTRIES_PER_TABLE_LINE
        self._beat_bytes = len(inst.m_axis_tdata) // 8
        self.table_len = 0

    @property
    def beat_bytes(self) -> int:
        return self._beat_bytes

    @property
    def line_rate(self) -> int:
        """ctl_rate value for line rate (1/256 byte per cycle)."""
        return self._beat_bytes * 256

    def load(self, frames: list[bytes], bad: Iterable[int] = frozenset()) -> None:
        """Write frames (each from a new line) and their table entries; frames whose index is in
        `bad` carry the MAC error flag (tuser on the last beat). One VPI write per line."""
        bad = set(bad)
        if len(frames) > self._table_size:
            raise ValueError(f"{len(frames)} frames, the table holds {self._table_size}")
        lb = self._line_bytes
        line = 0
        entries = []
        for i, frame in enumerate(frames):
            if not 1 <= len(frame) <= MAX_FRAME:
                raise ValueError(f"frame {i}: length {len(frame)} is outside 1..{MAX_FRAME}")
            need = -(-len(frame) // lb)
            if line + need > self._num_lines:
                raise ValueError(f"frames need more than {self._num_lines} lines")
            for k in range(need):
                chunk = frame[k * lb : (k + 1) * lb]
                self._inst.mem[line + k].value = Immediate(int.from_bytes(chunk, "little"))
            entries.append(_entry(len(frame), i in bad, line))
            line += need
        for j in range(0, len(entries), ENTRIES_PER_TABLE_LINE):
            value = sum(e << (32 * k) for k, e in enumerate(entries[j : j + 16]))
            self._inst.table_mem[j // 16].value = Immediate(value)
        self.table_len = len(frames)

    def rate_value(self, rate: float) -> int:
        """ctl_rate for a fraction of line rate (0 = no pacing)."""
        if rate < 0:
            raise ValueError("rate must be >= 0")
        if rate == 0:
            return 0
        return min(0xFFFF, max(1, round(rate * self.line_rate)))

    async def start(
        self,
        count: int | None = None,
        rate: float = 1.0,
        first: int = 0,
        table_len: int | None = None,
    ) -> None:
        """Pulse ctl_start (one clock) and return: frames keep playing in HDL. `rate` is the
        fraction of line rate (1.0 = line rate with preamble and gap, 0 = as fast as tready
        allows). On return `busy` already reads high (when count > 0)."""
        p = self._p
        p["ctl_count"].value = self.table_len if count is None else count
        p["ctl_rate"].value = self.rate_value(rate)
        p["ctl_first"].value = first
        p["ctl_table_len"].value = self.table_len if table_len is None else table_len
        p["ctl_start"].value = 1
        await RisingEdge(self._clk)
        p["ctl_start"].value = 0
        await ReadWrite()  # the pulse's effect (stat_busy) is visible from here on

    async def wait(self) -> None:
        """Until the last frame's last beat has been accepted: one trigger, not one per clock."""
        if self.busy:
            await FallingEdge(self._p["stat_busy"])
            await ReadWrite()  # let the same edge's other updates (stat_sent) land first

    async def play(self, count: int | None = None, rate: float = 1.0, first: int = 0) -> None:
        """start() and wait()."""
        await self.start(count, rate, first)
        await self.wait()

    @property
    def busy(self) -> bool:
        return bool(int(self._p["stat_busy"].value))

    @property
    def sent(self) -> int:
        """Frames completed since reset."""
        return int(self._p["stat_sent"].value)

    @property
    def stall_cycles(self) -> int:
        return int(self._p["stat_stall_cycles"].value)


class FrameSink:
    """hdl/sim/frame_sink.v: capture in HDL, collect by backdoor.

    `inst` is the frame_sink instance (memories, ring pointers); `ports` carries ctl_stall,
    ctl_clear and stat_* named `prefix` + name (default: the instance itself).
    """

    def __init__(self, inst: Any, ports: Any = None, prefix: str = "", clk: Any = None) -> None:
        self._inst = inst
        handle = inst if ports is None else ports
        self._p = _Ports(handle, prefix)
        self._clk = clk if clk is not None else handle.clk
        self._lines = _Lines(inst)
        self._table_size = _lines(inst.table_mem) * ENTRIES_PER_TABLE_LINE

    def take(self) -> list[tuple[bytes, bool]]:
        """Frames stored since the last take(), oldest first, each with its flag (tuser on the
        last beat, or cut at 16383 bytes)."""
        return [(data, flag) for data, flag, _ in self.take_timed()]

    def take_timed(self) -> list[tuple[bytes, bool, int]]:
        """`take` with the clock cycle (since reset) in which each frame's last beat was taken.
        Reads only the new table, time and frame lines, then hands the space back to the sink
        (taken_entries / taken_lines)."""
        inst = self._inst
        # One snapshot, zero simulated time: entries and lines committed agree.
        total = int(inst.wr_entries_reg.value)
        lines_total = int(inst.wr_lines_reg.value)
        done = int(inst.taken_entries.value)
        if done == total:
            return []
        lb, nlines = self._lines.shape()
        table_lines: dict[int, int] = {}
        out: list[tuple[bytes, bool, int]] = []
        for e in range(done, total):
            slot = e % self._table_size
            tl = slot // ENTRIES_PER_TABLE_LINE
            if tl not in table_lines:
                table_lines[tl] = int(inst.table_mem[tl].value)
            entry = (table_lines[tl] >> (32 * (slot % ENTRIES_PER_TABLE_LINE))) & 0xFFFFFFFF
            length, flag, start = entry & LEN_MASK, bool(entry & FLAG_BIT), entry >> LINE_SHIFT
            count = -(-length // lb)
            first = start % nlines
            head = min(count, nlines - first)  # the frame may wrap past the last line
            data = self._lines.read(first, head) + self._lines.read(0, count - head)
            out.append((data[:length], flag, int(inst.time_mem[slot].value)))
        inst.taken_entries.value = Immediate(total)
        inst.taken_lines.value = Immediate(lines_total)
        return out

    def line(self, index: int) -> bytes:
        """One raw line of the sink's memory (what follows a frame's end in its last line)."""
        return self._lines.read(index)

    async def clear(self) -> None:
        """Pulse ctl_clear: capture restarts at line 0 / entry 0, counters zero."""
        self._p["ctl_clear"].value = 1
        await RisingEdge(self._clk)
        self._p["ctl_clear"].value = 0
        await ReadWrite()

    def set_stall(self, n: int) -> None:
        """tready low on about n/256 of the cycles (0 = always ready)."""
        if not 0 <= n <= 255:
            raise ValueError("stall must be 0..255")
        self._p["ctl_stall"].value = n

    @property
    def frames(self) -> int:
        """Frames stored since clear."""
        return int(self._p["stat_frames"].value)

    @property
    def dropped(self) -> int:
        """Frames accepted but not stored (table or memory full) since clear."""
        return int(self._p["stat_dropped"].value)

    @property
    def beats(self) -> int:
        return int(self._p["stat_beats"].value)


@dataclass(frozen=True)
class CaughtMsi:
    """One message the MSI catcher saw: the cycle after reset, the address, the data."""

    cycle: int
    addr: int
    data: int


class MsiCatcher:
    """hdl/sim/msi_catcher.v: the MSI-X messages the NIC wrote into the message window.

    Python waits on the `count` port (one edge per message) and reads the entries by backdoor.
    """

    def __init__(self, inst: Any, count: Any) -> None:
        self._log = inst.log_mem
        self._depth = _lines(inst.log_mem)
        self._count = count
        self._taken = 0

    @property
    def count(self) -> int:
        return int(self._count.value)

    def reset(self) -> None:
        """The catcher was reset with the NIC: start again from entry 0."""
        self._taken = 0

    def take(self) -> list[CaughtMsi]:
        """Entries since the last take, oldest first (at most the log's depth are kept)."""
        total = self.count
        first = max(self._taken, total - self._depth)
        out = []
        for i in range(first, total):
            raw = int(self._log[i % self._depth].value)
            out.append(CaughtMsi(raw >> 64, raw & 0xFFFF_FFFF, raw >> 32 & 0xFFFF_FFFF))
        self._taken = total
        return out
