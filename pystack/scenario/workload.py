# SPDX-License-Identifier: MIT
"""What the far end sends in a scenario: an ARP request from every flow first, then UDP echo and
ping flows that are answered and timed, background UDP flows into a socket, and a seeded
sprinkle of malformed frames, each kind built with scapy so that it trips exactly one check (one
drop reason, or one NIC error counter).

Knowing how many of each kind went out is what lets a run prove its own accounting: the
stack's drops per reason and the NIC's error counters must equal what was sent.
"""

from __future__ import annotations

import random
from dataclasses import replace
from functools import lru_cache

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw

from pystack.stack.peer import Flow, Peer
from pystack.stack.proto import Drop

from .results import Sent

DISCARD_PORT = 9  # background flows' socket: delivered, not answered
CLOSED_PORT = 4444

# Malformed kinds the stack drops, keyed by the drop reason each must produce.
STACK_MALFORMED = (
    Drop.IP_BAD_CHECKSUM,
    Drop.IP_TTL_EXPIRED,
    Drop.IP_FRAGMENT,
    Drop.IP_UNKNOWN_PROTO,
    Drop.UDP_BAD_CHECKSUM,
    Drop.UDP_NO_SOCKET,
    Drop.ICMP_NOT_ECHO,
    Drop.ETH_UNKNOWN_TYPE,
)
# Kinds the NIC itself refuses, keyed by the counter that must count them.
NIC_MALFORMED = ("RUC", "CRCERRS")
# A capture has no FCS, so frames sent with a MAC error say so in their payload.
BAD_FCS_MARK = b"hilnic:bad-fcs"
FLOW_KINDS = ("echo", "ping", "echo", "background")  # half echo, a quarter each of the rest


def make_flows(peer: Peer, count: int) -> list[tuple[str, Flow]]:
    """`count` flows in the FLOW_KINDS proportions, each tagged with its kind."""
    out = []
    for i, flow in enumerate(peer.flows(count)):
        kind = FLOW_KINDS[i % len(FLOW_KINDS)]
        if kind == "ping":
            flow = replace(flow, kind="icmp")
        else:
            flow = replace(flow, kind="udp", dport=DISCARD_PORT if kind == "background" else 7)
        out.append((kind, flow))
    return out


def malformed_frame(peer: Peer, flow: Flow, kind: str, size: int) -> bytes:
    """A frame from `flow` that is wrong in exactly the way `kind` names."""
    frame = _unpadded(peer.host_mac, peer.host_ip, flow, kind)
    if kind == "RUC":  # a runt stays one
        return frame
    return frame + bytes(max(0, max(60, size) - len(frame)))


@lru_cache(maxsize=4096)
def _unpadded(host_mac: bytes, host_ip: str, flow: Flow, kind: str) -> bytes:
    """`malformed_frame` before its padding: built with scapy once per flow and kind."""
    eth = Ether(dst=host_mac, src=flow.mac)
    ip = IP(src=flow.ip, dst=host_ip)
    udp = UDP(sport=flow.sport, dport=7)
    pkt: Packet
    if kind == Drop.IP_BAD_CHECKSUM:
        pkt = eth / IP(bytes(ip / udp))
        pkt[IP].chksum ^= 0x5A5A
    elif kind == Drop.IP_TTL_EXPIRED:
        pkt = eth / IP(src=flow.ip, dst=host_ip, ttl=0) / udp
    elif kind == Drop.IP_FRAGMENT:
        pkt = eth / IP(src=flow.ip, dst=host_ip, flags="MF") / udp
    elif kind == Drop.IP_UNKNOWN_PROTO:
        pkt = eth / IP(src=flow.ip, dst=host_ip, proto=253)
    elif kind == Drop.UDP_BAD_CHECKSUM:
        pkt = eth / ip / UDP(sport=flow.sport, dport=7, chksum=0x1234) / Raw(b"x" * 8)
    elif kind == Drop.UDP_NO_SOCKET:
        pkt = eth / ip / UDP(sport=flow.sport, dport=CLOSED_PORT)
    elif kind == Drop.ICMP_NOT_ECHO:
        # scapy stamps a timestamp request with the wall clock; fixed, so a seed gives one pcap
        pkt = eth / ip / ICMP(type=13, ts_ori=0, ts_rx=0, ts_tx=0)
    elif kind == Drop.ETH_UNKNOWN_TYPE:
        pkt = Ether(dst=host_mac, src=flow.mac, type=0x88B5)
    elif kind == "RUC":
        return bytes(eth / ip)[:40]  # shorter than the 60-byte minimum
    elif kind == "CRCERRS":
        pkt = eth / ip / udp / Raw(BAD_FCS_MARK)  # well formed; sent with a MAC error
    else:
        raise ValueError(f"unknown malformed kind {kind!r}")
    return bytes(pkt)


class Traffic:
    """The request stream: flows in a seeded order, sizes drawn from the size list, a share
    of malformed frames; every answered request carries (flow, sequence) for timing."""

    def __init__(
        self,
        peer: Peer,
        flows: list[tuple[str, Flow]],
        sizes: list[int],
        malformed: float,
        seed: int,
    ) -> None:
        self.peer = peer
        self.flows = flows
        self.sizes = sizes
        self.malformed = malformed
        self.rng = random.Random(seed)
        self.seq = [0] * len(flows)
        self.sent = Sent()

    def arp(self) -> list[tuple[Flow, int, bytes]]:
        self.sent.arp += len(self.flows)
        return [(f, -1, self.peer.arp_request(f)) for _, f in self.flows]

    def chunk(self, count: int) -> tuple[list[tuple[Flow, int, bytes]], list[int]]:
        """The next `count` frames, and the indices of those to send with a MAC error."""
        frames: list[tuple[Flow, int, bytes]] = []
        bad: list[int] = []
        kinds = STACK_MALFORMED + NIC_MALFORMED
        for _ in range(count):
            i = self.rng.randrange(len(self.flows))
            kind, flow = self.flows[i]
            size = self.rng.choice(self.sizes)
            if self.malformed and self.rng.random() < self.malformed:
                why = self.rng.choice(kinds)
                if why == "CRCERRS":
                    bad.append(len(frames))
                self.sent.malformed[why] = self.sent.malformed.get(why, 0) + 1
                frames.append((flow, -1, malformed_frame(self.peer, flow, why, size)))
                continue
            seq = self.seq[i]
            self.seq[i] += 1
            setattr(self.sent, kind, getattr(self.sent, kind) + 1)
            frames.append(
                (flow, seq if kind != "background" else -1, self.peer.request(flow, seq, size))
            )
        return frames, bad
