# SPDX-License-Identifier: MIT
"""The NIC's register map at run time: the table generated from `hdl/regs/hilnic.rdl`.

The SystemRDL file is the one description; `pystack/regmap_gen.py` (`make regs`) generates the
Verilog header, `pystack/regdefs.py` (field positions, enums, descriptor layouts: import names
from there), the register documentation and the C header from it, and a test fails when they
are stale. This module builds the register table from `pystack/regdefs.py` and needs no
compiler.

Offsets follow the 82576 where a register exists there; hilnic's own registers (marked `HN_`)
sit in 82576-reserved space next to the block they belong to.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from pystack import regdefs

ADDR_WIDTH = regdefs.ADDR_WIDTH  # 128 KiB BAR0, as on the 82576


@dataclass(frozen=True)
class Register:
    name: str
    offset: int
    access: str  # RW (writes accepted), RO (writes answer SLVERR)
    doc: str
    count: int = 1
    stride: int = 4
    reset: int = 0
    block: str = "nic_regs"  # the RTL block that answers it

    def address(self, index: int = 0) -> int:
        if not 0 <= index < self.count:
            raise IndexError(f"{self.name} has {self.count} instances")
        return self.offset + index * self.stride


REGISTERS: tuple[Register, ...] = tuple(Register(*row) for row in regdefs.REGISTERS)
BY_NAME = {r.name: r for r in REGISTERS}

NUM_QUEUES = regdefs.DEFAULT_QUEUES  # instances listed for the default build (hdl/nic_top.v)
QUEUE_STRIDE = BY_NAME["RDBAL"].stride
RXQ_BASE = BY_NAME["RDBAL"].offset
TXQ_BASE = BY_NAME["TDBAL"].offset
MAX_VECTORS = BY_NAME["EITR"].count  # the 82576's 25; hdl/nic_top.v sets the real count
MSIX_TABLE = BY_NAME["MSIXTADD"].offset
MSIX_PBA = BY_NAME["MSIXPBA"].offset

DEVICE_REGISTERS = tuple(r for r in REGISTERS if r.block == "nic_regs")
RSS_REGISTERS = tuple(r for r in REGISTERS if r.block == "rss_regs")
IRQ_REGISTERS = tuple(r for r in REGISTERS if r.block == "irq_ctrl")


def addr(name: str, index: int = 0) -> int:
    """Byte address of register `name` (instance `index`) in BAR0."""
    return BY_NAME[name].address(index)


def main(argv: list[str] | None = None) -> int:
    """`make regs`: regenerate (with --write) or check the generated files."""
    from pystack import regmap_gen  # needs systemrdl-compiler

    return regmap_gen.main(argv)


if __name__ == "__main__":
    sys.exit(main())
