# SPDX-License-Identifier: MIT
"""RFC 5681's congestion control on one `Tcb`, driven segment by segment: slow start grows the
window by a segment per ACK, a timeout collapses it to one segment with ssthresh at half the
flight, congestion avoidance then grows it by about a segment per round trip, and three
duplicate ACKs halve it (fast retransmit, then NewReno's recovery)."""

from __future__ import annotations

from pystack.stack.tcp_conn import State, Tcb, TcpConfig
from pystack.stack.tcp_segment import ACK, SYN, Segment

MSS = 1000
MS = 1_000_000.0


def established(**cfg: float) -> Tcb:
    tcb = Tcb.connect(TcpConfig(mss=MSS, sndbuf=1 << 20, **cfg), 0, 1000, 80, 0.0)
    tcb.input(Segment(80, 1000, 5000, 1, SYN | ACK, 65535, mss=MSS), 1 * MS)
    tcb.out.clear()
    assert tcb.state is State.ESTABLISHED
    return tcb


def ack(tcb: Tcb, upto: int, now: float, wnd: int = 65535) -> None:
    tcb.input(Segment(80, 1000, 5001, upto, ACK, wnd), now)


def sent(tcb: Tcb) -> list[Segment]:
    out = [s for s in tcb.out if s.data]
    tcb.out.clear()
    return out


def test_slow_start_then_timeout_then_congestion_avoidance() -> None:
    tcb = established()
    tcb.send(bytes(200_000), 1 * MS)
    assert len(sent(tcb)) == 4  # initial window
    assert tcb.cwnd == 4 * MSS
    now = 2 * MS
    ack(tcb, 1 + 2 * MSS, now)  # two segments in one ACK: +1 MSS (min(acked, SMSS))
    assert tcb.cwnd == 5 * MSS  # slow start: min(acked, SMSS) per ACK
    ack(tcb, 1 + 4 * MSS, now)
    assert tcb.cwnd == 6 * MSS
    sent(tcb)
    flight = tcb.snd_max - tcb.snd_una
    tcb.on_timer(tcb.deadlines[next(iter(tcb.deadlines))] + 1)  # the retransmission timer
    assert tcb.cwnd == MSS and tcb.ssthresh == max(flight // 2, 2 * MSS)
    assert len(sent(tcb)) == 1  # go back N: one segment in a one-segment window
    # Slow start again up to ssthresh, then about one segment per window of ACKs.
    una = tcb.snd_una
    while tcb.cwnd < tcb.ssthresh:
        una += MSS
        now += 1 * MS
        ack(tcb, una, now)
        sent(tcb)
    start = tcb.cwnd
    per_window = start // MSS
    for _ in range(per_window):
        una += MSS
        now += 1 * MS
        ack(tcb, una, now)
        sent(tcb)
    assert start + MSS // 2 <= tcb.cwnd <= start + MSS + MSS // 2  # linear, not doubling


def test_three_duplicate_acks_fast_retransmit_and_recovery() -> None:
    tcb = established()
    tcb.send(bytes(50_000), 1 * MS)
    ack(tcb, 1 + 4 * MSS, 2 * MS)  # window grows to 8 segments in flight
    first = sent(tcb)
    assert len(first) >= 6
    lost = tcb.snd_una
    flight = tcb.snd_max - tcb.snd_una
    for i in range(3):
        ack(tcb, lost, 3 * MS + i)
    resent = sent(tcb)
    assert resent and resent[0].seq == lost  # fast retransmit of the hole
    assert tcb.ssthresh == flight // 2 and tcb.cwnd == tcb.ssthresh + 3 * MSS
    ack(tcb, tcb.snd_max, 4 * MS)  # a full ACK ends recovery
    assert not tcb.in_recovery and tcb.cwnd == tcb.ssthresh
    assert tcb.counters.fast_retransmits == 1 and tcb.counters.timeouts == 0
