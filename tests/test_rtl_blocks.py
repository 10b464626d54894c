"""Build and run every testbench (one folder each under tb/, found by its bench.toml) on each
simulator: the NIC's blocks and the simulation-only parts."""

from __future__ import annotations

import pytest

from pystack import simrun

BENCHES = [(name, b.test_module) for name, b in simrun.testbenches().items()]

# Known RTL bugs, one cocotb test each (skipped in the bench's normal run; the docstring of each
# test gives the stimulus, the expectation and what happens). strict: a fix turns them red here,
# so the marker is removed with the fix. Entries are (bench, testcase, why, simulators showing
# it): a bug that only one simulator shows (a simulation-semantics one) runs on that one only.
KNOWN_BUGS: list[tuple[str, str, str, tuple[str, ...]]] = []


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
@pytest.mark.parametrize(("bench", "module"), BENCHES, ids=[b for b, _ in BENCHES])
def test_block(bench: str, module: str, sim: str) -> None:
    simrun.run(bench, module, sim=sim, quiet=True)


@pytest.mark.rtl
@pytest.mark.parametrize(
    ("bench", "testcase", "sim"),
    [
        pytest.param(b, t, s, marks=pytest.mark.xfail(strict=True, reason=why), id=f"{b}-{t}-{s}")
        for b, t, why, sims in KNOWN_BUGS
        for s in sims
    ],
)
def test_known_bug(bench: str, testcase: str, sim: str) -> None:
    module = dict(BENCHES)[bench]
    env = {"HILNIC_KNOWN_BUGS": "1"}
    simrun.run(bench, module, sim=sim, testcase=testcase, extra_env=env, quiet=True)


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
