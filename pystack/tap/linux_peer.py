# SPDX-License-Identifier: MIT
"""The far end of the wire when it is Linux: every frame read from the TAP goes onto MAC RX at
the current simulated time, every frame off MAC TX is written to the TAP.

Linux sends what it likes (ARP, pings, UDP, but also IPv6 router solicitations, neighbour
discovery and MLD reports, ARP probes), so each frame is sorted on the way in: by `kind` for
people (what it is) and by `verdict`, the counter the stack must bump for it (`+icmp_echo`,
`eth_not_for_us`, ...). The run's accounting then holds whatever Linux sent: every frame is a
request that must be answered, or a frame the stack must deliver or drop under that reason.

TCP: a segment's bytes tell a bad header or checksum, and a port nothing listens on
(`tcp_closed_port`, answered with RST), but not what a connection makes of it: whether it is
the SYN of a new connection, data, an old duplicate Linux retransmitted while a slow simulator
was still answering (`tcp_out_of_window`), or an RST that arrived after the connection was gone
depends on the connection's state when the segment lands, which is later than the bridge reads
it. So a well-formed segment for a listening port gets one verdict, TCP_BY_STATE, and the
accounting sums the stack's state-dependent TCP counters (TCP_STATE_VERDICTS) against it: each
such segment is still counted exactly once, under a reason its connection chose.

Padding: a transmitting MAC pads a frame to the 60-byte minimum, and Linux hands a TAP frames
as short as 42 bytes (an ARP request), unpadded because the padding is the MAC's job. The
bridge is that MAC, so it pads; `pad=False` feeds the raw bytes, and the NIC counts every
short one as a runt (RUC), for testing exactly that. The capture (`rx_log`, rx.pcap) keeps the
bytes Linux sent, so it equals a capture on the TAP.
"""

from __future__ import annotations

import errno
import os
import struct
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from pystack.nic.device import CLOCK_NS, MAC_BYTES, Device, wire_schedule
from pystack.pcap import pad_frame
from pystack.rss.parse import MIN_FRAME_BYTES
from pystack.stack import tcp_segment as tcp
from pystack.stack.proto import (
    BROADCAST,
    ETH_ARP,
    ETH_IP,
    ICMP_ECHO,
    ICMP_ECHO_REPLY,
    PROTO_ICMP,
    PROTO_UDP,
    Delivered,
    Drop,
    ip_raw,
)

ETH_IPV6 = 0x86DD
DELIVERED = "+"  # a verdict's prefix for a delivery, before the `Delivered` it names
# A well-formed segment for a listening TCP port: its connection's state picks the counter.
TCP_BY_STATE = "tcp_by_state"
# The stack's counters that a TCP_BY_STATE segment may land in (tcp_layer._input_owned and
# Tcb.input), as they appear in a verdict. An RST for a closed port is `tcp_rst_ignored` from
# its bytes alone, but that counter also takes in-state RSTs, so it is summed in here too.
TCP_STATE_VERDICTS = frozenset(
    [DELIVERED + d for d in (Delivered.TCP_SEGMENT, Delivered.TCP_SYN, Delivered.TCP_RESET)]
    + [
        Drop.TCP_LISTEN_NOT_SYN,
        Drop.TCP_ACCEPT_QUEUE_FULL,
        Drop.TCP_OUT_OF_WINDOW,
        Drop.TCP_BAD_ACK,
        Drop.TCP_NO_ACK,
        Drop.TCP_RST_IGNORED,
        Drop.TCP_RST_CHALLENGED,
        Drop.TCP_SYN_CHALLENGED,
        Drop.TCP_DATA_AFTER_CLOSE,
        Drop.TCP_NOT_SYNCHRONIZED,
        Drop.TCP_DUPLICATE_SYN,
    ]
)
MAX_READ = 256  # frames taken from the TAP per pump, so a flood cannot starve the simulation
READ_BYTES = 65536


def describe(frame: bytes) -> str:
    """A short name for what Linux sent, for the counters people read."""
    if len(frame) < 14:
        return "runt"
    dst, etype = frame[:6], struct.unpack_from("!H", frame, 12)[0]
    if etype == ETH_ARP and len(frame) >= 42:
        spa, tpa = frame[28:32], frame[38:42]
        if spa == bytes(4):
            return "arp_probe"
        if spa == tpa:
            return "arp_announce"
        return "arp_request" if frame[21] == 1 else "arp_reply"
    if etype == ETH_IPV6:
        nh = frame[20] if len(frame) > 20 else -1
        icmp6 = frame[54] if nh == 58 and len(frame) > 54 else -1
        names = {
            133: "ipv6_router_solicit",
            135: "ipv6_neighbor_solicit",
            136: "ipv6_neighbor_advert",
            143: "ipv6_mld_report",
        }
        if icmp6 in names:
            return names[icmp6]
        return "ipv6_multicast" if dst[0] & 1 else "ipv6"
    if etype == ETH_IP and len(frame) >= 34:
        proto = frame[23]
        if dst[0] & 1 and dst != BROADCAST:
            return "ipv4_multicast"
        if proto == PROTO_ICMP:
            return "icmp_echo" if frame[14 + (frame[14] & 0xF) * 4] == ICMP_ECHO else "icmp"
        if proto == PROTO_UDP:
            return "udp"
        if proto == tcp.PROTO_TCP:
            return describe_tcp(frame)
        return "igmp" if proto == 2 else "ipv4_other"
    return "broadcast" if dst == BROADCAST else ("multicast" if dst[0] & 1 else "other")


