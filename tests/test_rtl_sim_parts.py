"""Build and run the testbenches of the simulation-only parts (hdl/sim/: host memory, frame
source, frame sink) on each simulator."""

from __future__ import annotations

import pytest

from pystack import simrun

BENCHES = [
    ("host_mem", "tb.sim_parts.test_host_mem"),
    ("frame_source", "tb.sim_parts.test_frame_source"),
    ("frame_sink", "tb.sim_parts.test_frame_sink"),
]


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
@pytest.mark.parametrize(("bench", "module"), BENCHES, ids=[b for b, _ in BENCHES])
def test_sim_part(bench: str, module: str, sim: str) -> None:
    simrun.run(bench, module, sim=sim, quiet=True)
