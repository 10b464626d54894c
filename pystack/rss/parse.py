# SPDX-License-Identifier: MIT
"""Frame -> RSS tuple, by exactly the rules the RTL classifier (hdl/rx/rx_parser.v) applies.

These rules are the one description both the Python model and the tests use; the RTL is checked
against them frame by frame. Summary (README, "Classifier rules"):

* Frames shorter than MIN_FRAME_BYTES (60: the 64-byte minimum less the FCS the MAC strips) are
  runts and are not hashed.
* Ethernet with zero, one or two VLAN tags (TPID 0x8100 or 0x88a8 in either position). A frame
  whose type after two tags is not IPv4/IPv6 (including a third tag) is non-IP: not an error.
* IPv4: the whole header (IHL words) must be in the frame; version 4, IHL >= 5 and total length
  >= header length, else the frame is malformed. MF set or a non-zero offset marks a fragment,
  which hashes the 2-tuple only. TCP/UDP ports must lie inside both the frame and the datagram.
* IPv6: the fixed 40-byte header must be present, version 6. Only a TCP or UDP next header gives
  ports; any extension header (hop-by-hop, routing, fragment, ...) makes the frame an IPv6
  2-tuple frame. The 82576's *_EX hash types, which walk extension headers, are not modelled.
* Any parse error means no hash (type NONE, hash 0, the default queue), whatever the enables.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import NamedTuple

MIN_FRAME_BYTES = 60
TPIDS = (0x8100, 0x88A8)
ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
PROTO_TCP = 6
PROTO_UDP = 17
# Bytes the RTL captures per frame: 14 Ethernet + 2 tags + a 60-byte IPv4 header + 4 port bytes.
HEADER_CAPTURE_BYTES = 14 + 8 + 60 + 4


class L3(IntEnum):
    OTHER = 0
    IPV4 = 1
    IPV6 = 2


class L4(IntEnum):
    OTHER = 0
    TCP = 1
    UDP = 2


class ParseError(IntEnum):
    """Per-frame error codes; the RTL result's err field and the per-code counters use these."""

    NONE = 0
    RUNT = 1
    L3_TRUNCATED = 2
    L3_MALFORMED = 3
    L4_TRUNCATED = 4
    RETA_RANGE = 5  # hashed fine, but the RETA entry names a queue the NIC does not have


class ParsedFrame(NamedTuple):
    """What the parser extracts; addresses are wire-order bytes (4 for IPv4, 16 for IPv6)."""

    length: int
    vlan_tags: int
    l3: L3
    l4: L4
    fragment: bool
    src: bytes
    dst: bytes
    sport: int
    dport: int
    error: ParseError


def _u16(frame: bytes, off: int) -> int:
    return (frame[off] << 8) | frame[off + 1]


def parse_frame(frame: bytes) -> ParsedFrame:
    """Extract the fields RSS needs, or the reason it cannot."""
    n = len(frame)

    def result(
        error: ParseError = ParseError.NONE,
        tags: int = 0,
        l3: L3 = L3.OTHER,
        l4: L4 = L4.OTHER,
        fragment: bool = False,
        src: bytes = b"",
        dst: bytes = b"",
        sport: int = 0,
        dport: int = 0,
    ) -> ParsedFrame:
        return ParsedFrame(n, tags, l3, l4, fragment, src, dst, sport, dport, error)

    if n < MIN_FRAME_BYTES:
        return result(ParseError.RUNT)
    tags = 0
    ethertype = _u16(frame, 12)
    while tags < 2 and ethertype in TPIDS:
        tags += 1
        ethertype = _u16(frame, 12 + 4 * tags)
    l3off = 14 + 4 * tags
    if ethertype == ETH_IPV4:
        return _parse_ipv4(frame, l3off, tags, result)
    if ethertype == ETH_IPV6:
        return _parse_ipv6(frame, l3off, tags, result)
    return result(tags=tags)


def _l4_kind(proto: int) -> L4:
    return {PROTO_TCP: L4.TCP, PROTO_UDP: L4.UDP}.get(proto, L4.OTHER)


def _parse_ipv4(
    frame: bytes, l3off: int, tags: int, result: Callable[..., ParsedFrame]
) -> ParsedFrame:
    n = len(frame)
    if n < l3off + 20:
        return result(ParseError.L3_TRUNCATED, tags, L3.IPV4)
    version, ihl = frame[l3off] >> 4, frame[l3off] & 0xF
    if version != 4 or ihl < 5:
        return result(ParseError.L3_MALFORMED, tags, L3.IPV4)
    hlen = ihl * 4
    if n < l3off + hlen:
        return result(ParseError.L3_TRUNCATED, tags, L3.IPV4)
    total_len = _u16(frame, l3off + 2)
    if total_len < hlen:
        return result(ParseError.L3_MALFORMED, tags, L3.IPV4)
    fragment = (_u16(frame, l3off + 6) & 0x3FFF) != 0
    l4 = _l4_kind(frame[l3off + 9])
    src, dst = bytes(frame[l3off + 12 : l3off + 16]), bytes(frame[l3off + 16 : l3off + 20])
    if l4 is L4.OTHER or fragment:
        return result(ParseError.NONE, tags, L3.IPV4, l4, fragment, src, dst)
    l4off = l3off + hlen
    if n < l4off + 4 or total_len < hlen + 4:
        return result(ParseError.L4_TRUNCATED, tags, L3.IPV4, l4, fragment, src, dst)
    return result(
        ParseError.NONE,
        tags,
        L3.IPV4,
        l4,
        fragment,
        src,
        dst,
        _u16(frame, l4off),
        _u16(frame, l4off + 2),
    )


def _parse_ipv6(
    frame: bytes, l3off: int, tags: int, result: Callable[..., ParsedFrame]
) -> ParsedFrame:
    n = len(frame)
    if n < l3off + 40:
        return result(ParseError.L3_TRUNCATED, tags, L3.IPV6)
    if frame[l3off] >> 4 != 6:
        return result(ParseError.L3_MALFORMED, tags, L3.IPV6)
    l4 = _l4_kind(frame[l3off + 6])
    src, dst = bytes(frame[l3off + 8 : l3off + 24]), bytes(frame[l3off + 24 : l3off + 40])
    if l4 is L4.OTHER:
        return result(ParseError.NONE, tags, L3.IPV6, l4, False, src, dst)
    l4off = l3off + 40
    if n < l4off + 4 or _u16(frame, l3off + 4) < 4:
        return result(ParseError.L4_TRUNCATED, tags, L3.IPV6, l4, False, src, dst)
    return result(
        ParseError.NONE,
        tags,
        L3.IPV6,
        l4,
        False,
        src,
        dst,
        _u16(frame, l4off),
        _u16(frame, l4off + 2),
    )
