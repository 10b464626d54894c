# SPDX-License-Identifier: MIT
"""TCP segments on the wire: parsing with every malformation named (a verdict, never an
exception), and building with the MSS option and the checksum over the pseudo-header. Shared by
the host's TCP and the far end's, so both speak exactly the same format; the tests check it
against scapy rather than against itself."""

from __future__ import annotations

import struct
from typing import NamedTuple

from pystack.stack.inet_csum import checksum
from pystack.stack.verdicts import Drop

PROTO_TCP = 6
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
OPT_END, OPT_NOP, OPT_MSS = 0, 1, 2
HEADER = 20
_HDR = struct.Struct("!HHIIBBHHH")


class Segment(NamedTuple):
    """One segment as TCP's state machine sees it (addresses live with the connection)."""

    sport: int
    dport: int
    seq: int
    ack: int
    flags: int
    wnd: int
    data: bytes = b""
    mss: int | None = None  # the MSS option, on SYNs

    @property
    def seg_len(self) -> int:
        """SEG.LEN: data plus one for SYN and one for FIN."""
        return len(self.data) + (1 if self.flags & SYN else 0) + (1 if self.flags & FIN else 0)

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)


def tcp_checksum(src: bytes, dst: bytes, segment: bytes) -> int:
    """RFC 9293 3.1: the one's complement sum over the pseudo-header and the segment."""
    pseudo = src + dst + struct.pack("!BBH", 0, PROTO_TCP, len(segment))
    return checksum(pseudo + segment)


def build(src: bytes, dst: bytes, seg: Segment) -> bytes:
    """The TCP header, options and data, with its checksum."""
    opts = struct.pack("!BBH", OPT_MSS, 4, seg.mss) if seg.mss is not None else b""
    offset = (HEADER + len(opts)) // 4
    head = _HDR.pack(seg.sport, seg.dport, seg.seq, seg.ack, offset << 4, seg.flags, seg.wnd, 0, 0)
    raw = head + opts + seg.data
    csum = tcp_checksum(src, dst, raw)
    return raw[:16] + struct.pack("!H", csum) + raw[18:]


def parse(src: bytes, dst: bytes, raw: bytes) -> Segment | Drop:
    """A segment from the IP payload `raw`, or why it is malformed."""
    if len(raw) < HEADER:
        return Drop.TCP_TRUNCATED
    sport, dport, seq, ack, off, flags, wnd, _csum, _urg = _HDR.unpack_from(raw)
    hlen = (off >> 4) * 4
    if hlen < HEADER or hlen > len(raw):
        return Drop.TCP_BAD_OFFSET
    if tcp_checksum(src, dst, raw) != 0:
        return Drop.TCP_BAD_CHECKSUM
    flags &= 0x3F
    if not flags & (SYN | ACK | RST | FIN) or (flags & SYN and flags & (FIN | RST)):
        return Drop.TCP_BAD_FLAGS
    mss = _options(raw[HEADER:hlen])
    if mss is Drop.TCP_BAD_OPTIONS:
        return mss
    return Segment(sport, dport, seq, ack, flags, wnd, bytes(raw[hlen:]), mss)


def _options(opts: bytes) -> int | Drop | None:
    i, mss = 0, None
    while i < len(opts):
        kind = opts[i]
        if kind == OPT_END:
            break
        if kind == OPT_NOP:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2 or i + opts[i + 1] > len(opts):
            return Drop.TCP_BAD_OPTIONS
        if kind == OPT_MSS and opts[i + 1] == 4:
            mss = struct.unpack_from("!H", opts, i + 2)[0]
        i += opts[i + 1]
    return mss
