# SPDX-License-Identifier: MIT
"""A cycle-level AXI4 write slave for single-beat writers (wr_merge's master side, irq_ctrl's
message port): random ready on AW and W, AW and W paired in order, one B per write in issue
order after a random delay, SLVERR or DECERR on chosen address windows. Inputs are driven on
the falling edge and handshakes sampled settled (ReadOnly) before the next rising edge, so it
sees exactly what the RTL sees on both simulators."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly

OKAY = 0


@dataclass
class Write:
    cycle: int  # the cycle its W beat was taken
    addr: int
    data: int
    strb: int
    resp: int


class WriteSlave:
    def __init__(self, dut, prefix: str, seed: int = 1, stall: float = 0.0) -> None:
        self.dut = dut
        self.sig = {
            n: getattr(dut, f"{prefix}{n}")
            for n in (
                "awaddr",
                "awvalid",
                "awready",
                "wdata",
                "wstrb",
                "wvalid",
                "wready",
                "bresp",
                "bvalid",
                "awlen",
                "wlast",
            )
        }
        self.rng = random.Random(seed)
        self.stall = stall
        self.max_b_delay = 6
        self.errors: list[tuple[int, int, int]] = []  # (base, limit, resp)
        self.writes: list[Write] = []
        self.violations: list[str] = []
        self.cycle = 0
        self._aw: deque[int] = deque()
        self._w: deque[tuple[int, int, int]] = deque()
        self._b: deque[list[int]] = deque()  # [cycles left, resp]
        for n in ("awready", "wready", "bvalid"):
            self.sig[n].value = 0
        self.sig["bresp"].value = 0
        cocotb.start_soon(self._run())

    def resp_for(self, addr: int) -> int:
        for base, limit, resp in self.errors:
            if base <= addr < limit:
                return resp
        return OKAY

    async def _run(self) -> None:
        s = self.sig
        dut = self.dut
        while True:
            await FallingEdge(dut.clk)
            self.cycle += 1
            s["awready"].value = int(self.rng.random() >= self.stall)
            s["wready"].value = int(self.rng.random() >= self.stall)
            b = self._b[0] if self._b and self._b[0][0] <= 0 else None
            s["bvalid"].value = int(b is not None)
            s["bresp"].value = b[1] if b else 0
            for e in self._b:
                e[0] -= 1
            await ReadOnly()
            if int(dut.rst.value):
                self._aw.clear()
                self._w.clear()
                self._b.clear()
                continue
            if b is not None:
                self._b.popleft()  # bready is tied high on both blocks
            if int(s["awvalid"].value) and int(s["awready"].value):
                if int(s["awlen"].value) != 0:
                    self.violations.append(f"awlen {int(s['awlen'].value)}")
                self._aw.append(int(s["awaddr"].value))
            if int(s["wvalid"].value) and int(s["wready"].value):
                if not int(s["wlast"].value):
                    self.violations.append("wlast low on a single-beat write")
                self._w.append((self.cycle, int(s["wdata"].value), int(s["wstrb"].value)))
            while self._aw and self._w:
                addr = self._aw.popleft()
                cyc, data, strb = self._w.popleft()
                resp = self.resp_for(addr)
                self.writes.append(Write(cyc, addr, data, strb, resp))
                self._b.append([self.rng.randint(0, self.max_b_delay), resp])
