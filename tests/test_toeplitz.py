# SPDX-License-Identifier: MIT
"""Toeplitz reference, batch and symmetric fast path against the Microsoft suite and each other."""

from __future__ import annotations

import random

import numpy as np
import pytest
from conftest import vector_input
from hypothesis import given, settings
from hypothesis import strategies as st

from pystack.rss import (
    MS_KEY,
    parse_key,
    symmetric_batch,
    symmetric_key,
    toeplitz_batch,
    toeplitz_fast,
    toeplitz_hash,
)


def test_suite_is_complete(ms_suite):
    assert len(ms_suite["vectors"]) == 16
    assert bytes.fromhex(ms_suite["key_hex"]) == MS_KEY


def test_microsoft_vectors_scalar_and_batch(ms_suite):
    for v in ms_suite["vectors"]:
        data = vector_input(v)
        want = int(v["hash_hex"], 16)
        assert toeplitz_hash(MS_KEY, data) == want, v
        assert toeplitz_fast(MS_KEY, data) == want, v
        assert int(toeplitz_batch(MS_KEY, np.frombuffer(data, np.uint8)[None])[0]) == want, v


def test_symmetric_key_paper_value_both_directions():
    fwd = (
        bytes([192, 168, 1, 1, 192, 168, 1, 2])
        + (3007).to_bytes(2, "big")
        + (2003).to_bytes(2, "big")
    )
    rev = (
        bytes([192, 168, 1, 2, 192, 168, 1, 1])
        + (2003).to_bytes(2, "big")
        + (3007).to_bytes(2, "big")
    )
    key = symmetric_key()
    assert toeplitz_hash(key, fwd) == toeplitz_hash(key, rev) == 0xE501E501
    # With the Microsoft key the two directions differ (values from the RSS notes).
    assert toeplitz_hash(MS_KEY, fwd) == 0x9E51FB2A
    assert toeplitz_hash(MS_KEY, rev) == 0x4C472DF4


def _swap(t: bytes, alen: int) -> bytes:
    src, dst, rest = t[:alen], t[alen : 2 * alen], t[2 * alen :]
    return dst + src + (rest[2:4] + rest[0:2] if rest else b"")


@pytest.mark.parametrize("alen", [4, 16])
@pytest.mark.parametrize("ports", [True, False])
def test_swapped_tuples_hash_equal_under_symmetric_keys(alen, ports):
    rng = random.Random(alen * 2 + ports)
    for _ in range(300):
        seeds = (rng.randrange(256), rng.randrange(256))
        key = symmetric_key(*seeds)
        t = rng.randbytes(2 * alen + (4 if ports else 0))
        h = toeplitz_hash(key, t)
        assert h == toeplitz_hash(key, _swap(t, alen))
        assert h >> 16 == h & 0xFFFF  # a 16-bit-period key gives equal halves


def test_ms_key_is_not_symmetric():
    rng = random.Random(3)
    t = [rng.randbytes(12) for _ in range(200)]
    assert sum(toeplitz_hash(MS_KEY, x) != toeplitz_hash(MS_KEY, _swap(x, 4)) for x in t) > 190


@pytest.mark.parametrize("length", [0, 1, 7, 8, 12, 13, 32, 36])
def test_batch_equals_scalar(length):
    rng = np.random.default_rng(length)
    for key in (MS_KEY, symmetric_key(), bytes(rng.integers(0, 256, 40, dtype=np.uint8))):
        tuples = rng.integers(0, 256, (700, length), dtype=np.uint8)
        got = toeplitz_batch(key, tuples)
        want = [toeplitz_hash(key, bytes(row)) for row in tuples]
        assert got.dtype == np.uint32
        assert got.tolist() == want


@pytest.mark.parametrize("length", [2, 12, 36])
@pytest.mark.parametrize("rows", [1, 100, 5000])
def test_symmetric_fast_path_equals_batch(length, rows):
    rng = np.random.default_rng(rows + length)
    tuples = rng.integers(0, 256, (rows, length), dtype=np.uint8)
    for seeds in ((0x6D, 0x5A), (0x00, 0x01), (0xFF, 0x3C)):
        assert (
            symmetric_batch(tuples, *seeds).tolist()
            == toeplitz_batch(symmetric_key(*seeds), tuples).tolist()
        )


def test_key_parsing():
    assert parse_key("ms") == MS_KEY
    assert parse_key("symmetric") == bytes([0x6D, 0x5A] * 20)
    assert parse_key("symmetric:12,34") == bytes([0x12, 0x34] * 20)
    assert parse_key(MS_KEY.hex().upper()) == MS_KEY
    for bad in ("", "zz", "00" * 39, "symmetric:1"):
        with pytest.raises(ValueError):
            parse_key(bad)


def test_too_long_input_is_refused():
    with pytest.raises(ValueError):
        toeplitz_hash(MS_KEY, bytes(37))
    with pytest.raises(ValueError):
        toeplitz_batch(MS_KEY, np.zeros((1, 37), np.uint8))


@settings(max_examples=200, deadline=None)
@given(key=st.binary(min_size=40, max_size=40), data=st.binary(max_size=36))
def test_table_hash_equals_bit_serial(key, data):
    assert toeplitz_fast(key, data) == toeplitz_hash(key, data)


def test_table_hash_refuses_a_tuple_the_key_cannot_cover():
    with pytest.raises(ValueError):
        toeplitz_fast(MS_KEY, bytes(37))
