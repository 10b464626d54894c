# SPDX-License-Identifier: MIT
"""Issue 12's reliability scenarios (tb/nic/reliability.py): on the model here, on both
simulators through tb/nic/test_reliability.py."""

from __future__ import annotations

import asyncio

import pytest

from pystack import simrun
from pystack.nic.driver import Driver
from pystack.nic.model import ModelDevice
from pystack.rss import RssConfig, symmetric_key
from tb.nic.reliability import (
    RING,
    half_posted_frame,
    reset_under_traffic,
    revoked_buffer_is_caught,
    rss_config,
    tail_taken_back,
)


def model(rss: RssConfig | None = None) -> tuple[ModelDevice, Driver]:
    dev = ModelDevice(link_up=True)
    drv = Driver(dev, ring_size=RING, rss=rss or rss_config())
    asyncio.run(drv.attach())
    return dev, drv


@pytest.mark.parametrize("handshake", [False, True])
def test_reset_under_traffic_model(handshake: bool) -> None:
    dev, drv = model()
    problems = []
    for offset in range(150, 200, 7):
        problems += asyncio.run(reset_under_traffic(dev, drv, offset, offset, handshake))
    assert not problems, problems


def test_tail_taken_back_model() -> None:
    dev, drv = model(RssConfig(key=symmetric_key(), reta=[0] * 128))
    assert asyncio.run(tail_taken_back(dev, drv)) == []
    report = asyncio.run(revoked_buffer_is_caught(dev, drv))
    assert any("was not posted" in v for v in report), report


def test_half_posted_frame_model() -> None:
    dev, drv = model()
    assert asyncio.run(half_posted_frame(dev, drv)) == []


# Verilator sweeps 48 consecutive offsets (a frame-and-descriptor cycle is 42 clocks); Icarus,
# about 25x slower, every sixth offset over the same span with fewer recovery frames.
SWEEPS = {"verilator": ("150:48:1", "200"), "icarus": ("150:8:6", "40")}


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_reliability_rtl(sim: str) -> None:
    offsets, frames = SWEEPS[sim]
    env = {"SIM": sim, "HILNIC_RESET_OFFSETS": offsets, "HILNIC_RECOVERY_FRAMES": frames}
    simrun.run("nic_sim_top", "tb.nic.test_reliability", sim=sim, extra_env=env, quiet=True)
