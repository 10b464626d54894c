"""Build and run every block's cocotb testbench on each simulator."""

from __future__ import annotations

import pytest

from pystack import simrun

BENCHES = [
    ("rss_toeplitz", "tb.rss_toeplitz.test_rss_toeplitz"),
    ("rx_parser", "tb.rx_parser.test_rx_parser"),
    ("rss_regs", "tb.rss_regs.test_rss_regs"),
    ("rss_unit_top", "tb.rx_classifier.test_rx_classifier"),
]


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
@pytest.mark.parametrize(("bench", "module"), BENCHES, ids=[b for b, _ in BENCHES])
def test_block(bench: str, module: str, sim: str) -> None:
    simrun.run(bench, module, sim=sim, quiet=True)


@pytest.mark.rtl
@pytest.mark.parametrize("width", [32, 128])
def test_classifier_at_other_data_widths(width: int) -> None:
    """The width is a real parameter: the whole classifier bench passes at other widths."""
    simrun.run(
        "rss_unit_top",
        "tb.rx_classifier.test_rx_classifier",
        sim="verilator",
        parameters={"DATA_WIDTH": width},
        quiet=True,
    )


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_waves_are_written(sim: str) -> None:
    rdir = simrun.run(
        "rss_toeplitz", "tb.rss_toeplitz.test_rss_toeplitz", sim=sim, waves=True, quiet=True
    )
    dumps = list(rdir.glob("*.fst"))
    assert dumps, f"no FST in {rdir}"
    assert dumps[0].stat().st_size > 1000
