# SPDX-License-Identifier: MIT
"""rss_regs: every register reads back what was written (with byte strobes), the key and RETA
reach the classifier in the documented bit order, counters count, bad accesses are refused and
counted."""

from __future__ import annotations

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiLiteBus, AxiLiteMaster

from pystack.regmap import RSS_REGISTERS, addr

OKAY, SLVERR, DECERR = 0, 2, 3


async def setup(dut) -> AxiLiteMaster:
    Clock(dut.clk, 10, unit="ns").start()
    dut.stat_valid.value = 0
    dut.stat_hashed.value = 0
    dut.stat_error.value = 0
    dut.ext_bad_access.value = 0
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    return AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)


@cocotb.test()
async def key_reta_mrqc_round_trip(dut) -> None:
    axil = await setup(dut)
    rng = random.Random(3)
    key = rng.randbytes(40)
    reta = [rng.randrange(256) for _ in range(128)]
    for i in range(10):
        await axil.write_dword(addr("RSSRK", i), int.from_bytes(key[4 * i : 4 * i + 4], "little"))
    for i in range(32):
        await axil.write_dword(
            addr("RETA", i), int.from_bytes(bytes(reta[4 * i : 4 * i + 4]), "little")
        )
    await axil.write_dword(addr("MRQC"), 0x00F30002)
    await axil.write_dword(addr("HN_RSSDEFQ"), 0x1234567B)
    await RisingEdge(dut.clk)
    assert int(dut.cfg_key.value) == int.from_bytes(key, "big"), "key byte 0 must be the MSB"
    assert int(dut.cfg_reta.value) == int.from_bytes(bytes(reta), "little"), "entry n at [8n+7:8n]"
    assert int(dut.cfg_mrqc.value) == 0x00F30002
    assert int(dut.cfg_default_queue.value) == 0x7B, "only the low byte is kept"
    for i in range(10):
        assert await axil.read_dword(addr("RSSRK", i)) == int.from_bytes(
            key[4 * i : 4 * i + 4], "little"
        )
    for i in range(32):
        want = int.from_bytes(bytes(reta[4 * i : 4 * i + 4]), "little")
        assert await axil.read_dword(addr("RETA", i)) == want
    assert await axil.read_dword(addr("HN_RSSDEFQ")) == 0x7B


@cocotb.test()
async def byte_strobes(dut) -> None:
    axil = await setup(dut)
    await axil.write_dword(addr("RETA", 5), 0x44332211)
    await axil.write(addr("RETA", 5) + 2, b"\xaa")  # strobe only byte 2
    assert await axil.read_dword(addr("RETA", 5)) == 0x44AA2211
    await axil.write(addr("MRQC") + 1, b"\x01\x02")
    assert await axil.read_dword(addr("MRQC")) == 0x00020100


@cocotb.test()
async def bad_accesses_are_refused_and_counted(dut) -> None:
    axil = await setup(dut)
    await axil.write_dword(addr("MRQC"), 0x2)
    # rss_regs alone owns the RSS block; the device registers (CTRL at 0, ...) live in nic_regs.
    mapped = {r.address(i) for r in RSS_REGISTERS for i in range(r.count)}
    holes = [0x0, 0x05814, 0x05824, 0x05860, 0x05BFC, addr("RSSRK", 9) + 4, 0x1FFFC]
    assert not mapped & set(holes)
    for a in holes:
        resp = await axil.write(a, b"\xff\xff\xff\xff")
        assert resp.resp == DECERR, hex(a)
        rresp = await axil.read(a, 4)
        assert rresp.resp == DECERR, hex(a)
        assert rresp.data == b"\0\0\0\0"
    for name in ("HN_RSSFRAMES", "HN_RSSHASHED", "HN_BADACC"):
        assert (await axil.write(addr(name), b"\1\0\0\0")).resp == SLVERR
    assert await axil.read_dword(addr("MRQC")) == 0x2, "refused writes leave state alone"
    assert await axil.read_dword(addr("HN_RSSFRAMES")) == 0
    assert await axil.read_dword(addr("HN_BADACC")) == 2 * len(holes) + 3


@cocotb.test()
async def classifier_counters(dut) -> None:
    axil = await setup(dut)
    rng = random.Random(5)
    events = [(rng.random() < 0.8, rng.random() < 0.6, rng.randrange(6)) for _ in range(300)]
    for valid, hashed, err in events:
        dut.stat_valid.value = int(valid)
        dut.stat_hashed.value = int(hashed)
        dut.stat_error.value = err
        await RisingEdge(dut.clk)
    dut.stat_valid.value = 0
    await RisingEdge(dut.clk)
    counted = [(h, e) for v, h, e in events if v]
    assert await axil.read_dword(addr("HN_RSSFRAMES")) == len(counted)
    assert await axil.read_dword(addr("HN_RSSHASHED")) == sum(h for h, _ in counted)
    for code in range(1, 6):
        want = sum(1 for _, e in counted if e == code)
        assert await axil.read_dword(addr("HN_RSSERR", code - 1)) == want, f"error code {code}"
