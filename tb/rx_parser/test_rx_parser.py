# SPDX-License-Identifier: MIT
"""rx_parser against pystack.rss.parse_frame, field by field, with a tap ready that stalls."""

from __future__ import annotations

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSource

from pystack.rss import L3, L4, parse_frame
from pystack.traffic import edge_frames, random_frames


def left_aligned(addr: bytes) -> int:
    return int.from_bytes(addr.ljust(16, b"\0"), "big")


async def drive_ready(dut, rng: random.Random, stall: float) -> None:
    while True:
        dut.s_axis_tready.value = int(rng.random() >= stall)
        await RisingEdge(dut.clk)


async def run(dut, frames: list[bytes], stall: float, idle: float, seed: int) -> None:
    Clock(dut.clk, 6.4, unit="ns").start()
    rng = random.Random(seed)
    source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst)
    source.set_pause_generator(iter(lambda: int(rng.random() < idle), 2))
    dut.s_axis_tready.value = 1
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    cocotb.start_soon(drive_ready(dut, rng, stall))
    for frame in frames:
        await source.send(AxiStreamFrame(frame))
    seen = 0
    while seen < len(frames):
        await RisingEdge(dut.clk)
        if not int(dut.out_valid.value):
            continue
        frame = frames[seen]
        want = parse_frame(frame)
        got = {
            "len": int(dut.out_len.value),
            "tags": int(dut.out_vlan_tags.value),
            "l3": L3(int(dut.out_l3.value)),
            "l4": L4(int(dut.out_l4.value)),
            "frag": bool(int(dut.out_fragment.value)),
            "src": int(dut.out_src.value),
            "dst": int(dut.out_dst.value),
            "sport": int(dut.out_sport.value),
            "dport": int(dut.out_dport.value),
            "err": int(dut.out_err.value),
        }
        expect = {
            "len": want.length,
            "tags": want.vlan_tags,
            "l3": want.l3,
            "l4": want.l4,
            "frag": want.fragment,
            "src": left_aligned(want.src),
            "dst": left_aligned(want.dst),
            "sport": want.sport,
            "dport": want.dport,
            "err": int(want.error),
        }
        assert got == expect, f"frame {seen} ({frame.hex()}): rtl {got} model {expect}"
        seen += 1
    for _ in range(20):
        await RisingEdge(dut.clk)
        assert not int(dut.out_valid.value), "parser reported more frames than were sent"


@cocotb.test()
async def edge_cases(dut) -> None:
    await run(dut, edge_frames(), stall=0.0, idle=0.0, seed=1)


@cocotb.test()
async def random_mix_with_stalls(dut) -> None:
    await run(dut, random_frames(11, 500), stall=0.3, idle=0.2, seed=2)
