# SPDX-License-Identifier: MIT
"""wr_merge: two single-beat AXI4 writers (Python drivers, AW and W offered together and held
until taken) merged onto one write channel, answered by a cycle-level slave (tb/
wr_slave.py) with random stalls on AW and W, random B delays (so up to four writes are in
flight and the owner queue fills) and SLVERR/DECERR windows. Reference: each writer's own
list of writes. Checked: every write lands once on the master side with its address, data,
strobes and size, per writer in its issue order; each writer gets exactly one B per write, in
its own order, with the response the slave gave that write; no stray B; single-beat master
signals (awlen 0, wlast 1)."""

from __future__ import annotations

import random
from collections import deque

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly

from tb.common import DECERR, SLVERR, start
from tb.wr_slave import WriteSlave

AW = 48
DW = 512
SB = DW // 8
BASE = (0x1000_0000, 0x2000_0000)
AREA = 0x4000  # small, so the error windows catch a fair share


class Writer:
    """One writer port: a list of writes offered one at a time."""

    def __init__(self, port: int, n: int, seed: int, gap: float) -> None:
        self.port = port
        rng = random.Random(seed)
        self.rng = rng
        self.gap = gap
        self.todo: deque[tuple[int, int, int, int]] = deque()
        for _ in range(n):
            addr = BASE[port] + rng.randrange(AREA // SB) * SB
            data = rng.getrandbits(DW)
            strb = rng.choice([(1 << SB) - 1, rng.getrandbits(SB), 0xF << 4 * rng.randrange(16)])
            self.todo.append((addr, data, strb, rng.randrange(8)))
        self.issued: list[tuple[int, int, int, int]] = []
        self.waiting_b: deque[tuple[int, int, int, int]] = deque()
        self.cur: tuple[int, int, int, int] | None = None
        self.aw_done = self.w_done = False
        self.hold_both = True
        self.bresps: list[tuple[int, int]] = []  # (addr, resp) in arrival order
        self.stray_b = 0

    def drive(self) -> tuple[int, int]:
        """(awvalid, wvalid) for this cycle; picks the next write when idle."""
        if self.cur is None and self.todo and self.rng.random() >= self.gap:
            self.cur = self.todo.popleft()
            self.aw_done = self.w_done = False
            self.hold_both = self.rng.random() < 0.5
        if self.cur is None:
            return 0, 0
        if self.hold_both:
            return 1, 1
        return int(not self.aw_done), int(not self.w_done)


async def run(dut, n: int, seed: int, stall: float, gap: float, b_delay: int) -> None:
    dut.s_awvalid.value = 0
    dut.s_wvalid.value = 0
    await start(dut)
    slave = WriteSlave(dut, "m_", seed=seed, stall=stall)
    slave.max_b_delay = b_delay
    rng = random.Random(seed + 99)
    for p in (0, 1):
        for _ in range(6):
            a = BASE[p] + rng.randrange(AREA // SB) * SB
            slave.errors.append((a, a + 8 * SB, rng.choice([SLVERR, DECERR])))
    ws = [Writer(p, n, seed * 10 + p, gap) for p in (0, 1)]
    sizes: deque[int] = deque()
    bad: list[str] = []
    idle = 0
    limit = 60 * n + 2000  # a lost write or response fails here, not at the sim timeout
    for cyc in range(limit + 1):
        assert cyc < limit, "writes or responses still outstanding"
        if idle >= 60:
            break
        await FallingEdge(dut.clk)
        awv = wv = 0
        addrs = datas = strbs = sizes_in = 0
        for w in ws:
            a, d = w.drive()
            awv |= a << w.port
            wv |= d << w.port
            if w.cur is not None:
                addr, data, strb, size = w.cur
                addrs |= addr << AW * w.port
                datas |= data << DW * w.port
                strbs |= strb << SB * w.port
                sizes_in |= size << 3 * w.port
        dut.s_awvalid.value = awv
        dut.s_wvalid.value = wv
        dut.s_awaddr.value = addrs
        dut.s_wdata.value = datas
        dut.s_wstrb.value = strbs
        dut.s_awsize.value = sizes_in
        await ReadOnly()
        if int(dut.m_awvalid.value) and int(dut.m_awready.value):
            sizes.append(int(dut.m_awsize.value))
        awr, wr = int(dut.s_awready.value), int(dut.s_wready.value)
        bv, br = int(dut.s_bvalid.value), int(dut.s_bresp.value)
        for w in ws:
            p = w.port
            if w.cur is not None:
                if awr >> p & 1:
                    if not awv >> p & 1 or w.aw_done:
                        bad.append(f"writer {p}: awready without a pending AW")
                    w.aw_done = True
                if wr >> p & 1:
                    if not wv >> p & 1 or w.w_done:
                        bad.append(f"writer {p}: wready without a pending W")
                    w.w_done = True
                if w.aw_done and w.w_done:
                    w.issued.append(w.cur)
                    w.waiting_b.append(w.cur)
                    w.cur = None
            elif (awr | wr) >> p & 1:
                bad.append(f"writer {p}: ready while idle")
            if bv >> p & 1:
                if not w.waiting_b:
                    w.stray_b += 1
                else:
                    w.bresps.append((w.waiting_b.popleft()[0], br >> 2 * p & 3))
        busy = any(w.todo or w.cur or w.waiting_b for w in ws)
        idle = 0 if busy else idle + 1
    assert not bad, bad[:5]
    assert not slave.violations, slave.violations[:5]
    # Every write landed once; each writer's writes in its issue order.
    landed = [(w.addr, w.data, w.strb) for w in slave.writes]
    assert len(landed) == 2 * n, f"{len(landed)} writes landed, {2 * n} issued"
    assert len(sizes) == 2 * n
    for w in ws:
        mine = [i for i, (a, _, _) in enumerate(landed) if BASE[w.port] <= a < BASE[w.port] + AREA]
        got = [landed[i] for i in mine]
        want = [(a, d, s) for a, d, s, _ in w.issued]
        assert got == want, f"writer {w.port}: writes differ from what it issued"
        assert [sizes[i] for i in mine] == [z for *_, z in w.issued], f"writer {w.port}: sizes"
        want_b = [(a, slave.resp_for(a)) for a, *_ in w.issued]
        assert w.bresps == want_b, f"writer {w.port}: responses differ"
        assert w.stray_b == 0, f"writer {w.port}: {w.stray_b} stray B"
    errs = [sum(r != 0 for _, r in w.bresps) for w in ws]
    assert min(errs) > 0, f"error responses seen per writer: {errs}"


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def full_speed(dut) -> None:
    """Both writers back to back, no stalls, B at once or after a few cycles."""
    await run(dut, 400, 1, stall=0.0, gap=0.0, b_delay=3)


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def random_stalls(dut) -> None:
    await run(dut, 400, 2, stall=0.4, gap=0.3, b_delay=6)


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def slow_responses_fill_the_queue(dut) -> None:
    """B after up to 40 cycles: four writes in flight, the fifth waits."""
    await run(dut, 200, 3, stall=0.1, gap=0.0, b_delay=40)
