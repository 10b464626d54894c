# SPDX-License-Identifier: MIT
"""Register accesses through the pyuvm register model generated from hdl/regs/hilnic.rdl
(tb/nic/uvm/ral.py): every register the build has read at reset against the RDL's reset
value, every plain RW register written and read back through its RDL field masks, the
write-1-to-set/clear registers, and writes to read-only registers answered with an error.
A register model that disagreed with the RTL about an address, a reset value or a writable
bit fails here.
"""

from __future__ import annotations

import os
import random

import cocotb
import pyuvm
from pyuvm import uvm_env, uvm_sequence, uvm_status_e, uvm_test

from pystack import regdefs as rd
from pystack.nic.caps import Caps
from pystack.regmap import REGISTERS, Register
from pystack.rtl.device import RtlDevice
from tb.nic.uvm.ral import AxilRegItem, RegAgent

SLVERR = 2

# Registers whose writes have effects beyond storage (reset, queue enable, tail checks,
# write-1 semantics, interrupt causes): checked on their own below, not by write/readback.
SIDE_EFFECTS = {
    "CTRL", "RXDCTL", "TXDCTL", "RDT", "TDT", "ICR", "IMS", "IMC", "EICS", "EIMS", "EIMC",
    "EICR", "HN_MSIXCTL",
}  # fmt: skip


class RegAccessSeq(uvm_sequence):
    def __init__(self, name: str, agent: RegAgent, caps: Caps, seed: int) -> None:
        super().__init__(name)
        self.agent, self.caps, self.rng = agent, caps, random.Random(seed)
        self.checked = {"reset": 0, "readback": 0, "refused": 0}

    def _instances(self, reg: Register) -> int:
        if reg.stride == 0x40:
            return self.caps.rx_queues if reg.offset < 0xE000 else self.caps.tx_queues
        if reg.count == rd.EITR.COUNT:
            return self.caps.vectors
        return reg.count

    def _table(self) -> dict[int, tuple[Register, int]]:
        """Address -> (register, instance) for every register this build has."""
        return {reg.address(i): (reg, i) for reg in REGISTERS for i in range(self._instances(reg))}

    def _expected(self, reg: Register, value: int) -> int:
        cls = getattr(rd, reg.name)
        mask = cls.WMASK
        if any(name == "VECTORS" for name in vars(cls)):
            mask &= (1 << self.caps.vectors) - 1  # one bit per vector the build has
        return value & mask

    async def body(self) -> None:
        model = self.agent.model
        table = self._table()
        ral = {}
        for r in model.get_registers():
            addr = r.get_address()
            ral[addr] = r
        missing = sorted(set(table) - set(ral))
        assert not missing, f"registers without a RAL entry: {[hex(a) for a in missing]}"
        live = {a: r for a, r in ral.items() if a in table}

        # Reset values of everything software stores (hardware-driven registers aside).
        for addr, r in sorted(live.items()):
            reg, _ = table[addr]
            if reg.access != "RW":
                continue
            status, value = await r.read()
            assert status == uvm_status_e.UVM_IS_OK, f"{reg.name} at 0x{addr:05x}: {status}"
            assert value == r.get_reset(), f"{reg.name} 0x{addr:05x} reset 0x{value:x}"
            self.checked["reset"] += 1

        # Write and read back every plain RW register through the RDL's writable bits.
        for addr, r in sorted(live.items()):
            reg, _ = table[addr]
            if reg.access != "RW" or reg.name in SIDE_EFFECTS:
                continue
            value = self.rng.getrandbits(32)
            status = await r.write(value)
            assert status == uvm_status_e.UVM_IS_OK, f"write {reg.name}: {status}"
            status, got = await r.read()
            want = self._expected(reg, value)
            assert got == want, f"{reg.name} 0x{addr:05x}: wrote 0x{value:x}, read 0x{got:x}"
            self.checked["readback"] += 1

        # Write-1-to-set and write-1-to-clear (no vector enabled, so no message is owed).
        vec = model.irq_vec
        await vec.EICS.write(0b101)
        assert (await vec.EICR.read())[1] == 0b101
        await vec.EICR.write(0b001)
        assert (await vec.EICR.read())[1] == 0b100
        await vec.EICR.write(0b100)
        other = model.irq_other
        await other.IMS.write(rd.ICR.LSC.mask | rd.ICR.QSTOP.mask)
        await other.IMC.write(rd.ICR.LSC.mask)
        assert (await other.IMS.read())[1] == rd.ICR.QSTOP.mask
        assert (await other.IMC.read())[1] == 0  # write-only: reads 0

        # Read-only registers: the register model refuses the write itself (the RDL says
        # RO), and the RTL answers the same write on the bus with SLVERR, counted in HN_BADACC.
        before = (await model.rss.HN_BADACC.read())[1]
        refused = [(a, r) for a, r in sorted(live.items()) if table[a][0].access == "RO"]
        for addr, r in refused:
            status = await r.write(0xFFFF_FFFF)
            assert status == uvm_status_e.UVM_NOT_OK, f"RAL wrote RO {r.get_name()}"
            item = AxilRegItem()
            item.write, item.addr, item.data = True, addr, 0xFFFF_FFFF
            await self.start_item(item)
            await self.finish_item(item)
            assert item.resp == SLVERR, f"RO {r.get_name()} 0x{addr:05x} answered {item.resp}"
            self.checked["refused"] += 1
        after = (await model.rss.HN_BADACC.read())[1]
        assert after - before == len(refused), (before, after, len(refused))


class RegEnv(uvm_env):
    def build_phase(self) -> None:
        self.regs = RegAgent("regs", self)


@pyuvm.test(timeout_time=20, timeout_unit="ms")
class RegAccessTest(uvm_test):
    def build_phase(self) -> None:
        self.env = RegEnv("env", self)

    async def run_phase(self) -> None:
        self.raise_objection()
        rtl = RtlDevice(cocotb.top, name=os.environ.get("SIM", "rtl"))
        await rtl.start()
        assert rtl.regs is not None
        self.env.regs.bind(rtl.regs)
        caps = await Caps.read(rtl)
        seq = RegAccessSeq("reg_access", self.env.regs, caps, seed=1)
        await seq.start(self.env.regs.seqr)
        self.logger.info(f"register accesses checked: {seq.checked}")
        assert seq.checked["readback"] > 100 and seq.checked["refused"] > 50, seq.checked
        self.drop_objection()
