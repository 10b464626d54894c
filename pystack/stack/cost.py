"""What each piece of stack work costs in simulated time.

The numbers are of the order a 2010s x86 core spends (the DragonFly paper's machines): an
interrupt costs about a microsecond in and out, a cross-CPU message an IPI of a few hundred
nanoseconds, protocol layers a few hundred nanoseconds per packet, a register write (a PCIe
posted write plus the barrier before it) a couple of hundred, and a cache line bouncing
between CPUs about a hundred. They are inputs, not measurements: the experiments compare
designs under one cost model, and any of them can be changed per run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class CostModel:
    intr_entry_ns: float = 600.0  # vector dispatch, handler entry
    intr_exit_ns: float = 300.0  # EOI, return
    poll_tick_ns: float = 250.0  # systimer tick and poll message dispatch
    ipi_ns: float = 400.0  # a message to another CPU's netisr (IPI send and wakeup)
    msg_ns: float = 60.0  # a message to this CPU's own port
    rx_desc_ns: float = 80.0  # driver: one RX descriptor harvested and refilled
    tx_desc_ns: float = 60.0  # driver: one TX descriptor posted or reclaimed
    ether_ns: float = 60.0
    arp_ns: float = 150.0
    ip_ns: float = 150.0
    icmp_ns: float = 120.0
    udp_ns: float = 180.0
    socket_ns: float = 250.0  # socket buffer append and wakeup
    reg_write_ns: float = 200.0
    line_bounce_ns: float = 100.0  # a shared counter's cache line moving between CPUs

    def with_changes(self, **changes: float) -> CostModel:
        return replace(self, **changes)


DEFAULT_COSTS = CostModel()
