# SPDX-License-Identifier: MIT
"""Sweeps on Ray (pystack/sweep): the same points give the same numbers on 2 Ray workers as
one after another in this process; a failing or lost point is retried once and then reported
while the others finish; an interrupted sweep resumes with only the missing points.

One local Ray session (2 CPUs) serves the whole module and is shut down at its end; the
points are ~1 ms of simulated traffic on the model, a fraction of a second each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pystack.cli import main
from pystack.scenario.experiments import point
from pystack.scenario.options import ScenarioOptions
from pystack.sweep.runner import InProcessRunner, RayRunner, run_points
from pystack.sweep.spec import from_dict
from pystack.sweep.store import PointStore

MODEL_SPEC = {
    "name": "tiny",
    "sims": ["model"],
    "seeds": [1, 2],
    "base": {"duration": 1000, "sizes": [64], "malformed": 0.0, "flows": 32},
    "vary": {"mode": ["intr", "npoll"], "rate": [0.05, 0.2]},
}


@pytest.fixture(scope="module")
def ray_runner():
    ray = pytest.importorskip("ray")
    with RayRunner(workers=2) as runner:
        assert runner.owned and runner.workers == 2
        yield runner
    assert not ray.is_initialized()


@pytest.fixture(scope="module")
def reference() -> dict[str, dict]:
    """The model points run one after another in this process: point id -> record."""
    points = from_dict(MODEL_SPEC).points()
    result = run_points(points, InProcessRunner())
    assert result.counts()["ok"] == len(points) == 8
    # The same numbers as the experiments' own function (what `make experiments` used to
    # call point by point) for the first point.
    opts = ScenarioOptions.from_json({**points[0].params["options"], "out": "unused"})
    row = {k: v for k, v in point(opts).items() if k != "wall_s"}
    assert row == numbers(result.records[points[0].id])["row"]
    return result.records


def numbers(record: dict) -> dict:
    """Everything a point computed except how long it took on the wall clock."""
    value = record["value"]
    row = {k: v for k, v in value["row"].items() if k != "wall_s"}
    results = {k: v for k, v in value["results"].items() if k != "speed"}
    return {"row": row, "results": results, "accounting": value["accounting_errors"]}


def test_ray_sweep_matches_one_process(ray_runner, reference, tmp_path: Path) -> None:
    points = from_dict(MODEL_SPEC).points()
    result = run_points(points, ray_runner, PointStore(tmp_path))
    assert not result.interrupted and sorted(result.ran) == sorted(reference)
    for p in points:
        got = result.records[p.id]
        assert got["status"] == "ok" and got["attempts"] == 1
        assert numbers(got) == numbers(reference[p.id]), p.label
        assert got["value"]["accounting_errors"] == []
    pids = {r["pid"] for r in result.records.values()}
    assert len(pids) == 2, "the points did not run on two Ray workers"
    # Different seeds and loads really are different runs (the comparison is not vacuous).
    assert len({json.dumps(numbers(r)["row"], sort_keys=True) for r in reference.values()}) == 8


def test_failing_and_lost_points_retried_then_reported(ray_runner, tmp_path: Path) -> None:
    """Probe points through `hilnic sweep`: seed 2 always raises, seed 4 kills its worker,
    every seed fails its first attempt; the rest finish on their retry."""
    spec = tmp_path / "probe.toml"
    spec.write_text(
        'name = "probe"\ncall = "pystack.sweep.probe:probe"\nseeds = 5\n[base]\n'
        f'fail_seeds = [2]\ncrash_seeds = [4]\nflaky_dir = "{tmp_path / "flaky"}"\n'
    )
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out)]) == 1  # some points failed
    data = json.loads((out / "sweep.json").read_text())
    by_seed = {p["params"]["args"]["seed"]: p for p in data["points"]}
    assert data["counts"] == {"ok": 3, "failed": 2, "missing": 0, "ran": 5, "reused": 0}
    for seed in (1, 3, 5):
        assert by_seed[seed]["status"] == "ok" and by_seed[seed]["attempts"] == 2
        assert by_seed[seed]["value"]["seed"] == seed
    raised, lost = by_seed[2], by_seed[4]
    assert raised["status"] == lost["status"] == "failed"
    assert raised["attempts"] == lost["attempts"] == 2
    assert raised["errors"][-1] == "ProbeFailure: seed 2: failing, as asked"
    assert all(e.startswith("WorkerCrashedError") for e in lost["errors"])
    report = (out / "report.md").read_text()
    assert "seed=2`: failed" in report and "seed=4`: failed" in report
    # Only the successes are kept: a rerun tries the two failed points again, alone.
    assert len(PointStore(out).finished()) == 3


def test_interrupted_sweep_resumes_with_only_missing_points(
    ray_runner, reference, tmp_path: Path
) -> None:
    points = from_dict(MODEL_SPEC).points()
    store = PointStore(tmp_path)
    done: list[str] = []

    def ctrl_c_after_three(event: str, point, outcome) -> None:
        if event == "done":
            done.append(point.id)
            if len(done) == 3:
                raise KeyboardInterrupt

    first = run_points(points, ray_runner, store, ctrl_c_after_three)
    assert first.interrupted
    kept = set(store.finished())
    assert kept == set(done) and len(kept) == 3
    second = run_points(points, ray_runner, store)
    assert not second.interrupted
    assert set(second.reused) == kept
    assert set(second.ran) == {p.id for p in points} - kept  # only the missing points ran
    for p in points:
        assert numbers(second.records[p.id]) == numbers(reference[p.id]), p.label
    # A third run has nothing left to do.
    third = run_points(points, ray_runner, store)
    assert third.ran == [] and len(third.reused) == len(points)


def test_sweep_command_writes_results_report_and_plots(ray_runner, tmp_path: Path) -> None:
    spec = tmp_path / "two.toml"
    spec.write_text(
        'name = "two"\nseeds = [5]\n[base]\nduration = 500\nsizes = "64"\nflows = 8\n'
        '[vary]\nmode = ["intr", "npoll"]\nrate = [0.05]\n[report]\nx = "rate"\n'
        'metrics = ["replies_per_s", "p99_us"]\n'
    )
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out)]) == 0
    data = json.loads((out / "sweep.json").read_text())
    assert data["state"] == "complete" and data["counts"]["ok"] == 2
    assert [p["params"]["options"]["mode"] for p in data["points"]] == ["intr", "npoll"]
    assert all("results" not in p["value"] for p in data["points"])  # kept in points/ only
    report = (out / "report.md").read_text()
    assert "| mode | rate | seeds | replies_per_s | p99_us |" in report
    for png in ("replies_per_s.png", "p99_us.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    # The same command again finds everything finished and runs nothing.
    assert main(["sweep", str(spec), "--out", str(out)]) == 0
    again = json.loads((out / "sweep.json").read_text())
    assert again["counts"]["ran"] == 0 and again["counts"]["reused"] == 2


def test_spec_errors_are_one_line(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text('[vary]\nmode = ["npoll", "turbo"]\n')
    assert main(["sweep", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--mode must be one of npoll, intr, not 'turbo'" in err
    spec.write_text("[base]\nwarp = 9\n")
    assert main(["sweep", str(spec)]) == 2
    assert "unknown scenario option 'warp'" in capsys.readouterr().err


def test_regression_table_and_reproductions() -> None:
    """The regression's points, table and one-line reproductions, from made-up outcomes (no
    simulator runs here; tests/test_rtl_nic*.py run the benches themselves)."""
    from pystack.sweep import regress

    spec = regress.from_dict(
        {
            "sims": ["verilator", "icarus"],
            "seeds": 2,
            "benches": {
                "nic": {"bench": "nic_sim_top", "module": "tb.nic.test_nic"},
                "uvm": {
                    "bench": "nic_sim_top",
                    "module": "tb.nic.test_nic_uvm",
                    "seed_env": "HILNIC_UVM_SEED",
                },
                "cls": {"bench": "rss_unit_top", "module": "m", "configs": ["default"]},
            },
            "configs": {"default": {}, "small": {"MAX_RING_DESC": 1024}},
        }
    )
    points = spec.points()
    # nic: 2 configs x 2 sims; uvm: 2 x 2 x 2 seeds; cls: default only, 2 sims.
    assert len(points) == 4 + 8 + 2 and len({p.id for p in points}) == len(points)
    records = []
    for p in points:
        prm = p.params
        failing = prm["bench_name"] == "uvm" and prm["sim"] == "icarus" and prm["seed"] == 2
        lost = prm["bench_name"] == "nic" and prm["config"] == "small" and prm["sim"] == "icarus"
        value = {"passed": not failing, "summary": "x", "failures": ["T: AssertionError: bad"]}
        if lost:
            records.append({**p.to_json(), "status": "failed", "errors": ["E1", "E2"]})
        else:
            records.append({**p.to_json(), "status": "ok", "value": value})
    head, rows = regress.table(spec, records)
    assert head == ["configuration", "nic verilator", "nic icarus", "uvm verilator",
                    "uvm icarus", "cls verilator", "cls icarus"]  # fmt: skip
    assert rows == [
        ["default", "pass 1/1", "pass 1/1", "pass 2/2", "FAIL 1/2", "pass 1/1", "pass 1/1"],
        ["small", "pass 1/1", "ERROR 0/1", "pass 2/2", "FAIL 1/2", "-", "-"],
    ]
    bad = [r for r in records if regress.verdict(r) != "pass"]
    assert [regress.reproduction(r, None) for r in bad] == [
        "hilnic regress --benches uvm --configs default --sims icarus --seed 2 --in-process",
        "hilnic regress --benches nic --configs small --sims icarus --in-process",
        "hilnic regress --benches uvm --configs small --sims icarus --seed 2 --in-process",
    ]
    assert [regress.why(r) for r in bad] == [
        "T: AssertionError: bad",
        "E2",
        "T: AssertionError: bad",
    ]
    with pytest.raises(regress.SpecError, match="unknown configuration nope"):
        spec.select(configs=["nope"])
