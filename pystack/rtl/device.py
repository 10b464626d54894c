# SPDX-License-Identifier: MIT
"""The `Device` interface on the RTL: hdl/sim/nic_sim_top.v under cocotb.

Registers go over AXI-Lite (`regport`, a few clocks each, silent in between); host
memory, the frame source and the frame sink are reached by backdoor (`backdoor`), so moving
a batch of frames costs Python one call per 64-byte line and one wake-up per batch, never one
per beat.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, Edge, First, RisingEdge, Timer
from cocotb.utils import get_sim_time

from pystack.nic.device import (
    CLOCK_NS,
    CLOCK_PS,
    HOST_MEMORY_BASE,
    BufferGuard,
    DmaAllocator,
    Msi,
    Region,
    TxFrame,
    wire_schedule,
)
from pystack.rtl import HDL_CLOCK_ENV
from pystack.rtl.backdoor import FrameSink, FrameSource, HostMemory, MsiCatcher
from pystack.rtl.regport import RegPort


class RtlDevice:
    """One simulated NIC with its host memory and MAC-side traffic tools."""

    def __init__(self, dut: object, name: str = "rtl", mem_bytes: int = 16 << 20) -> None:
        self.dut = dut
        self.name = name
        self.memory = DmaAllocator(HOST_MEMORY_BASE, mem_bytes - HOST_MEMORY_BASE)
        self._host: HostMemory | None = None  # made in start(): Icarus runs initial blocks at 0
        self.source = FrameSource(dut.u_source, dut, "src_")
        self.sink = FrameSink(dut.u_sink, dut, "snk_")
        self.msi = MsiCatcher(dut.u_msi, dut.msi_count)
        self._t_reset_ns = 0.0
        self.regs: RegPort | None = None
        self._pending: list[tuple[list[bytes], float, set[int], float]] = []
        self._wire_end = 0.0
        self._feeder: object | None = None
        # Per-buffer grants, checked against host_mem's DMA log when `check_buffers` is on
        # (each log entry is one VPI read, so the scenario leaves it off and the fuzz
        # campaign and the reliability tests turn it on).
        self.buffers = BufferGuard()
        self.check_buffers = False
        self._log_seen = 0
        self._buffer_violations: list[str] = []

    async def start(self) -> None:
        """Clock, reset and link up; the frame source drives MAC RX."""
        dut = self.dut
        if os.environ.get(HDL_CLOCK_ENV) != "1":  # else the top clocks itself (simrun.Bench)
            Clock(dut.clk, CLOCK_NS, unit="ns").start()
        dut.rst.value = 1
        dut.link_up.value = 1
        dut.src_select.value = 1
        dut.s_axis_mac_rx_tvalid.value = 0
        dut.src_ctl_start.value = 0
        dut.snk_ctl_stall.value = 0
        dut.snk_ctl_clear.value = 0
        dut.msi_win_base.value = 0
        dut.msi_win_limit.value = 0
        self.regs = RegPort(dut)
        await ClockCycles(dut.clk, 4)
        self._host = HostMemory(dut.u_host_mem)
        # Host memory keeps its state across cocotb tests in one simulation: start clean.
        self.host.clear_regions()
        self.host.enable_guard(False)
        self.host.clear_violations()
        self.host.clear_error_window()
        dut.rst.value = 0
        await RisingEdge(dut.clk)
        self._t_reset_ns = self.now_ns()
        self._log_seen = self.host.log_count
        self.msi.reset()

    @property
    def host(self) -> HostMemory:
        assert self._host is not None, "RtlDevice.start() first"
        return self._host

    # ---- registers --------------------------------------------------------------------------
    async def read_reg(self, addr: int) -> int:
        assert self.regs is not None
        data, _ = await self.regs.read(addr)
        return data

    async def write_reg(self, addr: int, value: int) -> None:
        assert self.regs is not None
        await self.regs.write(addr, value)

    # ---- memory -----------------------------------------------------------------------------
    def mem_read(self, addr: int, length: int) -> bytes:
        return self.host.read(addr, length)

    def mem_write(self, addr: int, data: bytes) -> None:
        self.host.write(addr, data)

    def guard(self, region: Region) -> None:
        self.host.add_region(region.base, region.size)
        self.host.enable_guard(True)

    def guard_pool(self, region: Region, stride: int) -> None:
        self.buffers.add_pool(region, stride)

    def grant(self, addr: int) -> None:
        self.buffers.grant(addr, self.now_ns())

    def revoke(self, addr: int) -> None:
        self.buffers.revoke(addr, self.now_ns())

    def revoke_all(self) -> None:
        self.buffers.revoke_all(self.now_ns())

    def check_buffer_log(self) -> None:
        """Check every DMA transaction logged since the last call against the buffer grants
        at its own time (the log keeps the last LOG_DEPTH; older unchecked ones are reported)."""
        if not self.check_buffers:
            return
        host = self.host
        count = host.log_count
        lost = count - self._log_seen - host.log_depth
        if lost > 0:
            self._buffer_violations.append(f"DMA log overflowed: {lost} transactions unchecked")
        last = self.now_ns()
        for e in host.log(since=self._log_seen):
            at = self._t_reset_ns + e.cycle * CLOCK_NS
            start = e.addr >> e.size << e.size
            why = self.buffers.check(start, (e.len + 1) << e.size, at, slack=2 * CLOCK_NS)
            if why is not None:
                kind = "write" if e.is_write else "read"
                self._buffer_violations.append(f"{at:.1f} ns: {kind} at 0x{e.addr:x}: {why}")
            last = at
        self._log_seen = count
        self.buffers.forget_before(last - 4 * CLOCK_NS)

    def clear_violations(self) -> None:
        self.check_buffer_log()
        self._buffer_violations.clear()
        self.host.clear_violations()

    def guard_violations(self) -> list[str]:
        self.check_buffer_log()
        out = list(self._buffer_violations)
        count = self.host.violations()
        if count:
            first = self.host.first_violation()
            out.append(f"{count} DMA beats outside the registered regions, first at {first:#x}")
        return out

    def inject_dma_error(self, base: int, limit: int, resp: str) -> None:
        if limit <= base:
            self.host.clear_error_window()
        else:
            self.host.set_error_window(base, limit, {"SLVERR": 2, "DECERR": 3}[resp])

    def clear_dma_errors(self) -> None:
        self.host.clear_error_window()

    # ---- time -------------------------------------------------------------------------------
    def now_ns(self) -> float:
        return float(get_sim_time("ns"))

    async def sleep_ns(self, ns: float) -> None:
        await _after_cycles(max(1, round(ns / CLOCK_NS)))

    # ---- MAC --------------------------------------------------------------------------------
    async def mac_send(
        self, frames: Sequence[bytes], rate: float = 1.0, bad: Sequence[int] = ()
    ) -> None:
        """Queue a batch; batches play one after another (the source memory holds one), each
        starting when the previous one's wire time ends (`wire_schedule`, as the model does),
        not merely when its last beat has gone."""
        start = max(self.now_ns(), self._wire_end)
        if rate > 0:
            _, self._wire_end = wire_schedule(start, [len(f) for f in frames], rate)
        self._pending.append((list(frames), rate, set(bad), start))
        if self._feeder is None:
            self._feeder = cocotb.start_soon(self._feed())

    async def _feed(self) -> None:
        while self._pending:
            frames, rate, bad, start = self._pending.pop(0)
            self.source.load(frames, bad)
            if start - self.now_ns() >= CLOCK_NS:
                await self.sleep_ns(start - self.now_ns())
            await self.source.play(len(frames), rate=rate)
        self._feeder = None

    def mac_idle(self) -> bool:
        return self._feeder is None and not self.source.busy

    def mac_take(self) -> list[TxFrame]:
        """Frames sent on MAC TX since the last call, each stamped with the clock edge that took
        its last beat (not with when Python collected it)."""
        t0 = self._t_reset_ns
        return [
            TxFrame(data, aborted, t0 + cycle * CLOCK_NS)
            for data, aborted, cycle in self.sink.take_timed()
        ]

    # ---- interrupts -------------------------------------------------------------------------
    def msi_window(self, base: int, limit: int) -> None:
        """Writes into [base, limit) are MSI-X messages (the catcher records them)."""
        self.dut.msi_win_base.value = base
        self.dut.msi_win_limit.value = limit

    def take_interrupts(self) -> list[Msi]:
        return [Msi(self._t_reset_ns + m.cycle * CLOCK_NS, m.addr, m.data) for m in self.msi.take()]

    async def wait_interrupt(self, timeout_ns: float) -> list[Msi]:
        """Sleep until a message arrives (one trigger, no polling) or `timeout_ns` passes."""
        got = self.take_interrupts()
        if got:
            return got
        cycles = max(1, round(timeout_ns / CLOCK_NS))
        await First(Edge(self.dut.msi_count), _after_cycles(cycles))
        return self.take_interrupts()

    def set_link(self, up: bool) -> None:
        self.dut.link_up.value = int(up)


def _after_cycles(cycles: int) -> Timer:
    """A Timer `cycles` clocks from now that never lands on a rising edge's own time step.

    The top makes its clock in HDL, and a Timer falling due at an edge's time may run Python
    before that edge's register updates, while every edge trigger runs it after them: a pulse
    written then (frame source start) is sampled at no edge at all. One picosecond after the
    edge, Python always sees and drives the cycle that follows the edge, as after RisingEdge."""
    now = get_sim_time("ps")
    return Timer(cycles * CLOCK_PS + (1 if now % CLOCK_PS == 0 else 0), "ps")
