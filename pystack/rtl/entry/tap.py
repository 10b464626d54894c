# SPDX-License-Identifier: MIT
"""`hilnic sim --peer tap` on an HDL simulator: the TAP session (pystack/tap/session.py) with
the RTL as the NIC. The TAP descriptor arrives over the control socket HILNIC_TAP_CTL names;
options, results and progress use the run folder, as the scenario does."""

from __future__ import annotations

import os
from pathlib import Path

import cocotb
from cocotb.handle import HierarchyObject

from pystack.rtl.cocotb_sim import CocotbSim
from pystack.rtl.device import RtlDevice
from pystack.scenario.options import ScenarioOptions
from pystack.scenario.outputs import PROGRESS_EVERY_S, every, write_progress, write_run
from pystack.tap.control import ENV, ChildEnd
from pystack.tap.options import TapOptions
from pystack.tap.session import serve

PUMP_NS = 2000.0  # how often frames cross the TAP, in simulated time (1.5 ms wall on Verilator)


@cocotb.test()
async def tap(dut: HierarchyObject) -> None:
    # Out of the terminal's process group: Ctrl-C goes to hilnic, which ends the run in order
    # (link down, drain, results) by telling this process to stop.
    os.setpgid(0, 0)
    opts = ScenarioOptions.load(Path(os.environ["HILNIC_SCENARIO"]))
    tap_opts = TapOptions.load(Path(os.environ["HILNIC_TAP"]))
    out = Path(opts.out)
    ctl = ChildEnd(os.environ[ENV])
    dev = RtlDevice(dut, name=opts.sim)
    await dev.start()
    dev.set_link(True)
    progress = every(PROGRESS_EVERY_S, lambda state: write_progress(out, state))

    run = await serve(
        CocotbSim(dev),
        dev,
        opts,
        tap_opts,
        ctl.fd,
        ctl.linux_mac,
        ctl.should_stop,
        progress,
        pump_ns=PUMP_NS,
    )
    write_run(run, out)
    os.close(ctl.fd)
