# SPDX-License-Identifier: MIT
"""nic_regs: the device and queue registers behind AXI-Lite, against a Python reference written
from hdl/regs/REGISTERS.md, hdl/DATAPATH.md and the register rules in pystack/nic/model.py's
docstring: read-back of all 32 bits with byte strobes, the ring outputs the engines see (the
geometry sampled at enable), enables refused on a bad ring length or buffer size (BADCFG,
HN_CFGERR), tail writes outside the ring refused with SLVERR, read-only and unmapped addresses
refused (and pulsed on bad_access for HN_BADACC), the engines' head and stop state read back,
every counter counting its events (two at once where the design allows), 32-bit wrap, CTRL.RST
(held until the NIC is quiesced), GIO master disable, tail writes that would take descriptors
back refused. Bus backpressure on all five channels."""

from __future__ import annotations

import random

import cocotb
from cocotb.triggers import RisingEdge
from cocotbext.axi import AxiLiteBus, AxiLiteMaster

from pystack import regdefs as rd
from pystack.regdefs import RxOutcome
from pystack.regmap import RXQ_BASE, TXQ_BASE, addr
from tb.common import DECERR, OKAY, SLVERR, cycles, pause, start

M32 = 0xFFFF_FFFF
ENABLE = rd.RXDCTL.ENABLE.mask
STRIDE = 0x40
# Queue-block offsets: (name, writable) per offset, RX and TX.
RXQ_REGS = {
    0x00: ("BAL", True), 0x04: ("BAH", True), 0x08: ("LEN", True), 0x0C: ("SRRCTL", True),
    0x10: ("HEAD", False), 0x14: ("STAT", False), 0x18: ("TAIL", True), 0x1C: ("PC", False),
    0x20: ("BC", False), 0x24: ("OVR", False), 0x28: ("CTL", True), 0x2C: ("DMAE", False),
    0x30: ("DPC", False),
}  # fmt: skip
TXQ_REGS = {
    0x00: ("BAL", True), 0x04: ("BAH", True), 0x08: ("LEN", True), 0x10: ("HEAD", False),
    0x14: ("STAT", False), 0x18: ("TAIL", True), 0x1C: ("PC", False), 0x20: ("BC", False),
    0x24: ("ERR", False), 0x28: ("CTL", True), 0x2C: ("DMAE", False), 0x38: ("WBAL", True),
    0x3C: ("WBAH", True),
}  # fmt: skip
GLOBAL_RW = {"CTRL", "RCTL", "TCTL"}
CTRL_GIO_MD = rd.CTRL.GIO_MASTER_DISABLE.mask
CTRL_RST = rd.CTRL.RST.mask
STATUS_GIO_ME = rd.STATUS.GIO_MASTER_ENABLE.mask
GLOBAL_RO = ("STATUS", "CRCERRS", "MPC", "GPRC", "GPTC", "GORCL", "GOTCL", "RUC", "TPR",
             "HN_CAPS", "HN_CAPS2", "HN_CFGERR")  # fmt: skip
# RX outcome kinds (rx_dma) and the counter each one feeds.
RX_KINDS = {
    RxOutcome.DELIVER: "deliver", RxOutcome.CRCERR: "CRCERRS", RxOutcome.RUNT: "RUC",
    RxOutcome.OVERSIZE: "OVR", RxOutcome.NODESC: "DPC", RxOutcome.DMAERR: "DMAE",
}  # fmt: skip


class Queue:
    def __init__(self, rx: bool) -> None:
        self.rx = rx
        self.r = {n: 0 for n, _ in (RXQ_REGS if rx else TXQ_REGS).values()}
        self.r["SRRCTL"] = 2 if rx else 0
        self.en = self.badcfg = False
        # The ring the engines see: (base, size, buffer KiB), sampled when enabled.
        self.geo = (0, 0, 0)
        # Engine-side inputs (head, stopped, reason) driven by the bench.
        self.head = self.stopped = self.reason = 0


