# SPDX-License-Identifier: MIT
"""TCP against RFC 9293 / 6298 / 5961, scripted with scapy against the host on the model back
end: what the host answers is judged by scapy's parse and by the RFC's numbers, not by the
stack's own code."""

from __future__ import annotations

import itertools

import pytest
from scapy.layers.inet import IP, TCP, in4_chksum
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw

from pystack.stack.host import HOST_IP
from pystack.stack.tcp_conn import CloseReason, State, TcpConfig
from pystack.stack.verdicts import Delivered, Drop
from tests.tcp_lab import HOST_MAC_STR, MS, PEER_IP, PEER_MAC, US, Lab

WRAP = 0xFFFFFFFF - 1000  # an initial sequence number 1,000 below 2^32


def flags(pkts: list) -> list[str]:
    return [str(p[TCP].flags) for p in pkts]


def test_passive_open_with_mss_and_data_across_the_sequence_wrap() -> None:
    lab = Lab(TcpConfig(delack_ns=None))
    lab.serve()
    sa = lab.handshake(WRAP, mss=1000)
    assert sa[TCP].ack == (WRAP + 1) & 0xFFFFFFFF
    assert dict(sa[TCP].options)["MSS"] == 1460
    payload = bytes(range(256)) * 12  # 3,072 bytes, crossing 2^32
    seq = WRAP + 1
    for off in range(0, len(payload), 1000):
        piece = payload[off : off + 1000]
        lab.send(lab.segment("PA", seq & 0xFFFFFFFF, sa[TCP].seq + 1, piece))
        seq += len(piece)
    lab.advance(500 * US)
    acks = [p[TCP].ack for p in lab.received()]
    assert acks[-1] == seq & 0xFFFFFFFF  # cumulative, wrapped
    assert lab.data() == payload
    assert lab.conn().state is State.ESTABLISHED


def test_host_segments_respect_the_peers_mss_and_wrap() -> None:
    lab = Lab()
    lab.serve(read=False)
    sa = lab.handshake(5, mss=536)
    lab.wait(lab.api.send(lab.conn(), b"x" * 3000))
    lab.advance(300 * US)
    data = [p for p in lab.received() if len(p[TCP].payload)]
    sizes = [len(bytes(p[TCP].payload).rstrip(b"\0")) for p in data]
    assert max(sizes) <= 536
    assert len(data) == 4  # the initial window: 4 segments (DragonFly's default)
    assert data[0][TCP].seq == (sa[TCP].seq + 1) & 0xFFFFFFFF


def test_reordered_duplicated_overlapping_segments_deliver_the_stream_once() -> None:
    lab = Lab(TcpConfig(delack_ns=None))
    lab.serve()
    sa = lab.handshake(1000)
    ack = sa[TCP].seq + 1
    stream = bytes((i * 7) & 0xFF for i in range(4000))
    base = 1001
    pieces = [(1000, 2000), (0, 1000), (0, 1000), (500, 1500), (3000, 4000), (1800, 3200)]
    for lo, hi in pieces:
        lab.send(lab.segment("PA", base + lo, ack, stream[lo:hi]))
        lab.advance(50 * US)
    lab.advance(500 * US)
    got = lab.received()
    assert lab.data() == stream
    assert got[0][TCP].ack == base  # out of order first: an immediate duplicate ACK
    assert got[-1][TCP].ack == base + len(stream)


def test_syn_ack_retransmission_backs_off_from_one_second() -> None:
    lab = Lab(TcpConfig(max_syn_retries=3))
    lab.serve()
    lab.send(lab.segment("S", 77))
    lab.advance(16_000 * MS)
    times = [t for t, p in lab.received_timed() if str(p[TCP].flags) == "SA"]
    gaps = [round((b - a) / MS) for a, b in itertools.pairwise(times)]
    assert gaps == [1000, 2000, 4000]  # RFC 6298 2.1 and 5.5
    closed = lab.tcp_stats().closed
    assert closed == {str(CloseReason.TIMEOUT): 1}


def test_data_retransmission_backoff_karn_and_drop_tell_the_application() -> None:
    lab = Lab(TcpConfig(max_retries=3, rto_min_ns=200 * MS))
    lab.serve()
    lab.handshake(1)
    lab.received()
    lab.wait(lab.api.send(lab.conn(), b"y" * 100))
    lab.advance(10_000 * MS)
    timed = lab.received_timed()
    data = [t for t, p in timed if len(bytes(p[TCP].payload).rstrip(b"\0")) == 100]
    gaps = [round((b - a) / MS) for a, b in itertools.pairwise(data)]
    assert gaps == [200, 400, 800]  # RTO from the handshake's sample, floored at 200 ms
    assert str(timed[-1][1][TCP].flags) == "RA"  # the drop resets the far end
    assert CloseReason.TIMEOUT in lab.log
    assert lab.tcp_stats().retransmits == 3


