# SPDX-License-Identifier: MIT
"""HDL hygiene: lint-clean at default and other parameters, bad parameters stop elaboration."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from pystack.lint_hdl import lint
from pystack.simrun import HDL, INCLUDES, setup_toolchain

pytestmark = pytest.mark.skipif(shutil.which("iverilog") is None, reason="needs iverilog")


def test_verilator_lint_clean():
    assert lint() == []


@pytest.mark.parametrize(
    "params",
    [
        {"NUM_QUEUES": 5},
        {"NUM_QUEUES": 256},
        {"DATA_WIDTH": 512},
        {"DATA_WIDTH": 32, "RESULT_DEPTH": 16},
    ],
)
def test_lint_clean_at_other_parameters(params):
    assert lint(params, bench="rss_unit_top") == []


BAD = [
    ("rx_classifier", {"RESULT_DEPTH": 6}, "RESULT_DEPTH must be a power of two"),
    ("rx_classifier", {"NUM_QUEUES": 0}, "NUM_QUEUES must be between 1 and 256"),
    ("rx_parser", {"DATA_WIDTH": 12}, "DATA_WIDTH must be a positive multiple of 8"),
    ("rss_toeplitz", {"KEY_BYTES": 39}, "KEY_BYTES must be at least TUPLE_BYTES + 4"),
]
SOURCES = {
    "rx_classifier": ["rx/rx_classifier.v", "rx/rx_parser.v", "rx/rss_toeplitz.v"],
    "rx_parser": ["rx/rx_parser.v"],
    "rss_toeplitz": ["rx/rss_toeplitz.v"],
}


@pytest.mark.parametrize(("top", "params", "message"), BAD)
def test_bad_parameters_stop_verilator(top, params, message):
    setup_toolchain()
    cmd = ["verilator", "--lint-only", "--top-module", top, *[f"-I{i}" for i in INCLUDES]]
    cmd += [f"-G{k}={v}" for k, v in params.items()] + [str(HDL / s) for s in SOURCES[top]]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr


@pytest.mark.parametrize(("top", "params", "message"), BAD)
def test_bad_parameters_stop_icarus(top, params, message, tmp_path):
    vvp = tmp_path / "sim.vvp"
    cmd = ["iverilog", "-g2012", "-s", top, "-o", str(vvp), *[f"-I{i}" for i in INCLUDES]]
    cmd += [f"-P{top}.{k}={v}" for k, v in params.items()] + [str(HDL / s) for s in SOURCES[top]]
    subprocess.run(cmd, check=True, capture_output=True)
    proc = subprocess.run(
        ["vvp", "-n", str(vvp)], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr
