# SPDX-License-Identifier: MIT
"""The fuzz campaign (tb/nic/fuzz.py) on the RTL with the model in lockstep. Settings come from
the environment (tb/nic/fuzz_run.py sets them): HILNIC_FUZZ_SEED, HILNIC_FUZZ_FRAMES,
HILNIC_FUZZ_ABUSE, and HILNIC_FUZZ_OUT, where the findings are written as JSON."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import cocotb

from pystack.nic.driver import Driver
from pystack.nic.model import ModelDevice
from pystack.rtl.device import RtlDevice
from tb.nic.fuzz import Side, campaign
from tb.nic.reliability import RING, rss_config


@cocotb.test()
async def fuzz_campaign(dut) -> None:
    rtl = RtlDevice(dut, name=os.environ.get("SIM", "rtl"))
    await rtl.start()
    rtl.check_buffers = True
    model = ModelDevice(link_up=True)
    sides = [Side(d, Driver(d, ring_size=RING, rss=rss_config())) for d in (rtl, model)]
    findings = await campaign(
        sides,
        seed=int(os.environ.get("HILNIC_FUZZ_SEED", "1")),
        frames=int(os.environ.get("HILNIC_FUZZ_FRAMES", "1000")),
        abuse=int(os.environ.get("HILNIC_FUZZ_ABUSE", "7")),
    )
    out = os.environ.get("HILNIC_FUZZ_OUT")
    if out:
        Path(out).write_text(json.dumps(asdict(findings), indent=1))
    assert findings.ok(), "\n".join(findings.problems[:10])
