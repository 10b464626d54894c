# SPDX-License-Identifier: MIT
"""Windowed waveforms of the full NIC on each simulator (hdl/sim/wave_dump.v, pystack/waves.py).

tb/nic/test_waves.py runs a burst inside the window, with setup before and a second burst after;
here the FST is read back with pywellen: every key signal is there, the datapath moves inside
the window, and nothing is recorded outside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pystack import simrun, waves

pytestmark = pytest.mark.rtl

WINDOW = (20_000.0, 100_000.0)  # ns; the cocotb module places its traffic from this


@pytest.fixture(scope="module", params=simrun.SIMULATORS)
def run(request, tmp_path_factory) -> tuple[Path, dict]:
    sim = request.param
    rdir = simrun.run(
        "nic_sim_top",
        "tb.nic.test_waves",
        sim=sim,
        waves=True,
        waves_window=WINDOW,
        run_dir=tmp_path_factory.mktemp(f"waves-{sim}"),
        extra_env={"SIM": sim, "WAVES_TEST_WINDOW": f"{WINDOW[0]}:{WINDOW[1]}"},
        quiet=True,
    )
    return rdir / simrun.WAVES_FILE, json.loads((rdir / "waves_test.json").read_text())


def named(found: dict[str, list[str]], rel: str) -> str:
    return next(n for names in found.values() for n in names if n.endswith(f"{waves.TOP}.{rel}"))


def test_fst_is_where_documented(run) -> None:
    fst, _ = run
    assert fst.name == "waves.fst" and fst.stat().st_size > 10_000
    assert waves.latest_waveform(fst.parent) == fst


def test_every_key_signal_is_found(run) -> None:
    fst, _ = run
    found = waves.find_signals(fst)
    assert list(found) == list(waves.KEY_SIGNALS)
    for group, rels in waves.KEY_SIGNALS.items():
        assert len(found[group]) == len(rels), (group, found[group])
        for rel, name in zip(rels, found[group], strict=True):
            assert name.endswith(f"{waves.TOP}.{rel}"), (rel, name)


def test_datapath_moves_inside_the_window(run) -> None:
    fst, report = run
    found = waves.find_signals(fst)
    rels = [
        "u_nic.rq_tail",
        "u_nic.rq_head",
        "u_nic.tq_tail",
        "u_nic.tq_head",
        "u_nic.u_classifier.m_axis_res_hash",
        "u_nic.u_classifier.m_axis_res_queue",
        "u_nic.u_classifier.m_axis_res_tvalid",
        "u_nic.s_axis_mac_rx_tvalid",
        "u_nic.m_axi_awvalid",
        "u_nic.m_axi_wvalid",
        "u_nic.m_axi_arvalid",
        "u_nic.u_irq.launch",
        "msi_count",
    ]
    seen = waves.value_changes(fst, [named(found, r) for r in rels])
    for rel in rels:
        values = {v for _, v in seen[named(found, rel)]}
        assert len(values) > 1, f"{rel} holds one value in the window: {values}"
    # Icarus's $dumpoff records every signal as x at the closing edge (IEEE 1364 18.1.3).
    msi = [v for _, v in seen[named(found, "msi_count")] if isinstance(v, int)]
    # Every message of the burst is in the file, none of the burst after the window.
    assert msi[0] == report["msi_before"] == 0
    assert msi[-1] >= report["msi_after"] > 0
    assert msi[-1] < report["msi_end"], "messages from after the window were recorded"


def test_nothing_recorded_outside_the_window(run) -> None:
    fst, report = run
    start, stop = WINDOW
    assert report["ready_ns"] < start and report["end_ns"] > stop + 10_000  # activity outside
    times = [t for signal in waves.value_changes(fst).values() for t, _ in signal]
    assert times, "empty waveform"
    assert min(times) >= start, f"change at {min(times)} ns, before the window's start"
    assert max(times) <= stop, f"change at {max(times)} ns, after the window's stop"
    # The first clock edge opens the dump, so the snapshot is within a clock of the start.
    assert min(times) < start + 2 * 6.4


def test_gtkw_names_the_fst_and_every_signal(run, tmp_path) -> None:
    fst, _ = run
    gtkw = tmp_path / "key.gtkw"
    assert waves.main(["gtkw", str(fst), str(gtkw)]) == 0
    text = gtkw.read_text()
    assert f'[dumpfile] "{fst.resolve()}"' in text
    lines = text.splitlines()
    for group, names in waves.find_signals(fst).items():
        assert f"-{group}" in lines
        for name in names:
            assert any(line == name or line.startswith(name + "[") for line in lines), name
