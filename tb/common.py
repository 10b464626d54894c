# SPDX-License-Identifier: MIT
"""Helpers shared by the block benches (tb/<block>/): clock and reset, random pause patterns for
cocotbext-axi channels, an AXI-Stream rule checker, and a host memory (cocotbext-axi AxiRam)
that checks every DMA access against the regions a test handed out and answers chosen address
windows with SLVERR or DECERR."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiBus, AxiRam

CLOCK_NS = 4
OKAY, SLVERR, DECERR = 0, 2, 3


async def start(dut, n: int = 4) -> None:
    """Start the clock and hold rst high for n cycles."""
    Clock(dut.clk, CLOCK_NS, unit="ns").start()
    await reset(dut, n)


async def reset(dut, n: int = 4) -> None:
    dut.rst.value = 1
    for _ in range(n):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)


async def cycles(dut, n: int) -> None:
    for _ in range(n):
        await RisingEdge(dut.clk)


def pause(seed: int, share: float) -> Iterator[bool]:
    """An endless pause pattern for a cocotbext-axi channel: True (pause) about `share` of the
    cycles, in runs, so both long and one-cycle stalls occur."""
    rng = random.Random(seed)
    while True:
        if rng.random() < share:
            yield from [True] * rng.choice([1, 1, 2, 3, 7])
        else:
            yield from [False] * rng.choice([1, 1, 2, 4])


class StreamRules:
    """Checks the AXI-Stream handshake rules on one interface every cycle: once tvalid is high
    it stays high, with the same payload, until tready takes the beat."""

    def __init__(self, dut, prefix: str, payload: tuple[str, ...]) -> None:
        self.dut = dut
        self.valid = getattr(dut, f"{prefix}_tvalid")
        self.ready = getattr(dut, f"{prefix}_tready")
        self.payload = [getattr(dut, f"{prefix}_{n}") for n in payload]
        self.prefix = prefix
        self.errors: list[str] = []
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        held = None
        while True:
            await RisingEdge(self.dut.clk)
            if int(self.dut.rst.value):
                held = None
                continue
            valid = int(self.valid.value)
            if held is not None:
                now = [str(p.value) for p in self.payload]
                if not valid:
                    self.errors.append(f"{self.prefix}: tvalid dropped before tready")
                elif now != held:
                    self.errors.append(f"{self.prefix}: payload changed while stalled")
            held = None
            if valid and not int(self.ready.value):
                held = [str(p.value) for p in self.payload]


@dataclass
class Access:
    op: str  # "R" (one line read) or "W" (bytes written under the strobes)
    addr: int
    size: int
    resp: int
    data: bytes = b""  # what a write carried


@dataclass
class CheckedRam:
    """An AxiRam on a DMA master, with the rules of hdl/DATAPATH.md for what a NIC may touch.

    `readable` and `writable` hold (base, size) regions; a read is checked per line (DMA reads
    whole lines), a write per byte run under its strobes. `errors` holds (base, limit, resp, ops):
    an access of a kind in ops ("R", "W" or "RW") touching [base, limit) is not performed and
    is answered with resp (per beat for reads, per burst for writes)."""

    dut: object
    prefix: str = "m_axi"
    size: int = 1 << 24
    readable: list[tuple[int, int]] = field(default_factory=list)
    writable: list[tuple[int, int]] = field(default_factory=list)
    errors: list[tuple[int, int, int, str]] = field(default_factory=list)
    log: list[Access] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        dut = self.dut
        self.ram = AxiRam(AxiBus.from_prefix(dut, self.prefix), dut.clk, dut.rst, size=self.size)
        wif, rif = self.ram.write_if, self.ram.read_if
        self._burst_resp = OKAY
        self._beat_resp = OKAY
        wif._write = self._write
        rif._read = self._read
        b_send, r_send = wif.b_channel.send, rif.r_channel.send

        async def send_b(b) -> None:
            if self._burst_resp != OKAY:
                b.bresp = self._burst_resp
            self._burst_resp = OKAY
            await b_send(b)

        async def send_r(r) -> None:
            if self._beat_resp != OKAY:
                r.rresp = self._beat_resp
            self._beat_resp = OKAY
            await r_send(r)

        wif.b_channel.send = send_b
        rif.r_channel.send = send_r

    def pause(self, seed: int, share: float) -> None:
        """Random stalls on all five channels (ready low on AW/W/AR, valid low on B/R)."""
        wif, rif = self.ram.write_if, self.ram.read_if
        chans = (wif.aw_channel, wif.w_channel, wif.b_channel, rif.ar_channel, rif.r_channel)
        for i, ch in enumerate(chans):
            ch.set_pause_generator(pause(seed * 8 + i, share))

    def error_at(self, addr: int, size: int, op: str) -> int:
        for base, limit, resp, ops in self.errors:
            if op in ops and addr < limit and base < addr + size:
                return resp
        return OKAY

    @staticmethod
    def _inside(regions: list[tuple[int, int]], addr: int, size: int) -> bool:
        return any(b <= addr and addr + size <= b + s for b, s in regions)

    async def _write(self, addr: int, data: bytes) -> None:
        resp = self.error_at(addr, len(data), "W")
        self.log.append(Access("W", addr, len(data), resp, bytes(data)))
        if not self._inside(self.writable, addr, len(data)):
            self.violations.append(f"write of {len(data)} bytes at 0x{addr:x}")
        if resp != OKAY:
            self._burst_resp = max(self._burst_resp, resp)
            return
        self.ram.write(addr % self.size, data)

    async def _read(self, addr: int, length: int) -> bytes:
        resp = self.error_at(addr, length, "R")
        self.log.append(Access("R", addr, length, resp))
        if not self._inside(self.readable, addr, length):
            self.violations.append(f"read of line 0x{addr:x}")
        if resp != OKAY:
            self._beat_resp = resp
            return bytes(length)
        return self.ram.read(addr % self.size, length)

    def read(self, addr: int, length: int) -> bytes:
        return self.ram.read(addr % self.size, length)

    def write(self, addr: int, data: bytes) -> None:
        self.ram.write(addr % self.size, data)


def line_hull(addr: int, size: int, line: int = 64) -> tuple[int, int]:
    """The whole lines a DMA engine reads to get bytes [addr, addr + size)."""
    lo = addr - addr % line
    hi = -(-(addr + size) // line) * line
    return lo, hi - lo
