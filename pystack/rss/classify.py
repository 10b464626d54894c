# SPDX-License-Identifier: MIT
"""Per-frame RSS decision (hash type, hash, RETA index, queue): the NIC model's classifier.

Mirrors hdl/rx/rx_classifier.v; the hash-type numbers are the 82576 descriptor's RSS type field
and the enable bits are the 82576 MRQC field enables, so driver code reads like igb.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

from pystack.rss.parse import L3, L4, ParsedFrame, ParseError, parse_frame
from pystack.rss.toeplitz import KEY_BYTES, MS_KEY, toeplitz_fast

RETA_ENTRIES = 128
MRQC_MODE_MASK = 0x7
MRQC_MODE_RSS = 0x2


class HashType(IntEnum):
    """82576 advanced RX descriptor pkt_info[3:0]."""

    NONE = 0
    IPV4_TCP = 1
    IPV4 = 2
    IPV6_TCP = 3
    IPV6 = 5
    IPV4_UDP = 7
    IPV6_UDP = 8


class Mrqc(IntEnum):
    """MRQC field-enable bits (82576 numbering)."""

    IPV4_TCP = 1 << 16
    IPV4 = 1 << 17
    IPV6 = 1 << 20
    IPV6_TCP = 1 << 21
    IPV4_UDP = 1 << 22
    IPV6_UDP = 1 << 23


MRQC_ALL_FIELDS = sum(int(m) for m in Mrqc)


class PacketType(IntEnum):
    """Bits of the descriptor's packet type (82576 pkt_info[15:4], shifted down by 4)."""

    IPV4 = 0x001
    IPV6 = 0x004
    TCP = 0x010
    UDP = 0x020


@dataclass
class RssConfig:
    """Everything the driver programs that affects where a frame goes."""

    key: bytes = MS_KEY
    mrqc: int = MRQC_MODE_RSS | MRQC_ALL_FIELDS
    reta: list[int] = field(default_factory=lambda: [i % 16 for i in range(RETA_ENTRIES)])
    default_queue: int = 0
    num_queues: int = 16

    def __post_init__(self) -> None:
        if len(self.key) != KEY_BYTES:
            raise ValueError(f"RSS key must be {KEY_BYTES} bytes")
        if len(self.reta) != RETA_ENTRIES:
            raise ValueError(f"RETA must have {RETA_ENTRIES} entries")
        if any(not 0 <= e <= 0xFF for e in self.reta):
            raise ValueError("RETA entries are bytes (0..255)")
        if not 0 <= self.default_queue < self.num_queues:
            raise ValueError(f"default queue must be below {self.num_queues}")

    @property
    def rss_enabled(self) -> bool:
        return (self.mrqc & MRQC_MODE_MASK) == MRQC_MODE_RSS


class RssResult(NamedTuple):
    """One classifier result, field for field what the RTL's result stream carries."""

    hash: int
    hash_type: HashType
    reta_index: int
    queue: int
    error: ParseError
    packet_type: int
    vlan_tags: int
    length: int


_TCP_UDP_TYPES = {
    (L3.IPV4, L4.TCP): (Mrqc.IPV4_TCP, HashType.IPV4_TCP),
    (L3.IPV4, L4.UDP): (Mrqc.IPV4_UDP, HashType.IPV4_UDP),
    (L3.IPV6, L4.TCP): (Mrqc.IPV6_TCP, HashType.IPV6_TCP),
    (L3.IPV6, L4.UDP): (Mrqc.IPV6_UDP, HashType.IPV6_UDP),
}
_IP_TYPES = {L3.IPV4: (Mrqc.IPV4, HashType.IPV4), L3.IPV6: (Mrqc.IPV6, HashType.IPV6)}


def select_hash_type(parsed: ParsedFrame, mrqc: int) -> HashType:
    """4-tuple if the L4 type is enabled and ports were parsed, else 2-tuple if IP is enabled."""
    if parsed.error is not ParseError.NONE or (mrqc & MRQC_MODE_MASK) != MRQC_MODE_RSS:
        return HashType.NONE
    four = _TCP_UDP_TYPES.get((parsed.l3, parsed.l4))
    if four is not None and not parsed.fragment and mrqc & four[0]:
        return four[1]
    two = _IP_TYPES.get(parsed.l3)
    if two is not None and mrqc & two[0]:
        return two[1]
    return HashType.NONE


def hash_input(parsed: ParsedFrame, hash_type: HashType) -> bytes:
    """The bytes Toeplitz runs over, in Microsoft order: src, dst[, sport, dport]."""
    if hash_type is HashType.NONE:
        return b""
    data = parsed.src + parsed.dst
    if hash_type in (HashType.IPV4, HashType.IPV6):
        return data
    return data + parsed.sport.to_bytes(2, "big") + parsed.dport.to_bytes(2, "big")


def packet_type(parsed: ParsedFrame) -> int:
    if parsed.error is not ParseError.NONE:
        return 0
    ptype = {L3.IPV4: PacketType.IPV4, L3.IPV6: PacketType.IPV6}.get(parsed.l3, 0)
    if not parsed.fragment:
        ptype |= {L4.TCP: PacketType.TCP, L4.UDP: PacketType.UDP}.get(parsed.l4, 0)
    return int(ptype)


def classify_parsed(parsed: ParsedFrame, cfg: RssConfig) -> RssResult:
    hash_type = select_hash_type(parsed, cfg.mrqc)
    error = parsed.error
    if hash_type is HashType.NONE:
        value, index, queue = 0, 0, cfg.default_queue
    else:
        value = toeplitz_fast(cfg.key, hash_input(parsed, hash_type))
        index = value & (RETA_ENTRIES - 1)
        queue = cfg.reta[index]
        if queue >= cfg.num_queues:
            queue, error = cfg.default_queue, ParseError.RETA_RANGE
    return RssResult(
        value, hash_type, index, queue, error, packet_type(parsed), parsed.vlan_tags, parsed.length
    )


def classify_frame(frame: bytes, cfg: RssConfig) -> RssResult:
    return classify_parsed(parse_frame(frame), cfg)
