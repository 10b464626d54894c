# SPDX-License-Identifier: MIT
"""The full NIC (hdl/sim/nic_sim_top.v) on each simulator, scoreboarded against the model."""

from __future__ import annotations

import pytest

from pystack import simrun


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_full_nic(sim: str) -> None:
    simrun.run("nic_sim_top", "tb.nic.test_nic", sim=sim, extra_env={"SIM": sim}, quiet=True)
