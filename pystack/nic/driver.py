# SPDX-License-Identifier: MIT
"""The host driver: owns the rings and the buffer pool, on any `Device` (RTL or model).

Its shape follows from what things cost on the RTL back end. A register access is a bus
transaction through the simulator (many clock cycles of simulated time plus a coroutine round
trip), and every backdoor memory call crosses the Python/simulator boundary, which costs
microseconds of wall time whatever its length. Bytes moved inside one call are nearly free. So:

* Descriptor rings are read and written in big slices (whole 64-byte lines, many descriptors
  per call), never one descriptor at a time.
* A batch of RX refills or TX frames ends in exactly one tail write; the NIC sees the whole
  batch at once and the bus carries one transaction instead of one per frame.
* Completion is discovered from memory, not registers: RX by the DD bit in the write-backs, TX
  by the head words the NIC writes into one shared line, which a single read covers for 16
  queues.

Memory is allocated once at attach and every allocation is registered as a guard region, so a
driver bug that hands the NIC a wild address shows up as a guard violation instead of silently
corrupting the simulation. Inside the buffer pool each buffer is granted to the NIC while it is
posted (RX refill, TX post) and revoked when the driver takes it back (harvest, reclaim), so a
NIC that writes into a buffer it no longer owns is caught too (`pystack.nic.device.BufferGuard`).

A reset follows the 82576's handshake (`reset_device`): stop DMA mastering, wait until nothing
is outstanding, then CTRL.RST and wait for it to clear. Attaching again re-uses the memory of
the first attach, as a real driver's reset path does.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pystack.nic.caps import Caps
from pystack.nic.desc import (
    CTRL_GIO_MASTER_DISABLE,
    CTRL_RST,
    DESC_BYTES,
    RCTL_EN,
    RING_ALIGN,
    RX_BUFFER_ALIGN,
    STATUS_GIO_MASTER_ENABLE,
    TCTL_EN,
    TDWBAL_ENABLE,
    XDCTL_ENABLE,
    RxWriteback,
    TxDesc,
    rx_read_desc,
)
from pystack.nic.device import Device, Region
from pystack.regmap import BY_NAME, QUEUE_STRIDE, addr
from pystack.rss.classify import RETA_ENTRIES, RssConfig
from pystack.rss.program import rss_register_writes

LINE_BYTES = 64
HEADS_PER_LINE = LINE_BYTES // 4
DESC_PER_LINE = LINE_BYTES // DESC_BYTES
HARVEST_CHUNK_DESC = 64  # descriptors per backdoor read while harvesting (1 KiB)
COALESCE_BYTES = 64 * 1024  # largest single backdoor access over neighbouring buffers
# Register reads a reset waits for the NIC at most (a read is tens of clocks on the RTL; the
# NIC needs a few hundred clocks to finish a jumbo frame's DMA).
RESET_POLLS = 2000
_GLOBAL_COUNTERS = (
    "CRCERRS",
    "MPC",
    "GPRC",
    "GPTC",
    "GORCL",
    "GOTCL",
    "RUC",
    "TPR",
    "HN_CFGERR",
    "HN_RSSFRAMES",
    "HN_RSSHASHED",
    "HN_RSSERR",
    "HN_BADACC",
)
_RX_COUNTERS = ("HN_RQPC", "HN_RQBC", "HN_RQOVR", "HN_RQDMAE", "RQDPC")
_TX_COUNTERS = ("HN_TQPC", "HN_TQBC", "HN_TQERR", "HN_TQDMAE")

# A transmit_buffers frame: one (address, length) buffer, or a list of them for a chained frame.
Segment = tuple[int, int]
FrameBuffers = Segment | Sequence[Segment]


class RxPacket(NamedTuple):
    """A received frame, copied out of its buffers (which are back in the pool)."""

    queue: int
    data: bytes
    rss_hash: int
    hash_type: int
    packet_type: int
    parse_error: int
    vlan_tags: int
    buffers: tuple[int, ...]


@dataclass(frozen=True)
class RxBuffers:
    """A received frame left in place: the caller owns `segments` until it transmits them
    (`transmit_buffers`) or hands them back (`release`)."""

    queue: int
    segments: tuple[Segment, ...]
    rss_hash: int
    hash_type: int
    packet_type: int
    parse_error: int
    vlan_tags: int

    @property
    def length(self) -> int:
        return sum(n for _, n in self.segments)


@dataclass
class _RxRing:
    queue: int
    region: Region
    size: int
    slots: list[int | None]
    clean: int = 0  # next descriptor to harvest
    tail: int = 0  # next descriptor to post (the value last written to RDT)


@dataclass
class _TxRing:
    queue: int
    region: Region
    size: int
    slots: list[int | None]
    clean: int = 0  # next descriptor to reclaim
    tail: int = 0  # next descriptor to fill (the value last written to TDT)
    wb_addr: int = 0

    @property
    def space(self) -> int:
        return (self.clean - self.tail - 1) % self.size


class Driver:
    """Rings, buffers and RSS for one NIC; see the module docstring for why it batches."""

    def __init__(
        self,
        dev: Device,
        rx_queues: int | Sequence[int] | None = None,
        tx_queues: int | Sequence[int] | None = None,
        ring_size: int = 128,
        buffer_size: int = 2048,
        rss: RssConfig | None = None,
        pool_buffers: int | None = None,
    ) -> None:
        if ring_size < 8 or ring_size % (RING_ALIGN // DESC_BYTES):
            raise ValueError("ring_size must be a multiple of 8 descriptors")
        if buffer_size < 1024 or buffer_size % 1024 or buffer_size > 127 * 1024:
            raise ValueError("buffer_size must be a whole number of KiB (1..127)")
        self.dev = dev
        self.ring_size = ring_size
        self.buffer_size = buffer_size
        self.rss = rss
        self._rx_request = rx_queues
        self._tx_request = tx_queues
        self._pool_request = pool_buffers
        self.caps: Caps | None = None  # what the NIC has (HN_CAPS, HN_CAPS2), known after attach
        self.num_rx_queues = 0
        self.num_tx_queues = 0
        self.max_ring_desc = 0
        self.max_frame = 0
        self.rx: dict[int, _RxRing] = {}
        self.tx: dict[int, _TxRing] = {}
        self._free: list[int] = []
        self._pool: Region | None = None
        self._heads: Region | None = None
        self._stride = buffer_size
        self.master_disable_timeouts = 0  # resets that went ahead with DMA still outstanding

    # ---- bring-up --------------------------------------------------------------------------

    async def reset_device(self) -> None:
        """The 82576's reset handshake: stop DMA mastering, wait until no request is
        outstanding (STATUS.GIO_MASTER_ENABLE reads 0), reset, wait until CTRL.RST clears.

        The NIC waits for quiescence itself before it resets, so a master disable that times
        out (counted in `master_disable_timeouts`) only delays the reset; a reset that never
        completes means the NIC is hung, which raises."""
        dev = self.dev
        await dev.write_reg(addr("CTRL"), CTRL_GIO_MASTER_DISABLE)
        for _ in range(RESET_POLLS):
            if not await dev.read_reg(addr("STATUS")) & STATUS_GIO_MASTER_ENABLE:
                break
        else:
            self.master_disable_timeouts += 1
        await dev.write_reg(addr("CTRL"), CTRL_RST)
        for _ in range(RESET_POLLS):
            if not await dev.read_reg(addr("CTRL")) & CTRL_RST:
                break
        else:
            raise RuntimeError(f"{dev.name}: CTRL.RST did not complete in {RESET_POLLS} reads")
        # The NIC owns nothing now: every buffer is the driver's again.
        dev.revoke_all()

    async def attach(self) -> None:
        """Reset the NIC, allocate and register all DMA memory (once: attaching again re-uses
        it), program RSS and every ring."""
        dev = self.dev
        await self.reset_device()
        if self._pool is not None:
            await self._reprogram()
            return
        self.caps = caps = await Caps.read(dev)
        self.num_rx_queues = caps.rx_queues
        self.num_tx_queues = caps.tx_queues
        self.max_ring_desc = caps.max_ring_desc
        self.max_frame = caps.max_frame
        if self.ring_size > self.max_ring_desc:
            raise ValueError(f"ring_size {self.ring_size} > the NIC's {self.max_ring_desc}")
        rxq = _pick(self._rx_request, self.num_rx_queues, "RX")
        txq = _pick(self._tx_request, self.num_tx_queues, "TX")
        if self.rss is None:
            self.rss = RssConfig(
                reta=[rxq[i % len(rxq)] for i in range(RETA_ENTRIES)],
                default_queue=rxq[0],
                num_queues=self.num_rx_queues,
            )

        n = self.ring_size
        per_buf = -(-self.buffer_size // RX_BUFFER_ALIGN) * RX_BUFFER_ALIGN
        count = self._pool_request
        if count is None:
            count = (len(rxq) + len(txq)) * (n - 1)
        need = count * per_buf + (len(rxq) + len(txq)) * n * DESC_BYTES
        if need > dev.memory.size:
            raise MemoryError(
                f"{len(rxq)} RX + {len(txq)} TX rings of {n} with {count} x "
                f"{self.buffer_size}-byte buffers need {need} bytes of host memory; "
                f"the device has {dev.memory.size} "
                "(use a smaller ring_size or pool_buffers, or more device memory)"
            )
        for q in rxq:
            region = self._alloc(n * DESC_BYTES, RING_ALIGN, f"rx ring {q}")
            self.rx[q] = _RxRing(q, region, n, [None] * n)
        for q in txq:
            region = self._alloc(n * DESC_BYTES, RING_ALIGN, f"tx ring {q}")
            self.tx[q] = _TxRing(q, region, n, [None] * n)
        lines = -(-(max(txq, default=-1) + 1) // HEADS_PER_LINE)
        self._heads = self._alloc(max(1, lines) * LINE_BYTES, LINE_BYTES, "tx head write-back")
        self._pool = self._alloc(count * per_buf, RX_BUFFER_ALIGN, "buffer pool")
        dev.guard_pool(self._pool, per_buf)
        self._free = [self._pool.base + i * per_buf for i in range(count)][::-1]
        self._stride = per_buf
        await self._reprogram()

    async def _reprogram(self) -> None:
        """Empty rings and a full pool, then RSS, every ring, refills and the enables."""
        dev = self.dev
        assert self._pool is not None and self._heads is not None and self.rss is not None
        per_buf = self._stride
        count = self._pool.size // per_buf
        self._free = [self._pool.base + i * per_buf for i in range(count)][::-1]
        for ring in [*self.rx.values(), *self.tx.values()]:
            ring.slots = [None] * ring.size
            ring.clean = ring.tail = 0
        # Rings and head words are allocated back to back: clear them in one backdoor write.
        rings = [*self.rx.values(), *self.tx.values()]
        first = min((r.region.base for r in rings), default=self._heads.base)
        dev.mem_write(first, bytes(self._heads.base + self._heads.size - first))

        for a, v in rss_register_writes(self.rss):
            await dev.write_reg(a, v)
        for ring in self.rx.values():
            await self._program_rx(ring)
        for ring in self.tx.values():
            await self._program_tx(ring)
        if await dev.read_reg(addr("HN_CFGERR")):
            raise RuntimeError("the NIC refused a ring configuration (HN_CFGERR != 0)")
        for q in self.rx:
            await self.refill(q)
        await dev.write_reg(addr("RCTL"), RCTL_EN)
        await dev.write_reg(addr("TCTL"), TCTL_EN)

    def _alloc(self, size: int, align: int, name: str) -> Region:
        region = self.dev.memory.alloc(size, align, name)
        self.dev.guard(region)
        return region

    async def _program_rx(self, ring: _RxRing) -> None:
        q, base = ring.queue, ring.region.base
        w = self.dev.write_reg
        await w(_qaddr("RDBAL", q), base & 0xFFFF_FFFF)
        await w(_qaddr("RDBAH", q), base >> 32)
        await w(_qaddr("RDLEN", q), ring.size * DESC_BYTES)
        await w(_qaddr("SRRCTL", q), self.buffer_size // 1024)
        await w(_qaddr("RXDCTL", q), XDCTL_ENABLE)

    async def _program_tx(self, ring: _TxRing) -> None:
        assert self._heads is not None
        q, base = ring.queue, ring.region.base
        ring.wb_addr = self._heads.base + 4 * q
        w = self.dev.write_reg
        await w(_qaddr("TDBAL", q), base & 0xFFFF_FFFF)
        await w(_qaddr("TDBAH", q), base >> 32)
        await w(_qaddr("TDLEN", q), ring.size * DESC_BYTES)
        await w(_qaddr("TDWBAL", q), (ring.wb_addr & 0xFFFF_FFFF) | TDWBAL_ENABLE)
        await w(_qaddr("TDWBAH", q), ring.wb_addr >> 32)
        await w(_qaddr("TXDCTL", q), XDCTL_ENABLE)

    # ---- buffer pool -----------------------------------------------------------------------

    @property
    def pool(self) -> Region:
        """The buffer pool (after attach)."""
        assert self._pool is not None, "attach() first"
        return self._pool

    def pool_free(self) -> int:
        """Buffers in the pool, not posted to a ring or held by the caller."""
        return len(self._free)

    def release(self, buffers: Sequence[int]) -> None:
        """Hand buffers taken by `harvest_buffers` back to the pool."""
        for b in buffers:
            self._put(b)

    def _put(self, buf: int) -> None:
        pool = self._pool
        if pool is not None and pool.base <= buf < pool.base + pool.size:
            self._free.append(buf)

    def _read_segments(self, segs: list[Segment]) -> list[bytes]:
        """The bytes of each (addr, len); neighbouring pool buffers share one backdoor read."""
        out: list[bytes] = []
        i = 0
        while i < len(segs):
            start, j = segs[i][0], i + 1
            while (
                j < len(segs)
                and segs[j][0] == segs[j - 1][0] + self._stride
                and segs[j][0] + segs[j][1] - start <= COALESCE_BYTES
            ):
                j += 1
            end = segs[j - 1][0] + segs[j - 1][1]
            blob = self.dev.mem_read(start, end - start) if end > start else b""
            out += [blob[a - start : a - start + n] for a, n in segs[i:j]]
            i = j
        return out

    def _write_segments(self, parts: list[tuple[int, bytes]]) -> None:
        """Write each (addr, data); neighbouring pool buffers share one backdoor write (the
        gaps, the unused ends of buffers the driver owns, are written with zeros)."""
        i = 0
        while i < len(parts):
            j = i + 1
            while (
                j < len(parts)
                and parts[j][0] == parts[j - 1][0] + self._stride
                and (j - i + 1) * self._stride <= COALESCE_BYTES
            ):
                j += 1
            blob = bytearray()
            for _, data in parts[i : j - 1]:
                blob += data + bytes(self._stride - len(data))
            blob += parts[j - 1][1]
            if blob:
                self.dev.mem_write(parts[i][0], bytes(blob))
            i = j

    # ---- RX --------------------------------------------------------------------------------

    def _ring_read(self, region: Region, size: int, start: int, count: int) -> bytes:
        """`count` descriptors from `start`, wrapping: at most two backdoor reads."""
        first = min(count, size - start)
        data = self.dev.mem_read(region.base + start * DESC_BYTES, first * DESC_BYTES)
        if count > first:
            data += self.dev.mem_read(region.base, (count - first) * DESC_BYTES)
        return data

    def _ring_write(self, region: Region, size: int, start: int, data: bytes) -> None:
        count = len(data) // DESC_BYTES
        first = min(count, size - start)
        self.dev.mem_write(region.base + start * DESC_BYTES, data[: first * DESC_BYTES])
        if count > first:
            self.dev.mem_write(region.base, data[first * DESC_BYTES :])

    def _collect(self, queue: int, budget: int) -> list[tuple[list[RxWriteback], list[int]]]:
        """Completed frames at the ring's clean index (write-backs and buffers), consumed."""
        ring = self.rx[queue]
        n = ring.size
        posted = (ring.tail - ring.clean) % n
        frames: list[tuple[list[RxWriteback], list[int]]] = []
        cache = b""
        cache_start = ring.clean  # ring index of cache[0], counted without wrapping
        pos = ring.clean
        consumed = 0
        while len(frames) < budget and consumed < posted:
            wbs: list[RxWriteback] = []
            complete = False
            while consumed + len(wbs) < posted:
                k = pos + len(wbs) - cache_start
                if k * DESC_BYTES >= len(cache):
                    # Read on from the current spot to the end of its 64-byte line and beyond.
                    start = (cache_start + len(cache) // DESC_BYTES) % n
                    left = posted - (consumed + len(wbs))
                    # An idle ring costs one line; a busy one is read in big chunks.
                    chunk = HARVEST_CHUNK_DESC if cache else DESC_PER_LINE
                    want = chunk - start % DESC_PER_LINE
                    cache += self._ring_read(ring.region, n, start, min(want, left))
                raw = cache[k * DESC_BYTES : (k + 1) * DESC_BYTES]
                wb = RxWriteback.unpack(raw)
                if not wb.dd:
                    break
                wbs.append(wb)
                if wb.eop:
                    complete = True
                    break
            if not complete:
                break
            bufs = []
            for i in range(len(wbs)):
                slot = (pos + i) % n
                buf = ring.slots[slot]
                if buf is None:
                    raise RuntimeError(f"RX queue {queue}: descriptor {slot} done without buffer")
                bufs.append(buf)
                ring.slots[slot] = None
                self.dev.revoke(buf)
            frames.append((wbs, bufs))
            pos += len(wbs)
            consumed += len(wbs)
        if consumed:
            # No need to clear the done bits: refill rewrites every consumed slot (its bytes
            # 8-15, where DD lives, are zero in the read format) before the NIC owns it again.
            ring.clean = (ring.clean + consumed) % n
        return frames

    def harvest(self, queue: int, budget: int = 64) -> list[RxPacket]:
        """Up to `budget` received frames from `queue`, copied out; their buffers are freed."""
        frames = self._collect(queue, budget)
        segs = [(b, w.length) for wbs, bufs in frames for b, w in zip(bufs, wbs, strict=True)]
        parts = iter(self._read_segments(segs))
        out = []
        for wbs, bufs in frames:
            data = b"".join(next(parts) for _ in bufs)
            wb = wbs[0]
            out.append(
                RxPacket(
                    queue,
                    data,
                    wb.rss_hash,
                    wb.hash_type,
                    wb.packet_type,
                    wb.parse_error,
                    wb.vlan_tags,
                    tuple(bufs),
                )
            )
            self.release(bufs)
        return out

    def harvest_buffers(self, queue: int, budget: int = 64) -> list[RxBuffers]:
        """Like `harvest`, zero-copy: the caller takes ownership of the buffers."""
        out = []
        for wbs, bufs in self._collect(queue, budget):
            wb = wbs[0]
            segs = tuple((b, w.length) for b, w in zip(bufs, wbs, strict=True))
            out.append(
                RxBuffers(
                    queue,
                    segs,
                    wb.rss_hash,
                    wb.hash_type,
                    wb.packet_type,
                    wb.parse_error,
                    wb.vlan_tags,
                )
            )
        return out

    async def refill(self, queue: int) -> int:
        """Post a fresh buffer in every consumed slot (pool permitting), with one RDT write.

        Returns how many descriptors were posted."""
        ring = self.rx[queue]
        n = ring.size
        count = min((ring.clean - 1 - ring.tail) % n, len(self._free))
        if not count:
            return 0
        descs = bytearray()
        for i in range(count):
            buf = self._free.pop()
            ring.slots[(ring.tail + i) % n] = buf
            self.dev.grant(buf)
            descs += rx_read_desc(buf)
        self._ring_write(ring.region, n, ring.tail, bytes(descs))
        ring.tail = (ring.tail + count) % n
        await self.dev.write_reg(_qaddr("RDT", queue), ring.tail)
        return count

    # ---- TX --------------------------------------------------------------------------------

    async def transmit(self, queue: int, frames: Sequence[bytes]) -> int:
        """Copy frames into pool buffers and hand them to the NIC with one TDT write.

        Returns how many frames (a prefix of `frames`) were accepted: ring or pool space."""
        ring = self.tx[queue]
        chunks: list[list[bytes]] = []
        for frame in frames:
            parts = [
                frame[i : i + self.buffer_size] for i in range(0, len(frame), self.buffer_size)
            ]
            chunks.append(parts or [b""])
        total = sum(len(c) for c in chunks)
        if total > ring.space or total > len(self._free):
            self.reclaim(queue)
        space = min(ring.space, len(self._free))
        taken: list[list[tuple[int, int]]] = []
        writes: list[tuple[int, bytes]] = []
        for parts in chunks:
            if len(parts) > space:
                break
            segs = []
            for part in parts:
                buf = self._free.pop()
                writes.append((buf, part))
                segs.append((buf, len(part)))
            taken.append(segs)
            space -= len(parts)
        self._write_segments(writes)
        await self._post_tx(ring, taken)
        return len(taken)

    async def transmit_buffers(self, queue: int, frames: Sequence[FrameBuffers]) -> int:
        """Zero-copy transmit: each frame is (addr, len) or a list of them (one per descriptor).

        Buffers of accepted frames belong to the TX ring from now on and go back to the pool
        when the NIC reports them done; the caller keeps the rest. Returns frames accepted."""
        ring = self.tx[queue]
        segs_list = [_segments(f) for f in frames]
        if sum(len(s) for s in segs_list) > ring.space:
            self.reclaim(queue)
        space = ring.space
        taken: list[list[tuple[int, int]]] = []
        for segs in segs_list:
            if len(segs) > space:
                break
            taken.append(segs)
            space -= len(segs)
        await self._post_tx(ring, taken)
        return len(taken)

    async def transmit_parts(self, queue: int, parts: Sequence[bytes], eop: bool = True) -> bool:
        """Post `parts` as one piece of a frame's descriptor chain (one buffer each), with one
        TDT write; EOP on the last only when `eop`. A frame may be posted in several pieces:
        the NIC starts it only once its EOP is posted (hdl/DATAPATH.md). False (nothing
        posted) when the ring or the pool has no room."""
        ring = self.tx[queue]
        if len(parts) > ring.space or len(parts) > len(self._free):
            self.reclaim(queue)
        if len(parts) > min(ring.space, len(self._free)) or any(
            len(p) > self.buffer_size for p in parts
        ):
            return False
        writes = [(self._free.pop(), part) for part in parts]
        self._write_segments(writes)
        await self._post_tx(ring, [[(b, len(d)) for b, d in writes]], eop_last=eop)
        return True

    async def _post_tx(
        self, ring: _TxRing, frames: list[list[tuple[int, int]]], eop_last: bool = True
    ) -> None:
        if not frames:
            return
        n = ring.size
        descs = bytearray()
        slot = ring.tail
        for segs in frames:
            for i, (buf, length) in enumerate(segs):
                descs += TxDesc(buf, length, eop=eop_last and i == len(segs) - 1).pack()
                ring.slots[slot] = buf
                self.dev.grant(buf)
                slot = (slot + 1) % n
        self._ring_write(ring.region, n, ring.tail, bytes(descs))
        ring.tail = slot
        await self.dev.write_reg(_qaddr("TDT", ring.queue), ring.tail)

    def tx_heads(self) -> dict[int, int]:
        """Every TX queue's written-back head, from one backdoor read of the head lines."""
        assert self._heads is not None
        raw = self.dev.mem_read(self._heads.base, self._heads.size)
        return {q: struct.unpack_from("<I", raw, 4 * q)[0] for q in self.tx}

    def reclaim(self, queue: int | None = None) -> int:
        """Free the buffers of completed TX descriptors (all queues when `queue` is None).

        Returns how many descriptors were reclaimed."""
        heads = self.tx_heads()
        total = 0
        for q in [queue] if queue is not None else list(self.tx):
            ring = self.tx[q]
            head = heads[q] % ring.size
            while ring.clean != head:
                buf = ring.slots[ring.clean]
                ring.slots[ring.clean] = None
                if buf is not None:
                    self.dev.revoke(buf)
                    self._put(buf)
                ring.clean = (ring.clean + 1) % ring.size
                total += 1
        return total

    def tx_pending(self, queue: int) -> int:
        """Descriptors handed to the NIC and not yet reclaimed."""
        ring = self.tx[queue]
        return (ring.tail - ring.clean) % ring.size

    # ---- service loop and recovery ---------------------------------------------------------

    async def poll_once(self, budget: int = 64) -> list[RxPacket]:
        """One NAPI-style pass: harvest and refill every RX queue, reclaim every TX queue."""
        out: list[RxPacket] = []
        for q in self.rx:
            got = self.harvest(q, budget)
            if got:
                out += got
                await self.refill(q)
        if self.tx:
            self.reclaim()
        return out

    async def restart_queue(self, kind: str, queue: int) -> None:
        """Bring a stopped (or refused) queue back: disable, reset the ring, enable, refill.

        Frames the ring held are lost; their buffers go back to the pool."""
        if kind not in ("rx", "tx"):
            raise ValueError("kind must be 'rx' or 'tx'")
        dev = self.dev
        ring: _RxRing | _TxRing = self.rx[queue] if kind == "rx" else self.tx[queue]
        await dev.write_reg(_qaddr("RXDCTL" if kind == "rx" else "TXDCTL", queue), 0)
        for i, buf in enumerate(ring.slots):
            if buf is not None:
                dev.revoke(buf)
                self._put(buf)
                ring.slots[i] = None
        ring.clean = ring.tail = 0
        dev.mem_write(ring.region.base, bytes(ring.region.size))
        if isinstance(ring, _RxRing):
            await self._program_rx(ring)
            await self.refill(queue)
        else:
            dev.mem_write(ring.wb_addr, bytes(4))
            await self._program_tx(ring)

    async def queue_status(self, kind: str, queue: int) -> int:
        """HN_RQSTAT / HN_TQSTAT of one queue."""
        return await self.dev.read_reg(_qaddr("HN_RQSTAT" if kind == "rx" else "HN_TQSTAT", queue))

    async def read_stats(self) -> dict[str, int]:
        """Every counter, global and per queue, keyed by register name ("RQDPC[3]")."""
        stats: dict[str, int] = {}
        read = self.dev.read_reg
        for name in _GLOBAL_COUNTERS:
            reg = BY_NAME[name]
            if reg.count == 1:
                stats[name] = await read(reg.offset)
            else:
                for i in range(reg.count):
                    stats[f"{name}[{i}]"] = await read(reg.address(i))
        for name in _RX_COUNTERS:
            for q in range(self.num_rx_queues):
                stats[f"{name}[{q}]"] = await read(_qaddr(name, q))
        for name in _TX_COUNTERS:
            for q in range(self.num_tx_queues):
                stats[f"{name}[{q}]"] = await read(_qaddr(name, q))
        return stats


def _qaddr(name: str, queue: int) -> int:
    """A per-queue register's address for any queue the build may have (not just 16)."""
    reg = BY_NAME[name]
    assert reg.stride == QUEUE_STRIDE, name
    return reg.offset + queue * QUEUE_STRIDE


def _segments(frame: FrameBuffers) -> list[Segment]:
    if len(frame) == 2 and isinstance(frame[0], int) and isinstance(frame[1], int):
        return [(frame[0], frame[1])]
    return [(int(a), int(n)) for a, n in frame]  # type: ignore[misc]


def _pick(request: int | Sequence[int] | None, have: int, kind: str) -> list[int]:
    if request is None:
        return list(range(have))
    queues = list(range(request)) if isinstance(request, int) else sorted(set(request))
    bad = [q for q in queues if not 0 <= q < have]
    if bad:
        raise ValueError(f"{kind} queues {bad} do not exist (the NIC has {have})")
    return queues
