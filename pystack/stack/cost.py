# SPDX-License-Identifier: MIT
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

from pystack.nic.igb import DriverCosts


@dataclass(frozen=True)
class CostModel(DriverCosts):
    """The driver's costs (interrupt entry and exit, descriptors, register writes: in
    `DriverCosts`, since the driver charges them) and the stack's."""

    poll_tick_ns: float = 250.0  # systimer tick and poll message dispatch
    ipi_ns: float = 400.0  # a message to another CPU's netisr (IPI send and wakeup)
    msg_ns: float = 60.0  # a message to this CPU's own port
    ether_ns: float = 60.0
    arp_ns: float = 150.0
    ip_ns: float = 150.0
    icmp_ns: float = 120.0
    udp_ns: float = 180.0
    socket_ns: float = 250.0  # socket buffer append and wakeup
    tcp_ns: float = 300.0  # tcp_input's lookup and state machine, or a timer's work
    tcp_out_ns: float = 200.0  # tcp_output building one segment
    lock_ns: float = 50.0  # an uncontended lock (a listen socket's accept queue)
    syscall_ns: float = 300.0  # an application's socket call, in and out of the kernel
    line_bounce_ns: float = 100.0  # a shared counter's cache line moving between CPUs

    def with_changes(self, **changes: float) -> CostModel:
        return replace(self, **changes)


DEFAULT_COSTS = CostModel()
