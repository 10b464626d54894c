# SPDX-License-Identifier: MIT
"""The HTTP/1.1 messages both ends exchange, written once: the server builds what the client
checks, so a response's framing cannot drift between them."""

from __future__ import annotations

import re

HEADER_END = b"\r\n\r\n"
_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


def request(path: str, host: str, keep_alive: bool) -> bytes:
    conn = "keep-alive" if keep_alive else "close"
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: {conn}\r\n\r\n".encode()


def response(body: bytes, keep_alive: bool) -> bytes:
    conn = "keep-alive" if keep_alive else "close"
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: {conn}\r\n\r\n"
    return head.encode() + body


def object_body(path: str, size: int) -> bytes:
    """The object a path names: `size` bytes that depend on the path, so a reply that mixes up
    connections or loses bytes does not compare equal."""
    seed = path.encode() or b"/"
    return (seed * (size // len(seed) + 1))[:size]


def parse_request(buf: bytes) -> tuple[str, bool, int] | None:
    """(path, keep-alive, bytes used) once a whole request head is in `buf`; None before."""
    end = buf.find(HEADER_END)
    if end < 0:
        return None
    head = buf[:end].decode("latin-1")
    line = head.split("\r\n", 1)[0].split(" ")
    path = line[1] if len(line) >= 2 else "/"
    lower = head.lower()
    # RFC 9112 9.3: HTTP/1.1 persists unless told to close; HTTP/1.0 closes unless asked not to.
    if line[-1].upper() == "HTTP/1.1":
        keep = "connection: close" not in lower
    else:
        keep = "connection: keep-alive" in lower
    return path, keep, end + len(HEADER_END)


def response_length(buf: bytes) -> int | None:
    """The total length of the response at the start of `buf`, once its head is complete."""
    end = buf.find(HEADER_END)
    if end < 0:
        return None
    m = _LENGTH.search(buf[:end])
    return end + len(HEADER_END) + (int(m.group(1)) if m else 0)