class RegsRef:
    """What the register file must answer, from the register map and the datapath rules."""

    def __init__(self, nrq: int, ntq: int, riw: int, caps: int, caps2: int) -> None:
        self.nrq, self.ntq, self.riw = nrq, ntq, riw
        self.caps, self.caps2 = caps, caps2
        self.link = 0
        self.reset()

    def reset(self) -> None:
        self.g = {n: 0 for n in (*GLOBAL_RW, *GLOBAL_RO)}
        self.rxq = [Queue(True) for _ in range(self.nrq)]
        self.txq = [Queue(False) for _ in range(self.ntq)]

    def len_ok(self, length: int) -> bool:
        return length % 128 == 0 and length != 0 and length // 16 <= 1 << self.riw

    def ring_size(self, q: Queue) -> int:
        """The ring a tail must fall in: sampled at enable, else as programmed (if usable)."""
        if q.en:
            return q.geo[1]
        return q.r["LEN"] // 16 if self.len_ok(q.r["LEN"]) else 0

    def decode(self, a: int) -> tuple[str, object, str | None, bool]:
        """(kind, queue or None, register name, writable); kind 'none' for unmapped."""
        a &= 0x1FFFC
        for name in (*GLOBAL_RW, *GLOBAL_RO):
            if addr(name) == a:
                return "global", None, name, name in GLOBAL_RW
        for base, regs, queues in ((RXQ_BASE, RXQ_REGS, self.rxq), (TXQ_BASE, TXQ_REGS, self.txq)):
            if base <= a < base + len(queues) * STRIDE and (a - base) % STRIDE in regs:
                name, writable = regs[(a - base) % STRIDE]
                return "queue", queues[(a - base) // STRIDE], name, writable
        return "none", None, None, False

    def qstat(self, q: Queue) -> int:
        reason = q.reason if q.stopped else 3 if q.badcfg else 0
        return reason << 2 | int(bool(q.stopped or q.badcfg)) << 1 | int(q.en and not q.stopped)

    def read(self, a: int) -> tuple[int, int]:
        kind, q, name, _ = self.decode(a)
        if kind == "none":
            return 0, DECERR
        if kind == "global":
            if name == "STATUS":
                # The bench holds `quiesced` high: mastering is off as soon as it is asked off.
                master_on = 0 if self.g["CTRL"] & CTRL_GIO_MD else STATUS_GIO_ME
                return master_on | self.link << 1, OKAY
            if name == "HN_CAPS":
                return self.caps, OKAY
            if name == "HN_CAPS2":
                return self.caps2, OKAY
            return self.g[name], OKAY
        assert isinstance(q, Queue)
        special = {
            "HEAD": q.head, "STAT": self.qstat(q), "CTL": q.r["CTL"] | (ENABLE if q.en else 0),
            "BAL": q.r["BAL"] & ~0x7F & M32,
        }  # fmt: skip
        return special.get(name, q.r[name]), OKAY

    def write(self, a: int, data: int, strb: int) -> int:
        kind, q, name, writable = self.decode(a)
        if kind == "none":
            return DECERR
        if not writable:
            return SLVERR
        mask = sum(0xFF << (8 * k) for k in range(4) if strb >> k & 1)
        if kind == "global":
            value = (self.g[name] & ~mask | data & mask) & M32
            if name == "CTRL" and value >> 26 & 1:
                self.reset()
                return OKAY
            self.g[name] = value
            return OKAY
        assert isinstance(q, Queue)
        old = q.r.get(name, 0) | (ENABLE if name == "CTL" and q.en else 0)
        value = (old & ~mask | data & mask) & M32
        if name == "TAIL":
            if value >= self.ring_size(q):
                return SLVERR
            size = self.ring_size(q)
            if q.en and (value - q.head) % size < (q.r["TAIL"] - q.head) % size:
                return SLVERR  # takes back descriptors the NIC owns
            q.r["TAIL"] = value
        elif name == "CTL":
            q.r["CTL"] = value & ~ENABLE
            if value & ENABLE:
                good = self.len_ok(q.r["LEN"]) and (not q.rx or q.r["SRRCTL"] & 0x7F != 0)
                refused = not q.en and not good
                if good and not q.en:
                    base = q.r["BAH"] << 32 | q.r["BAL"] & ~0x7F & M32
                    q.geo = (base, q.r["LEN"] // 16, q.r["SRRCTL"] & 0x7F if q.rx else 0)
                q.en = q.en or good
                q.badcfg = refused
                self.g["HN_CFGERR"] = (self.g["HN_CFGERR"] + refused) & M32
            else:
                q.en = q.badcfg = False
                q.r["TAIL"] = 0
        else:
            q.r[name] = value
        return OKAY

    # ---- events ----
    def count(self, name: str, by: int = 1) -> None:
        self.g[name] = (self.g[name] + by) & M32

    @staticmethod
    def qcount(q: Queue, name: str, by: int = 1) -> None:
        q.r[name] = (q.r[name] + by) & M32

    def event(self, ev: dict[str, int]) -> None:
        self.count("TPR", ev["tpr"])
        self.count("MPC", ev["mpc"])
        self.count("HN_CFGERR", ev["rx_cfgerr"] + ev["tx_cfgerr"])
        if ev["rx_valid"]:
            q = self.rxq[ev["rx_queue"]]
            kind = RX_KINDS.get(ev["rx_kind"])
            if kind == "deliver":
                self.count("GPRC")
                self.count("GORCL", ev["rx_bytes"])
                self.qcount(q, "PC")
                self.qcount(q, "BC", ev["rx_bytes"])
            elif kind in ("CRCERRS", "RUC"):
                self.count(kind)
            elif kind is not None:
                self.qcount(q, kind)
        if ev["tx_valid"]:
            q = self.txq[ev["tx_queue"]]
            if ev["tx_bad"]:
                self.qcount(q, "ERR")
            else:
                self.count("GPTC")
                self.count("GOTCL", ev["tx_bytes"])
                self.qcount(q, "PC")
                self.qcount(q, "BC", ev["tx_bytes"])
        if ev["tx_dmae"]:
            self.qcount(self.txq[ev["tx_dmae_queue"]], "DMAE")


EV_PORTS = ("tpr", "mpc", "rx_valid", "rx_kind", "rx_queue", "rx_bytes", "rx_cfgerr",
            "tx_valid", "tx_bad", "tx_queue", "tx_bytes", "tx_dmae", "tx_dmae_queue",
            "tx_cfgerr")  # fmt: skip


class Bench:
    def __init__(self, dut) -> None:
        self.dut = dut
        self.nrq = int(dut.NUM_RX_QUEUES.value)
        self.ntq = int(dut.NUM_TX_QUEUES.value)
        self.riw = int(dut.RING_IDX_WIDTH.value)
        caps = self.riw << 24 | int(dut.NUM_VECTORS.value) << 16 | self.ntq << 8 | self.nrq
        caps2 = (
            int(dut.MAC_BYTES.value) << 24
            | int(dut.DMA_BYTES.value) << 16
            | int(dut.MAX_FRAME.value)
        )
        self.ref = RegsRef(self.nrq, self.ntq, self.riw, caps, caps2)
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        self.bad_pulses = 0
        self.expected_bad = 0
        self.soft_resets = 0
        self.rng = random.Random(9)
        for p in EV_PORTS:
            getattr(dut, f"ev_{p}").value = 0
        dut.link_up.value = 0
        dut.quiesced.value = 1
        self.drive_engines()
        cocotb.start_soon(self._watch())

    async def _watch(self) -> None:
        dut = self.dut
        while True:
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            self.bad_pulses += int(dut.bad_access.value)
            self.soft_resets += int(dut.soft_reset.value)

    def backpressure(self, seed: int) -> None:
        w, r = self.axil.write_if, self.axil.read_if
        for i, ch in enumerate((w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel)):
            ch.set_pause_generator(pause(seed * 8 + i, 0.4))

    def drive_engines(self) -> None:
        """The engines' head and stop state, from the reference's queues."""
        dut, riw = self.dut, self.riw
        for prefix, queues in (("rq", self.ref.rxq), ("tq", self.ref.txq)):
            head = stopped = reason = 0
            for n, q in enumerate(queues):
                head |= q.head << (riw * n)
                stopped |= q.stopped << n
                reason |= q.reason << (2 * n)
            getattr(dut, f"{prefix}_head").value = head
            getattr(dut, f"{prefix}_stopped").value = stopped
            getattr(dut, f"{prefix}_reason").value = reason

    async def write(self, a: int, data: int, strb: int = 0xF) -> None:
        """A write with byte strobes (a contiguous run, as AxiLiteMaster makes them)."""
        lanes = [k for k in range(4) if strb >> k & 1]
        lo, hi = lanes[0], lanes[-1] + 1
        payload = data.to_bytes(4, "little")[lo:hi]
        resp = (await self.axil.write((a & ~3) + lo, payload)).resp
        want = self.ref.write(a, data, sum(1 << k for k in range(lo, hi)))
        self.expected_bad += want != OKAY
        assert int(resp) == want, f"write 0x{a:05x}: resp {int(resp)}, expected {want}"
        if (a & ~3) == addr("CTRL") and data & CTRL_RST and strb >> 3 & 1:
            await cycles(self.dut, 3)  # the reset is taken a cycle or two after the write

    async def read(self, a: int) -> int:
        got = await self.axil.read(a & ~3, 4)
        want, resp = self.ref.read(a)
        self.expected_bad += resp != OKAY
        assert int(got.resp) == resp, f"read 0x{a:05x}: resp {int(got.resp)}, expected {resp}"
        value = int.from_bytes(got.data, "little")
        assert value == want, f"read 0x{a:05x}: 0x{value:08x}, expected 0x{want:08x}"
        return value

    def check_outputs(self) -> None:
        """The ring configuration the engines see."""
        dut, riw, ref = self.dut, self.riw, self.ref
        assert int(dut.rx_enable.value) == ref.g["RCTL"] >> 1 & 1
        assert int(dut.loopback.value) == int(ref.g["RCTL"] >> 6 & 3 == 1)
        assert int(dut.tx_enable.value) == ref.g["TCTL"] >> 1 & 1
        size_mask = (1 << (riw + 1)) - 1
        for prefix, queues in (("rq", ref.rxq), ("tq", ref.txq)):
            base = int(getattr(dut, f"{prefix}_base").value)
            size = int(getattr(dut, f"{prefix}_size").value)
            tail = int(getattr(dut, f"{prefix}_tail").value)
            enable = int(getattr(dut, f"{prefix}_enable").value)
            for n, q in enumerate(queues):
                assert base >> (64 * n) & (2**64 - 1) == q.geo[0], f"{prefix}{n} base"
                assert size >> ((riw + 1) * n) & size_mask == q.geo[1], f"{prefix}{n} size"
                assert tail >> (riw * n) & ((1 << riw) - 1) == q.r["TAIL"], f"{prefix}{n} tail"
                assert enable >> n & 1 == q.en, f"{prefix}{n} enable"
        bsize = int(dut.rq_bsize.value)
        for n, q in enumerate(ref.rxq):
            assert bsize >> (7 * n) & 0x7F == q.geo[2], f"rq{n} bsize"
        wb = int(dut.tq_wb_addr.value)
        wbe = int(dut.tq_wb_enable.value)
        for n, q in enumerate(ref.txq):
            want = q.r["WBAH"] << 32 | q.r["WBAL"] & ~3 & M32
            assert wb >> (64 * n) & (2**64 - 1) == want, f"tq{n} write-back address"
            assert wbe >> n & 1 == q.r["WBAL"] & 1, f"tq{n} write-back enable"

    async def events(self, evs: list[dict[str, int]]) -> None:
        """Drive one event set per cycle (bus idle), mirrored into the reference."""
        dut = self.dut
        for ev in evs:
            for p in EV_PORTS:
                getattr(dut, f"ev_{p}").value = ev[p]
            self.ref.event(ev)
            await RisingEdge(dut.clk)
        for p in EV_PORTS:
            getattr(dut, f"ev_{p}").value = 0
        await RisingEdge(dut.clk)

    def random_event(self) -> dict[str, int]:
        rng = self.rng
        return {
            "tpr": rng.randrange(3), "mpc": rng.randrange(3),
            "rx_valid": int(rng.random() < 0.7), "rx_kind": rng.randrange(7),
            "rx_queue": rng.randrange(self.nrq), "rx_bytes": rng.getrandbits(16),
            "rx_cfgerr": int(rng.random() < 0.2),
            "tx_valid": int(rng.random() < 0.7), "tx_bad": int(rng.random() < 0.3),
            "tx_queue": rng.randrange(self.ntq), "tx_bytes": rng.getrandbits(16),
            "tx_dmae": int(rng.random() < 0.3), "tx_dmae_queue": rng.randrange(self.ntq),
            "tx_cfgerr": int(rng.random() < 0.2),
        }  # fmt: skip

    async def read_all(self) -> None:
        for name in (*GLOBAL_RW, *GLOBAL_RO):
            await self.read(addr(name))
        for base, regs, n in ((RXQ_BASE, RXQ_REGS, self.nrq), (TXQ_BASE, TXQ_REGS, self.ntq)):
            for q in range(n):
                for off in regs:
                    await self.read(base + q * STRIDE + off)

    async def settle_bad(self) -> None:
        await cycles(self.dut, 4)
        assert self.bad_pulses == self.expected_bad, (
            f"bad_access pulsed {self.bad_pulses} times, {self.expected_bad} refusals"
        )


async def setup(dut) -> Bench:
    bench = Bench(dut)
    await start(dut)
    return bench


def good_len(rng: random.Random, riw: int) -> int:
    return 128 * rng.randint(1, (1 << riw) // 8)


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def random_register_traffic(dut) -> None:
    """Random writes (random strobes) and reads over every register of every queue, holes,
    read-only registers and the RSS block; engine state changing underneath; backpressure."""
    bench = await setup(dut)
    bench.backpressure(1)
    ref, rng = bench.ref, random.Random(10)
    dut.link_up.value = 1
    ref.link = 1
    for step in range(700):
        rx = rng.random() < 0.6
        queues = ref.rxq if rx else ref.txq
        n = rng.randrange(len(queues) + 1)  # one past the last queue: unmapped
        base = (RXQ_BASE if rx else TXQ_BASE) + n * STRIDE
        off = rng.randrange(0, STRIDE, 4)
        data = rng.getrandbits(32)
        strb = rng.choice([0xF, 0xF, 0x1, 0x2, 0x4, 0x8, 0x3, 0xC, 0x6, 0xE, 0x7])
        q = queues[n] if n < len(queues) else None
        if q is not None:
            if off == 0x08:  # also while enabled: the engines keep the ring sampled at enable
                data = rng.choice([good_len(rng, bench.riw), 0, 64, 200, (2 << bench.riw) * 16])
            if off == 0x18:  # mostly inside the ring
                size = ref.ring_size(q)
                data = rng.randrange(max(1, size)) if rng.random() < 0.8 else size
            if off == 0x28:
                data = ENABLE if rng.random() < 0.6 else rng.getrandbits(32) & ~ENABLE
            if off == 0x0C:
                data = rng.choice([0, 1, 2, 16, 127, data])
        choice = rng.random()
        if choice < 0.05:
            a = rng.choice([0x5818, 0x585C, 0x5C00, 0x0004, 0x1FFFC, rng.getrandbits(17)])
        elif choice < 0.1:
            a = addr(rng.choice(GLOBAL_RO))
        elif choice < 0.15:
            a = addr(rng.choice(["RCTL", "TCTL"]))
        else:
            a = base + off
        if rng.random() < 0.55:
            await bench.write(a, data, strb)
        else:
            await bench.read(a)
        if step % 50 == 0:  # the engines move heads and stop queues underneath
            for qq in rng.sample(ref.rxq + ref.txq, 6):
                qq.head = rng.getrandbits(bench.riw)
                qq.stopped = int(qq.en and rng.random() < 0.3)
                qq.reason = rng.randrange(1, 4) if qq.stopped else 0
            bench.drive_engines()
            await cycles(dut, 2)
            bench.check_outputs()
    await bench.read_all()
    bench.check_outputs()
    await bench.settle_bad()


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def enable_rules(dut) -> None:
    """Directed: enables refused for length 0, not a multiple of 128, one ring too large, and
    (RX) buffer size 0; the largest ring accepted; a refused queue enabled directly once fixed;
    tails outside the ring refused and kept; disable clears the tail; re-enable is a no-op."""
    bench = await setup(dut)
    ref, riw = bench.ref, bench.riw
    top = (1 << riw) * 16
    for rx, n in ((True, 3), (False, 5)):
        base = (RXQ_BASE if rx else TXQ_BASE) + n * STRIDE
        for length in (0, 100, 64, top + 128, 2 * top):
            await bench.write(base + 0x08, length)
            await bench.write(base + 0x28, ENABLE)
            assert await bench.read(base + 0x28) == 0, f"length {length} refused"
            assert await bench.read(base + 0x14) == 0b1110, "BADCFG"
            await bench.write(base + 0x18, 0)  # no ring: every tail refused
        await bench.write(base + 0x08, top)
        if rx:
            await bench.write(base + 0x0C, 0)
            await bench.write(base + 0x28, ENABLE)
            assert await bench.read(base + 0x14) == 0b1110, "buffer size 0 refused"
            await bench.write(base + 0x0C, 0x80)  # bit 7 is not part of BSIZEPACKET
            await bench.write(base + 0x28, ENABLE)
            assert await bench.read(base + 0x28) == 0
            await bench.write(base + 0x0C, 127)
        await bench.write(base + 0x28, ENABLE)
        assert await bench.read(base + 0x28) == ENABLE, "largest ring accepted"
        assert await bench.read(base + 0x14) == 0b0001, "running"
        low = ((1 << riw) - 1) & ~0xFF
        await bench.write(base + 0x18, low)
        await bench.write(base + 0x18, 5, strb=0x1)  # byte 0 only: (tail & ~0xff) | 5
        assert await bench.read(base + 0x18) == low | 5
        await bench.write(base + 0x18, (1 << riw) - 1)
        await bench.write(base + 0x18, 1 << riw)  # one past the ring: refused, tail kept
        await bench.write(base + 0x18, 0x4000, strb=0x2)  # byte 1: outside, or taking back
        await bench.write(base + 0x18, low)  # backwards: takes descriptors back, refused
        assert await bench.read(base + 0x18) == (1 << riw) - 1
        await bench.write(base + 0x28, ENABLE)  # again: nothing changes
        assert await bench.read(base + 0x18) == (1 << riw) - 1
        await bench.write(base + 0x28, 0)
        assert await bench.read(base + 0x18) == 0, "disable clears the tail"
        assert await bench.read(base + 0x14) == 0
    await bench.read(addr("HN_CFGERR"))
    assert ref.g["HN_CFGERR"] == 12
    bench.check_outputs()
    await bench.settle_bad()


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def counters(dut) -> None:
    """Random event streams (two frames seen and missed per cycle, refused enables and engine
    config errors in the same cycles) counted exactly; then bytes counters wrapping at 2^32."""
    bench = await setup(dut)
    evs = [bench.random_event() for _ in range(3000)]
    await bench.events(evs)
    await bench.read_all()
    # A refused enable in cycles where both engines report a config error: all three count.
    await bench.write(addr("RDLEN", 7), 0)
    window = [True, 0]

    async def count_window() -> None:  # edges at which the DUT samples the events high
        while window[0] or int(dut.ev_rx_cfgerr.value):
            await RisingEdge(dut.clk)
            window[1] += int(dut.ev_rx_cfgerr.value)

    dut.ev_rx_cfgerr.value = 1
    dut.ev_tx_cfgerr.value = 1
    counter = cocotb.start_soon(count_window())
    await RisingEdge(dut.clk)
    await bench.write(addr("RXDCTL", 7), ENABLE)  # refused: the reference counts it
    await RisingEdge(dut.clk)
    window[0] = False
    dut.ev_rx_cfgerr.value = 0
    dut.ev_tx_cfgerr.value = 0
    await counter
    await RisingEdge(dut.clk)
    bench.ref.count("HN_CFGERR", 2 * window[1])
    await bench.read(addr("HN_CFGERR"))
    # Wrap: 65540 deliveries of 65535 bytes on RX queue 2, no Python in the loop.
    dut.ev_rx_valid.value = 1
    dut.ev_rx_kind.value = RxOutcome.DELIVER
    dut.ev_rx_queue.value = 2
    dut.ev_rx_bytes.value = 0xFFFF
    n = 65540
    await cycles(dut, n)
    dut.ev_rx_valid.value = 0
    await cycles(dut, 2)
    q = RXQ_BASE + 2 * STRIDE
    gprc = (await bench.axil.read(addr("GPRC"), 4)).data
    gorc = (await bench.axil.read(addr("GORCL"), 4)).data
    bc = (await bench.axil.read(q + 0x20, 4)).data
    g = bench.ref.g
    assert int.from_bytes(gprc, "little") == (g["GPRC"] + n) & M32
    assert int.from_bytes(gorc, "little") == (g["GORCL"] + n * 0xFFFF) & M32, "wraps at 2^32"
    assert int.from_bytes(bc, "little") == (bench.ref.rxq[2].r["BC"] + n * 0xFFFF) & M32


@cocotb.test(timeout_time=50, timeout_unit="ms")
async def soft_reset(dut) -> None:
    """CTRL.RST: one soft_reset pulse, the write still answered OKAY, every register, queue and
    counter back to its reset value (SRRCTL 2), STATUS.LU untouched; link_up only in STATUS."""
    bench = await setup(dut)
    ref, rng = bench.ref, random.Random(12)
    dut.link_up.value = 1
    ref.link = 1
    await bench.write(addr("RCTL"), 0x42)
    await bench.write(addr("TCTL"), 0x2)
    for rx, queues in ((True, ref.rxq), (False, ref.txq)):
        base = RXQ_BASE if rx else TXQ_BASE
        for n in range(len(queues)):
            b = base + n * STRIDE
            await bench.write(b + 0x00, rng.getrandbits(32))
            await bench.write(b + 0x04, rng.getrandbits(32))
            await bench.write(b + 0x08, good_len(rng, bench.riw))
            await bench.write(b + 0x28, ENABLE)
            await bench.write(b + 0x18, 1)
            if not rx:
                await bench.write(b + 0x38, rng.getrandbits(32))
                await bench.write(b + 0x3C, rng.getrandbits(32))
    await bench.events([bench.random_event() for _ in range(200)])
    await bench.read_all()
    bench.check_outputs()
    assert bench.soft_resets == 0
    await bench.write(addr("CTRL"), 1 << 26)
    await cycles(dut, 3)
    assert bench.soft_resets == 1, "one soft_reset pulse"
    await bench.read_all()
    bench.check_outputs()
    assert await bench.read(addr("STATUS")) == 2 | STATUS_GIO_ME
    assert await bench.read(addr("SRRCTL", 4)) == 2
    await bench.write(addr("CTRL"), 0xFFFF_FFFF & ~(1 << 26))
    await cycles(dut, 3)
    assert bench.soft_resets == 1, "CTRL without RST does not reset"
    await bench.settle_bad()


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def model_register_semantics(dut) -> None:
    """The register rules pystack/nic/model.py's docstring fixes where DATAPATH.md is silent,
    checked one by one against the RTL (they once differed in 1-4):
    1. xXDCTL keeps its other bits (write 0x0200_0005 to RXDCTL: reads 0x0200_0005);
    2. RW registers keep all 32 bits (SRRCTL written 0x1234_0002 reads 0x1234_0002, and the
       engine's buffer size is its [6:0]);
    3. ring geometry is sampled at enable: RDLEN rewritten while enabled changes neither the
       ring the engine sees nor the tail check (RDT = 20 on a 64-descriptor ring after
       RDLEN = 128 is accepted), and reads back as written;
    4. a tail write on a disabled queue is checked against RDLEN / 16 when RDLEN is a usable
       ring length and refused when it is not (RDLEN = 200: RDT = 5 refused; RDLEN = 256:
       RDT = 5 accepted, RDT = 16 refused);
    5. CTRL keeps the bits written, but RST (self-clearing)."""
    bench = await setup(dut)
    axil = bench.axil
    wrong = []

    async def rw(a: int, value: int | None = None) -> tuple[int, int]:
        if value is not None:
            return int((await axil.write(a, value.to_bytes(4, "little"))).resp), 0
        r = await axil.read(a, 4)
        return int(r.resp), int.from_bytes(r.data, "little")

    await rw(addr("RDLEN", 0), 1024)
    await rw(addr("RXDCTL", 0), 0x0200_0005)
    if (await rw(addr("RXDCTL", 0)))[1] != 0x0200_0005:
        wrong.append("RXDCTL other bits lost")
    await rw(addr("SRRCTL", 1), 0x1234_0002)
    if (await rw(addr("SRRCTL", 1)))[1] != 0x1234_0002:
        wrong.append("SRRCTL upper bits lost")
    await rw(addr("RDLEN", 1), 256)
    await rw(addr("RXDCTL", 1), ENABLE)
    if int(dut.rq_bsize.value) >> 7 & 0x7F != 2:
        wrong.append("engine buffer size is not SRRCTL[6:0]")
    await rw(addr("RDLEN", 0), 128)
    size = int(dut.rq_size.value) & ((1 << (bench.riw + 1)) - 1)
    if size != 64:
        wrong.append(f"engine sees a {size}-descriptor ring after RDLEN changed while enabled")
    if (await rw(addr("RDT", 0), 20))[0] != OKAY:
        wrong.append("RDT 20 refused on the 64-descriptor ring after RDLEN changed")
    if (await rw(addr("RDLEN", 0)))[1] != 128:
        wrong.append("RDLEN does not read back as written")
    await rw(addr("RDLEN", 2), 200)
    if (await rw(addr("RDT", 2), 5))[0] != SLVERR:
        wrong.append("RDT 5 accepted with RDLEN 200")
    await rw(addr("RDLEN", 2), 256)
    if (await rw(addr("RDT", 2), 5))[0] != OKAY or (await rw(addr("RDT", 2), 16))[0] != SLVERR:
        wrong.append("RDT not checked against RDLEN 256 on a disabled queue")
    await rw(addr("CTRL"), 0x0000_0341)
    if (await rw(addr("CTRL")))[1] != 0x0000_0341:
        wrong.append("CTRL bits lost")
    assert not wrong, "; ".join(wrong)


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def reset_waits_for_quiesce(dut) -> None:
    """The device-reset handshake from the register side: CTRL.GIO_MASTER_DISABLE drives
    master_disable and STATUS.GIO_MASTER_ENABLE reads 0 only once the NIC says it is quiesced;
    CTRL.RST turns mastering off, reads 1 and resets nothing until quiesced, then resets once."""
    bench = await setup(dut)
    dut.quiesced.value = 0
    await bench.write(addr("RCTL"), 2)
    await bench.write(addr("CTRL"), CTRL_GIO_MD)
    await cycles(dut, 2)
    assert int(dut.master_disable.value) == 1
    got = await bench.axil.read(addr("STATUS"), 4)
    assert int.from_bytes(got.data, "little") & STATUS_GIO_ME, "DMA still outstanding: enabled"
    dut.quiesced.value = 1
    await cycles(dut, 2)
    got = await bench.axil.read(addr("STATUS"), 4)
    assert not int.from_bytes(got.data, "little") & STATUS_GIO_ME, "quiesced: master off"
    await bench.axil.write(addr("CTRL"), (0).to_bytes(4, "little"))
    await cycles(dut, 2)
    assert int(dut.master_disable.value) == 0

    dut.quiesced.value = 0
    resets = bench.soft_resets
    await bench.axil.write(addr("CTRL"), CTRL_RST.to_bytes(4, "little"))
    for _ in range(50):
        await RisingEdge(dut.clk)
        assert int(dut.master_disable.value) == 1 and int(dut.reset_pending.value) == 1
    assert bench.soft_resets == resets, "no reset before quiesce"
    got = await bench.axil.read(addr("CTRL"), 4)
    assert int.from_bytes(got.data, "little") & CTRL_RST, "CTRL.RST reads 1 while pending"
    got = await bench.axil.read(addr("RCTL"), 4)
    assert int.from_bytes(got.data, "little") == 2, "nothing reset yet"
    dut.quiesced.value = 1
    await cycles(dut, 4)
    assert bench.soft_resets == resets + 1, "exactly one reset once quiesced"
    assert int(dut.master_disable.value) == 0 and int(dut.reset_pending.value) == 0
    for name, want in (("CTRL", 0), ("RCTL", 0)):
        got = await bench.axil.read(addr(name), 4)
        assert int.from_bytes(got.data, "little") == want, f"{name} after the reset"


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def tail_cannot_take_descriptors_back(dut) -> None:
    """While a queue is enabled a tail write that leaves the NIC fewer descriptors than it owns
    is refused with SLVERR (the engines cache owned descriptors); forward, equal and wrapping
    moves are taken. Both directions."""
    bench = await setup(dut)
    for base in (RXQ_BASE, TXQ_BASE):
        b = base + 1 * STRIDE
        await bench.write(b + 0x08, 64 * 16)  # 64 descriptors
        await bench.write(b + 0x28, ENABLE)
        queue = (bench.ref.rxq if base == RXQ_BASE else bench.ref.txq)[1]
        queue.head = 60
        bench.drive_engines()
        await cycles(dut, 1)
        await bench.write(b + 0x18, 63)  # owns 60..62
        await bench.write(b + 0x18, 2)  # wraps: owns 60..63, 0, 1
        await bench.write(b + 0x18, 62)  # back to owning 2: refused
        await bench.write(b + 0x18, 2)  # the same tail again: taken
        await bench.write(b + 0x18, 60)  # owns none: refused
        queue.head = 2
        bench.drive_engines()
        await cycles(dut, 1)
        await bench.write(b + 0x18, 2)  # head caught up: equal, taken
        await bench.write(b + 0x18, 1)  # owns 63: forward
        await bench.read(b + 0x18)
    await bench.settle_bad()
