# SPDX-License-Identifier: MIT
"""cocotb environment around hdl/sim/rss_unit_top.v (rss_regs + rx_classifier).

cocotbext-axi drives AXI-Lite and the frame streams; a small monitor collects the per-frame
result stream. Used by the classifier testbench and by `hilnic classify --sim verilator|icarus`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

import cocotb
from cocotb.clock import Clock
from cocotb.handle import SimHandleBase
from cocotb.triggers import RisingEdge
from cocotbext.axi import (
    AxiLiteBus,
    AxiLiteMaster,
    AxiStreamBus,
    AxiStreamFrame,
    AxiStreamSink,
    AxiStreamSource,
)

from pystack.nic.device import CLOCK_NS
from pystack.rss import HashType, ParseError, RssConfig, RssResult
from pystack.rss.program import rss_register_writes


@dataclass
class Pattern:
    """Idle and backpressure: the chance per cycle that each side pauses."""

    source_idle: float = 0.0
    sink_stall: float = 0.0
    result_stall: float = 0.0


def _pauses(rng: random.Random, prob: float) -> Iterable[int]:
    while True:
        yield int(rng.random() < prob)


class RssUnitEnv:
    def __init__(self, dut: SimHandleBase, seed: int = 0) -> None:
        self.dut = dut
        self.rng = random.Random(seed)
        Clock(dut.clk, CLOCK_NS, unit="ns").start()
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst)
        self.results: list[RssResult] = []
        self.stall_cycles = 0  # cycles with s_axis_tvalid high and s_axis_tready low
        self.active_cycles = 0  # cycles with a beat accepted
        self.result_stall = 0.0
        dut.m_axis_res_tready.value = 0
        dut.rst.value = 1  # held until reset(): Icarus registers are X until then
        cocotb.start_soon(self._monitor())

    async def reset(self) -> None:
        self.dut.rst.value = 1
        for _ in range(4):
            await RisingEdge(self.dut.clk)
        self.dut.rst.value = 0
        await RisingEdge(self.dut.clk)

    def set_pattern(self, pattern: Pattern) -> None:
        self.source.set_pause_generator(_pauses(self.rng, pattern.source_idle))
        self.sink.set_pause_generator(_pauses(self.rng, pattern.sink_stall))
        self.result_stall = pattern.result_stall

    async def program(self, cfg: RssConfig) -> None:
        for address, value in rss_register_writes(cfg):
            await self.axil.write_dword(address, value)

    async def read_reg(self, address: int) -> int:
        return await self.axil.read_dword(address)

    async def classify(self, frames: list[bytes]) -> tuple[list[RssResult], list[bytes]]:
        """Send frames, return (results, frames seen on the output stream), in order."""
        start = len(self.results)
        for frame in frames:
            await self.source.send(AxiStreamFrame(frame))
        out: list[bytes] = []
        for _ in frames:
            out.append(bytes((await self.sink.recv()).tdata))
        while len(self.results) < start + len(frames):
            await RisingEdge(self.dut.clk)
        # A few more cycles: a surplus result would be a bug and must show up.
        for _ in range(16):
            await RisingEdge(self.dut.clk)
        return self.results[start:], out

    async def _monitor(self) -> None:
        dut = self.dut
        while True:
            await RisingEdge(dut.clk)
            if str(dut.rst.value) != "0":
                continue
            if int(dut.s_axis_tvalid.value):
                if int(dut.s_axis_tready.value):
                    self.active_cycles += 1
                else:
                    self.stall_cycles += 1
            if int(dut.m_axis_res_tvalid.value) and int(dut.m_axis_res_tready.value):
                self.results.append(
                    RssResult(
                        hash=int(dut.m_axis_res_hash.value),
                        hash_type=HashType(int(dut.m_axis_res_hash_type.value)),
                        reta_index=int(dut.m_axis_res_reta_index.value),
                        queue=int(dut.m_axis_res_queue.value),
                        error=ParseError(int(dut.m_axis_res_error.value)),
                        packet_type=int(dut.m_axis_res_packet_type.value),
                        vlan_tags=int(dut.m_axis_res_vlan_tags.value),
                        length=int(dut.m_axis_res_len.value),
                    )
                )
                assert int(dut.m_axis_res_parse_error.value) == (
                    int(dut.m_axis_res_error.value) != 0
                ), "parse_error flag disagrees with the error code"
            dut.m_axis_res_tready.value = int(self.rng.random() >= self.result_stall)
