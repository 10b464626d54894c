"""Build and run every block's cocotb testbench on each simulator."""

from __future__ import annotations

import pytest

from pystack import simrun

BENCHES = [
    ("rss_toeplitz", "tb.rss_toeplitz.test_rss_toeplitz"),
    ("rx_parser", "tb.rx_parser.test_rx_parser"),
    ("rss_regs", "tb.rss_regs.test_rss_regs"),
    ("rss_unit_top", "tb.rx_classifier.test_rx_classifier"),
    # The datapath blocks, each alone against its own reference (tb/blocks/).
    ("nic_regs", "tb.blocks.nic_regs.test_nic_regs"),
    ("rx_admit", "tb.blocks.rx_admit.test_rx_admit"),
    ("rx_fifo", "tb.blocks.rx_fifo.test_rx_fifo"),
    ("rx_dma", "tb.blocks.rx_dma.test_rx_dma"),
    ("tx_dma", "tb.blocks.tx_dma.test_tx_dma"),
    ("tx_packer", "tb.blocks.tx_packer.test_tx_packer"),
    ("tx_fifo", "tb.blocks.tx_fifo.test_tx_fifo"),
    ("dma_arb", "tb.blocks.dma_arb.test_dma_arb"),
    ("wr_merge", "tb.blocks.wr_merge.test_wr_merge"),
    ("irq_ctrl", "tb.blocks.irq_ctrl.test_irq_ctrl"),
    ("msi_catcher", "tb.blocks.msi_catcher.test_msi_catcher"),
]


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