def test_zero_window_closes_when_the_application_does_not_read_and_reopens() -> None:
    lab = Lab(TcpConfig(rcvbuf=4000, delack_ns=None))
    box: dict = {}

    async def server() -> None:
        sock = lab.api.socket(lab.host.cpus[0])
        lab.api.bind(sock, 80)
        await lab.api.listen(sock)
        box["conn"] = await lab.api.accept(sock)

    lab.spawn(server())
    lab.advance(50 * US)
    sa = lab.handshake(10)
    ack = sa[TCP].seq + 1
    for i in range(4):
        lab.send(lab.segment("PA", 11 + 1000 * i, ack, b"z" * 1000))
    lab.advance(300 * US)
    assert lab.received()[-1][TCP].window == 0
    lab.send(lab.segment("PA", 4011, ack, b"!"))  # a probe: not acceptable, answered
    lab.advance(300 * US)
    probe_ack = lab.received()
    assert probe_ack[-1][TCP].ack == 4011 and probe_ack[-1][TCP].window == 0
    assert lab.wait(lab.api.recv(box["conn"], 4000)) == b"z" * 4000
    lab.advance(300 * US)
    update = lab.received()
    assert update and update[-1][TCP].window >= 2000  # the window update


def test_host_probes_a_zero_window_with_backoff() -> None:
    lab = Lab()
    lab.serve(read=False)
    sa = lab.handshake(20)
    lab.send(lab.segment("A", 21, sa[TCP].seq + 1, window=0))
    lab.advance(100 * US)
    lab.received()
    lab.wait(lab.api.send(lab.conn(), b"p" * 500))
    lab.advance(8_000 * MS)
    probes = [(t, p) for t, p in lab.received_timed() if len(bytes(p[TCP].payload).rstrip(b"\0"))]
    assert len(probes) >= 3
    assert all(len(bytes(p[TCP].payload).rstrip(b"\0")) == 1 for _, p in probes)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(probes)]
    assert all(g2 > g1 for g1, g2 in itertools.pairwise(gaps))  # backing off
    assert lab.tcp_stats().zero_window_probes == len(probes)


@pytest.mark.parametrize(
    ("offset", "outcome"),
    [(0, Delivered.TCP_RESET), (100, Drop.TCP_RST_CHALLENGED), (10**6, Drop.TCP_RST_IGNORED)],
)
def test_rst_per_rfc5961(offset: int, outcome: str) -> None:
    lab = Lab()
    lab.serve()
    sa = lab.handshake(500)
    lab.received()
    before = lab.stats()
    lab.send(lab.segment("R", 501 + offset, sa[TCP].seq + 1))
    lab.advance(300 * US)
    after = lab.stats()
    changed = {**after.delivered, **after.dropped}
    was = {**before.delivered, **before.dropped}
    assert changed.get(outcome, 0) - was.get(outcome, 0) == 1
    got = lab.received()
    if outcome is Drop.TCP_RST_CHALLENGED:
        assert flags(got) == ["A"] and got[0][TCP].ack == 501  # the challenge ACK
        assert lab.conn().state is State.ESTABLISHED
    elif outcome is Delivered.TCP_RESET:
        assert got == [] and CloseReason.RESET in lab.log
    else:
        assert got == [] and lab.conn().state is State.ESTABLISHED


def test_rst_in_syn_rcvd_and_syn_on_an_established_connection() -> None:
    lab = Lab()
    lab.serve()
    lab.send(lab.segment("S", 900))
    lab.advance(300 * US)
    lab.received()
    lab.send(lab.segment("R", 901))
    lab.advance(300 * US)
    assert lab.tcp_stats().pcbs == 0  # back to LISTEN
    sa = lab.handshake(3000, sport=40001)
    lab.send(lab.segment("S", 3001, sport=40001))
    lab.advance(300 * US)
    got = lab.received()
    assert flags(got) == ["A"] and got[0][TCP].ack == 3001  # RFC 5961 4.2 challenge
    assert sa is not None and lab.stats().dropped[Drop.TCP_SYN_CHALLENGED] == 1


