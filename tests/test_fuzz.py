# SPDX-License-Identifier: MIT
"""The fuzz campaign (tb/nic/fuzz.py): clean on the model, shown to catch a counter turned off,
a short run on each simulator with the model in lockstep, and the full 10^5-frame campaign
(marked long: `make fuzz` or `make test-long`)."""

from __future__ import annotations

import asyncio

import pytest

from pystack import simrun
from pystack.nic.driver import Driver
from pystack.nic.model import ModelDevice
from tb.nic.fuzz import Side, campaign
from tb.nic.reliability import RING, rss_config


def model_side(dev: ModelDevice) -> Side:
    return Side(dev, Driver(dev, ring_size=RING, rss=rss_config()))


def test_campaign_on_the_model_is_clean() -> None:
    found = asyncio.run(campaign([model_side(ModelDevice(link_up=True))], 3, 2000, 7))
    assert found.frames == 2000 and found.abuse_acts == 7
    assert found.ok(), found.problems[:5]


class RuntCounterOff(ModelDevice):
    """A NIC whose runt counter never counts: its runts are dropped without trace."""

    def _count(self, name: str, index: int = 0, by: int = 1) -> None:
        if name != "RUC":
            super()._count(name, index, by)


def test_campaign_catches_a_counter_turned_off() -> None:
    found = asyncio.run(campaign([model_side(RuntCounterOff(link_up=True))], 3, 500, 0))
    assert found.identity >= 1, found.summary()
    assert any("TPR !=" in p for p in found.problems)
    # Shrunk to a handful of frames, runts among them (each shown as its size in bytes).
    assert found.reproductions, "a reproduction is printed"
    sizes = found.reproductions[0].split("still fail: ")[1].split(", ")
    assert len(sizes) <= 12 and any(int(s.rstrip("B!")) < 60 for s in sizes), sizes


def test_model_lockstep_catches_a_difference() -> None:
    """Two sides that disagree (one counts runts, one does not): the lockstep comparison
    reports a model mismatch."""
    sides = [model_side(ModelDevice(link_up=True)), model_side(RuntCounterOff(link_up=True))]
    found = asyncio.run(campaign(sides, 4, 300, 0))
    assert found.model_mismatch >= 1, found.summary()


# A short campaign per simulator in `make test`; the model runs in lockstep as the reference.
SHORT = {"verilator": ("1500", "7"), "icarus": ("150", "7")}


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_fuzz_rtl_short(sim: str) -> None:
    frames, abuse = SHORT[sim]
    env = {"SIM": sim, "HILNIC_FUZZ_FRAMES": frames, "HILNIC_FUZZ_ABUSE": abuse}
    simrun.run("nic_sim_top", "tb.nic.test_fuzz", sim=sim, extra_env=env, quiet=True)


@pytest.mark.rtl
@pytest.mark.long
def test_fuzz_rtl_full() -> None:
    env = {"SIM": "verilator", "HILNIC_FUZZ_FRAMES": "100000", "HILNIC_FUZZ_ABUSE": "70"}
    simrun.run("nic_sim_top", "tb.nic.test_fuzz", sim="verilator", extra_env=env, quiet=True)
