"""MSI-X, moderation and the interrupt-mode driver on each simulator (tb/nic/test_irq.py)."""

from __future__ import annotations

import pytest

from pystack import simrun


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_irq(sim: str) -> None:
    simrun.run("nic_sim_top", "tb.nic.test_irq", sim=sim, extra_env={"SIM": sim}, quiet=True)
