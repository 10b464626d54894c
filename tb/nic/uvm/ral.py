# SPDX-License-Identifier: MIT
"""The register layer of the pyuvm environment: the generated register model
(`tb/nic/uvm/hilnic_ral.py`, peakrdl-pyuvm from `hdl/regs/hilnic.rdl`) bound to the NIC's
AXI-Lite slave.

    RegAgent ("regs"): uvm_sequencer "seqr" -> AxilRegDriver "driver" (tb/nic/regport.py)
    AxilRegAdapter: uvm_reg_bus_op <-> AxilRegItem (OKAY -> UVM_IS_OK, SLVERR/DECERR -> NOT_OK)

`RegAgent.model` is the `hilnic` register block with its map's sequencer and adapter set, so a
sequence writes `model.RCTL.write(v)` and reads `model.rss.MRQC.read()`.
"""

from __future__ import annotations

from typing import Any

from pyuvm import (
    uvm_access_e,
    uvm_agent,
    uvm_driver,
    uvm_reg_adapter,
    uvm_reg_bus_op,
    uvm_sequence_item,
    uvm_sequencer,
    uvm_status_e,
)
from pyuvm._reg.uvm_reg_map import uvm_reg_map

from pystack.rtl.regport import OKAY, RegPort
from tb.nic.uvm.hilnic_ral import hilnic

# pyuvm 5.0 computes addresses through nested maps (a regfile array inside an addrmap) with
# true division and loses integer types on the way up, so locking a model nested two deep
# fails ("can't multiply sequence by non-int"). Keep the address arithmetic in integers.
_physical = uvm_reg_map._get_physical_addresses_to_map


def _int_physical(
    self: uvm_reg_map,
    base_addr: float,
    mem_offset: int,
    n_bytes: float,
    parent_map: uvm_reg_map,
    mem: Any = None,
) -> Any:
    if not hasattr(mem, "get_n_bytes"):
        mem = None  # the recursive call passes a byte offset here
    return _physical(self, int(base_addr), mem_offset, int(n_bytes), parent_map, mem)


uvm_reg_map._get_physical_addresses_to_map = _int_physical


class AxilRegItem(uvm_sequence_item):
    """One 32-bit AXI-Lite access and its response."""

    def __init__(self, name: str = "axil_reg_item") -> None:
        super().__init__(name)
        self.write = False
        self.addr = 0
        self.data = 0
        self.resp = OKAY

    def __str__(self) -> str:
        op = "W" if self.write else "R"
        return f"{op} 0x{self.addr:05x} = 0x{self.data:08x} resp {self.resp}"


class AxilRegAdapter(uvm_reg_adapter):
    def __init__(self, name: str = "axil_reg_adapter") -> None:
        super().__init__(name)
        self.supports_byte_enable = False
        self.provides_responses = False  # the driver fills in the item it was given

    def reg2bus(self, rw: uvm_reg_bus_op) -> AxilRegItem:
        item = AxilRegItem()
        item.write = rw.kind == uvm_access_e.UVM_WRITE
        item.addr = rw.addr
        item.data = rw.data if item.write else 0
        return item

    def bus2reg(self, bus_item: Any, rw: uvm_reg_bus_op) -> None:
        rw.kind = uvm_access_e.UVM_WRITE if bus_item.write else uvm_access_e.UVM_READ
        rw.addr = bus_item.addr
        rw.data = bus_item.data
        rw.status = uvm_status_e.UVM_IS_OK if bus_item.resp == OKAY else uvm_status_e.UVM_NOT_OK


class AxilRegDriver(uvm_driver):
    """Plays each item on the s_axil_* ports (one access at a time, Python awake only then)."""

    port: RegPort

    async def run_phase(self) -> None:
        while True:
            item: AxilRegItem = await self.seq_item_port.get_next_item()
            if item.write:
                item.resp = await self.port.write(item.addr, item.data)
            else:
                item.data, item.resp = await self.port.read(item.addr)
            self.accesses += 1
            self.seq_item_port.item_done()

    def build_phase(self) -> None:
        self.accesses = 0


class RegAgent(uvm_agent):
    """The register sequencer and driver, and the register model routed through them."""

    def build_phase(self) -> None:
        self.seqr = uvm_sequencer("seqr", self)
        self.driver = AxilRegDriver("driver", self)
        self.model = hilnic("hilnic")
        self.model.build()
        self.model.lock_model()
        self.adapter = AxilRegAdapter()

    def connect_phase(self) -> None:
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.model.get_default_map().set_sequencer(self.seqr, self.adapter)

    def bind(self, port: RegPort) -> None:
        """The AXI-Lite port, known once the device is started (the run phase)."""
        self.driver.port = port
