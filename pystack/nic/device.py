# SPDX-License-Identifier: MIT
"""The interface the driver talks to, and the DMA-memory bookkeeping both back ends share.

Two back ends implement `Device`: the RTL through cocotb (`pystack/rtl/device.py`) and the
behavioural model (`pystack/nic/model.py`). The driver only ever sees this interface, which is
what lets `--sim model` run the same driver code as the simulators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

CLOCK_NS = 6.4  # 156.25 MHz: a 64-bit MAC beat per cycle is 10 Gb/s
CLOCK_PS = round(CLOCK_NS * 1000)  # the same, in whole ps: Timers and the HDL's CLOCK_PS
MAC_BYTES = 8  # bytes per MAC beat
PREAMBLE_IFG_BYTES = 20  # preamble + SFD + FCS + minimum inter-frame gap, as on the wire


def wire_schedule(
    start_ns: float,
    lengths: Sequence[int],
    rate: float = 1.0,
    clock_ns: float = CLOCK_NS,
    mac_bytes: int = MAC_BYTES,
) -> tuple[list[float], float]:
    """When each frame of a paced batch has fully arrived on MAC RX, and when the batch's
    wire time ends. This is the HDL frame source's rule (hdl/sim/frame_source.v), so the model,
    the RTL back end and the traffic peer agree on time: a frame starts at the start of its
    slot, its slot lasts (length + 20) byte times / rate, and it has arrived after its own
    beats, ceil(length / mac_bytes) clocks."""
    arrivals = []
    t = start_ns
    for length in lengths:
        arrivals.append(t + -(-length // mac_bytes) * clock_ns)
        t += (length + PREAMBLE_IFG_BYTES) / mac_bytes * clock_ns / rate
    return arrivals, t


# Page 0 of host memory is never handed out, so a zeroed descriptor (buffer address 0) trips
# the DMA guard on every back end.
HOST_MEMORY_BASE = 0x1000


class DmaGuardError(AssertionError):
    """The NIC touched host memory outside every region the driver registered."""


@dataclass(frozen=True)
class Region:
    base: int
    size: int
    name: str

    def contains(self, addr: int, length: int) -> bool:
        return self.base <= addr and addr + length <= self.base + self.size


class BufferGuard:
    """Which pool buffers the NIC may touch, and when.

    A region guard (the IOMMU-like check of every back end) only knows the whole buffer pool,
    so a NIC that writes into a buffer the driver has taken back (harvested, reclaimed, or
    re-posted elsewhere) goes unnoticed: the buffer is still inside the pool. Here the driver
    grants a buffer when it hands it to the NIC (RX refill, TX post) and revokes it when it
    takes it back (RX harvest, TX reclaim, ring restart, re-attach); an access to a pool buffer
    outside a granted interval, or one that runs past the buffer's end, is a violation. Past
    intervals are kept so that a back end that learns of accesses late (the RTL reads its DMA
    log) can check each at its own time."""

    def __init__(self) -> None:
        self._pools: list[tuple[int, int, int]] = []  # (base, size, stride)
        self._live: dict[int, float] = {}  # buffer base -> when granted
        self._past: dict[int, list[tuple[float, float]]] = {}

    def add_pool(self, region: Region, stride: int) -> None:
        if stride <= 0:
            raise ValueError("stride must be positive")
        self._pools.append((region.base, region.size, stride))

    def buffer_of(self, addr: int) -> tuple[int, int] | None:
        """(base, size) of the pool buffer holding `addr`; None outside every pool."""
        for base, size, stride in self._pools:
            if base <= addr < base + size:
                return base + (addr - base) // stride * stride, stride
        return None

    def grant(self, addr: int, now: float) -> None:
        buf = self.buffer_of(addr)
        if buf is not None:
            self._live.setdefault(buf[0], now)

    def revoke(self, addr: int, now: float) -> None:
        buf = self.buffer_of(addr)
        if buf is None:
            return
        since = self._live.pop(buf[0], None)
        if since is not None:
            self._past.setdefault(buf[0], []).append((since, now))

    def revoke_all(self, now: float) -> None:
        for base in list(self._live):
            self.revoke(base, now)

    def check(self, addr: int, length: int, at: float, slack: float = 0.0) -> str | None:
        """Why an access of `length` bytes at `addr` at time `at` is not allowed (None: it is,
        or it is outside every pool, which the region guard decides). `slack` widens each
        interval for a back end whose access times are known to a clock or two."""
        buf = self.buffer_of(addr)
        if buf is None:
            return None
        base, size = buf
        if addr + max(length, 1) > base + size:
            return f"runs past the end of buffer 0x{base:x}"
        since = self._live.get(base)
        if since is not None and since - slack <= at:
            return None
        if any(a - slack <= at <= z + slack for a, z in self._past.get(base, ())):
            return None
        return f"buffer 0x{base:x} was not posted to the NIC then"

    def forget_before(self, t: float) -> None:
        """Drop intervals that ended before `t` (no access older than `t` is left to check)."""
        for base in list(self._past):
            kept = [(a, z) for a, z in self._past[base] if z >= t]
            if kept:
                self._past[base] = kept
            else:
                del self._past[base]


@dataclass
class DmaAllocator:
    """Bump allocator over the host memory window; every allocation becomes a guard region."""

    base: int
    size: int
    regions: list[Region] = field(default_factory=list)
    _next: int = 0

    def alloc(self, size: int, align: int, name: str) -> Region:
        start = -(-(self.base + self._next) // align) * align
        if start + size > self.base + self.size:
            raise MemoryError(f"host memory exhausted allocating {name} ({size} bytes)")
        self._next = start + size - self.base
        region = Region(start, size, name)
        self.regions.append(region)
        return region


@dataclass(frozen=True)
class TxFrame:
    """A frame seen on MAC TX; `aborted` is the MAC error flag (tuser on the last beat)."""

    data: bytes
    aborted: bool = False
    # When it left MAC TX (the model knows exactly; the RTL back end stamps it when taken).
    time_ns: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class Msi:
    """One MSI-X message as it reached host memory: when, where, and its data (the driver
    programs each vector's data with the vector number)."""

    time_ns: float
    addr: int
    data: int


class Device(Protocol):
    """Registers, host memory, the MAC ports and simulated time of one NIC."""

    name: str
    memory: DmaAllocator

    async def read_reg(self, addr: int) -> int: ...

    async def write_reg(self, addr: int, value: int) -> None: ...

    def mem_read(self, addr: int, length: int) -> bytes:
        """Backdoor read of host memory: no simulated time passes."""
        ...

    def mem_write(self, addr: int, data: bytes) -> None:
        """Backdoor write of host memory: no simulated time passes."""
        ...

    def guard(self, region: Region) -> None:
        """Allow NIC DMA into `region` (everything else trips the guard)."""
        ...

    def guard_pool(self, region: Region, stride: int) -> None:
        """`region` (already guarded) holds buffers of `stride` bytes that the NIC may touch
        only while granted (`BufferGuard`)."""
        ...

    def grant(self, addr: int) -> None:
        """The buffer holding `addr` is the NIC's from now on (posted to a ring)."""
        ...

    def revoke(self, addr: int) -> None:
        """The buffer holding `addr` is the driver's again; revoke_all: every buffer."""
        ...

    def revoke_all(self) -> None: ...

    def guard_violations(self) -> list[str]:
        """Every DMA access outside the guarded regions or into a buffer not granted at the
        time, so far, described."""
        ...

    def clear_violations(self) -> None:
        """Forget the violations so far (after a deliberate abuse whose hits are expected)."""
        ...

    def now_ns(self) -> float: ...

    async def sleep_ns(self, ns: float) -> None: ...

    async def mac_send(
        self, frames: Sequence[bytes], rate: float = 1.0, bad: Sequence[int] = ()
    ) -> None:
        """Queue frames on MAC RX at `rate` x line rate; indexes in `bad` carry a MAC error.

        Returns once the frames are queued; `mac_idle` says when the last has gone in."""
        ...

    def mac_idle(self) -> bool: ...

    def mac_take(self) -> list[TxFrame]:
        """Frames seen on MAC TX since the last call."""
        ...

    def set_link(self, up: bool) -> None: ...

    def msi_window(self, base: int, limit: int) -> None:
        """Host memory [base, limit) is where interrupt messages land."""
        ...

    def take_interrupts(self) -> list[Msi]:
        """MSI-X messages since the last call, oldest first."""
        ...

    async def wait_interrupt(self, timeout_ns: float) -> list[Msi]:
        """Let time pass until a message arrives or `timeout_ns` is over; the messages."""
        ...
