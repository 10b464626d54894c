# SPDX-License-Identifier: MIT
"""Points that check the machinery rather than the NIC: each reports where it ran and with
which tools, and can sleep, fail, fail once, or kill its worker on purpose. Sweep it over a
cluster before a long study (`hilnic sweep pystack/sweep/examples/probe.toml --address ...`)
to see every node can import hilnic and find its simulators; the tests use it to prove that
a failing or lost point is retried and then reported while the others finish."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import time
from pathlib import Path
from typing import Any


class ProbeFailure(RuntimeError):
    """The failure a probe was asked for."""


def probe(
    seed: int = 1,
    sleep_s: float = 0.0,
    fail_seeds: list[int] | None = None,
    flaky_dir: str | None = None,
    crash_seeds: list[int] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """`fail_seeds`: these seeds always raise. `flaky_dir`: every seed raises on its first
    attempt only (a marker file in that folder remembers the attempt; needs a file system
    the workers share). `crash_seeds`: these seeds kill their worker process, as a lost node
    would."""
    if seed in (crash_seeds or []):
        os._exit(17)
    if flaky_dir is not None:
        marker = Path(flaky_dir) / f"seed-{seed}"
        if not marker.exists():
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text("failed once")
            raise ProbeFailure(f"seed {seed}: failing on the first attempt, as asked")
    if seed in (fail_seeds or []):
        raise ProbeFailure(f"seed {seed}: failing, as asked")
    time.sleep(sleep_s)
    import pystack
    from pystack.simrun import verilator_root

    root = verilator_root()
    return {
        "seed": seed,
        "host": socket.gethostname(),
        "code": str(Path(pystack.__file__).resolve().parent.parent),  # shipped or local
        "python": platform.python_version(),
        "verilator": str(root / "bin" / "verilator") if root else None,
        "iverilog": shutil.which("iverilog"),
        **extra,
    }