def describe_tcp(frame: bytes) -> str:
    """A TCP segment by what it does: opens (tcp_syn), resets (tcp_rst), closes (tcp_fin),
    carries data (tcp_data) or only acknowledges (tcp_ack)."""
    ihl = (frame[14] & 0xF) * 4
    total = struct.unpack_from("!H", frame, 16)[0]
    seg = frame[14 + ihl : 14 + total]
    if len(seg) < tcp.HEADER:
        return "tcp"
    flags = seg[13]
    if flags & tcp.SYN:
        return "tcp_syn"
    if flags & tcp.RST:
        return "tcp_rst"
    if flags & tcp.FIN:
        return "tcp_fin"
    return "tcp_data" if len(seg) > (seg[12] >> 4) * 4 else "tcp_ack"


def verdict(
    frame: bytes,
    host_mac: bytes,
    host_ip: bytes,
    bound: Callable[[int], bool],
    padded: bool,
    listening: Callable[[int], bool] = lambda port: False,
) -> str:
    """What the NIC and stack must do with a frame, from its bytes alone: an NIC counter
    ("RUC"), a stack drop reason, a delivery with DELIVERED before it ("+udp_echo"), or, for
    a TCP segment to a port in `listening`, TCP_BY_STATE. Mirrors the order of checks in
    pystack/stack/proto.py for the frames Linux sends (well formed, checksums right). The host
    opens no connection of its own over the TAP, so a TCP port without a listener has none."""
    if not padded and len(frame) < MIN_FRAME_BYTES:
        return "RUC"
    dst, etype = frame[:6], struct.unpack_from("!H", frame, 12)[0]
    if dst not in (host_mac, BROADCAST):
        return Drop.ETH_NOT_FOR_US
    if etype == ETH_ARP:
        body = frame[14:]
        if len(body) < 28:
            return Drop.ARP_MALFORMED
        htype, ptype, hlen, plen, op = struct.unpack_from("!HHBBH", body)
        if (htype, ptype, hlen, plen) != (1, ETH_IP, 6, 4) or op not in (1, 2):
            return Drop.ARP_MALFORMED
        if body[24:28] != host_ip:
            return Drop.ARP_NOT_FOR_US
        return DELIVERED + (Delivered.ARP_REQUEST if op == 1 else Delivered.ARP_REPLY)
    if etype != ETH_IP:
        return Drop.ETH_UNKNOWN_TYPE
    ip = frame[14:]
    if len(ip) < 20:
        return Drop.IP_TRUNCATED
    ihl = (ip[0] & 0xF) * 4
    total = struct.unpack_from("!H", ip, 2)[0]
    if total < ihl or total > len(ip):
        return Drop.IP_BAD_LENGTH
    ip = ip[:total]  # the Ethernet padding off, as IP does
    if ip[16:20] != host_ip:
        return Drop.IP_NOT_FOR_US
    if struct.unpack_from("!H", ip, 6)[0] & 0x3FFF:
        return Drop.IP_FRAGMENT
    if ip[8] == 0:
        return Drop.IP_TTL_EXPIRED
    l4 = ip[ihl:]
    if ip[9] == PROTO_ICMP:
        return DELIVERED + Delivered.ICMP_ECHO if l4[0] == ICMP_ECHO else Drop.ICMP_NOT_ECHO
    if ip[9] == PROTO_UDP:
        dport = struct.unpack_from("!H", l4, 2)[0]
        if dport == 7:
            return DELIVERED + Delivered.UDP_ECHO
        return DELIVERED + Delivered.UDP_SOCKET if bound(dport) else Drop.UDP_NO_SOCKET
    if ip[9] == tcp.PROTO_TCP:
        seg = tcp.parse(ip[12:16], host_ip, l4)
        if isinstance(seg, Drop):
            return seg
        if listening(seg.dport):
            return TCP_BY_STATE
        return Drop.TCP_RST_IGNORED if seg.has(tcp.RST) else Drop.TCP_CLOSED_PORT
    return Drop.IP_UNKNOWN_PROTO