def test_closed_port_and_listener_answers() -> None:
    lab = Lab()
    lab.serve()
    lab.send(lab.segment("S", 42, dport=81), lab.segment("A", 42, 99, dport=80))
    lab.advance(300 * US)
    rst = lab.received()
    assert sorted((str(p[TCP].flags), p[TCP].seq, p[TCP].ack) for p in rst) == [
        ("R", 99, 0),  # a listener's stray ACK: SEQ = SEG.ACK
        ("RA", 0, 43),  # closed port: ACK = SEG.SEQ + SEG.LEN
    ]
    dropped = lab.stats().dropped
    assert dropped[Drop.TCP_CLOSED_PORT] == 1 and dropped[Drop.TCP_LISTEN_NOT_SYN] == 1


def test_every_malformed_segment_is_counted_under_its_reason() -> None:
    lab = Lab()
    lab.serve()
    good = lab.segment("S", 1)
    bad_csum = good.copy()
    bad_csum[TCP].chksum = 0x1234
    short = bytes(good)[: 14 + 20 + 12]
    trunc = Ether(short)
    trunc[IP].len = 20 + 12
    del trunc[IP].chksum
    offset = lab.segment("S", 1, dataofs=15)
    synfin = lab.segment("SF", 1)
    noflag = lab.segment("", 1)
    # An option that runs past the header: NOP, then MSS claiming 9 bytes in a 4-byte space.
    tcp = bytearray(bytes(lab.segment("S", 1, options=[("NOP", None)])[TCP]))
    tcp[12] = 6 << 4
    tcp[20:24] = bytes([1, 2, 9, 0])
    tcp[16:18] = b"\0\0"
    ip = IP(src=PEER_IP, dst=HOST_IP, proto=6)
    tcp[16:18] = in4_chksum(6, ip, bytes(tcp)).to_bytes(2, "big")
    bad_opt = Ether(src=PEER_MAC, dst=HOST_MAC_STR) / ip / Raw(bytes(tcp))
    lab.send(bad_csum, trunc, offset, synfin, noflag, bad_opt)
    lab.advance(300 * US)
    st = lab.stats()
    for why in (
        Drop.TCP_BAD_CHECKSUM, Drop.TCP_TRUNCATED, Drop.TCP_BAD_OFFSET, Drop.TCP_BAD_OPTIONS
    ):  # fmt: skip
        assert st.dropped[why] == 1, why
    assert st.dropped[Drop.TCP_BAD_FLAGS] == 2
    assert lab.received() == []
    assert st.rx == sum(st.delivered.values()) + sum(st.dropped.values())


def test_active_open_and_simultaneous_open() -> None:
    lab = Lab()
    lab.send(  # teach the host our MAC (an ARP request for its address)
        Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff")
        / ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, pdst=HOST_IP)
    )
    lab.advance(200 * US)
    lab.dev.mac_take()
    sock = lab.api.socket(lab.host.cpus[0], blocking=False)
    lab.wait(lab.api.connect(sock, bytes([10, 1, 0, 5]), 8080))
    lab.advance(200 * US)
    (syn,) = lab.received()
    assert str(syn[TCP].flags) == "S" and dict(syn[TCP].options)["MSS"] == 1460
    lport = syn[TCP].sport
    # simultaneous open: our own SYN crosses theirs
    lab.send(lab.segment("S", 7000, sport=8080, dport=lport))
    lab.advance(200 * US)
    (sa,) = lab.received()
    assert str(sa[TCP].flags) == "SA" and sa[TCP].seq == syn[TCP].seq and sa[TCP].ack == 7001
    assert sock.state is State.SYN_RCVD
    lab.send(lab.segment("SA", 7000, syn[TCP].seq + 1, sport=8080, dport=lport))
    lab.advance(200 * US)
    assert sock.state is State.ESTABLISHED
    st = lab.tcp_stats()
    assert st.active_opens == 1 and st.off_cpu_segments == 0


