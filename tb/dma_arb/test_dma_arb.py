# SPDX-License-Identifier: MIT
"""dma_arb: the RX (port 0) and TX (port 1) engines onto one AXI4 master, each engine port driven
by a cocotbext-axi AxiMaster (one write burst in flight per engine, as the engines do) and host
memory an AxiRam. Reference: a byte shadow of memory per port, and AXI's rules: every byte
written lands where its own port sent it (so write data followed the address order), every
read returns its own port's bytes, responses (OKAY, SLVERR, DECERR) come back to the port
whose burst earned them, master IDs name the port, and address channels are granted round
robin: when both ports ask at once, the one not served last goes first. Backpressure on every
channel of both sides."""

from __future__ import annotations

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiBus, AxiMaster

from tb.common import CLOCK_NS, DECERR, OKAY, SLVERR, CheckedRam, cycles, pause, reset

REGION = 0x10_0000  # each port's area
BASE = (0x5A << 32, (0x5A << 32) + 4 * REGION)
LB = 64


class Grants:
    """Per cycle on one master address channel: the ID of each handshake must be the port that
    owns the address, and a fresh choice between two waiting ports must alternate."""

    def __init__(self, dut, ch: str) -> None:
        self.dut, self.ch = dut, ch
        self.errors: list[str] = []
        self.contested = 0
        self.grants = [0, 0]
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        dut, ch = self.dut, self.ch
        valid = getattr(dut, f"m_axi_{ch}valid")
        ready = getattr(dut, f"m_axi_{ch}ready")
        ident = getattr(dut, f"m_axi_{ch}id")
        address = getattr(dut, f"m_axi_{ch}addr")
        req = [getattr(dut, f"s0_axi_{ch}valid"), getattr(dut, f"s1_axi_{ch}valid")]
        last = None
        fresh = True
        while True:
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            if not int(valid.value):
                fresh = True
                continue
            who = int(ident.value)
            if fresh and int(req[0].value) and int(req[1].value):
                self.contested += 1
                if last is not None and who == last:
                    self.errors.append(f"{ch}: port {who} served twice while both asked")
            fresh = False
            if int(ready.value):
                owner = 0 if int(address.value) < BASE[1] else 1
                if who != owner:
                    self.errors.append(f"{ch}: ID {who} on port {owner}'s address")
                self.grants[who] += 1
                last, fresh = who, True


