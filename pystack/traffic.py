# SPDX-License-Identifier: MIT
"""Frames for the tests of the parser, the classifier, the NIC and the driver, built with scapy
and reproducible from a seed: a hostile random mix (VLAN stacks, IPv4 options, fragments, IPv6
extension headers, truncation, runts, lying length fields), directed boundary cases
(`edge_frames`), and well-formed TCP/UDP flows over IPv4 and IPv6 in both directions
(`flow_frames`).

`make sim`'s traffic is not built here: the scenario's peer sends requests it can match to
replies and time, from `pystack/scenario/workload.py`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv6Address

from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption, IPOption_NOP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
from scapy.packet import Packet, Raw

from pystack.rss.parse import MIN_FRAME_BYTES

MAC_A = "02:00:00:00:00:01"
MAC_B = "02:00:00:00:00:02"


def pad(frame: bytes) -> bytes:
    """What a MAC sends: at least MIN_FRAME_BYTES (the FCS is not part of the stream)."""
    return frame + bytes(max(0, MIN_FRAME_BYTES - len(frame)))


def _ipv4(rng: random.Random) -> str:
    return str(IPv4Address(rng.getrandbits(32)))


def _ipv6(rng: random.Random) -> str:
    return str(IPv6Address(rng.getrandbits(128)))


def _timestamp_option(length: int) -> IPOption:
    """An IPv4 timestamp option of `length` bytes (scapy's own class ignores a set length)."""
    return IPOption(bytes((0x44, length, 5, 0)) + bytes(length - 4))


def _ether(rng: random.Random, tags: int) -> Packet:
    pkt: Packet = Ether(src=MAC_A, dst=MAC_B)
    for t in range(tags):
        outer = t == 0 and tags == 2 and rng.random() < 0.5
        pkt = pkt / (Dot1AD(vlan=rng.randrange(4096)) if outer else Dot1Q(vlan=rng.randrange(4096)))
    return pkt


def _l4(rng: random.Random, kind: str) -> Packet:
    sport, dport = rng.randrange(65536), rng.randrange(65536)
    if kind == "tcp":
        return TCP(sport=sport, dport=dport, flags="S")
    if kind == "udp":
        return UDP(sport=sport, dport=dport)
    if kind == "icmp":
        return ICMP()
    return Raw(b"\x00" * 8)


def random_frame(rng: random.Random) -> bytes:
    """One frame of the hostile mix: about a fifth are damaged (cut short, a runt, or a header
    field that lies); the rest still carry options, fragments and extension headers."""
    tags = rng.choice((0, 0, 0, 1, 2))
    l4kind = rng.choice(("tcp", "tcp", "udp", "udp", "icmp", "other"))
    payload = Raw(bytes(rng.randrange(256) for _ in range(rng.choice((0, 6, 18, 100, 400)))))
    roll = rng.random()
    if roll < 0.06:
        pkt = _ether(rng, tags) / ARP(psrc=_ipv4(rng), pdst=_ipv4(rng))
    elif roll < 0.5:
        ip = IP(src=_ipv4(rng), dst=_ipv4(rng))
        if l4kind == "other":
            ip.proto = rng.choice((47, 50, 132))
        if rng.random() < 0.25:
            ip.options = [IPOption_NOP()] * rng.randrange(1, 4) + (
                [_timestamp_option(rng.choice((8, 12, 36, 36)))] if rng.random() < 0.6 else []
            )
        if rng.random() < 0.12:
            ip.flags = "MF" if rng.random() < 0.5 else 0
            ip.frag = rng.randrange(1, 100) if ip.flags == 0 else rng.choice((0, 5))
        pkt = _ether(rng, tags) / ip / _l4(rng, l4kind) / payload
    else:
        ip6 = IPv6(src=_ipv6(rng), dst=_ipv6(rng))
        ext = rng.random()
        body = _l4(rng, l4kind)
        if ext < 0.1:
            body = IPv6ExtHdrHopByHop() / body
        elif ext < 0.18:
            body = IPv6ExtHdrFragment(offset=rng.randrange(4), m=1) / body
        if l4kind == "other" and ext >= 0.18:
            ip6.nh = rng.choice((47, 50, 59))
        pkt = _ether(rng, tags) / ip6 / body / payload
    frame = pad(bytes(pkt))
    return _damage(rng, frame, pkt)


def _damage(rng: random.Random, frame: bytes, pkt: Packet) -> bytes:
    """Truncate, shrink to a runt, or make a header field lie."""
    roll = rng.random()
    ip_layer = next((pkt[layer] for layer in (IP, IPv6) if layer in pkt), None)
    if roll < 0.06 and ip_layer is not None:  # cut inside the L3/L4 headers, past runt length
        header_end = len(bytes(pkt)) - len(bytes(ip_layer.payload)) + 4
        if header_end > MIN_FRAME_BYTES:
            return frame[: rng.randrange(MIN_FRAME_BYTES, header_end)]
    if roll < 0.12:  # cut somewhere in the headers or payload (may become a runt)
        return frame[: rng.randrange(1, len(frame))]
    if roll < 0.16:  # runt
        return frame[: rng.randrange(1, MIN_FRAME_BYTES)]
    if roll < 0.22 and ip_layer is not None:  # a lying header field
        data = bytearray(frame)
        l3 = len(bytes(pkt)) - len(bytes(ip_layer))
        choice = rng.randrange(4)
        if choice == 0:
            data[l3] = (rng.choice((0, 5, 7, 15)) << 4) | (data[l3] & 0xF)  # wrong version
        elif choice == 1 and IP in pkt:
            data[l3] = 0x40 | rng.randrange(5)  # IHL below 5
        elif choice == 2 and IP in pkt:  # total length shorter than the headers
            ihl = (data[l3] & 0xF) * 4
            data[l3 + 2 : l3 + 4] = rng.randrange(0, ihl + 4).to_bytes(2, "big")
        elif IPv6 in pkt:
            data[l3 + 4 : l3 + 6] = rng.randrange(0, 4).to_bytes(2, "big")  # payload < ports
        return bytes(data)
    return frame


def random_frames(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    return [random_frame(rng) for _ in range(count)]


def flow_frames(seed: int, flows: int, count: int, reply_share: float = 0.5) -> Iterator[bytes]:
    """A well-formed mix of TCP/UDP flows over IPv4 and IPv6 with replies (both directions)."""
    rng = random.Random(seed)
    table = []
    for _ in range(flows):
        v6 = rng.random() < 0.3
        src, dst = (_ipv6(rng), _ipv6(rng)) if v6 else (_ipv4(rng), _ipv4(rng))
        table.append(
            (
                v6,
                src,
                dst,
                rng.choice((TCP, UDP)),
                rng.randrange(1024, 65536),
                rng.choice((53, 80, 443, 5001, 7)),
            )
        )
    for _ in range(count):
        v6, src, dst, l4, sport, dport = rng.choice(table)
        if rng.random() < reply_share:
            src, dst, sport, dport = dst, src, dport, sport
        ip = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)
        size = rng.choice((0, 0, 64, 256, 1000))
        yield pad(
            bytes(
                Ether(src=MAC_A, dst=MAC_B) / ip / l4(sport=sport, dport=dport) / Raw(bytes(size))
            )
        )


def edge_frames() -> list[bytes]:
    """Directed boundary cases: every cut through the longest headers, lying lengths, VLAN
    stacks deeper than the parser follows, fragments, runts of every size class."""
    frames: list[bytes] = []
    opts = [IPOption_NOP()] * 4 + [_timestamp_option(36)]  # IHL 15: 60-byte header
    for tags in (0, 1, 2):
        rng = random.Random(tags)
        base = _ether(rng, tags)
        long_v4 = pad(
            bytes(
                base / IP(src="10.0.0.1", dst="10.0.0.2", options=opts) / TCP(sport=1234, dport=80)
            )
        )
        v6 = pad(bytes(base / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=5, dport=6)))
        for frame in (long_v4, v6):
            frames += [frame[:cut] for cut in range(56, 14 + 4 * tags + 64 + 2)]
    # IPv4 total length that ends before the ports / inside the header.
    good = bytearray(
        pad(
            bytes(
                Ether(src=MAC_A, dst=MAC_B)
                / IP(src="1.2.3.4", dst="5.6.7.8")
                / UDP(sport=1, dport=2)
            )
        )
    )
    for total in (0, 19, 20, 22, 23, 24):
        good[16:18] = total.to_bytes(2, "big")
        frames.append(bytes(good))
    # IPv6 payload length below the 4 port bytes.
    six = bytearray(pad(bytes(Ether(src=MAC_A, dst=MAC_B) / IPv6() / TCP(sport=9, dport=10))))
    for plen in (0, 3, 4):
        six[18:20] = plen.to_bytes(2, "big")
        frames.append(bytes(six))
    # Three VLAN tags: deeper than the parser follows, so non-IP.
    frames.append(
        pad(
            bytes(
                Ether(src=MAC_A, dst=MAC_B)
                / Dot1AD(vlan=1)
                / Dot1Q(vlan=2)
                / Dot1Q(vlan=3)
                / IP(src="1.1.1.1", dst="2.2.2.2")
                / TCP()
            )
        )
    )
    # Fragments: first (MF, offset 0), middle, last.
    for flags, frag in (("MF", 0), ("MF", 10), (0, 20)):
        frames.append(
            pad(
                bytes(
                    Ether(src=MAC_A, dst=MAC_B)
                    / IP(src="9.9.9.9", dst="8.8.8.8", flags=flags, frag=frag)
                    / UDP(sport=7, dport=8)
                )
            )
        )
    # IPv6 with extension headers in front of TCP.
    frames.append(pad(bytes(Ether(src=MAC_A, dst=MAC_B) / IPv6() / IPv6ExtHdrHopByHop() / TCP())))
    frames.append(pad(bytes(Ether(src=MAC_A, dst=MAC_B) / IPv6() / IPv6ExtHdrFragment() / UDP())))
    # Runts and the shortest legal frame.
    full = pad(bytes(Ether(src=MAC_A, dst=MAC_B) / IP(dst="10.1.1.1") / TCP()))
    frames += [full[:n] for n in (1, 13, 14, 33, 59)] + [full[:60]]
    return frames