def request_key(frame: bytes, outbound: bool) -> tuple[object, ...] | None:
    """Pairs a ping or UDP echo request with its reply: (peer IP, ICMP id and sequence) or
    (peer IP, peer port, payload). `outbound` is a reply leaving the NIC."""
    if len(frame) < 34 or struct.unpack_from("!H", frame, 12)[0] != ETH_IP:
        return None
    ihl = (frame[14] & 0xF) * 4
    total = struct.unpack_from("!H", frame, 16)[0]
    peer = frame[30:34] if outbound else frame[26:30]
    l4 = frame[14 + ihl : 14 + total]
    if frame[23] == PROTO_ICMP and len(l4) >= 8:
        want = ICMP_ECHO_REPLY if outbound else ICMP_ECHO
        return ("icmp", peer, l4[4:8]) if l4[0] == want else None
    if frame[23] == PROTO_UDP and len(l4) >= 8:
        sport, dport = struct.unpack_from("!HH", l4)
        port = dport if outbound else sport
        if (sport if outbound else dport) != 7:
            return None
        return ("udp", peer, port, bytes(l4[8:]))
    return None


@dataclass
class LinuxPeer:
    """Moves frames between the TAP and the NIC's MAC, keeping the books the run's accounting
    and pcaps are made from (times are simulated ns)."""

    dev: Device
    fd: int
    host_mac: bytes
    host_ip: str
    bound: Callable[[int], bool] = lambda port: False  # a UDP port with a socket
    pad: bool = True
    listening: Callable[[int], bool] = lambda port: False  # a TCP port with a listener
    rx_log: list[tuple[float, bytes]] = field(default_factory=list)  # as Linux sent them
    tx_log: list[tuple[float, bytes]] = field(default_factory=list)  # off MAC TX
    kinds: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    padded: int = 0
    tx_written: int = 0
    tx_not_written: Counter[str] = field(default_factory=Counter)
    # Requests waiting for their reply, with the time each arrived on MAC RX.
    sent: dict[tuple[object, ...], deque[float]] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    latency_by_kind: dict[str, list[float]] = field(default_factory=dict)  # "icmp", "udp"
    replies: int = 0
    unmatched: int = 0
    requests: Counter[str] = field(default_factory=Counter)
    _wire_end: float = 0.0

    def __post_init__(self) -> None:
        os.set_blocking(self.fd, False)
        self._ip = ip_raw(self.host_ip)

    def read_tap(self) -> list[bytes]:
        frames = []
        while len(frames) < MAX_READ:
            try:
                frames.append(os.read(self.fd, READ_BYTES))
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EINTR):
                    break
                raise
        return frames

    async def pump_in(self) -> int:
        """Frames Linux has sent since the last call onto MAC RX, from now on, back to back at
        line rate (they queued in the TAP meanwhile)."""
        frames = self.read_tap()
        if not frames:
            return 0
        wire = [pad_frame(f) if self.pad else f for f in frames]
        start = max(self.dev.now_ns(), self._wire_end)
        times, self._wire_end = wire_schedule(
            start, [len(f) for f in wire], 1.0, CLOCK_NS, MAC_BYTES
        )
        for t, raw, onwire in zip(times, frames, wire, strict=True):
            self.rx_log.append((t, raw))
            self.padded += onwire is not raw
            self.kinds[describe(raw)] += 1
            why = verdict(raw, self.host_mac, self._ip, self.bound, self.pad, self.listening)
            self.verdicts[why] += 1
            if why in (DELIVERED + Delivered.ICMP_ECHO, DELIVERED + Delivered.UDP_ECHO):
                key = request_key(onwire, outbound=False)
                if key is not None:
                    self.requests[why.removeprefix(DELIVERED)] += 1
                    self.sent.setdefault(key, deque()).append(t)
        await self.dev.mac_send(wire, rate=1.0)
        return len(frames)

    def pump_out(self) -> int:
        """Frames off MAC TX to Linux; replies matched to their requests."""
        out = self.dev.mac_take()
        for tx in out:
            self.tx_log.append((tx.time_ns, tx.data))
            key = request_key(tx.data, outbound=True)
            waiting = self.sent.get(key) if key is not None else None
            if waiting:
                rtt = tx.time_ns - waiting.popleft()
                self.latencies.append(rtt)
                self.latency_by_kind.setdefault(str(key[0]), []).append(rtt)  # type: ignore[index]
                self.replies += 1
                if not waiting:
                    del self.sent[key]  # type: ignore[arg-type]
            if tx.aborted:
                self.tx_not_written["mac_abort"] += 1
                continue
            try:
                os.write(self.fd, tx.data)
                self.tx_written += 1
            except OSError as exc:  # the link is down at the end of a run, or the TAP is full
                self.tx_not_written[errno.errorcode.get(exc.errno or 0, "error")] += 1
        return len(out)

    @property
    def lost(self) -> int:
        return sum(len(q) for q in self.sent.values())