class Bench:
    def __init__(self, dut) -> None:
        self.dut = dut
        self.ram = CheckedRam(dut, size=1 << 24)
        # AxiRam leaves bid/rid X until its first response, and the arbiter routes bready and
        # rready by them: start them at 0.
        dut.m_axi_bid.value = 0
        dut.m_axi_rid.value = 0
        for b in BASE:
            self.ram.readable.append((b, REGION * 4))
            self.ram.writable.append((b, REGION * 4))
        self.ports = [
            AxiMaster(AxiBus.from_prefix(dut, f"s{p}_axi"), dut.clk, dut.rst) for p in (0, 1)
        ]
        self.grants = {ch: Grants(dut, ch) for ch in ("aw", "ar")}
        self.shadow = [bytearray(REGION), bytearray(REGION)]  # each port's write area
        self.errors_seen = [0, 0]

    def backpressure(self, seed: int, share: float) -> None:
        self.ram.pause(seed, share)
        for p, m in enumerate(self.ports):
            w, r = m.write_if, m.read_if
            chans = (w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel)
            for i, ch in enumerate(chans):
                ch.set_pause_generator(pause(seed * 100 + p * 10 + i, share))

    def burst(self, rng: random.Random, area: int) -> tuple[int, int]:
        """(offset, length) of one burst inside `area` bytes: any alignment, up to 16 lines,
        never across 4 KiB (so AxiMaster issues exactly one burst)."""
        length = rng.choice([1, 4, 63, 64, 65, 128, rng.randint(1, 16 * LB)])
        off = rng.randrange(area - length)
        if off // 4096 != (off + length - 1) // 4096:
            off = (off + length - 1) // 4096 * 4096
        return off, length

    async def writer(self, p: int, n: int, seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(n):
            off, length = self.burst(rng, REGION)
            data = rng.randbytes(length)
            addr = BASE[p] + off
            want = self.ram.error_at(addr, length, "W")
            resp = await self.ports[p].write(addr, data, awid=0)  # engines have no IDs
            assert int(resp.resp) == want, f"port {p} write 0x{addr:x}: {int(resp.resp)} {want}"
            # The memory skips just the beats that touch an error window.
            for k in range(addr - addr % LB, addr + length, LB):
                lo, hi = max(k, addr), min(k + LB, addr + length)
                if not self.ram.error_at(lo, hi - lo, "W"):
                    self.shadow[p][lo - BASE[p] : hi - BASE[p]] = data[lo - addr : hi - addr]
            self.errors_seen[p] += want != OKAY

    async def reader(self, p: int, n: int, seed: int) -> None:
        """Reads from the port's read-only area (filled before the run) and its write area
        once the writer is done with a burst there: data and response checked."""
        rng = random.Random(seed)
        for _ in range(n):
            off, length = self.burst(rng, REGION)
            addr = BASE[p] + REGION + off  # the read-only area
            resp = await self.ports[p].read(addr, length, arid=0)
            lines = range(addr - addr % LB, addr + length, LB)
            bad = [self.ram.error_at(a, LB, "R") for a in lines if self.ram.error_at(a, LB, "R")]
            want = bad[0] if bad else OKAY
            assert int(resp.resp) == want, f"port {p} read 0x{addr:x}: resp {int(resp.resp)}"
            if want == OKAY:
                assert resp.data == self.ram.read(addr, length), f"port {p} read 0x{addr:x}"
            self.errors_seen[p] += want != OKAY

    async def traffic(self, n: int, seed: int, ports: tuple[int, ...] = (0, 1)) -> None:
        for p in (0, 1):  # the read-only areas
            self.ram.write(BASE[p] + REGION, random.Random(seed + p).randbytes(REGION))
        tasks = []
        for p in ports:
            tasks.append(cocotb.start_soon(self.writer(p, n, seed * 10 + p)))
            # Two readers per port: reads queue up back to back (the arbiter does not limit
            # reads in flight), so both ports often ask for the read channel at once.
            for k in (0, 1):
                tasks.append(cocotb.start_soon(self.reader(p, n // 2, seed * 10 + 5 + 2 * p + k)))
        for t in tasks:
            await t
        for p in ports:
            got = self.ram.read(BASE[p], REGION)
            assert got == bytes(self.shadow[p]), f"port {p}'s write area differs from its shadow"
        assert not self.ram.violations, self.ram.violations[:3]
        for g in self.grants.values():
            assert not g.errors, g.errors[:3]


async def setup(dut) -> Bench:
    # The bus models start in reset: the arbiter's ready outputs are X until its first reset.
    Clock(dut.clk, CLOCK_NS, unit="ns").start()
    dut.rst.value = 1
    dut.master_disable.value = 0
    await cycles(dut, 2)
    bench = Bench(dut)
    await reset(dut)
    for p in (0, 1):
        bench.ram.write(BASE[p], bytes(REGION))
    return bench


@cocotb.test(timeout_time=300, timeout_unit="ms")
async def both_ports_full_speed(dut) -> None:
    """Both engines reading and writing at once with no stalls: everything lands, round robin
    holds on both address channels, and both ports get a fair share."""
    bench = await setup(dut)
    await bench.traffic(150, 1)
    for ch, g in bench.grants.items():
        assert min(g.grants) >= 150, f"{ch}: both ports served {g.grants}"


@cocotb.test(timeout_time=300, timeout_unit="ms")
async def backpressure_everywhere(dut) -> None:
    bench = await setup(dut)
    bench.backpressure(2, 0.35)
    await bench.traffic(150, 2)
    # One write in flight per engine: the ports meet on AW only when both ask in one cycle.
    for ch, least in (("aw", 3), ("ar", 20)):
        g = bench.grants[ch]
        assert g.contested >= least, f"{ch}: the ports competed ({g.contested} times)"
        assert min(g.grants) >= 150, f"{ch}: both ports served {g.grants}"


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def errors_go_to_their_port(dut) -> None:
    """SLVERR and DECERR windows in both ports' areas: each response reaches the port whose
    burst touched the window (the other port's bursts around it stay OKAY)."""
    bench = await setup(dut)
    bench.backpressure(3, 0.2)
    rng = random.Random(4)
    for p in (0, 1):
        for area in (0, REGION):
            for _ in range(40):
                a = BASE[p] + area + rng.randrange(REGION - 4096)
                bench.ram.errors.append((a, a + 4096, rng.choice([SLVERR, DECERR]), "RW"))
    await bench.traffic(150, 5)
    assert min(bench.errors_seen) > 20, f"errors met per port: {bench.errors_seen}"


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def one_port_alone(dut) -> None:
    """Only one engine busy (each in turn): it gets every grant, with no turn wasted on the idle
    port (back-to-back single-beat writes take about one AW per few cycles)."""
    bench = await setup(dut)
    for p in (0, 1):
        before = list(bench.grants["aw"].grants)
        await bench.traffic(60, 6 + p, ports=(p,))
        after = bench.grants["aw"].grants
        assert after[1 - p] == before[1 - p] and after[p] == before[p] + 60


@cocotb.test(timeout_time=300, timeout_unit="ms")
async def master_disable_drains(dut) -> None:
    """Master disable in the middle of traffic (the device-reset handshake): within a bounded
    number of cycles the arbiter is idle, and while disabled and idle it offers no address and
    owes nothing; re-enabled, every transaction of the run completes with the right data."""
    bench = await setup(dut)
    bench.backpressure(7, 0.3)
    run = cocotb.start_soon(bench.traffic(120, 8))
    for round_ in range(6):
        await cycles(dut, 150 + 97 * round_)
        dut.master_disable.value = 1
        waited = 0
        await RisingEdge(dut.clk)
        while not int(dut.idle.value):
            waited += 1
            assert waited < 2000, "the arbiter never became idle under master disable"
            await RisingEdge(dut.clk)
        for _ in range(100):
            await RisingEdge(dut.clk)
            assert int(dut.idle.value), "idle dropped while disabled"
            assert not int(dut.m_axi_arvalid.value), "read address offered while disabled"
            assert not int(dut.m_axi_awvalid.value), "write address offered while disabled"
            assert not int(dut.m_axi_wvalid.value), "write data offered while disabled and idle"
        dut.master_disable.value = 0
    await run
