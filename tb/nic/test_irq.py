# SPDX-License-Identifier: MIT
"""MSI-X on the RTL (hdl/irq/irq_ctrl.v in the full NIC): the interrupt scenarios of
tb/nic/irq_scenarios.py, and the interrupt-mode driver's traffic run compared frame by frame
with the behavioural model running the same driver code."""

from __future__ import annotations

import os

import cocotb

from pystack.nic.model import ModelDevice
from pystack.rtl.device import RtlDevice
from tb.nic import irq_scenarios


async def rtl(dut) -> RtlDevice:
    dev = RtlDevice(dut, name=os.environ.get("SIM", "rtl"))
    await dev.start()
    return dev


@cocotb.test()
async def rings_in_use_matches_model(dut) -> None:
    """16 rings, 10 vectors: interrupt mode uses 9 rings; the RTL delivers exactly what the
    model delivers, ring by ring, and every vector fires."""
    got = await irq_scenarios.rings_in_use(await rtl(dut))
    want = await irq_scenarios.rings_in_use(ModelDevice(link_up=True))
    assert got["stats"] == want["stats"], {
        k: (got["stats"][k], want["stats"].get(k))
        for k in got["stats"]
        if got["stats"][k] != want["stats"].get(k)
    }
    for ring in sorted(want["rx"]):
        assert got["rx"][ring] == want["rx"][ring], f"ring {ring} differs from the model"


@cocotb.test()
async def moderation(dut) -> None:
    await irq_scenarios.moderation(await rtl(dut))


@cocotb.test()
async def masks_and_causes(dut) -> None:
    await irq_scenarios.masks_and_causes(await rtl(dut))
