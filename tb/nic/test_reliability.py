# SPDX-License-Identifier: MIT
"""Issue 12's reliability scenarios on the RTL (tb/nic/reliability.py): a device reset swept
over consecutive clock offsets under RX and TX traffic with a byte-for-byte recovery check each
time, descriptors taken back, a half-posted TX frame. The per-buffer DMA guard reads host_mem's
log throughout. HILNIC_RESET_OFFSETS sets the sweep (first:count:step); the pytest entry gives
Icarus fewer offsets."""

from __future__ import annotations

import os

import cocotb
from cocotb.triggers import RisingEdge

from pystack.nic.driver import Driver
from pystack.rss import RssConfig, symmetric_key
from pystack.rtl.device import RtlDevice
from tb.nic.reliability import (
    RING,
    half_posted_frame,
    reset_under_traffic,
    revoked_buffer_is_caught,
    rss_config,
    tail_taken_back,
)


async def device(dut, rss: RssConfig | None = None) -> tuple[RtlDevice, Driver]:
    rtl = RtlDevice(dut, name=os.environ.get("SIM", "rtl"))
    await rtl.start()
    rtl.check_buffers = True
    drv = Driver(rtl, ring_size=RING, rss=rss or rss_config())
    await drv.attach()
    return rtl, drv


def sweep() -> range:
    spec = os.environ.get("HILNIC_RESET_OFFSETS", "150:48:1")
    first, count, step = (int(x) for x in spec.split(":"))
    return range(first, first + count * step, step)


@cocotb.test()
async def reset_swept_over_offsets(dut) -> None:
    """CTRL.RST at every clock offset of the sweep (at least one frame-and-descriptor cycle:
    four 64-byte frames share a descriptor line, 42 clocks at line rate), written directly;
    every fourth offset again with the driver's master-disable handshake. Each time the NIC
    recovers: 200 frames (Icarus 40) in byte for byte, 16 out, counters and guard clean."""
    rtl, drv = await device(dut)
    frames = int(os.environ.get("HILNIC_RECOVERY_FRAMES", "200"))
    problems: list[str] = []
    for i, offset in enumerate(sweep()):
        problems += await reset_under_traffic(
            rtl, drv, offset, seed=offset, handshake=False, recovery_frames=frames
        )
        if i % 4 == 0:
            problems += await reset_under_traffic(
                rtl, drv, offset, seed=offset + 1, handshake=True, recovery_frames=frames
            )
    assert drv.master_disable_timeouts == 0
    assert not problems, "\n".join(problems[:20])


@cocotb.test()
async def descriptors_taken_back(dut) -> None:
    rtl, drv = await device(dut, RssConfig(key=symmetric_key(), reta=[0] * 128))
    problems = await tail_taken_back(rtl, drv)
    assert not problems, "\n".join(problems)
    report = await revoked_buffer_is_caught(rtl, drv)
    assert any("was not posted" in v for v in report), f"guard report: {report}"


@cocotb.test()
async def half_posted_tx_frame(dut) -> None:
    rtl, drv = await device(dut)
    gaps: list[int] = []

    async def watch() -> None:
        in_frame = False
        while True:
            await RisingEdge(dut.clk)
            valid, ready = int(dut.mac_tx_tvalid.value), int(dut.mac_tx_tready.value)
            if in_frame and not valid:
                gaps.append(1)
            if valid and ready:
                in_frame = not int(dut.mac_tx_tlast.value)

    watcher = cocotb.start_soon(watch())
    problems = await half_posted_frame(rtl, drv, gaps)
    watcher.cancel()
    assert not problems, "\n".join(problems)
