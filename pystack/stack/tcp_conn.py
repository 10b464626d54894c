# SPDX-License-Identifier: MIT
"""One TCP connection's state machine (RFC 9293 3.10), with RFC 6298's retransmission timer,
RFC 5681's congestion control, RFC 5961's in-window RST and SYN checks, delayed ACKs and
zero-window probes.

It is pure: it never sleeps, sends or reads a clock of its own. Every entry point takes the
current time, queues the segments it wants sent on `out`, and leaves its deadlines in
`deadlines`; whoever owns it (a CPU's TCP on the host, the far end's TCP in the peer) sends the
segments and calls `on_timer` when a deadline passes. That is what lets the same code run on a
simulated CPU, on the wire's far side and in a property test with no simulator at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum, auto

from pystack.stack import tcp_seq as sq
from pystack.stack.tcp_segment import ACK, FIN, PSH, RST, SYN, Segment
from pystack.stack.verdicts import Delivered, Drop, Verdict

MS = 1_000_000.0  # ns


class State(StrEnum):
    CLOSED = auto()
    LISTEN = auto()
    SYN_SENT = auto()
    SYN_RCVD = auto()
    ESTABLISHED = auto()
    FIN_WAIT_1 = auto()
    FIN_WAIT_2 = auto()
    CLOSE_WAIT = auto()
    CLOSING = auto()
    LAST_ACK = auto()
    TIME_WAIT = auto()


SYNCHRONIZED = frozenset(State) - {State.CLOSED, State.LISTEN, State.SYN_SENT, State.SYN_RCVD}
CAN_RECEIVE = frozenset({State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2})
OUR_FIN_SENT = frozenset({State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSING, State.LAST_ACK})


class Timer(StrEnum):
    REXMT = auto()  # retransmission (SYN, data, FIN)
    PERSIST = auto()  # zero-window probe
    DELACK = auto()
    TIME_WAIT = auto()  # 2MSL
    FIN_WAIT_2 = auto()  # a closed socket's FIN_WAIT_2 does not wait forever


class CloseReason(StrEnum):
    """How a connection ended: what the application is told."""

    NORMAL = auto()  # both FINs exchanged (TIME_WAIT over, or LAST_ACK acked)
    RESET = auto()  # the far end reset it (ECONNRESET / ECONNREFUSED)
    TIMEOUT = auto()  # retransmissions ran out (ETIMEDOUT)
    ABORTED = auto()  # the application aborted it (RST sent)
    LISTENER_CLOSED = auto()  # reset with its listen socket, not yet accepted
    FIN_WAIT_2_TIMEOUT = auto()


@dataclass(frozen=True)
class TcpConfig:
    """Tunables, with DragonFly's defaults where the issue names them."""

    mss: int = 1460
    initial_window: int = 4  # segments (DragonFly's tcp_iw_maxsegs default)
    rto_initial_ns: float = 1000 * MS  # RFC 6298 2.1, DragonFly's TCPTV_RTOBASE
    rto_min_ns: float = 200 * MS
    rto_max_ns: float = 64_000 * MS
    clock_granularity_ns: float = 1 * MS  # G in RFC 6298
    max_retries: int = 8  # data/FIN retransmissions before the connection is dropped
    max_syn_retries: int = 5
    delack_ns: float | None = 40 * MS  # None: every segment acknowledged at once
    msl_ns: float = 30_000 * MS  # TIME_WAIT lasts 2 MSL
    fin_wait_2_ns: float = 60_000 * MS
    sndbuf: int = 64 * 1024
    rcvbuf: int = 64 * 1024
    dupack_threshold: int = 3


@dataclass
class TcpCounters:
    """Per-connection event counts the host sums per CPU."""

    segments_in: int = 0
    segments_out: int = 0
    retransmits: int = 0
    timeouts: int = 0
    fast_retransmits: int = 0
    zero_window_probes: int = 0
    challenge_acks: int = 0
    delayed_acks: int = 0
    rtt_samples: int = 0


def reset_reply(seg: Segment) -> Segment:
    """RFC 9293 3.10.7.1: the RST that answers `seg` where no connection takes it (never sent
    for an RST)."""
    if seg.has(ACK):
        return Segment(seg.dport, seg.sport, seg.ack, 0, RST, 0)
    return Segment(seg.dport, seg.sport, 0, sq.add(seg.seq, seg.seg_len), RST | ACK, 0)


@dataclass
class _OutOfOrder:
    seq: int
    data: bytes
    fin: bool


@dataclass
class Tcb:
    """The transmission control block of one connection (RFC 9293 3.3.1 names)."""

    cfg: TcpConfig
    iss: int
    state: State = State.CLOSED
    passive: bool = False
    # send side
    snd_una: int = 0
    snd_nxt: int = 0
    snd_max: int = 0  # highest sequence sent (snd_nxt goes back on a timeout)
    snd_wnd: int = 0
    max_snd_wnd: int = 0
    snd_wl1: int = 0
    snd_wl2: int = 0
    peer_mss: int = 536  # RFC 9293 3.7.1: without the option
    sndbuf: bytearray = field(default_factory=bytearray)  # from snd_una (after the SYN)
    fin_queued: bool = False  # the application closed: FIN goes after the data
    fin_seq: int | None = None  # our FIN's sequence number, once sent
    cwnd: int = 0
    ssthresh: int = 1 << 30
    dupacks: int = 0
    recover: int = 0
    in_recovery: bool = False
    # receive side
    irs: int = 0
    rcv_nxt: int = 0
    rcv_adv: int = 0  # right edge advertised so far (never moved left)
    rcvbuf: bytearray = field(default_factory=bytearray)  # in order, not yet read
    ooo: list[_OutOfOrder] = field(default_factory=list)
    fin_received: bool = False
    delack_pending: int = 0  # in-order segments not yet acknowledged
    ack_now: bool = False
    # RTT (RFC 6298) and timers
    srtt: float | None = None
    rttvar: float = 0.0
    rto: float = 0.0
    rtt_seq: int | None = None  # the sequence being timed (Karn: None once retransmitted)
    rtt_start: float = 0.0
    backoff: int = 0
    retries: int = 0
    probe_backoff: int = 0
    deadlines: dict[Timer, float] = field(default_factory=dict)
    # what the owner reads
    out: list[Segment] = field(default_factory=list)
    counters: TcpCounters = field(default_factory=TcpCounters)
    closed_reason: CloseReason | None = None
    app_closed: bool = False  # the application closed its socket (no more reads)
    local_port: int = 0
    remote_port: int = 0

    def __post_init__(self) -> None:
        self.rto = self.cfg.rto_initial_ns
        self.snd_una = self.snd_nxt = self.snd_max = self.iss

    # ---- opening -----------------------------------------------------------------------------

    @classmethod
    def connect(cls, cfg: TcpConfig, iss: int, lport: int, rport: int, now: float) -> Tcb:
        """Active open: SYN_SENT with the SYN queued."""
        tcb = cls(cfg, iss, local_port=lport, remote_port=rport)
        tcb.state = State.SYN_SENT
        tcb._send_syn(now)
        return tcb

    @classmethod
    def accept_syn(cls, cfg: TcpConfig, iss: int, lport: int, syn: Segment, now: float) -> Tcb:
        """Passive open: a listener's SYN becomes SYN_RCVD with the SYN-ACK queued."""
        tcb = cls(cfg, iss, passive=True, local_port=lport, remote_port=syn.sport)
        tcb.state = State.SYN_RCVD
        tcb._take_syn(syn)
        tcb._send_syn(now)
        return tcb

    def _take_syn(self, syn: Segment) -> None:
        self.irs = syn.seq
        self.rcv_nxt = sq.add(syn.seq, 1)
        self.rcv_adv = sq.add(self.rcv_nxt, min(0xFFFF, self._free()))
        if syn.mss is not None:
            self.peer_mss = max(64, syn.mss)
        self.snd_wnd = syn.wnd
        self.max_snd_wnd = max(self.max_snd_wnd, syn.wnd)
        self.snd_wl1 = syn.seq

    def _send_syn(self, now: float) -> None:
        flags = SYN | (ACK if self.state is State.SYN_RCVD else 0)
        self._emit(self.iss, flags, mss=self.cfg.mss)
        self.snd_nxt = sq.add(self.iss, 1)
        if sq.gt(self.snd_nxt, self.snd_max):
            self.snd_max = self.snd_nxt
        if self.rtt_seq is None and self.backoff == 0:
            self.rtt_seq, self.rtt_start = self.iss, now
        self._arm(Timer.REXMT, now + self.rto)

    @property
    def smss(self) -> int:
        return min(self.cfg.mss, self.peer_mss)

    # ---- the application's side --------------------------------------------------------------

    def send(self, data: bytes, now: float) -> int:
        """Queue what fits in the send buffer; returns how many bytes were taken."""
        if self.fin_queued or self.state not in (
            State.SYN_SENT, State.SYN_RCVD, State.ESTABLISHED, State.CLOSE_WAIT
        ):  # fmt: skip
            return 0
        room = self.cfg.sndbuf - len(self.sndbuf)
        taken = data[: max(0, room)]
        self.sndbuf += taken
        if taken:
            self.output(now)
        return len(taken)

    def send_space(self) -> int:
        return self.cfg.sndbuf - len(self.sndbuf)

    def recv(self, limit: int, now: float) -> bytes:
        """Take up to `limit` bytes in order; opening the window may send an update."""
        data = bytes(self.rcvbuf[:limit])
        del self.rcvbuf[:limit]
        if data and self.state in CAN_RECEIVE:
            # Window update when the right edge can move by two segments or half the buffer.
            grow = sq.sub(sq.add(self.rcv_nxt, min(0xFFFF, self._free())), self.rcv_adv)
            if grow >= min(2 * self.cfg.mss, self.cfg.rcvbuf // 2):
                self.ack_now = True
                self.output(now)
        return data

    def readable(self) -> int:
        return len(self.rcvbuf)

    @property
    def eof(self) -> bool:
        """The far end's FIN has been received and everything before it read."""
        return self.fin_received and not self.rcvbuf

    def close(self, now: float) -> None:
        """The application's close: FIN after the queued data; RST if unread data is lost."""
        self.app_closed = True
        if self.rcvbuf and self.state in SYNCHRONIZED | {State.SYN_RCVD}:
            self.abort(now)
            return
        if self.state in (State.SYN_SENT, State.CLOSED, State.LISTEN):
            aborted = self.state is State.SYN_SENT
            self._closed(CloseReason.ABORTED if aborted else CloseReason.NORMAL)
            return
        if self.fin_queued:
            return
        self.fin_queued = True
        if self.state is State.ESTABLISHED:  # SYN_RCVD moves on once its SYN is acked
            self.state = State.FIN_WAIT_1
        elif self.state is State.CLOSE_WAIT:
            self.state = State.LAST_ACK
        self.output(now)

    def abort(self, now: float, reason: CloseReason = CloseReason.ABORTED) -> None:
        """Send RST (from a synchronized or SYN_RCVD state) and close at once."""
        if self.state in SYNCHRONIZED | {State.SYN_RCVD}:
            self._emit(self.snd_nxt, RST | ACK)
        self._closed(reason)

    # ---- timers ------------------------------------------------------------------------------

    def _arm(self, timer: Timer, at: float) -> None:
        self.deadlines[timer] = at

    def _cancel(self, timer: Timer) -> None:
        self.deadlines.pop(timer, None)

    def next_deadline(self) -> float | None:
        return min(self.deadlines.values()) if self.deadlines else None

    def on_timer(self, now: float) -> None:
        for timer in [t for t, at in self.deadlines.items() if at <= now]:
            if self.state is State.CLOSED:
                return
            self.deadlines.pop(timer, None)
            if timer is Timer.REXMT:
                self._rexmt_timeout(now)
            elif timer is Timer.PERSIST:
                self._probe(now)
            elif timer is Timer.DELACK:
                self.counters.delayed_acks += 1
                self.ack_now = True
                self.output(now)
            elif timer is Timer.TIME_WAIT:
                self._closed(CloseReason.NORMAL)
            elif timer is Timer.FIN_WAIT_2:
                self._closed(CloseReason.FIN_WAIT_2_TIMEOUT)

    def _rexmt_timeout(self, now: float) -> None:
        syn = self.state in (State.SYN_SENT, State.SYN_RCVD)
        self.retries += 1
        self.counters.timeouts += 1
        if self.retries > (self.cfg.max_syn_retries if syn else self.cfg.max_retries):
            self.abort(now, CloseReason.TIMEOUT)
            return
        self.backoff += 1
        self.rto = min(self.rto * 2, self.cfg.rto_max_ns)  # RFC 6298 5.5
        self.rtt_seq = None  # Karn
        if syn:
            self.counters.retransmits += 1
            self._send_syn(now)
            return
        flight = sq.sub(self.snd_max, self.snd_una)
        self.ssthresh = max(flight // 2, 2 * self.smss)  # RFC 5681 (4)
        self.cwnd = self.smss  # loss window
        self.dupacks, self.in_recovery = 0, False
        self.snd_nxt = self.snd_una  # go back N
        self._arm(Timer.REXMT, now + self.rto)
        self.output(now)

    def _probe(self, now: float) -> None:
        """RFC 9293 3.8.6.1: one byte past the closed window, with backoff."""
        if self.snd_wnd or not self._unsent():
            return
        self.counters.zero_window_probes += 1
        off = sq.sub(self.snd_nxt, self.snd_una)
        self._emit(self.snd_nxt, ACK, bytes(self.sndbuf[off : off + 1]))
        # The byte is out: a receiver that takes it may acknowledge it (BSD's forced send).
        if sq.gt(sq.add(self.snd_nxt, 1), self.snd_max):
            self.snd_max = sq.add(self.snd_nxt, 1)
        self.probe_backoff += 1
        wait = min(self.rto * (1 << min(self.probe_backoff, 16)), self.cfg.rto_max_ns)
        self._arm(Timer.PERSIST, now + wait)

    # ---- output (tcp_output) -----------------------------------------------------------------

    def _free(self) -> int:
        return max(0, self.cfg.rcvbuf - len(self.rcvbuf) - sum(len(o.data) for o in self.ooo))

    def _window(self) -> int:
        """What to advertise: free space, never moving the right edge left (RFC 9293 3.8.6)."""
        edge = sq.add(self.rcv_nxt, min(0xFFFF, self._free()))
        if sq.gt(edge, self.rcv_adv):
            self.rcv_adv = edge
        return min(0xFFFF, max(0, sq.sub(self.rcv_adv, self.rcv_nxt)))

    def _unsent(self) -> int:
        """Bytes of the buffer past snd_nxt."""
        return len(self.sndbuf) - sq.sub(self.snd_nxt, self.snd_una)

    def _fin_acked(self) -> bool:
        return self.fin_seq is not None and sq.gt(self.snd_una, self.fin_seq)

    def _emit(self, seq: int, flags: int, data: bytes = b"", mss: int | None = None) -> None:
        ack = 0
        if self.state is not State.SYN_SENT:
            flags |= ACK
            ack = self.rcv_nxt
        wnd = self._window() if not flags & RST else 0
        self.out.append(Segment(self.local_port, self.remote_port, seq, ack, flags, wnd, data, mss))
        self.counters.segments_out += 1
        if flags & ACK:
            self.delack_pending, self.ack_now = 0, False
            self._cancel(Timer.DELACK)

    def output(self, now: float) -> None:
        """Send what the windows allow: data in MSS pieces, then the FIN; else an ACK owed."""
        if self.state in (State.CLOSED, State.LISTEN, State.SYN_SENT, State.SYN_RCVD):
            if self.state is State.SYN_RCVD and self.ack_now:
                self._emit(self.snd_nxt, ACK)  # an unacceptable segment's answer (3.10.7.4)
            return
        sent_any = False
        fin_wanted = self.fin_queued and self.state in OUR_FIN_SENT
        while True:
            off = sq.sub(self.snd_nxt, self.snd_una)
            unsent = len(self.sndbuf) - off
            room = min(self.snd_wnd, self.cwnd) - off
            if unsent > 0 and room > 0:
                n = min(unsent, room, self.smss)
                fin = fin_wanted and n == unsent
                self._send_piece(off, n, fin, now)
                sent_any = True
                continue
            if fin_wanted and unsent == 0:  # the FIN needs no window (BSD's tcp_output)
                self._send_piece(off, 0, True, now)
                sent_any = True
            break
        if not sent_any and self.ack_now:
            self._emit(self.snd_nxt, ACK)
        # Zero window: with nothing in flight, probe instead of waiting for an update.
        if (
            self.snd_wnd == 0 and self._unsent() > 0
            and self.snd_una == self.snd_max and Timer.PERSIST not in self.deadlines
        ):  # fmt: skip
            self.probe_backoff = 0
            self._arm(Timer.PERSIST, now + self.rto)

    def _send_piece(self, off: int, n: int, fin: bool, now: float) -> None:
        if sq.lt(self.snd_nxt, self.snd_max):
            self.counters.retransmits += 1
            self.rtt_seq = None  # Karn: a retransmitted segment is never timed
        if fin:
            self.fin_seq = sq.add(self.snd_nxt, n)
        last = off + n == len(self.sndbuf)
        flags = ACK | (PSH if n and last else 0) | (FIN if fin else 0)
        self._emit(self.snd_nxt, flags, bytes(self.sndbuf[off : off + n]))
        self._advance(n + (1 if fin else 0), now)

    def _advance(self, n: int, now: float) -> None:
        new = sq.add(self.snd_nxt, n)
        if sq.gt(new, self.snd_max):
            if self.rtt_seq is None and self.backoff == 0 and sq.ge(self.snd_nxt, self.snd_max):
                self.rtt_seq, self.rtt_start = self.snd_nxt, now
            self.snd_max = new
        self.snd_nxt = new
        if Timer.REXMT not in self.deadlines:
            self._arm(Timer.REXMT, now + self.rto)

    # ---- input (RFC 9293 3.10.7, "SEGMENT ARRIVES") ------------------------------------------

    def input(self, seg: Segment, now: float) -> Verdict:
        self.counters.segments_in += 1
        if self.state is State.SYN_SENT:
            return self._syn_sent(seg, now)
        if self.state is State.CLOSED:
            return Drop.TCP_CLOSED_PORT
        if self.state is State.SYN_RCVD and seg.has(SYN) and seg.seq == self.irs:
            if not seg.has(ACK):  # the SYN again: our SYN-ACK was lost
                self._emit(self.iss, SYN | ACK, mss=self.cfg.mss)
                return Drop.TCP_DUPLICATE_SYN
            # Simultaneous open: the far end's SYN-ACK repeats the SYN we have (BSD trims it).
            seg = seg._replace(seq=sq.add(seg.seq, 1), flags=seg.flags & ~SYN)
        # first: sequence acceptability
        wnd = max(0, sq.sub(self.rcv_adv, self.rcv_nxt))
        if not self._acceptable(seg, wnd):
            if not seg.has(RST):
                self.ack_now = True
                self.output(now)
                if self.state is State.TIME_WAIT and seg.has(FIN):
                    self._arm(Timer.TIME_WAIT, now + 2 * self.cfg.msl_ns)  # FIN again
                return Drop.TCP_OUT_OF_WINDOW
            return Drop.TCP_RST_IGNORED
        # second: RST (RFC 5961 3.2)
        if seg.has(RST):
            if seg.seq != self.rcv_nxt:
                self.counters.challenge_acks += 1
                self._emit(self.snd_nxt, ACK)
                return Drop.TCP_RST_CHALLENGED
            self._closed(CloseReason.RESET)
            return Delivered.TCP_RESET
        # fourth: SYN (RFC 5961 4.2)
        if seg.has(SYN):
            if self.state is State.SYN_RCVD and self.passive:
                self._closed(CloseReason.RESET)  # back to LISTEN: the listener forgets it
                return Drop.TCP_SYN_CHALLENGED
            self.counters.challenge_acks += 1
            self._emit(self.snd_nxt, ACK)
            return Drop.TCP_SYN_CHALLENGED
        # fifth: ACK
        if not seg.has(ACK):
            return Drop.TCP_NO_ACK
        verdict = self._ack(seg, now)
        if verdict is not None:
            return verdict
        # seventh: data; eighth: FIN
        if seg.data or seg.has(FIN):
            if self.state in CAN_RECEIVE | {State.SYN_RCVD}:
                if (
                    self.app_closed
                    and seg.data
                    and sq.gt(sq.add(seg.seq, len(seg.data)), self.rcv_nxt)
                ):
                    self.abort(now)  # nobody will read it (BSD's tcp_input)
                    return Drop.TCP_DATA_AFTER_CLOSE
                self._data(seg, now)
            elif seg.has(FIN) and self.state in (State.CLOSE_WAIT, State.CLOSING, State.LAST_ACK):
                self.ack_now = True  # a retransmitted FIN: acknowledge it again
            elif self.state is State.TIME_WAIT and seg.has(FIN):
                self.ack_now = True
                self._arm(Timer.TIME_WAIT, now + 2 * self.cfg.msl_ns)
        self.output(now)
        return Delivered.TCP_SEGMENT

    def _acceptable(self, seg: Segment, wnd: int) -> bool:
        """The four cases of RFC 9293 3.10.7.4's acceptability test."""
        n = seg.seg_len
        if n == 0:
            return (
                seg.seq == self.rcv_nxt
                if wnd == 0
                else sq.between(self.rcv_nxt, seg.seq, sq.add(self.rcv_nxt, wnd))
            )
        if wnd == 0:
            return False
        end = sq.add(self.rcv_nxt, wnd)
        return sq.between(self.rcv_nxt, seg.seq, end) or sq.between(
            self.rcv_nxt, sq.add(seg.seq, n - 1), end
        )

    def _syn_sent(self, seg: Segment, now: float) -> Verdict:
        if seg.has(ACK) and (sq.le(seg.ack, self.iss) or sq.gt(seg.ack, self.snd_max)):
            if not seg.has(RST):
                self.out.append(reset_reply(seg))
            return Drop.TCP_BAD_ACK
        if seg.has(RST):
            if not seg.has(ACK):
                return Drop.TCP_RST_IGNORED
            self._closed(CloseReason.RESET)  # connection refused
            return Delivered.TCP_RESET
        if not seg.has(SYN):
            return Drop.TCP_NOT_SYNCHRONIZED
        self._take_syn(seg)
        if seg.has(ACK):
            self._ack_syn(seg.ack, now)
            self.state = State.ESTABLISHED
            self._update_window(seg)
            self.ack_now = True
            if seg.data:
                self._data(seg, now)
            self.output(now)
            return Delivered.TCP_SEGMENT
        self.state = State.SYN_RCVD  # simultaneous open
        self._emit(self.iss, SYN | ACK, mss=self.cfg.mss)
        return Delivered.TCP_SEGMENT

    def _ack_syn(self, ack: int, now: float) -> None:
        self.snd_una = ack
        if sq.gt(self.snd_una, self.snd_nxt):
            self.snd_nxt = self.snd_una
        self._sample_rtt(ack, now)
        self.cwnd = self.cfg.initial_window * self.smss
        if self.backoff:
            self.cwnd = self.smss  # RFC 5681 3.1: a lost SYN shrinks the initial window
        self.retries, self.backoff = 0, 0
        self._cancel(Timer.REXMT)

    def _update_window(self, seg: Segment) -> None:
        if sq.lt(self.snd_wl1, seg.seq) or (
            self.snd_wl1 == seg.seq and sq.le(self.snd_wl2, seg.ack)
        ):
            opened = seg.wnd > 0 and self.snd_wnd == 0
            self.snd_wnd, self.snd_wl1, self.snd_wl2 = seg.wnd, seg.seq, seg.ack
            self.max_snd_wnd = max(self.max_snd_wnd, seg.wnd)
            if opened:
                self._cancel(Timer.PERSIST)
                self.probe_backoff = 0

    def _ack(self, seg: Segment, now: float) -> Verdict | None:
        """Step five; a verdict when the segment stops here."""
        if self.state is State.SYN_RCVD:
            if not (sq.lt(self.snd_una, seg.ack) and sq.le(seg.ack, self.snd_max)):
                self.out.append(reset_reply(seg))
                return Drop.TCP_BAD_ACK
            self._ack_syn(sq.add(self.iss, 1), now)
            self.state = State.FIN_WAIT_1 if self.fin_queued else State.ESTABLISHED
            self.snd_wnd, self.snd_wl1, self.snd_wl2 = seg.wnd, seg.seq, seg.ack
            self.max_snd_wnd = max(self.max_snd_wnd, seg.wnd)
        # RFC 5961 5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT]
        if sq.gt(seg.ack, self.snd_max):
            self.ack_now = True
            self.output(now)
            return Drop.TCP_BAD_ACK
        if sq.lt(seg.ack, sq.add(self.snd_una, -self.max_snd_wnd - 1)):
            self.ack_now = True
            self.output(now)
            return Drop.TCP_BAD_ACK
        if sq.gt(seg.ack, self.snd_una):
            self._new_ack(seg, now)
        elif (
            seg.ack == self.snd_una and not seg.data and not seg.has(FIN)
            and seg.wnd == self.snd_wnd and self.snd_una != self.snd_max
        ):  # fmt: skip
            self._dupack(now)
        self._update_window(seg)
        if self._fin_acked():
            if self.state is State.FIN_WAIT_1:
                self.state = State.FIN_WAIT_2
                if self.app_closed:
                    self._arm(Timer.FIN_WAIT_2, now + self.cfg.fin_wait_2_ns)
            elif self.state is State.CLOSING:
                self._time_wait(now)
            elif self.state is State.LAST_ACK:
                self._closed(CloseReason.NORMAL)
                return Delivered.TCP_SEGMENT
        return None

    def _new_ack(self, seg: Segment, now: float) -> None:
        acked = sq.sub(seg.ack, self.snd_una)
        data_acked = min(acked, len(self.sndbuf))
        del self.sndbuf[:data_acked]
        self.snd_una = seg.ack
        if sq.lt(self.snd_nxt, self.snd_una):
            self.snd_nxt = self.snd_una
        self._sample_rtt(seg.ack, now)
        self.retries = 0
        if self.in_recovery:
            if sq.ge(seg.ack, self.recover):  # full ACK: recovery over (RFC 6582)
                self.in_recovery = False
                self.cwnd = self.ssthresh
            else:  # partial ACK: the next hole goes out now
                self.cwnd = max(self.smss, self.cwnd - acked + self.smss)
                self._retransmit_first(now)
        elif self.cwnd < self.ssthresh:
            self.cwnd += min(acked, self.smss)  # slow start
        else:
            self.cwnd += max(1, self.smss * self.smss // self.cwnd)  # congestion avoidance
        self.dupacks = 0
        if self.snd_una == self.snd_max:
            self._cancel(Timer.REXMT)
            self.backoff = 0
        else:
            self._arm(Timer.REXMT, now + self.rto)

    def _dupack(self, now: float) -> None:
        self.dupacks += 1
        if self.in_recovery:
            self.cwnd += self.smss  # inflation
            self.output(now)
        elif self.dupacks == self.cfg.dupack_threshold:
            flight = sq.sub(self.snd_max, self.snd_una)
            self.ssthresh = max(flight // 2, 2 * self.smss)
            self.recover = self.snd_max
            self.in_recovery = True
            self.counters.fast_retransmits += 1
            self._retransmit_first(now)
            self.cwnd = self.ssthresh + 3 * self.smss

    def _retransmit_first(self, now: float) -> None:
        """Resend the segment at snd_una, leaving snd_nxt where it was."""
        n = min(len(self.sndbuf), self.smss)
        fin = self.fin_seq is not None and n == len(self.sndbuf)
        if n == 0 and not fin:
            return
        self.rtt_seq = None  # Karn
        self.counters.retransmits += 1
        self._emit(self.snd_una, ACK | (FIN if fin else 0), bytes(self.sndbuf[:n]))
        self._arm(Timer.REXMT, now + self.rto)

    def _sample_rtt(self, ack: int, now: float) -> None:
        if self.rtt_seq is None or not sq.gt(ack, self.rtt_seq):
            return
        r = now - self.rtt_start
        self.rtt_seq = None
        self.counters.rtt_samples += 1
        if self.srtt is None:
            self.srtt, self.rttvar = r, r / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - r)
            self.srtt = 0.875 * self.srtt + 0.125 * r
        rto = self.srtt + max(self.cfg.clock_granularity_ns, 4 * self.rttvar)
        self.rto = min(max(rto, self.cfg.rto_min_ns), self.cfg.rto_max_ns)
        self.backoff = 0

    def _data(self, seg: Segment, now: float) -> None:
        """In-order data to the buffer (merging what was held), the rest held; then the FIN."""
        seq, data, fin = seg.seq, seg.data, seg.has(FIN)
        if sq.lt(seq, self.rcv_nxt):  # trim what we already have
            cut = sq.sub(self.rcv_nxt, seq)
            if cut >= len(data):
                fin = fin and cut == len(data)  # all data old; the FIN new only if at rcv_nxt
                data, seq = b"", self.rcv_nxt
            else:
                data, seq = data[cut:], self.rcv_nxt
        room = max(0, sq.sub(self.rcv_adv, seq))  # trim to the window we offered
        if len(data) > room:
            data, fin = data[:room], False
        if seq != self.rcv_nxt:
            self._hold(seq, data, fin)
            self.ack_now = True  # out of order: a duplicate ACK at once (RFC 5681 4.2)
            return
        filled_hole = bool(self.ooo)
        self._take(data, fin, now)
        while self.ooo and sq.le(self.ooo[0].seq, self.rcv_nxt):
            held = self.ooo.pop(0)
            cut = sq.sub(self.rcv_nxt, held.seq)
            if cut < len(held.data) or (held.fin and cut == len(held.data)):
                self._take(held.data[cut:], held.fin, now)
        if self.fin_received or filled_hole or self.cfg.delack_ns is None:
            self.ack_now = True
        elif data:
            self.delack_pending += 1
            if self.delack_pending >= 2:
                self.ack_now = True
            elif Timer.DELACK not in self.deadlines:
                self._arm(Timer.DELACK, now + self.cfg.delack_ns)

    def _hold(self, seq: int, data: bytes, fin: bool) -> None:
        if not data and not fin:
            return
        for held in self.ooo:
            if held.seq == seq and len(held.data) >= len(data):
                return  # a duplicate of what is held
        self.ooo.append(_OutOfOrder(seq, data, fin))
        self.ooo.sort(key=lambda h: sq.sub(h.seq, self.rcv_nxt))

    def _take(self, data: bytes, fin: bool, now: float) -> None:
        if self.fin_received:
            return
        self.rcvbuf += data
        self.rcv_nxt = sq.add(self.rcv_nxt, len(data))
        if fin:
            self.fin_received = True
            self.rcv_nxt = sq.add(self.rcv_nxt, 1)
            self.ooo.clear()
            if self.state in (State.SYN_RCVD, State.ESTABLISHED):
                self.state = State.CLOSE_WAIT
            elif self.state is State.FIN_WAIT_1:
                self.state = State.CLOSING  # simultaneous close (an acked FIN left FIN_WAIT_1)
            elif self.state is State.FIN_WAIT_2:
                self._time_wait(now)

    def _time_wait(self, now: float) -> None:
        self.state = State.TIME_WAIT
        for timer in (Timer.REXMT, Timer.PERSIST, Timer.FIN_WAIT_2):
            self._cancel(timer)
        self._arm(Timer.TIME_WAIT, now + 2 * self.cfg.msl_ns)

    def _closed(self, reason: CloseReason) -> None:
        self.state = State.CLOSED
        self.deadlines.clear()
        if self.closed_reason is None:
            self.closed_reason = reason
