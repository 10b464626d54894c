# SPDX-License-Identifier: MIT
"""The Internet checksum (RFC 1071), written once for IP, ICMP, UDP and TCP.

Since 2^16 = 1 (mod 0xFFFF), the one's complement sum of a buffer's 16-bit words is the buffer
read as one big integer, modulo 0xFFFF, with 0xFFFF standing for a nonzero multiple: a single
big-integer operation instead of a Python pass over the words, which matters on the per-packet
path of a simulated 10G link.
"""

from __future__ import annotations


def ones_sum(data: bytes) -> int:
    """The end-around-carry sum of `data`'s big-endian 16-bit words (an odd tail byte padded
    with zero): 0 only when every word is zero, else 1..0xFFFF."""
    total = int.from_bytes(data, "big")
    if len(data) % 2:
        total <<= 8
    return total % 0xFFFF or (0xFFFF if total else 0)


def checksum(data: bytes) -> int:
    """The Internet checksum of `data`: the complement of its one's complement sum."""
    return ~ones_sum(data) & 0xFFFF
