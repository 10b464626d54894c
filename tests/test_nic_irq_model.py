# SPDX-License-Identifier: MIT
"""The interrupt scenarios (tb/nic/irq_scenarios.py) on the behavioural model, plus the MSI-X
plan against DragonFly igb's policy. The same scenarios run on the RTL in test_rtl_irq.py."""

from __future__ import annotations

import asyncio

import pytest

from pystack.nic.intr import eitr_value, igb_msix_plan
from pystack.nic.model import ModelDevice
from tb.nic import irq_scenarios


def model() -> ModelDevice:
    return ModelDevice(link_up=True)


def test_rings_in_use_model() -> None:
    asyncio.run(irq_scenarios.rings_in_use(model()))


def test_moderation_model() -> None:
    asyncio.run(irq_scenarios.moderation(model()))


def test_masks_and_causes_model() -> None:
    asyncio.run(irq_scenarios.masks_and_causes(model()))


def test_plan_follows_igb() -> None:
    plan = igb_msix_plan(10, 16, 16)
    assert plan.rx_rings == list(range(9)) and plan.status_vector == 9
    assert plan.tx_vector == plan.rx_vector  # every TX ring shares its CPU's RX vector
    assert sorted(set(plan.reta)) == list(range(9))
    # Fewer TX rings than RX rings on more CPUs: TX still piggybacks where a CPU has both.
    plan = igb_msix_plan(10, 8, 2, ncpus=8)
    assert plan.rx_rings == list(range(8)) and plan.tx_vector == {0: 0, 1: 1}
    assert plan.vectors == 9
    assert igb_msix_plan(2, 16, 16).rx_rings == [0]
    with pytest.raises(ValueError):
        igb_msix_plan(1, 16, 16)


def test_eitr_matches_igb_set_eitr() -> None:
    assert eitr_value(6000) == 166 << 2
    assert eitr_value(4000) == 250 << 2
    assert eitr_value(10**7) == 4  # clamped at the minimum
    assert eitr_value(1) == 0x7FFC
