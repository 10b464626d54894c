# SPDX-License-Identifier: MIT
"""Scenario points for code that plans its own grid (`hilnic experiments`, the benchmark):
give it (group, options) pairs, get back the flattened numbers per group, in the order
planned, computed by whichever runner is given (Ray by default)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pystack.scenario.options import ScenarioOptions

from .points import CODE_DIRS, Point, code_fingerprint, label_of
from .runner import RayRunner, Runner, RunResult, run_points
from .store import PointStore


class SweepInterrupted(Exception):
    """Ctrl-C: the message says how many points were kept and how to resume."""


class SweepFailed(RuntimeError):
    """Points failed twice; the message lists them with their errors."""


def scenario_point(opts: ScenarioOptions, group: str = "", label: str | None = None) -> Point:
    params = opts.to_json()
    params.pop("out")  # where it runs is the runner's business, not the point's identity
    shown = label or label_of({"mode": opts.mode, "rate": opts.rate, "seed": opts.seed})
    code = code_fingerprint(("pystack",) if opts.sim == "model" else CODE_DIRS)
    return Point("scenario", {"options": params}, shown, group, code)


@dataclass
class Planned:
    points: list[Point]
    result: RunResult

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        data: dict[str, list[dict[str, Any]]] = {}
        for p in self.points:
            data.setdefault(p.group, []).append(self.result.records[p.id]["value"]["row"])
        return data


def run_planned(
    planned: list[tuple[str, ScenarioOptions, str]],
    out: Path,
    runner: Runner | None = None,
    title: str = "points",
    show: bool = True,
) -> Planned:
    """Run (group, options, label) scenario points, keeping finished ones in `out/points` (so
    an interrupted run resumes); raise SweepInterrupted or SweepFailed when not all finished."""
    from .progress import SweepProgress

    points = [scenario_point(opts, group, label) for group, opts, label in planned]
    store = PointStore(out)
    if runner is None:
        with RayRunner() as ray_runner:
            return run_planned(planned, out, ray_runner, title, show)
    reused = len({p.id for p in points} & set(store.finished()))
    if show:
        with SweepProgress(title, len({p.id for p in points}), reused) as progress:
            result = run_points(points, runner, store, progress)
    else:
        result = run_points(points, runner, store)
    if result.interrupted:
        kept = len(store.finished())
        raise SweepInterrupted(
            f"interrupted: {kept} finished points kept in {store.dir}; run the same command "
            "again to run only the missing ones"
        )
    failed = [r for r in result.records.values() if r["status"] != "ok"]
    if failed:
        lines = [f"{r['label']}: {r['errors'][-1]}" for r in failed]
        raise SweepFailed(f"{len(failed)} point(s) failed twice:\n  " + "\n  ".join(lines))
    return Planned(points, result)
