# SPDX-License-Identifier: MIT
"""DragonFly ring map (against the kernel comment's table) and the generated register files."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter

import pytest

from pystack import regdefs as rd
from pystack import regmap
from pystack.rss import ringmap_cpus, ringmap_grid, ringmap_reta

# The comment of if_ringmap_rdrtable() (DragonFly's sys/net/if.c), 12 CPUs and 8 rings, "after
# patch".
KERNEL_COMMENT_12CPU_8RING = [
    *[0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3],
    *[4, 5, 6, 7, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7],
    *[0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7],
]


def test_rdrtable_matches_kernel_comment():
    assert ringmap_reta(8, 12)[:48] == KERNEL_COMMENT_12CPU_8RING


def test_grid_and_unit_offsets_match_notes():
    assert ringmap_grid(4, 8) == 4
    assert ringmap_cpus(4, 8, unit=0) == [0, 1, 2, 3]
    assert ringmap_cpus(4, 8, unit=1) == [4, 5, 6, 7]
    assert ringmap_grid(4, 12) == 4


@pytest.mark.parametrize(("rings", "cpus"), [(16, 16), (9, 4), (4, 4), (3, 4), (8, 12), (5, 8)])
def test_every_ring_used_and_load_even(rings, cpus):
    reta = ringmap_reta(rings, cpus)
    counts = Counter(reta)
    assert set(counts) == set(range(min(rings, cpus)))
    assert max(counts.values()) - min(counts.values()) <= 128 // 16


def test_equal_rings_and_cpus_agree_with_netisr_cpu():
    """RETA[h & 127] == (h & mask) % ncpus: the polling CPU owns the flow."""
    for n in (1, 2, 4, 8, 16):
        reta = ringmap_reta(n, n)
        assert all(reta[h] == (h & 63) % n for h in range(128))


def test_generated_register_files_are_current():
    assert regmap.main([]) == 0, "run `make regs`"


def test_register_addresses():
    assert regmap.addr("MRQC") == 0x05818
    assert regmap.addr("RETA", 31) == 0x05C7C
    assert regmap.addr("RSSRK", 9) == 0x05CA4
    with pytest.raises(IndexError):
        regmap.addr("RSSRK", 10)


def test_generated_fields_and_enums():
    """Spot checks of the RDL's fields against the 82576 and the RTL's historic bit numbers."""
    assert rd.Field(26, 1) == rd.CTRL.RST and rd.CTRL.GIO_MASTER_DISABLE.mask == 1 << 2
    assert rd.STATUS.GIO_MASTER_ENABLE.lsb == 19 and rd.RXDCTL.ENABLE == rd.TXDCTL.ENABLE
    assert (rd.ICR.LSC.lsb, rd.ICR.MSIERR.lsb, rd.ICR.QSTOP.lsb) == (2, 29, 30)
    assert rd.IVAR.WMASK == 0x9F9F_9F9F and rd.IVAR_MISC.WMASK == 0x9F00
    assert rd.Field(2, 13) == rd.EITR.INTERVAL and rd.EITR.COUNT == 25
    assert rd.RXD_WB.DD.lsb == 64 and rd.Field(96, 16) == rd.RXD_WB.LENGTH
    assert rd.TXD.EOP.lsb == 88 and rd.Field(64, 16) == rd.TXD.LENGTH
    assert [int(r) for r in rd.QStopReason] == [0, 1, 2, 3]
    assert rd.RxOutcome.DELIVER == 0 and rd.RxOutcome.DMAERR == 5
    assert rd.TX_BURST_FRAMES == 16
    assert regmap.BY_NAME["SRRCTL"].reset == 2 and regmap.BY_NAME["MSIXTVCTRL"].reset == 1
    assert {r.block for r in regmap.REGISTERS} == {"nic_regs", "rss_regs", "irq_ctrl"}


def test_runtime_needs_no_compiler():
    """The driver, the model and the stack import the generated module, not systemrdl."""
    code = (
        "import sys, pystack.regmap, pystack.nic.driver, pystack.nic.model, pystack.stack.host;"
        "assert not [m for m in sys.modules if m.startswith(('systemrdl', 'peakrdl'))]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="needs iverilog")
def test_verilog_header_is_verilog_2001(tmp_path):
    """Icarus in strict Verilog-2001 mode takes the header, its windows and enums."""
    src = tmp_path / "t.v"
    src.write_text(
        '`include "hilnic_regmap.vh"\n'
        "module t;\n"
        "  reg [16:0] a;\n"
        "  wire irq = `HN_IN_IRQ_CTRL(a);\n"
        "  wire rss = `HN_IN_RSS_REGS(a);\n"
        "  wire [2:0] k = `HN_RX_OUTCOME_DMAERR;\n"
        "  wire [31:0] m = `HN_IVAR_WMASK;\n"
        "  initial begin\n"
        "    a = `HN_REG_EICR; #1 if (!irq || rss) $fatal;\n"
        "    a = `HN_REG_RETA; #1 if (irq || !rss) $fatal;\n"
        "    a = `HN_REG_CTRL; #1 if (irq || rss || k != 3'd5 || m != 32'h9f9f9f9f) $fatal;\n"
        "    if (`HN_TXD_EOP_LSB != 88 || `HN_CTRL_RST_LSB != 26) $fatal;\n"
        "  end\n"
        "endmodule\n"
    )
    out = tmp_path / "t.vvp"
    inc = regmap.regdefs.__file__.replace("pystack/regdefs.py", "hdl/regs")
    subprocess.run(["iverilog", "-g2001", "-I", inc, "-o", str(out), str(src)], check=True)
    run = subprocess.run(["vvp", "-n", str(out)], capture_output=True, text=True, check=True)
    assert "FATAL" not in run.stdout + run.stderr
