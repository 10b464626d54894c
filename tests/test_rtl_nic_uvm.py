# SPDX-License-Identifier: MIT
"""The pyuvm environment for the full NIC (tb/nic/uvm/) on each simulator, and proof that its
scoreboard fails when the reference disagrees with the RTL."""

from __future__ import annotations

import pytest

from pystack import simrun

MODULE = "tb.nic.test_nic_uvm"


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_nic_uvm(sim: str) -> None:
    simrun.run("nic_sim_top", MODULE, sim=sim, extra_env={"SIM": sim}, quiet=True)


@pytest.mark.rtl
@pytest.mark.parametrize(
    ("sim", "wrong", "test"),
    [
        ("verilator", "reta", "ForwardTest"),
        ("verilator", "defq", "RandomMixTest"),
        ("icarus", "key", "SmallBuffersTest"),
    ],
)
def test_nic_uvm_scoreboard_catches_a_wrong_reference(sim: str, wrong: str, test: str) -> None:
    """The RTL is programmed right and the model wrong: the run must fail, on the scoreboard."""
    env = {"SIM": sim, "HILNIC_UVM_WRONG_REF": wrong}
    with pytest.raises(simrun.SimulationFailed) as failed:
        simrun.run("nic_sim_top", MODULE, sim=sim, extra_env=env, testcase=test, quiet=True)
    message = str(failed.value)
    assert "1 of 1 cocotb tests failed" in message, message
    assert "scoreboard:" in message and "mismatches against the model" in message, message
