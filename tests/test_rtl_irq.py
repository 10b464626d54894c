# SPDX-License-Identifier: MIT
"""MSI-X, moderation and the interrupt-mode driver on each simulator (tb/nic/test_irq.py)."""

from __future__ import annotations

import subprocess

import pytest

from pystack import regdefs, simrun


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_irq(sim: str) -> None:
    simrun.run("nic_sim_top", "tb.nic.test_irq", sim=sim, extra_env={"SIM": sim}, quiet=True)


# A bench that calls irq_ctrl's own reload function for every interval and prints each result.
_RELOAD_BENCH = """
module itr_bench;
  irq_ctrl #(.CLOCK_PS(%d)) dut();
  integer us;
  initial begin
    for (us = 0; us < %d; us = us + 1) $display("%%0d", dut.itr_cycles(us));
    $finish;
  end
endmodule
"""


@pytest.mark.rtl
@pytest.mark.parametrize("clock_ps", [6400, 1000, 3333, 4096, 7777, 100000])
def test_moderation_reload_is_exact(clock_ps: int, tmp_path) -> None:
    """EITR's reload is ceil(us * 1e6 / CLOCK_PS) cycles for every interval and clock, though
    irq_ctrl computes it with a multiply and a shift instead of a divider (issue 17)."""
    width = regdefs.EITR.INTERVAL.width
    bench = tmp_path / "itr_bench.v"
    bench.write_text(_RELOAD_BENCH % (clock_ps, 1 << width))
    vvp = tmp_path / "itr.vvp"
    includes = [f"-I{d}" for d in simrun.INCLUDES]
    subprocess.run(
        [
            "iverilog",
            "-g2012",
            *includes,
            "-o",
            str(vvp),
            str(bench),
            str(simrun.HDL / "irq" / "irq_ctrl.v"),
        ],
        check=True,
        capture_output=True,
    )
    out = subprocess.run(["vvp", "-n", str(vvp)], check=True, capture_output=True, text=True)
    got = [int(line) for line in out.stdout.split() if line.isdigit()]
    want = [min(-(-us * 1_000_000 // clock_ps), 0xFFFFFF) for us in range(1 << width)]
    assert got == want
