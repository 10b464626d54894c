# SPDX-License-Identifier: MIT
"""RSS hashing throughput: can the numpy Toeplitz keep up with a simulated 10G link?

The Python stack hashes every received frame's tuple to pick its ring, so the batch Toeplitz
(`toeplitz_batch`) and the symmetric-key fast path (`symmetric_batch`) sit on the hot path of
every scenario. This script measures them against the bit-serial reference (`toeplitz_hash`) in
the same process and compares them with the throughput targets. It first checks that the fast
paths give the reference's answers, because a benchmark that measures wrong answers is useless.

    python bench/rss_bench.py [--n N] [--quick]

It always exits 0 when the answers are right: a missed target is reported, not a failure.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.table import Table

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # runnable from a checkout without `pip install -e .`
    sys.path.insert(0, str(_ROOT))

from pystack.rss.toeplitz import (  # noqa: E402
    MS_KEY,
    symmetric_batch,
    symmetric_key,
    toeplitz_batch,
    toeplitz_hash,
)

SEED = 0x5EED
IPV4_BYTES = 12  # src addr, dst addr, src port, dst port
IPV6_BYTES = 36
TARGET_BATCH_MS = 20.0  # M hashes/s, toeplitz_batch on 12-byte tuples
TARGET_SYMMETRIC_MS = 40.0  # M hashes/s, symmetric_batch on 12-byte tuples
C_REFERENCE_NOTE = "for scale: a byte-table Toeplitz in C does about 130 M/s on this machine"


@dataclass(frozen=True)
class Result:
    """One measured case; target is in M hashes/s, None when the case only reports."""

    case: str
    rate: float  # hashes/s
    baseline: float  # hashes/s of the bit-serial reference on tuples of the same length
    target: float | None


def random_tuples(n: int, nbytes: int, seed: int = SEED) -> npt.NDArray[np.uint8]:
    """N random tuples of nbytes each, reproducible from the seed."""
    rng = np.random.default_rng(seed + nbytes)
    return rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)


def best_rate(fn: Callable[[], object], count: int, repeats: int) -> float:
    """Items per second of the fastest of `repeats` runs of fn (which handles `count` items).

    One untimed run first, so caches (key tables, allocator, CPU) are warm.
    """
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return count / best


def as_bytes(tuples: npt.NDArray[np.uint8]) -> list[bytes]:
    """Rows as bytes objects, the form a per-packet Python path would hand toeplitz_hash."""
    return [bytes(row) for row in tuples]


def serial_hashes(key: bytes, rows: list[bytes]) -> list[int]:
    """Bit-serial reference hashes, one Python call per tuple."""
    return [toeplitz_hash(key, row) for row in rows]


def check(tuples: npt.NDArray[np.uint8], sample: int) -> None:
    """Refuse to time anything whose answers differ from the reference."""
    nbytes = tuples.shape[1]
    head = tuples[:sample]
    expected = np.array(serial_hashes(MS_KEY, as_bytes(head)), dtype=np.uint32)
    got = toeplitz_batch(MS_KEY, head)
    if got.dtype != np.uint32 or not np.array_equal(got, expected):
        raise AssertionError(f"toeplitz_batch disagrees with toeplitz_hash on {nbytes}-byte tuples")
    sym_key = symmetric_key()
    sym_expected = np.array(serial_hashes(sym_key, as_bytes(head)), dtype=np.uint32)
    if not np.array_equal(toeplitz_batch(sym_key, head), sym_expected):
        raise AssertionError(f"toeplitz_batch(symmetric_key()) is wrong on {nbytes}-byte tuples")
    rows = tuples[: max(sample, 100_000)]
    fast = symmetric_batch(rows)
    if fast.dtype != np.uint32 or not np.array_equal(fast, toeplitz_batch(sym_key, rows)):
        raise AssertionError(f"symmetric_batch disagrees with the symmetric key on {nbytes} B")


def measure(n: int, repeats: int, serial_n: int, sample: int) -> list[Result]:
    """Check, then time every case; baselines are measured per tuple length."""
    results: list[Result] = []
    for nbytes, label in ((IPV4_BYTES, "IPv4"), (IPV6_BYTES, "IPv6")):
        tuples = random_tuples(n, nbytes)
        check(tuples, sample)
        serial = as_bytes(tuples[:serial_n])
        baseline = best_rate(lambda s=serial: serial_hashes(MS_KEY, s), len(serial), repeats)
        ipv4 = nbytes == IPV4_BYTES
        results.append(Result(f"toeplitz_hash {nbytes} B", baseline, baseline, None))
        results.append(
            Result(
                f"toeplitz_batch {nbytes} B {label}",
                best_rate(lambda t=tuples: toeplitz_batch(MS_KEY, t), n, repeats),
                baseline,
                TARGET_BATCH_MS if ipv4 else None,
            )
        )
        results.append(
            Result(
                f"symmetric_batch {nbytes} B {label}",
                best_rate(lambda t=tuples: symmetric_batch(t), n, repeats),
                baseline,
                TARGET_SYMMETRIC_MS if ipv4 else None,
            )
        )
    return results


def render(results: list[Result], n: int, repeats: int, console: Console) -> None:
    """The table: rate, ratio to the bit-serial reference, target and verdict."""
    table = Table(
        title=f"RSS Toeplitz throughput (N={n:,}, best of {repeats})",
        caption="vs serial: speed-up over the bit-serial toeplitz_hash at the same length",
    )
    table.add_column("case", no_wrap=True)
    table.add_column("hashes/s", justify="right", no_wrap=True)
    table.add_column("vs serial", justify="right", no_wrap=True)
    table.add_column("target", justify="right", no_wrap=True)
    table.add_column("verdict", justify="center", no_wrap=True)
    for r in results:
        if r.target is None:
            target, verdict = "-", "-"
        else:
            met = r.rate / 1e6 >= r.target
            target = f">= {r.target:.0f} M/s"
            verdict = "[green]PASS[/]" if met else "[red]MISS[/]"
        rate = f"{r.rate / 1e6:.2f} M/s" if r.rate >= 1e5 else f"{r.rate / 1e3:.1f} k/s"
        table.add_row(r.case, rate, f"{r.rate / r.baseline:,.0f}x", target, verdict)
    console.print(table)
    console.print("keys: MS_KEY; symmetric_batch hashes under symmetric_key() (6d5a repeated)")
    console.print(C_REFERENCE_NOTE)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print; 0 unless a fast path gave a wrong answer (which raises)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=None, help="tuples per timed batch")
    parser.add_argument("--quick", action="store_true", help="small N and few repeats (smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        n, repeats, serial_n, sample = 20_000, 3, 300, 100
    else:
        n, repeats, serial_n, sample = 2_000_000, 5, 2_000, 300
    if args.n is not None:
        n = args.n
    if n < 1:
        parser.error("--n must be positive")
    sample = min(sample, n)
    serial_n = min(serial_n, n)
    render(measure(n, repeats, serial_n, sample), n, repeats, Console())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
