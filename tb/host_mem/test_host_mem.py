# SPDX-License-Identifier: MIT
"""host_mem: the AXI4 slave against a bytearray reference (random lengths, offsets, narrow sizes,
strobes), backdoor and AXI views agree, out-of-range and error-window responses leave memory
alone, the DMA guard refuses and counts, the access log matches the transactions, rst keeps
memory and guard state, and the throughput: one-beat writes and reads at about one per cycle."""

from __future__ import annotations

import random
import time

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge
from cocotb.utils import get_sim_time
from cocotbext.axi import AxiBus, AxiMaster

from pystack.rtl.backdoor import DECERR, OKAY, SLVERR, HostMemory

CLOCK_NS = 4
LB = 64  # line bytes at the default DATA_WIDTH


async def setup(dut, master: bool = True) -> tuple[AxiMaster | None, HostMemory]:
    """Clock, reset, and either an AxiMaster or idle hand-driven AXI inputs."""
    Clock(dut.clk, CLOCK_NS, unit="ns").start()
    axi = None
    if master:
        axi = AxiMaster(AxiBus.from_prefix(dut, "s_axi"), dut.clk, dut.rst)
    else:
        for name in ("awvalid", "wvalid", "arvalid", "awid", "awaddr", "awlen", "awsize"):
            getattr(dut, f"s_axi_{name}").value = 0
        for name in ("awburst", "wdata", "wstrb", "wlast", "arid", "araddr", "arlen", "arsize"):
            getattr(dut, f"s_axi_{name}").value = 0
        dut.s_axi_arburst.value = 1
        dut.s_axi_bready.value = 1
        dut.s_axi_rready.value = 1
    await reset(dut)
    return axi, HostMemory(dut)


async def reset(dut) -> None:
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)


# ---- hand-driven AXI: exact cycle counts, arbitrary strobes ----------------------------------
# Drive and sample at the falling edge: every ready of host_mem comes from registers, so the
# value read there is the one the next rising edge samples.


async def raw_writes(dut, beats: list[tuple[int, int, int, int]]) -> tuple[list[int], int]:
    """One-beat writes (addr, data, strobe, size), AW and W each offered every cycle.
    Returns the B responses and the cycles from the first AW offered to the last B taken."""
    n = len(beats)
    aw = w = 0
    aw_go = w_go = False
    resps: list[int] = []
    cycles = 0
    while len(resps) < n:
        await FallingEdge(dut.clk)
        aw += aw_go
        w += w_go
        if aw < n:
            addr, _, _, size = beats[aw]
            dut.s_axi_awaddr.value = addr
            dut.s_axi_awsize.value = size
            dut.s_axi_awlen.value = 0
            dut.s_axi_awburst.value = 1
            dut.s_axi_awid.value = aw % 16
        dut.s_axi_awvalid.value = int(aw < n)
        if w < n:
            _, data, strb, _ = beats[w]
            dut.s_axi_wdata.value = data
            dut.s_axi_wstrb.value = strb
            dut.s_axi_wlast.value = 1
        dut.s_axi_wvalid.value = int(w < n)
        aw_go = aw < n and bool(int(dut.s_axi_awready.value))
        w_go = w < n and bool(int(dut.s_axi_wready.value))
        if int(dut.s_axi_bvalid.value):
            assert int(dut.s_axi_bid.value) == len(resps) % 16, "B out of order"
            resps.append(int(dut.s_axi_bresp.value))
        cycles += 1
    dut.s_axi_awvalid.value = 0
    dut.s_axi_wvalid.value = 0
    return resps, cycles


async def raw_reads(dut, addrs: list[int]) -> tuple[list[tuple[int, int]], int, int]:
    """One-beat full-width reads, AR offered every cycle. Returns (rresp, rdata) per read, the
    cycles from the first AR to the last R, and the cycles from the first AR to the first R."""
    n = len(addrs)
    ar = 0
    ar_go = False
    out: list[tuple[int, int]] = []
    cycles = 0
    first_r = 0
    while len(out) < n:
        await FallingEdge(dut.clk)
        ar += ar_go
        if ar < n:
            dut.s_axi_araddr.value = addrs[ar]
            dut.s_axi_arlen.value = 0
            dut.s_axi_arsize.value = 6
            dut.s_axi_arid.value = ar % 16
        dut.s_axi_arvalid.value = int(ar < n)
        ar_go = ar < n and bool(int(dut.s_axi_arready.value))
        cycles += 1
        if int(dut.s_axi_rvalid.value):
            assert int(dut.s_axi_rlast.value) == 1
            assert int(dut.s_axi_rid.value) == len(out) % 16, "R out of order"
            if not out:
                first_r = cycles
            out.append((int(dut.s_axi_rresp.value), int(dut.s_axi_rdata.value)))
    dut.s_axi_arvalid.value = 0
    return out, cycles, first_r


