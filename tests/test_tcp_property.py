# SPDX-License-Identifier: MIT
"""A property of the TCP state machine itself: over any pattern of loss, duplication, delay
and reordering, the bytes delivered are exactly the bytes sent, and both ends finish closed
(or in TIME_WAIT) with a reason. Two `Tcb`s are wired through a hostile channel that
hypothesis drives; no simulator is involved, so thousands of segments cost milliseconds."""

from __future__ import annotations

import heapq
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from pystack.stack.tcp_conn import CloseReason, State, Tcb, TcpConfig
from pystack.stack.tcp_segment import SYN, Segment

MS = 1_000_000.0


class Channel:
    """Delivers each segment after a delay, or drops or duplicates it, as `fate` says."""

    def __init__(self, fates: list[tuple[int, int]]) -> None:
        self.fates = itertools.cycle(fates or [(0, 50)])
        self.queue: list[tuple[float, int, str, Segment]] = []
        self.seq = itertools.count()

    def put(self, now: float, to: str, segs: list[Segment]) -> None:
        for seg in segs:
            kind, delay_us = next(self.fates)
            copies = {0: 1, 1: 0, 2: 2}[kind]  # deliver, lose, duplicate
            for c in range(copies):
                at = now + (delay_us + 37 * c) * 1000.0
                heapq.heappush(self.queue, (at, next(self.seq), to, seg))


def transfer(data: bytes, fates: list[tuple[int, int]], isn: int, delack: bool) -> tuple:
    cfg = TcpConfig(
        rto_min_ns=20 * MS, rto_initial_ns=50 * MS, msl_ns=5 * MS, max_retries=40,
        max_syn_retries=40, delack_ns=2 * MS if delack else None, rcvbuf=8192, sndbuf=8192,
    )  # fmt: skip
    ch = Channel(fates)
    now = 0.0
    a = Tcb.connect(cfg, isn, 1000, 80, now)
    b: Tcb | None = None
    got = bytearray()
    sent = 0
    a_closed = b_closed = False
    ch.put(now, "b", a.out)
    a.out.clear()
    for _ in range(200_000):
        times = [q[0] for q in ch.queue[:1]]
        times += [t.next_deadline() for t in (a, b) if t is not None and t.next_deadline()]
        if not times:
            break
        now = min(times)
        while ch.queue and ch.queue[0][0] <= now:
            _, _, to, seg = heapq.heappop(ch.queue)
            if to == "b":
                if b is None and seg.flags & SYN:
                    b = Tcb.accept_syn(cfg, isn ^ 0x5A5A5A5A, 80, seg, now)
                elif b is not None:
                    b.input(seg, now)
            else:
                a.input(seg, now)
        for t in (a, b):
            if t is not None and (d := t.next_deadline()) is not None and d <= now:
                t.on_timer(now)
        if a.state in (State.ESTABLISHED, State.CLOSE_WAIT) and sent < len(data):
            sent += a.send(data[sent : sent + 5000], now)
        if sent == len(data) and not a_closed and a.state is not State.SYN_SENT:
            a.close(now)
            a_closed = True
        if b is not None:
            got += b.recv(1 << 20, now)
            if b.eof and not b_closed:
                b.close(now)
                b_closed = True
        ch.put(now, "b", a.out)
        a.out.clear()
        if b is not None:
            ch.put(now, "a", b.out)
            b.out.clear()
    return a, b, bytes(got)


FATES = st.lists(
    st.tuples(st.sampled_from([0, 0, 0, 1, 1, 2]), st.integers(min_value=10, max_value=400)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(min_size=0, max_size=30_000),
    fates=FATES,
    isn=st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF - 3000, 0xFFFFFFFF]),
    delack=st.booleans(),
)
def test_stream_survives_loss_duplication_and_reordering(
    data: bytes, fates: list[tuple[int, int]], isn: int, delack: bool
) -> None:
    if all(kind == 1 for kind, _ in fates):
        fates = [*fates, (0, 50)]  # a channel that loses everything proves nothing
    a, b, got = transfer(data, fates, isn, delack)
    assert b is not None
    gave_up = {a.closed_reason, b.closed_reason} & {CloseReason.TIMEOUT, CloseReason.RESET}
    if not gave_up:
        for end in (a, b):
            assert end.state in (State.CLOSED, State.TIME_WAIT)
            assert end.state is State.TIME_WAIT or end.closed_reason is CloseReason.NORMAL
        assert got == data
        return
    # One end ran out of retries: whatever arrived is a prefix, never a corruption, and the
    # other end is closed with a reason or left half-open and idle (RFC 9293 3.5.2: nothing
    # of its own outstanding, no timer; keep-alive would be what finds it).
    assert data.startswith(got)
    for end in (a, b):
        if end.state is not State.CLOSED:
            assert end.state is State.TIME_WAIT or (
                end.snd_una == end.snd_max and end.next_deadline() is None
            )