def test_simultaneous_close_and_time_wait() -> None:
    lab = Lab(TcpConfig(msl_ns=1 * MS, delack_ns=None))
    lab.serve(read=False)
    sa = lab.handshake(100)
    lab.received()
    ack = sa[TCP].seq + 1
    lab.wait(lab.api.close(lab.conn()))
    lab.send(lab.segment("FA", 101, ack))  # our FIN crosses theirs
    lab.advance(200 * US)
    got = lab.received()
    assert "FA" in flags(got)
    assert lab.conn().state in (State.CLOSING, State.TIME_WAIT)
    lab.send(lab.segment("A", 102, ack + 1))
    lab.advance(200 * US)
    assert lab.conn().state is State.TIME_WAIT
    lab.send(lab.segment("FA", 101, ack + 1))  # their FIN again: re-acknowledged
    lab.advance(200 * US)
    assert flags(lab.received()) == ["A"]
    lab.advance(2.5 * MS)
    assert lab.conn().state is State.CLOSED
    assert lab.tcp_stats().closed == {str(CloseReason.NORMAL): 1}


def test_pcb_dump_under_churn_lists_each_long_lived_connection_once() -> None:
    lab = Lab(ncpus=4)
    api = lab.api

    async def server() -> None:
        sock = api.socket(lab.host.cpus[0])
        api.bind(sock, 80)
        await api.listen(sock)
        while True:
            conn = await api.accept(sock)
            assert conn is not None
            lab.log.append(conn)

    lab.spawn(server())
    lab.advance(50 * US)
    for i in range(40):
        lab.handshake(1000 * i, sport=30000 + i)
    lab.received()
    rows_box: dict = {}

    async def dump() -> None:
        rows_box["rows"] = await lab.host.proto.tcp.dump(chunk=3)

    lab.spawn(dump())
    for i in range(40, 60):  # open more, and reset some old ones, while the dump runs
        lab.send(lab.segment("S", 1000 * i, sport=30000 + i))
        if i % 4 == 0:
            lab.send(lab.segment("R", 1000 * (i - 40) + 1, sport=30000 + i - 40))
        lab.advance(20 * US)
    lab.advance(2 * MS)
    rows = rows_box["rows"]
    ports = [r[2] for r in rows]
    assert len(ports) == len(set(ports))  # nothing twice
    survivors = {30000 + i for i in range(40) if not (i % 4 == 0 and i < 20)}
    assert survivors <= set(ports)  # every connection that lived through the dump
    assert {r[0] for r in rows} <= set(range(4))


def _to_state(lab: Lab, state: State) -> tuple[int, int]:
    """Drive the host's connection on port 80 into `state`; returns (the host's next
    sequence number, the sequence number the host expects next)."""
    lab.serve(read=False)
    sa = lab.handshake(100)
    lab.received()
    ours, theirs = sa[TCP].seq + 1, 101
    conn = lab.conn()
    if state in (State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSING, State.TIME_WAIT):
        lab.wait(lab.api.close(conn))
        lab.advance(100 * US)
        ours += 1  # our FIN
        if state is State.FIN_WAIT_2:
            lab.send(lab.segment("A", theirs, ours))
        elif state is State.CLOSING:
            lab.send(lab.segment("FA", theirs, ours - 1))
            theirs += 1
        elif state is State.TIME_WAIT:
            lab.send(lab.segment("FA", theirs, ours))
            theirs += 1
    elif state in (State.CLOSE_WAIT, State.LAST_ACK):
        lab.send(lab.segment("FA", theirs, ours))
        theirs += 1
        lab.advance(100 * US)
        if state is State.LAST_ACK:
            lab.wait(lab.api.close(conn))
            ours += 1
    lab.advance(200 * US)
    lab.received()
    assert conn.state is state
    return ours, theirs


RST_STATES = [State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSE_WAIT,
              State.CLOSING, State.LAST_ACK, State.TIME_WAIT]  # fmt: skip


@pytest.mark.parametrize("state", RST_STATES)
def test_rst_in_every_synchronized_state(state: State) -> None:
    """RFC 5961 3.2 in each state: an in-window RST that is not exact draws a challenge ACK
    and changes nothing; the exact one closes the connection."""
    lab = Lab(TcpConfig(delack_ns=None, msl_ns=1000 * MS))
    ours, theirs = _to_state(lab, state)
    lab.send(lab.segment("R", theirs + 10, ours))
    lab.advance(200 * US)
    challenge = lab.received()
    assert flags(challenge) == ["A"] and challenge[0][TCP].ack == theirs
    assert lab.conn().state is state
    lab.send(lab.segment("R", theirs, ours))
    lab.advance(200 * US)
    assert lab.received() == []
    assert lab.conn().state is State.CLOSED
    assert lab.stats().delivered[Delivered.TCP_RESET] == 1


