# SPDX-License-Identifier: MIT
"""The stack end to end on each simulator (tb/stack/test_stack_rtl.py)."""

from __future__ import annotations

import pytest

from pystack import simrun


@pytest.mark.rtl
@pytest.mark.slow
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_stack_rtl(sim: str) -> None:
    simrun.run(
        "nic_sim_top", "tb.stack.test_stack_rtl", sim=sim, extra_env={"SIM": sim}, quiet=True
    )
