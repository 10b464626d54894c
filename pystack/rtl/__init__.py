# SPDX-License-Identifier: MIT
"""The RTL back end: the NIC's HDL (`hdl/`, shipped inside this package) and the cocotb side
that drives it, so `hilnic sim --sim verilator|icarus` and `hilnic classify` work from an
installed wheel as well as from a checkout.

This module imports nothing from cocotb: only the simulator's Python loads the modules below
it (`device`, `backdoor`, `regport`, `cocotb_sim`, `rss_env` and the entry points in `entry`).
The block and full-NIC testbenches in the checkout's `tb/` import them from here.

Entry points are named by module, because cocotb's runner loads its tests by module name in
the simulator's process: each module in `entry` holds exactly one `@cocotb.test()` function, named
for what it does (cocotb collects decorated functions, whatever their name).
"""

from __future__ import annotations

from pathlib import Path

ENTRY = f"{__name__}.entry"
SCENARIO_ENTRY = f"{ENTRY}.scenario"  # `hilnic sim --sim verilator|icarus`
TAP_ENTRY = f"{ENTRY}.tap"  # `hilnic sim --peer tap --sim verilator|icarus`
CLASSIFY_ENTRY = f"{ENTRY}.classify"  # `hilnic classify --sim verilator|icarus`

# The HDL: in a checkout a symlink to the repository's hdl/ (the source), in a wheel a copy
# (package data). Resolved, so paths in logs and build files name the real files.
HDL = (Path(__file__).parent / "hdl").resolve()
# Set in the simulator's environment when the top makes its own clock (simrun.Bench.hdl_clock):
# then Python must not drive one.
HDL_CLOCK_ENV = "HILNIC_HDL_CLOCK"
