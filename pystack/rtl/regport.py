# SPDX-License-Identifier: MIT
"""AXI-Lite register access that wakes Python only while an access is in flight.

cocotbext-axi's AxiLiteMaster keeps its response-channel monitors waking on every clock even
when idle, which caps a whole-NIC simulation at a few tens of thousands of cycles per second.
The driver touches registers a few times per poll, so a master that is silent between accesses
is what lets the simulator run free in between.

Accesses from several coroutines (the simulated CPUs each bump their own rings' tails) take
turns, one lock per direction: two writers driving awaddr and wdata at once would both see the
one handshake and one of the writes would be lost. The AXI-Lite read and write channels are
independent, so a read may overlap a write."""

from __future__ import annotations

from typing import Any

from cocotb.triggers import Lock, ReadOnly, RisingEdge

OKAY = 0


class RegisterError(RuntimeError):
    """The NIC refused a register access (SLVERR or DECERR)."""


class RegPort:
    """One outstanding access at a time over the s_axil_* ports of `dut`."""

    def __init__(self, dut: Any) -> None:
        self.dut = dut
        self._wlock = Lock()
        self._rlock = Lock()
        self.contended = 0  # accesses that had to wait for another coroutine's
        for name in ("awvalid", "wvalid", "arvalid"):
            getattr(dut, f"s_axil_{name}").value = 0
        dut.s_axil_bready.value = 1
        dut.s_axil_rready.value = 1
        dut.s_axil_awprot.value = 0
        dut.s_axil_arprot.value = 0
        dut.s_axil_wstrb.value = 0xF

    async def write(self, addr: int, value: int) -> int:
        """Write and return the response code (0 OKAY, 2 SLVERR, 3 DECERR)."""
        self.contended += self._wlock.locked()
        async with self._wlock:
            return await self._write(addr, value)

    async def read(self, addr: int) -> tuple[int, int]:
        """Read: (data, response code)."""
        self.contended += self._rlock.locked()
        async with self._rlock:
            return await self._read(addr)

    async def _handshake(self, ready: str) -> None:
        """Until the clock edge at which s_axil_<ready> is high (with our valid held high):
        ready is read once the cycle has settled, before the edge, which is right whichever
        way the clock is made (a clock from the HDL wakes Python only after the edge's
        register updates, when a one-cycle ready has already fallen)."""
        signal = getattr(self.dut, f"s_axil_{ready}")
        while True:
            await ReadOnly()
            seen = int(signal.value)
            await RisingEdge(self.dut.clk)
            if seen:
                return

    async def _write(self, addr: int, value: int) -> int:
        d = self.dut
        d.s_axil_awaddr.value = addr
        d.s_axil_wdata.value = value & 0xFFFFFFFF
        d.s_axil_awvalid.value = 1
        d.s_axil_wvalid.value = 1
        await self._handshake("awready")
        d.s_axil_awvalid.value = 0
        d.s_axil_wvalid.value = 0
        while True:
            await ReadOnly()
            if int(d.s_axil_bvalid.value):
                resp = int(d.s_axil_bresp.value)
                await RisingEdge(d.clk)
                return resp
            await RisingEdge(d.clk)

    async def _read(self, addr: int) -> tuple[int, int]:
        d = self.dut
        d.s_axil_araddr.value = addr
        d.s_axil_arvalid.value = 1
        await self._handshake("arready")
        d.s_axil_arvalid.value = 0
        while True:
            await ReadOnly()
            if int(d.s_axil_rvalid.value):
                data, resp = int(d.s_axil_rdata.value), int(d.s_axil_rresp.value)
                await RisingEdge(d.clk)
                return data, resp
            await RisingEdge(d.clk)
