# SPDX-License-Identifier: MIT
"""The accounting a run must satisfy, checked after every `hilnic sim`: nothing the peer sent
may vanish between the wire, the NIC's counters, the rings, the netisr threads and the
protocol layers. A failed check makes the run exit non-zero."""

from __future__ import annotations

from pystack.stack.verdicts import Delivered

from .results import Results
from .workload import NIC_MALFORMED, STACK_MALFORMED


def accounting_errors(res: Results) -> list[str]:
    """Each broken invariant as one line; empty when the run adds up."""
    errors: list[str] = []

    def expect(what: str, got: int, want: int) -> None:
        if got != want:
            errors.append(f"{what}: {got:,} != {want:,}")

    nic, stack, sent = res.nic, res.stack, res.sent
    queues = res.queues
    ring_drops = sum(q.nic_dropped for q in queues)
    expect("NIC saw every frame sent (TPR)", nic["TPR"], sent.total)
    expect(
        "TPR = MPC + CRCERRS + RUC + GPRC + ring drops",
        nic["TPR"],
        nic["MPC"] + nic["CRCERRS"] + nic["RUC"] + nic["GPRC"] + ring_drops,
    )
    expect("frames harvested from the rings = GPRC", sum(q.rx for q in queues), nic["GPRC"])
    expect("per-queue NIC RX counters = GPRC", sum(q.nic_rx for q in queues), nic["GPRC"])
    # A TCP segment that landed off its connection's CPU is input again on the owner.
    redispatched = stack.delivered.get(str(Delivered.TCP_REDISPATCHED), 0)
    expect("stack input = frames harvested", stack.rx - redispatched, res.host.dispatched)
    expect(
        "stack input = delivered + dropped",
        stack.rx,
        sum(stack.delivered.values()) + sum(stack.dropped.values()),
    )
    lost_on_nic = nic["MPC"] + ring_drops
    for why in STACK_MALFORMED:
        got, want = stack.dropped.get(why, 0), sent.malformed.get(why, 0)
        if lost_on_nic:  # some may have been dropped on the NIC before the stack saw them
            if got > want:
                errors.append(f"stack drops {why}: {got:,} > {want:,} sent")
        else:
            expect(f"stack drops {why} = sent", got, want)
    for counter in NIC_MALFORMED:
        expect(f"NIC {counter} = sent", nic[counter], sent.malformed.get(counter, 0))
    rep = res.replies
    expect("replies + lost = requests", rep.received + rep.lost, rep.expected)
    if not lost_on_nic:
        expect("no reply lost", rep.lost, 0)
    tx_full = sum(stack.tx_dropped.values())
    posted = sum(q.tx for q in queues)
    expect("frames on MAC TX = frames posted to TX rings", res.mac.tx_frames, posted)
    expect("frames posted = stack output - TX ring full", posted, stack.tx - tx_full)
    expect("per-queue NIC TX counters = frames posted", sum(q.nic_tx for q in queues), posted)
    if res.http is not None and res.tcp is not None:
        http = res.http
        expect(
            "connections opened = completed + failed",
            http.started,
            http.completed + sum(http.failures.values()),
        )
        if res.options.key == "symmetric":
            expect("TCP segments off their connection's CPU", res.tcp.off_cpu_segments, 0)
    if res.dma_guard_violations:
        errors.append("DMA outside the driver's buffers: " + "; ".join(res.dma_guard_violations))
    return errors
