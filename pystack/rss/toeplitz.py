# SPDX-License-Identifier: MIT
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


def toeplitz_fast(key: bytes, data: bytes) -> int:
    """`toeplitz_hash` by per-byte tables: one lookup per tuple byte instead of a pass per bit,
    for the per-packet paths (the model's classifier, TCP's connection placement)."""
    tables = _byte_lists(key)
    if len(data) > len(tables):
        raise ValueError(f"a {len(key)}-byte key hashes at most {len(key) - 4} bytes")
    result = 0
    for table, value in zip(tables, data, strict=False):  # data is the shorter
        result ^= table[value]
    return result


@lru_cache(maxsize=16)
def _byte_lists(key: bytes) -> tuple[list[int], ...]:
    """`byte_tables` over every position the key can hash, as Python lists (fast to index)."""
    return tuple(row.tolist() for row in byte_tables(bytes(key), max(len(key) - 4, 0)))


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
    """Hash N tuples of equal length at once (rows of a uint8 array, network byte order).

    One lookup per 16-bit word (65536-entry table per even offset, indexed by the word as the
    machine reads it) and one per trailing odd byte, XORed together. Rows go in chunks sized
    so a chunk's words stay in cache while each word position is looked up in turn.
    """
    arr = np.ascontiguousarray(tuples, dtype=np.uint8)
    if arr.ndim != 2:
        raise ValueError("tuples must be a 2-D uint8 array, one tuple per row")
    n, nbytes = arr.shape
    if nbytes + 4 > len(key):
        raise ValueError(f"a {len(key)}-byte key hashes at most {len(key) - 4} bytes")
    out = np.zeros(n, dtype=np.uint32)
    if nbytes == 0 or n == 0:
        return out
    key = bytes(key)
    nwords = nbytes // 2
    word_tables = _key_word_tables(key)
    words = arr[:, : 2 * nwords].view(np.uint16)
    last_byte = byte_tables(key, nbytes)[nbytes - 1] if nbytes % 2 else None
    chunk = max(4096, (1 << 18) // max(nwords, 1))
    scratch = np.empty(min(n, chunk), dtype=np.uint32)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        acc = out[start:stop]
        part = scratch[: stop - start]
        block = words[start:stop]
        for pos in range(nwords):
            np.take(word_tables[pos], block[:, pos], out=part)
            acc ^= part
        if last_byte is not None:
            np.take(last_byte, arr[start:stop, nbytes - 1], out=part)
            acc ^= part
    return out


def _native_word_table(
    first: npt.NDArray[np.uint32], second: npt.NDArray[np.uint32]
) -> npt.NDArray[np.uint32]:
    """65536-entry table for a byte pair, indexed by the pair read as a native uint16."""
    if np.little_endian:  # the first byte in memory is the low byte
        return (second[..., :, None] ^ first[..., None, :]).reshape(*first.shape[:-1], 65536)
    return (first[..., :, None] ^ second[..., None, :]).reshape(*first.shape[:-1], 65536)


@lru_cache(maxsize=8)
def _key_word_tables(key: bytes) -> npt.NDArray[np.uint32]:
    """Per even offset, the hash contribution of every 16-bit word (native-uint16 index).

    Covers every offset the key can hash (18 for a 40-byte key: 4.5 MiB), built once per key.
    """
    nwords = (len(key) - 4) // 2
    tables = byte_tables(key, max(2 * nwords, 1))
    words = _native_word_table(tables[0 : 2 * nwords : 2], tables[1 : 2 * nwords : 2])
    words.setflags(write=False)
    return words


@lru_cache(maxsize=16)
def _word_table(seed0: int, seed1: int) -> npt.NDArray[np.uint32]:
    """Hash of every 16-bit word at an even offset under a symmetric key (65536 entries).

    Indexed by the word as a native uint16 read from the tuple's bytes, not its network value.
    """
    tables = byte_tables(symmetric_key(seed0, seed1), 2)
    table = _native_word_table(tables[0], tables[1])
    table.setflags(write=False)
    return table


def symmetric_batch(
    tuples: npt.NDArray[np.uint8], seed0: int = 0x6D, seed1: int = 0x5A
) -> npt.NDArray[np.uint32]:
    """Fast path for a symmetric key: fold the tuple to one 16-bit word, then one table lookup.

    Valid because a key with a 16-bit period makes every even byte offset see the same key
    window; equal to toeplitz_batch(symmetric_key(seed0, seed1), tuples) for even lengths.
    XOR commutes with the byte order, so the fold runs on native 32-bit lanes (two words
    each), then the lane halves and any trailing word are folded in.
    """
    arr = np.ascontiguousarray(tuples, dtype=np.uint8)
    if arr.ndim != 2 or arr.shape[1] % 2:
        raise ValueError("symmetric fast path needs a 2-D array of even-length tuples")
    n, nbytes = arr.shape
    table = _word_table(seed0, seed1)
    if n < 512:  # below this, the chunked fold's per-call overhead outweighs its speed
        return table[np.bitwise_xor.reduce(arr.view(np.uint16), axis=1)]
    out = np.empty(n, dtype=np.uint32)
    lanes = arr[:, : nbytes - nbytes % 4].view(np.uint32)
    tail = arr[:, nbytes - 2 :].view(np.uint16)[:, 0] if nbytes % 4 else None
    chunk = 65536
    acc_buf = np.empty(min(n, chunk), dtype=np.uint32)
    tmp_buf = np.empty_like(acc_buf)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        acc = acc_buf[: stop - start]
        block = lanes[start:stop]
        if block.shape[1]:
            np.copyto(acc, block[:, 0])
            for lane in range(1, block.shape[1]):
                np.bitwise_xor(acc, block[:, lane], out=acc)
            tmp = tmp_buf[: stop - start]
            np.right_shift(acc, 16, out=tmp)
            np.bitwise_xor(acc, tmp, out=acc)
            np.bitwise_and(acc, 0xFFFF, out=acc)
        else:
            acc[:] = 0
        if tail is not None:
            np.bitwise_xor(acc, tail[start:stop], out=acc)
        np.take(table, acc, out=out[start:stop])
    return out
