# SPDX-License-Identifier: MIT
"""A register-access sequence through the pyuvm register model generated from the RDL
(peakrdl-pyuvm), against the full NIC's RTL, on each simulator."""

from __future__ import annotations

import pytest

from pystack import simrun


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_nic_ral(sim: str) -> None:
    simrun.run("nic_sim_top", "tb.nic.test_nic_ral", sim=sim, extra_env={"SIM": sim}, quiet=True)
