# SPDX-License-Identifier: MIT
"""Seeded scapy frame builders for the full-NIC sequences.

One `FrameFactory` owns one `random.Random`, so a seed reproduces every frame byte for byte.
Well-formed traffic comes from a table of flows (IPv4/IPv6, TCP/UDP, 0-2 VLAN tags, both
directions); the rest are the classes the NIC must handle without losing count: runts, MAC
errors (a flag on the item, not a byte pattern), jumbo frames that span descriptors, frames
longer than MAX_FRAME, malformed and truncated headers, non-IP frames and pystack.traffic's
hostile mix.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

from scapy.layers.inet import IP, TCP, UDP, IPOption
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
from scapy.packet import Packet, Raw

from pystack.rss.parse import MIN_FRAME_BYTES
from pystack.traffic import MAC_A, MAC_B, pad, random_frame

MAX_FRAME = 9018  # hdl/nic_top.v default: longest frame accepted, bytes without FCS
SOURCE_MAX_FRAME = 16383  # frame_source's length field

# What RandomTrafficSeq builds by default, with relative weights.
DEFAULT_MIX: dict[str, float] = {
    "flow": 55.0,  # well-formed TCP/UDP over IPv4/IPv6, 0-2 VLAN tags
    "jumbo": 4.0,  # 1515..MAX_FRAME bytes: several descriptors
    "oversize": 2.0,  # MAX_FRAME+1..9600 bytes: HN_RQOVR
    "runt": 5.0,  # 1..59 bytes: RUC
    "mac_error": 5.0,  # any frame with tuser on its last beat: CRCERRS
    "malformed": 12.0,  # lying or truncated IPv4/IPv6 headers: parse error, default queue
    "non_ip": 4.0,  # ARP, unknown EtherType, three VLAN tags
    "hostile": 13.0,  # pystack.traffic.random_frame: a third malformed in some way
}


@dataclass(frozen=True)
class Flow:
    """A 5-tuple and its VLAN stack; `reply` swaps the direction."""

    v6: bool
    l4: str  # "tcp" or "udp"
    src: str
    dst: str
    sport: int
    dport: int
    tags: tuple[tuple[bool, int], ...]  # (802.1ad outer tag?, VLAN id) from the outside in


class FrameFactory:
    """Frames of every class the sequences use, all from one seeded generator."""

    def __init__(self, seed: int, flows: int = 128, vlan_share: float = 0.3) -> None:
        self.rng = random.Random(seed)
        self.vlan_share = vlan_share
        self.flows = [self._new_flow() for _ in range(flows)]

    # ---- building blocks ---------------------------------------------------------------------
    def _new_flow(self) -> Flow:
        rng = self.rng
        v6 = rng.random() < 0.4
        if v6:
            src, dst = (
                str(IPv6Address(rng.getrandbits(128))),
                str(IPv6Address(rng.getrandbits(128))),
            )
        else:
            src, dst = str(IPv4Address(rng.getrandbits(32))), str(IPv4Address(rng.getrandbits(32)))
        tags: tuple[tuple[bool, int], ...] = ()
        if rng.random() < self.vlan_share:
            count = rng.choice((1, 1, 2))
            tags = tuple(
                (count == 2 and t == 0 and rng.random() < 0.5, rng.randrange(4096))
                for t in range(count)
            )
        return Flow(
            v6,
            rng.choice(("tcp", "udp")),
            src,
            dst,
            rng.randrange(1024, 65536),
            rng.choice((22, 53, 80, 443, 4789, 5001, rng.randrange(1, 65536))),
            tags,
        )

    @staticmethod
    def _l2(tags: tuple[tuple[bool, int], ...]) -> Packet:
        pkt: Packet = Ether(src=MAC_A, dst=MAC_B)
        for outer, vlan in tags:
            pkt = pkt / (Dot1AD(vlan=vlan) if outer else Dot1Q(vlan=vlan))
        return pkt

    def _headers(self, flow: Flow, reply: bool, ip_options: bool = False) -> Packet:
        src, dst, sport, dport = flow.src, flow.dst, flow.sport, flow.dport
        if reply:
            src, dst, sport, dport = dst, src, dport, sport
        if flow.v6:
            ip: Packet = IPv6(src=src, dst=dst)
        else:
            ip = IP(src=src, dst=dst)
            if ip_options:
                ip.options = [IPOption(b"\x01" * (4 * self.rng.randrange(1, 11)))]  # NOPs
        l4 = (
            TCP(sport=sport, dport=dport, flags="A")
            if flow.l4 == "tcp"
            else UDP(sport=sport, dport=dport)
        )
        return self._l2(flow.tags) / ip / l4

    def _payload(self, n: int) -> bytes:
        return self.rng.randbytes(max(0, n))

    def _sized(self, hdr: Packet, total: int) -> bytes:
        """`hdr` with a random payload making the frame exactly `total` bytes."""
        head = bytes(hdr)
        return bytes(hdr / Raw(self._payload(total - len(head)))) if total > len(head) else head

    # ---- frame classes -----------------------------------------------------------------------
    def flow(self, payload: int | None = None, flow: Flow | None = None) -> bytes:
        rng = self.rng
        flow = flow or rng.choice(self.flows)
        if payload is None:
            payload = rng.choice((0, 0, 6, 64, 200, 512, 1000, 1400, 1460))
        hdr = self._headers(flow, rng.random() < 0.5, ip_options=rng.random() < 0.1)
        return pad(bytes(hdr / Raw(self._payload(payload))))

    def jumbo(self) -> bytes:
        flow = self.rng.choice(self.flows)
        return self._sized(
            self._headers(flow, self.rng.random() < 0.5), self.rng.randrange(1515, MAX_FRAME + 1)
        )

    def oversize(self) -> bytes:
        flow = self.rng.choice(self.flows)
        return self._sized(self._headers(flow, False), self.rng.randrange(MAX_FRAME + 1, 9601))

    def runt(self) -> bytes:
        return self.flow(0)[: self.rng.randrange(1, MIN_FRAME_BYTES)]

    def malformed(self) -> bytes:
        """A frame whose IP headers lie or stop early (but not a runt)."""
        rng = self.rng
        flow = rng.choice(self.flows)
        how = rng.randrange(6)
        tags = flow.tags
        if how == 0:  # cut inside the L3/L4 headers, past the runt length
            tags = ((True, 1), (False, 2))  # the longest headers the parser follows
            hdr = (
                self._l2(tags)
                / (
                    IP(src="10.9.8.7", dst="10.7.8.9", options=[IPOption(b"\x01" * 40)])
                    if not flow.v6
                    else IPv6(src=flow.src, dst=flow.dst)
                )
                / (
                    TCP(sport=flow.sport, dport=flow.dport)
                    if flow.l4 == "tcp"
                    else UDP(sport=flow.sport, dport=flow.dport)
                )
            )
            raw = bytes(hdr)
            end = len(raw) - (20 if flow.l4 == "tcp" else 8) + 4  # just past the ports
            return raw[: rng.randrange(MIN_FRAME_BYTES, max(MIN_FRAME_BYTES + 1, end))]
        frame = bytearray(self.flow(rng.choice((0, 30, 300)), flow))
        l3 = 14 + 4 * len(tags)
        if flow.v6:
            if how in (1, 2):  # payload length shorter than the port bytes
                frame[l3 + 4 : l3 + 6] = rng.randrange(0, 4).to_bytes(2, "big")
            else:  # wrong IP version under the IPv6 EtherType
                frame[l3] = (rng.choice((0, 4, 5, 15)) << 4) | (frame[l3] & 0xF)
            return bytes(frame)
        ihl = (frame[l3] & 0xF) * 4
        if how == 1:  # IHL below 5
            frame[l3] = 0x40 | rng.randrange(5)
        elif how == 2:  # total length inside the header
            frame[l3 + 2 : l3 + 4] = rng.randrange(0, ihl).to_bytes(2, "big")
        elif how == 3:  # total length that ends before the ports
            frame[l3 + 2 : l3 + 4] = (ihl + rng.randrange(0, 4)).to_bytes(2, "big")
        elif how == 4:  # wrong version under the IPv4 EtherType
            frame[l3] = (rng.choice((0, 5, 6, 15)) << 4) | (frame[l3] & 0xF)
        else:  # IHL pointing past the end of a short frame
            frame = bytearray(bytes(frame[: l3 + 20]) + bytes(8))
            frame[l3] = 0x4F
            frame = bytearray(pad(bytes(frame)))
        return bytes(frame)

    def non_ip(self) -> bytes:
        rng = self.rng
        how = rng.randrange(4)
        if how == 0:
            pkt: Packet = Ether(src=MAC_A, dst=MAC_B) / ARP(psrc="10.0.0.1", pdst="10.0.0.2")
        elif how == 1:
            pkt = Ether(src=MAC_A, dst=MAC_B, type=rng.choice((0x88B5, 0x8847, 0x0801))) / Raw(
                self._payload(rng.randrange(46, 300))
            )
        elif how == 2:  # three tags: deeper than the parser follows
            pkt = (
                Ether(src=MAC_A, dst=MAC_B)
                / Dot1AD(vlan=1)
                / Dot1Q(vlan=2)
                / Dot1Q(vlan=3)
                / IP(src="1.1.1.1", dst="2.2.2.2")
                / TCP()
            )
        else:  # IPv6 with a hop-by-hop header before UDP
            flow = rng.choice(self.flows)
            pkt = self._l2(flow.tags) / IPv6() / IPv6ExtHdrHopByHop() / UDP(sport=1, dport=2)
        return pad(bytes(pkt))

    def hostile(self) -> bytes:
        return random_frame(self.rng)

    def build(self, kind: str) -> tuple[bytes, bool]:
        """A frame of `kind` and its MAC error flag."""
        if kind == "mac_error":
            inner = self.rng.choice(("flow", "flow", "flow", "runt", "jumbo", "malformed"))
            return self.build(inner)[0], True
        frame = getattr(self, kind)()
        if not 1 <= len(frame) <= SOURCE_MAX_FRAME:
            raise ValueError(f"{kind} frame of {len(frame)} bytes")
        return frame, False

    def pick(self, mix: dict[str, float]) -> str:
        kinds = list(mix)
        return self.rng.choices(kinds, weights=[mix[k] for k in kinds])[0]
