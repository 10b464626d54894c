# SPDX-License-Identifier: MIT
"""Traffic for the waveform test (tests/test_waves.py): a short burst through the whole NIC in
MSI-X interrupt mode, placed inside the waves window, with activity before and after it.

Why this shape: the pytest side checks that the FST holds changes of every key signal inside
the window and none outside it, so the burst (RX frames over several rings, one TX frame, MSI-X
messages) must fall inside, and the setup before and a second burst after must fall outside.
The window comes from WAVES_TEST_WINDOW ("start_ns:stop_ns"); what happened, with times, is
written to waves_test.json in the run folder for the pytest side to compare with the FST.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb

from pystack.rtl.device import RtlDevice
from tb.nic import irq_scenarios

US = 1000.0
DEFAULT_WINDOW = "40000:120000"
TX_RING = 1


@cocotb.test()
async def burst_in_window(dut) -> None:
    start, stop = (float(x) for x in os.environ.get("WAVES_TEST_WINDOW", DEFAULT_WINDOW).split(":"))
    dev = RtlDevice(dut, name=os.environ.get("SIM", "rtl"))
    await dev.start()
    # 100 kHz moderation: a burst of a few tens of microseconds fires each ring's vector.
    intr = await irq_scenarios.attach(dev, vectors=10, rate_hz=100_000, ring=64)
    ready_ns = dev.now_ns()
    assert ready_ns < start - US, f"setup ended at {ready_ns} ns, after the window's start"
    await dev.sleep_ns(start + US - dev.now_ns())

    msi_before = int(dut.msi_count.value)
    burst_ns = dev.now_ns()
    await dev.mac_send(irq_scenarios.flows(48), rate=0.5)
    rx = await irq_scenarios.run_interrupts(intr, burst_ns + 30 * US)
    frame = irq_scenarios.flows(1, seed=7)[0]
    assert await intr.drv.transmit(TX_RING, [frame]) == 1
    rx_tx = await irq_scenarios.run_interrupts(intr, dev.now_ns() + 10 * US)
    msi_after = int(dut.msi_count.value)
    burst_end_ns = dev.now_ns()
    assert burst_end_ns < stop - US, f"burst ended at {burst_end_ns} ns, after the window"
    assert msi_after > msi_before, "no MSI-X message in the burst"
    assert sum(len(v) for v in rx.values()) + sum(len(v) for v in rx_tx.values()) == 48
    assert intr.drv.tx_pending(TX_RING) == 0, "the TX frame did not complete"

    # Activity after the window: none of it may reach the FST.
    await dev.sleep_ns(stop + US - dev.now_ns())
    await dev.mac_send(irq_scenarios.flows(16, seed=3), rate=0.5)
    await irq_scenarios.run_interrupts(intr, dev.now_ns() + 20 * US)
    assert not dev.guard_violations()

    report = {
        "window": [start, stop],
        "ready_ns": ready_ns,
        "burst_ns": burst_ns,
        "burst_end_ns": burst_end_ns,
        "msi_before": msi_before,
        "msi_after": msi_after,
        "msi_end": int(dut.msi_count.value),
        "end_ns": dev.now_ns(),
        "rings": sorted(set(rx) | set(rx_tx)),
    }
    Path("waves_test.json").write_text(json.dumps(report, indent=1))
