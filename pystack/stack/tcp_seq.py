# SPDX-License-Identifier: MIT
"""Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4): every comparison of sequence numbers
goes through these, so a connection whose initial sequence number sits just below 2^32 behaves
exactly like one that starts at 0."""

from __future__ import annotations

MOD = 1 << 32
MASK = MOD - 1
HALF = 1 << 31


def add(a: int, n: int) -> int:
    return (a + n) & MASK


def sub(a: int, b: int) -> int:
    """The distance from b forward to a, as a signed number (|a - b| < 2^31)."""
    d = (a - b) & MASK
    return d - MOD if d >= HALF else d


def lt(a: int, b: int) -> bool:
    return sub(a, b) < 0


def le(a: int, b: int) -> bool:
    return sub(a, b) <= 0


def gt(a: int, b: int) -> bool:
    return sub(a, b) > 0


def ge(a: int, b: int) -> bool:
    return sub(a, b) >= 0


def between(low: int, x: int, high: int) -> bool:
    """low <= x < high, on the circle."""
    return le(low, x) and lt(x, high)
