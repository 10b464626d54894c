# SPDX-License-Identifier: MIT
"""msi_catcher: a pure observer of an AXI4 write channel. Python drives every input each cycle
(AW and W valid and ready at random, single and multi-beat bursts in and out of the window,
W with or after AW) and keeps the reference: AXI pairs W beats with AWs in order, and every
single-beat burst whose address lies in [win_base, win_limit) is one message, recorded when
its W beat is taken, with the 32-bit lane of the first strobed word and that word's address.
Checked: `count`, and every log entry (address, data word, and the cycle: increasing, and
exactly as far apart as the beats were)."""

from __future__ import annotations

import random

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly

from tb.common import start

DW = 512
LB = DW // 8
WIN = (0x7_0000_1000, 0x7_0000_3000)


def lane_of(strb: int) -> int:
    for k in range(LB // 4):
        if strb >> 4 * k & 1:
            return k
    return 0


class Traffic:
    def __init__(self, n: int, seed: int, w_first: bool, max_open: int = 4) -> None:
        rng = random.Random(seed)
        self.rng = rng
        self.bursts = []
        for _ in range(n):
            where = rng.random()
            if where < 0.5:
                addr = rng.randrange(WIN[0], WIN[1] - 4) & ~3
            elif where < 0.6:  # the edges
                addr = rng.choice([WIN[0], WIN[1] - 4, WIN[1], WIN[0] - 4])
            else:
                addr = rng.randrange(1 << 48) & ~3
            length = 1 if rng.random() < 0.7 else rng.randint(2, 4)
            beats = []
            for b in range(length):
                strb = rng.choice([0xF << 4 * ((addr % LB) // 4), rng.getrandbits(LB), 0])
                beats.append((rng.getrandbits(DW), strb, b == length - 1))
            self.bursts.append((addr, beats))
        self.w_first = w_first
        self.max_open = max_open


async def run(dut, tr: Traffic, stall: float) -> None:
    dut.win_base.value = WIN[0]
    dut.win_limit.value = WIN[1]
    for n in (
        "awvalid",
        "awready",
        "wvalid",
        "wready",
        "awaddr",
        "awlen",
        "wdata",
        "wstrb",
        "wlast",
    ):
        getattr(dut, n).value = 0
    await start(dut)
    rng = tr.rng
    aw_i = 0  # next burst whose AW goes
    w_i, w_beat = 0, 0  # burst and beat of the next W
    want: list[tuple[int, int, int]] = []  # (cycle, address, word)
    cycle = 0
    idle = 0
    n = len(tr.bursts)
    while w_i < n or idle < 5:
        await FallingEdge(dut.clk)
        cycle += 1
        aw_valid = aw_i < n and aw_i - w_i < tr.max_open and rng.random() > 0.3
        if aw_valid:
            addr, beats = tr.bursts[aw_i]
            dut.awaddr.value = addr
            dut.awlen.value = len(beats) - 1
        else:  # a stale address on an idle channel must not matter
            dut.awaddr.value = rng.choice([WIN[0], rng.getrandbits(48)])
            dut.awlen.value = rng.choice([0, 3])
        dut.awvalid.value = int(aw_valid)
        aw_ready = rng.random() >= stall
        dut.awready.value = int(aw_ready)
        aw_fire = aw_valid and aw_ready
        # W may go for a burst whose AW was taken, goes now, or (w_first) has not gone yet.
        w_ok = w_i < n and (w_i < aw_i or (w_i == aw_i and (aw_fire or tr.w_first)))
        w_valid = w_ok and rng.random() > 0.3
        if w_valid:
            data, strb, last = tr.bursts[w_i][1][w_beat]
            dut.wdata.value = data
            dut.wstrb.value = strb
            dut.wlast.value = int(last)
        dut.wvalid.value = int(w_valid)
        w_ready = rng.random() >= stall
        dut.wready.value = int(w_ready)
        await ReadOnly()
        if aw_fire:
            aw_i += 1
        if w_valid and w_ready:
            addr, beats = tr.bursts[w_i]
            data, strb, last = beats[w_beat]
            if len(beats) == 1 and WIN[0] <= addr < WIN[1]:
                lane = lane_of(strb)
                word_addr = (addr & 0xFFFF_FFFF) // LB * LB + 4 * lane
                want.append((cycle, word_addr, data >> 32 * lane & 0xFFFF_FFFF))
            w_beat += 1
            if last:
                w_i, w_beat = w_i + 1, 0
        idle = idle + 1 if w_i >= n else 0
    count = int(dut.count.value)
    assert count == len(want), f"count {count}, {len(want)} messages sent"
    assert count <= 256
    got = []
    for i in range(count):
        e = int(dut.log_mem[i].value)
        got.append((e >> 64, e & 0xFFFF_FFFF, e >> 32 & 0xFFFF_FFFF))
    for i, ((gc, ga, gd), (wc, wa, wd)) in enumerate(zip(got, want, strict=True)):
        assert (ga, gd) == (wa, wd), f"entry {i}: 0x{ga:x}/0x{gd:08x}, want 0x{wa:x}/0x{wd:08x}"
        if i:
            assert gc - got[i - 1][0] == wc - want[i - 1][0], f"entry {i}: cycle {gc}"


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def w_with_or_after_aw(dut) -> None:
    """AW ahead by up to four bursts, W with or after it, random stalls on both."""
    await run(dut, Traffic(240, 1, w_first=False), stall=0.3)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def w_with_or_after_aw_no_stalls(dut) -> None:
    await run(dut, Traffic(240, 2, w_first=False), stall=0.0)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def w_before_aw(dut) -> None:
    """Fixed bug: AXI lets a write's data go before its address, and the catcher must still
    pair W beats with AWs in order. With no burst open, a W beat is matched with whatever
    is on awaddr/awlen that cycle (even with awvalid low), and the AW that comes after it is
    queued as an open burst that the next burst's W beat is then matched with.
    Stimulus (directed): window [0x7_0000_1000, 0x7_0000_3000); awvalid low with awaddr 0;
    one W beat (wlast, wstrb 0xF, wdata 0x1234_5678) taken; two cycles later the AW for
    0x7_0000_1000, awlen 0, taken. Expected: count 1, entry (0x0000_1000, 0x1234_5678).
    Got: count 0. Then the random traffic of w_with_or_after_aw with W allowed first."""
    dut.win_base.value = WIN[0]
    dut.win_limit.value = WIN[1]
    for n in ("awvalid", "awready", "wvalid", "wready", "awaddr", "awlen", "wdata", "wstrb"):
        getattr(dut, n).value = 0
    dut.wlast.value = 0
    await start(dut)
    await FallingEdge(dut.clk)
    dut.wvalid.value = dut.wready.value = dut.wlast.value = 1
    dut.wdata.value = 0x1234_5678
    dut.wstrb.value = 0xF
    await FallingEdge(dut.clk)
    dut.wvalid.value = 0
    await FallingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.awvalid.value = dut.awready.value = 1
    dut.awaddr.value = WIN[0]
    await FallingEdge(dut.clk)
    dut.awvalid.value = 0
    await FallingEdge(dut.clk)
    await ReadOnly()
    count = int(dut.count.value)
    assert count == 1, f"count {count} after one in-window message sent W first"
    e = int(dut.log_mem[0].value)
    assert (e & 0xFFFF_FFFF, e >> 32 & 0xFFFF_FFFF) == (WIN[0] & 0xFFFF_FFFF, 0x1234_5678)
    await FallingEdge(dut.clk)
    await run(dut, Traffic(240, 3, w_first=True), stall=0.3)
