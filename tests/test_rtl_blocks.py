# SPDX-License-Identifier: MIT
"""Build and run every testbench (one folder each under tb/, found by its bench.toml) on each
simulator: the NIC's blocks and the simulation-only parts."""

from __future__ import annotations

import pytest

from pystack import simrun

BENCHES = [(name, b.test_module) for name, b in simrun.testbenches().items()]


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
@pytest.mark.parametrize(("bench", "module"), BENCHES, ids=[b for b, _ in BENCHES])
def test_block(bench: str, module: str, sim: str) -> None:
    simrun.run(bench, module, sim=sim, quiet=True)


@pytest.mark.rtl
@pytest.mark.parametrize(
    ("bench", "width"), [("rx_fifo", 32), ("rx_fifo", 512), ("tx_packer", 32), ("tx_packer", 512)]
)
def test_stream_blocks_at_other_widths(bench: str, width: int) -> None:
    """The MAC width is a real parameter: gearbox and packer benches pass at 4 and 64 bytes a
    beat too (Icarus: no extra Verilator build)."""
    module = dict(BENCHES)[bench]
    simrun.run(bench, module, sim="icarus", parameters={"DATA_WIDTH": width}, quiet=True)


@pytest.mark.rtl
def test_tx_packer_max_frame_on_a_beat_boundary() -> None:
    """MAX_FRAME a multiple of the MAC width: a cut frame still ends on its last data beat."""
    simrun.run(
        "tx_packer",
        dict(BENCHES)["tx_packer"],
        sim="icarus",
        parameters={"MAX_FRAME": 200},
        quiet=True,
    )


@pytest.mark.rtl
@pytest.mark.parametrize("width", [32, 128])
def test_classifier_at_other_data_widths(width: int) -> None:
    """The width is a real parameter: the whole classifier bench passes at other widths."""
    simrun.run(
        "rx_classifier",
        sim="verilator",
        parameters={"DATA_WIDTH": width},
        quiet=True,
    )


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_waves_are_written(sim: str) -> None:
    rdir = simrun.run("rss_toeplitz", sim=sim, waves=True, quiet=True)
    dumps = list(rdir.glob("*.fst"))
    assert dumps, f"no FST in {rdir}"
    assert dumps[0].stat().st_size > 1000