def test_rst_answers_our_syn_connection_refused() -> None:
    lab = Lab()
    lab.send(
        Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff")
        / ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, pdst=HOST_IP)
    )
    lab.advance(200 * US)
    lab.dev.mac_take()
    sock = lab.api.socket(lab.host.cpus[1])
    box: dict = {}

    async def connect() -> None:
        from pystack.stack.sockets import SocketError

        try:
            await lab.api.connect(sock, bytes([10, 1, 0, 5]), 22)
        except SocketError as exc:
            box["error"] = exc.reason

    lab.spawn(connect())
    lab.advance(200 * US)
    (syn,) = lab.received()
    lab.send(lab.segment("R", 0, syn[TCP].seq + 2, sport=22, dport=syn[TCP].sport))  # bad ACK
    lab.advance(200 * US)
    assert sock.state is State.SYN_SENT and lab.received() == []  # RST ignored
    lab.send(lab.segment("RA", 0, syn[TCP].seq + 1, sport=22, dport=syn[TCP].sport))
    lab.advance(200 * US)
    assert box["error"] is CloseReason.RESET


def test_fast_retransmit_on_three_duplicate_acks() -> None:
    lab = Lab(TcpConfig(mss=1000))
    lab.serve(read=False)
    sa = lab.handshake(1, mss=1000)
    una = sa[TCP].seq + 1
    lab.send(lab.segment("A", 2, una))
    lab.received()
    lab.wait(lab.api.send(lab.conn(), bytes(4000)))
    lab.advance(200 * US)
    first = [p for p in lab.received() if p[TCP].seq == una]
    assert len(first) == 1  # the segment we lose
    for _ in range(3):
        lab.send(lab.segment("A", 2, una))  # the other three arrived: duplicate ACKs
    lab.advance(200 * US)
    again = [p for p in lab.received() if p[TCP].seq == una]
    assert len(again) == 1  # resent at once, long before any timeout
    st = lab.tcp_stats()
    assert st.fast_retransmits == 1 and st.timeouts == 0


def test_a_probe_the_receiver_takes_is_acknowledged_and_the_rest_follows() -> None:
    lab = Lab(TcpConfig(delack_ns=None))
    lab.serve(read=False)
    sa = lab.handshake(20)
    una = sa[TCP].seq + 1
    lab.send(lab.segment("A", 21, una, window=0))
    lab.advance(100 * US)
    lab.received()
    lab.wait(lab.api.send(lab.conn(), b"q" * 300))
    lab.advance(300 * MS)  # the first probe goes after one RTO (200 ms, the floor)
    (probe,) = [p for p in lab.received() if len(bytes(p[TCP].payload).rstrip(b"\0"))]
    lab.send(lab.segment("A", 21, una + 1, window=1000))  # took the byte, window open
    lab.advance(300 * US)
    rest = [p for p in lab.received() if p[TCP].seq == una + 1]
    assert probe[TCP].seq == una
    assert len(rest) == 1 and bytes(rest[0][TCP].payload) == b"q" * 299
    assert lab.stats().dropped.get("tcp_bad_ack", 0) == 0


def test_a_new_syn_reopens_a_time_wait_tuple() -> None:
    lab = Lab(TcpConfig(delack_ns=None))

    async def server() -> None:
        sock = lab.api.socket(lab.host.cpus[0])
        lab.api.bind(sock, 80)
        await lab.api.listen(sock)
        while True:
            conn = await lab.api.accept(sock)
            assert conn is not None
            lab.log.append(conn)
            await lab.api.close(conn)  # the server closes first: its side ends in TIME_WAIT

    lab.spawn(server())
    lab.advance(50 * US)
    sa = lab.handshake(100)
    lab.advance(200 * US)
    ack = sa[TCP].seq + 2  # their FIN
    lab.send(lab.segment("FA", 101, ack))
    lab.advance(200 * US)
    lab.received()
    assert lab.log[0].state is State.TIME_WAIT
    lab.send(lab.segment("S", 50, options=[("MSS", 1460)]))  # below rcv_nxt: no reopening
    lab.advance(200 * US)
    assert [str(p[TCP].flags) for p in lab.received()] == ["A"]  # TIME_WAIT's answer
    assert lab.log[0].state is State.TIME_WAIT
    lab.send(lab.segment("S", 5000, options=[("MSS", 1460)]))  # same tuple, higher sequence
    lab.advance(200 * US)
    (sa2,) = [p for p in lab.received() if str(p[TCP].flags) == "SA"]
    assert sa2[TCP].ack == 5001
    assert lab.log[0].state is State.CLOSED
