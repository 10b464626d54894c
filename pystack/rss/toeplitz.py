"""Toeplitz hashing as the NIC computes it, plus the keys hilnic programs.

The scalar version is the bit-serial definition from Microsoft's RSS spec and is the reference
everything else is checked against; the numpy versions exist because per-packet Python cannot
keep up with a simulated 10G link.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

KEY_BYTES = 40
MAX_TUPLE_BYTES = KEY_BYTES - 4

MS_KEY = bytes.fromhex(
    "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa"
)


def symmetric_key(seed0: int = 0x6D, seed1: int = 0x5A, length: int = KEY_BYTES) -> bytes:
    """DragonFly's toeplitz_get_key(): two seed bytes repeated.

    A key with a 16-bit period makes the hash a function of the XOR of the tuple's 16-bit words,
    so both directions of a flow hash alike and land on the same ring and CPU.
    """
    if not (0 <= seed0 <= 0xFF and 0 <= seed1 <= 0xFF):
        raise ValueError("key seeds are bytes (0..255)")
    return bytes((seed0, seed1) * (length // 2) + ((seed0,) if length % 2 else ()))


def parse_key(text: str) -> bytes:
    """Key from the command line: 'ms', 'symmetric', 'symmetric:SS,TT' or 80 hex digits."""
    low = text.strip().lower()
    if low == "ms":
        return MS_KEY
    if low == "symmetric":
        return symmetric_key()
    if low.startswith("symmetric:"):
        seeds = low.split(":", 1)[1].split(",")
        if len(seeds) != 2:
            raise ValueError("symmetric key seeds are given as symmetric:6d,5a")
        return symmetric_key(int(seeds[0], 16), int(seeds[1], 16))
    digits = low.removeprefix("0x").replace(":", "").replace(" ", "")
    try:
        key = bytes.fromhex(digits)
    except ValueError as exc:
        raise ValueError(f"key must be ms, symmetric or {KEY_BYTES * 2} hex digits") from exc
    if len(key) != KEY_BYTES:
        raise ValueError(f"key must be {KEY_BYTES} bytes, got {len(key)}")
    return key


def toeplitz_hash(key: bytes, data: bytes) -> int:
    """Bit-serial Toeplitz exactly as Microsoft's 'RSS Hashing Functions' page defines it."""
    if len(data) + 4 > len(key):
        raise ValueError(f"a {len(key)}-byte key hashes at most {len(key) - 4} bytes")
    key_int = int.from_bytes(key, "big")
    key_bits = len(key) * 8
    result = 0
    for bit in range(len(data) * 8):
        if data[bit // 8] & (0x80 >> (bit % 8)):
            result ^= (key_int >> (key_bits - 32 - bit)) & 0xFFFFFFFF
    return result


@lru_cache(maxsize=16)
def byte_tables(key: bytes, nbytes: int = MAX_TUPLE_BYTES) -> npt.NDArray[np.uint32]:
    """Per-position 256-entry tables: T[p][v] is the hash contribution of byte value v at p.

    Toeplitz is linear over GF(2), so a tuple's hash is the XOR of its bytes' contributions.
    """
    key_int = int.from_bytes(key, "big")
    key_bits = len(key) * 8
    windows = np.array(
        [(key_int >> (key_bits - 32 - bit)) & 0xFFFFFFFF for bit in range(nbytes * 8)],
        dtype=np.uint32,
    ).reshape(nbytes, 8)
    values = np.arange(256, dtype=np.uint32)
    tables = np.zeros((nbytes, 256), dtype=np.uint32)
    for b in range(8):
        hit = ((values >> (7 - b)) & 1).astype(bool)
        tables[:, hit] ^= windows[:, b : b + 1]
    tables.setflags(write=False)
    return tables


def toeplitz_batch(key: bytes, tuples: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint32]:
    """Hash N tuples of equal length at once (rows of a uint8 array, network byte order)."""
    arr = np.ascontiguousarray(tuples, dtype=np.uint8)
    if arr.ndim != 2:
        raise ValueError("tuples must be a 2-D uint8 array, one tuple per row")
    nbytes = arr.shape[1]
    if nbytes + 4 > len(key):
        raise ValueError(f"a {len(key)}-byte key hashes at most {len(key) - 4} bytes")
    tables = byte_tables(bytes(key), max(nbytes, 1))
    out = np.zeros(arr.shape[0], dtype=np.uint32)
    for pos in range(nbytes):
        out ^= tables[pos][arr[:, pos]]
    return out


@lru_cache(maxsize=16)
def _word_table(seed0: int, seed1: int) -> npt.NDArray[np.uint32]:
    """Hash of every 16-bit word at an even offset under a symmetric key (65536 entries)."""
    key = symmetric_key(seed0, seed1)
    tables = byte_tables(key, 2)
    words = np.arange(65536, dtype=np.uint32)
    table = tables[0][words >> 8] ^ tables[1][words & 0xFF]
    table.setflags(write=False)
    return table


def symmetric_batch(
    tuples: npt.NDArray[np.uint8], seed0: int = 0x6D, seed1: int = 0x5A
) -> npt.NDArray[np.uint32]:
    """Fast path for a symmetric key: fold the tuple to one 16-bit word, then one table lookup.

    Valid because a key with a 16-bit period makes every even byte offset see the same key
    window; equal to toeplitz_batch(symmetric_key(seed0, seed1), tuples) for even lengths.
    """
    arr = np.ascontiguousarray(tuples, dtype=np.uint8)
    if arr.ndim != 2 or arr.shape[1] % 2:
        raise ValueError("symmetric fast path needs a 2-D array of even-length tuples")
    words = arr.view(">u2")
    folded = np.bitwise_xor.reduce(words, axis=1).astype(np.uint16)
    return _word_table(seed0, seed1)[folded]
