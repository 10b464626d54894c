# SPDX-License-Identifier: MIT
"""`hilnic sim` on an HDL simulator: the scenario in pystack/scenario/run.py with the RTL as
the NIC, its options read from the file HILNIC_SCENARIO names, its results and captures
written to the options' output folder, and its progress to progress.json there."""

from __future__ import annotations

import os
from pathlib import Path

import cocotb
from cocotb.handle import HierarchyObject

from pystack.rtl.cocotb_sim import CocotbSim
from pystack.rtl.device import RtlDevice
from pystack.scenario.options import ScenarioOptions
from pystack.scenario.outputs import PROGRESS_EVERY_S, every, write_progress, write_run
from pystack.scenario.run import run_scenario


@cocotb.test()
async def scenario(dut: HierarchyObject) -> None:
    opts = ScenarioOptions.load(Path(os.environ["HILNIC_SCENARIO"]))
    out = Path(opts.out)
    dev = RtlDevice(dut, name=opts.sim)
    await dev.start()
    dev.set_link(True)
    progress = every(PROGRESS_EVERY_S, lambda state: write_progress(out, state))

    write_run(await run_scenario(CocotbSim(dev), dev, opts, progress), out)