# ---- tests -----------------------------------------------------------------------------------


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def random_access_against_reference(dut) -> None:
    axi, mem = await setup(dut)
    rng = random.Random(1)
    base, span = 0x10000, 0x20000
    ref = bytearray(mem.read(base, span))
    for i in range(240):
        size = rng.choice([None, None, None, 0, 1, 2, 3, 4, 5])
        limit = 1500 if size is None else 16 << size
        length = rng.choice([1, 2, 3, 63, 64, 65, rng.randint(1, limit)])
        addr = rng.randrange(span - length)
        if rng.random() < 0.5:
            data = rng.randbytes(length)
            resp = await axi.write(base + addr, data, size=size)
            assert resp.resp == OKAY
            ref[addr : addr + length] = data
        else:
            got = await axi.read(base + addr, length, size=size)
            assert got.resp == OKAY
            assert got.data == ref[addr : addr + length], f"op {i}: read 0x{base + addr:x}+{length}"
    assert mem.read(base, span) == ref, "backdoor view differs from the reference"

    # Many transactions in flight at once: writes to disjoint places, then reads.
    spots = rng.sample(range(0, span - 512, 512), 24)
    payload = {a: rng.randbytes(rng.randint(1, 500)) for a in spots}
    events = [axi.init_write(base + a, d) for a, d in payload.items()]
    for ev in events:
        await ev.wait()
        assert ev.data.resp == OKAY
    for a, d in payload.items():
        ref[a : a + len(d)] = d
    events = [axi.init_read(base + a, len(d)) for a, d in payload.items()]
    for ev, d in zip(events, payload.values(), strict=True):
        await ev.wait()
        assert ev.data.data == d
    assert mem.read(base, span) == ref


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def strobes_and_lanes(dut) -> None:
    """Arbitrary write strobes; strobes outside a narrow beat's lanes are ignored."""
    _, mem = await setup(dut, master=False)
    rng = random.Random(2)
    base = 0x80000
    ref = bytearray(rng.randbytes(64 * LB))
    mem.write(base, bytes(ref))
    beats = []
    for _ in range(150):
        line = rng.randrange(64)
        size = rng.choice([6, 6, 0, 2, 3, 5])
        off = rng.randrange(0, LB, 1 << size)
        data = rng.getrandbits(8 * LB)
        strb = rng.getrandbits(LB)
        beats.append((base + line * LB + off, data, strb, size))
        lanes = range(off, off + (1 << size))
        for b in range(LB):
            if strb >> b & 1 and b in lanes:
                ref[line * LB + b] = (data >> (8 * b)) & 0xFF
    resps, _ = await raw_writes(dut, beats)
    assert resps == [OKAY] * len(beats)
    assert mem.read(base, 64 * LB) == ref
    # An unaligned full-width beat covers its address to the end of the line only.
    resps, _ = await raw_writes(dut, [(base + 10, (1 << 512) - 1, (1 << 64) - 1, 6)])
    ref[10:64] = b"\xff" * 54
    assert resps == [OKAY] and mem.read(base, 64) == ref[:64]


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def backdoor_and_axi_agree(dut) -> None:
    axi, mem = await setup(dut)
    rng = random.Random(3)
    for _ in range(20):
        addr = rng.randrange(0x100000, 0x140000)
        data = rng.randbytes(rng.randint(1, 700))
        mem.write(addr, data)  # backdoor in, AXI out
        got = await axi.read(addr, len(data))
        assert got.data == data
        data = rng.randbytes(rng.randint(1, 700))
        await axi.write(addr, data)  # AXI in, backdoor out
        assert mem.read(addr, len(data)) == data
    # Cost of the backdoor, for the record (wall time per whole-line VPI call).
    blob = rng.randbytes(1024 * LB)
    t0 = time.perf_counter()
    mem.write(0x180000, blob)
    t1 = time.perf_counter()
    assert mem.read(0x180000, len(blob)) == blob
    t2 = time.perf_counter()
    dut._log.warning(
        "host_mem backdoor: %.1f us per line written, %.1f us per line read",
        (t1 - t0) / 1024 * 1e6,
        (t2 - t1) / 1024 * 1e6,
    )
    # Backdoor writes take no simulated time and are visible at once.
    t = get_sim_time("ns")
    mem.write(0x100003, b"hello")
    assert mem.read(0x100000, 8) == mem.read(0x100000, 3) + b"hello"
    assert get_sim_time("ns") == t


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def out_of_range_is_decerr(dut) -> None:
    axi, mem = await setup(dut)
    end = mem.size
    tail = bytes(range(64))
    mem.write(end - 64, tail)
    # A burst running off the end: the in-range beat is done, the rest refused.
    resp = await axi.write(end - 64, b"\xaa" * 128)
    assert resp.resp == DECERR
    assert mem.read(end - 64, 64) == b"\xaa" * 64
    got = await axi.read(end - 64, 128)
    assert got.resp == DECERR and got.data == b"\xaa" * 64 + bytes(64)
    for addr in (end, end + 4096, 1 << 40, (1 << 48) - 64):
        assert (await axi.write(addr, b"\x55" * 64)).resp == DECERR
        got = await axi.read(addr, 64)
        assert got.resp == DECERR and got.data == bytes(64)
    # Nothing wrapped around into low memory.
    assert mem.read(0, 64) != b"\x55" * 64


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def error_window(dut) -> None:
    axi, mem = await setup(dut)
    base = 0x200000
    orig = bytes(range(256))
    for resp_code in (SLVERR, DECERR):
        mem.write(base, orig)
        mem.set_error_window(base + 64, base + 192, resp_code)
        resp = await axi.write(base, b"\xee" * 256)
        assert resp.resp == resp_code
        want = b"\xee" * 64 + orig[64:192] + b"\xee" * 64
        assert mem.read(base, 256) == want, "beats in the window must not be performed"
        got = await axi.read(base, 256)
        assert got.resp == resp_code
        assert got.data == b"\xee" * 64 + bytes(128) + b"\xee" * 64
        # A beat touching the window by one byte is refused; one beside it is not.
        assert (await axi.write(base + 191, b"\x01")).resp == resp_code
        assert (await axi.write(base + 192, b"\x01")).resp == OKAY
        assert (await axi.write(base + 63, b"\x01")).resp == OKAY
        assert (await axi.read(base + 60, 4, size=2)).resp == OKAY
        assert (await axi.read(base + 64, 1, size=0)).resp == resp_code
    mem.clear_error_window()
    assert (await axi.write(base + 100, b"\x02")).resp == OKAY
    assert mem.read(base + 100, 1) == b"\x02"


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def dma_guard(dut) -> None:
    axi, mem = await setup(dut)
    mem.clear_regions()
    mem.clear_violations()
    buf = 0x300000
    mem.write(buf - 4096, bytes(3 * 4096))
    before = mem.read(buf - 4096, 3 * 4096)

    mem.enable_guard(True)
    assert (await axi.write(buf, b"\x11" * 64)).resp == DECERR, "no region: all refused"
    assert mem.violations() == 1 and mem.first_violation() == buf
    mem.clear_violations()

    slot = mem.add_region(buf, 4096)
    assert (await axi.write(buf, b"\x22" * 4096)).resp == OKAY
    assert (await axi.read(buf + 100, 300)).data == b"\x22" * 300
    # Last beat inside, next beat outside: one violation at the outside beat.
    resp = await axi.write(buf + 4096 - 64, b"\x33" * 128)
    assert resp.resp == DECERR
    assert mem.violations() == 1 and mem.first_violation() == buf + 4096
    assert mem.read(buf + 4096 - 64, 128) == b"\x33" * 64 + bytes(64)
    # Reads outside return zeros; narrow accesses are checked on their own bytes.
    got = await axi.read(buf - 64, 64)
    assert got.resp == DECERR and got.data == bytes(64)
    assert (await axi.read(buf - 1, 1, size=0)).resp == DECERR
    assert (await axi.read(buf, 1, size=0)).resp == OKAY
    # A write strobing only the byte before the buffer is a violation, one at its start not.
    assert (await axi.write(buf - 1, b"\x44")).resp == DECERR
    assert (await axi.write(buf + 4095, b"\x44")).resp == OKAY
    assert mem.violations() == 4
    assert mem.first_violation() == buf + 4096, "the first violation's address is kept"

    # Bytes all allowed but by two regions: a beat must lie inside one region.
    mem.remove_region(slot)
    mem.add_region(buf, 32)
    mem.add_region(buf + 32, 32)
    assert (await axi.write(buf, b"\x55" * 64)).resp == DECERR
    assert (await axi.write(buf, b"\x55" * 32)).resp == OKAY
    assert (await axi.write(buf + 32, b"\x66" * 32)).resp == OKAY
    assert mem.violations() == 5

    after = bytearray(before)
    after[4096 : 2 * 4096] = b"\x22" * 4096
    after[2 * 4096 - 64 : 2 * 4096] = b"\x33" * 64
    after[2 * 4096 - 1] = 0x44
    after[4096 : 4096 + 64] = b"\x55" * 32 + b"\x66" * 32
    assert mem.read(buf - 4096, 3 * 4096) == after, "refused beats must leave memory alone"

    # rst keeps memory and guard state; the guard then still refuses.
    await reset(dut)
    assert mem.violations() == 5 and mem.first_violation() == buf + 4096
    assert (await axi.write(buf - 64, b"\x77" * 64)).resp == DECERR
    assert mem.read(buf - 4096, 3 * 4096) == after

    mem.enable_guard(False)
    assert (await axi.write(buf - 64, b"\x77" * 64)).resp == OKAY
    mem.clear_violations()
    mem.clear_regions()
    assert mem.violations() == 0 and mem.first_violation() is None
    with_full = HostMemory(dut)
    for _ in range(64):
        with_full.add_region(0, 64)
    try:
        with_full.add_region(0, 64)
    except RuntimeError:
        pass
    else:
        raise AssertionError("a 65th region must be refused")
    with_full.clear_regions()


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def access_log(dut) -> None:
    axi, mem = await setup(dut)
    assert mem.log() == [], "rst clears the log"
    rng = random.Random(4)
    want = []
    for _ in range(60):
        size = rng.choice([6, 6, 2, 0, 3])
        page = 0x400000 + 4096 * rng.randrange(16)
        addr = page + rng.randrange(4096 - 256)
        length = rng.randint(1, min(256, 4096 - (addr - page)))
        beats = (length + addr % (1 << size) + (1 << size) - 1) >> size
        if rng.random() < 0.5:
            await axi.write(addr, rng.randbytes(length), size=size)
            want.append((addr, beats - 1, size, True, OKAY))
        else:
            await axi.read(addr, length, size=size)
            want.append((addr, beats - 1, size, False, OKAY))
    await axi.write(mem.size, b"\0")
    want.append((mem.size, 0, 6, True, DECERR))
    log = mem.log()
    assert [(e.addr, e.len, e.size, e.is_write, e.resp) for e in log] == want
    cycles = [e.cycle for e in log]
    assert cycles == sorted(cycles) and cycles[0] > 0
    assert mem.log(since=len(want) - 1) == log[-1:]
    assert int(dut.stat_writes.value) == sum(w[3] for w in want)
    assert int(dut.stat_reads.value) == sum(not w[3] for w in want)


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def throughput(dut) -> None:
    """One-beat writes and reads offered every cycle run at one per cycle."""
    _, mem = await setup(dut, master=False)
    rng = random.Random(5)
    base = 0x500000
    n = 200
    lines = [rng.getrandbits(512) for _ in range(n)]
    beats = [(base + i * LB, lines[i], (1 << 64) - 1, 6) for i in range(n)]
    resps, cycles = await raw_writes(dut, beats)
    assert resps == [OKAY] * n
    log = mem.log()[-n:]
    stamps = [e.cycle for e in log]
    dut._log.warning(
        "host_mem: %d one-beat writes in %d cycles (%.2f per write); log stamps span %d",
        n,
        cycles,
        cycles / n,
        stamps[-1] - stamps[0],
    )
    assert cycles <= n + 4, f"{cycles} cycles for {n} one-beat writes"
    assert stamps[-1] - stamps[0] == n - 1, "writes must complete one per cycle"
    for i in range(n):
        assert mem.read_line((base >> 6) + i) == lines[i].to_bytes(64, "little")

    # Latency of a lone write: W taken at a rising edge, B offered right after it.
    resps, cycles = await raw_writes(dut, [(base, 5, (1 << 64) - 1, 6)])
    dut._log.warning("host_mem: lone write, AW+W offered to B taken: %d cycles", cycles)
    assert cycles <= 3

    out, cycles, first = await raw_reads(dut, [base + i * LB for i in range(n)])
    dut._log.warning(
        "host_mem: %d one-beat reads in %d cycles; first R %d cycles after the first AR",
        n,
        cycles,
        first,
    )
    assert [r for r, _ in out] == [OKAY] * n
    lines[0] = 5  # the lone write
    assert [d for _, d in out] == lines
    assert cycles <= n + 4 and first <= 3

    # The same through cocotbext-axi (its own per-beat Python costs count here too).
    await RisingEdge(dut.clk)  # the last R is taken at this edge, before the master watches
    axi = AxiMaster(AxiBus.from_prefix(dut, "s_axi"), dut.clk, dut.rst)
    await RisingEdge(dut.clk)
    start = mem.log_count
    events = [axi.init_write(base + i * LB, bytes([i]) * LB) for i in range(n)]
    for ev in events:
        await ev.wait()
    log = mem.log()[-n:]
    assert mem.log_count == start + n
    span = log[-1].cycle - log[0].cycle + 1
    dut._log.warning("host_mem: %d AxiMaster one-beat writes span %d cycles", n, span)
    assert span <= 3 * n
