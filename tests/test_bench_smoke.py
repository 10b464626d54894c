# SPDX-License-Identifier: MIT
"""The benchmarks run and their built-in correctness checks pass (numbers are not judged)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[1] / "bench"
BENCH = BENCH_DIR / "rss_bench.py"


def test_rss_bench_quick():
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "M/s" in proc.stdout


@pytest.mark.rtl
@pytest.mark.long  # builds a C++ main of the NIC and runs every harness: make test-long
def test_sim_speed_quick(tmp_path: Path) -> None:
    """Every part of the simulator-speed benchmark on tiny counts: the scenario on all three
    back ends, the clock rates under cocotb and the generated C++ main, and the datapath."""
    out = tmp_path / "speed.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH_DIR / "sim_speed.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert [r["backend"] for r in data["scenario"]] == ["model", "verilator", "icarus"]
    assert all(r["sim_us_per_wall_s"] > 0 and r["cpu_s"] > 0 for r in data["scenario"])
    harnesses = {(r["sim"], r["mode"]) for r in data["clocks"]}
    assert harnesses == {
        ("C++ main", "idle"),
        ("verilator", "idle"),
        ("verilator", "streaming"),
        ("icarus", "idle"),
        ("icarus", "streaming"),
    }
    assert all(r["clocks_per_wall_s"] > 0 and r["clocks_per_cpu_s"] > 0 for r in data["clocks"])
    streaming = [r for r in data["clocks"] if r["mode"] == "streaming"]
    assert all(r["delivered"] > 0 and r["dropped"] == 0 for r in streaming)
    assert {r["mode"] for r in data["datapath"]} == {"hdl_source", "beat_by_beat"}
    assert "of real time" in proc.stdout
