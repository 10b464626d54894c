# SPDX-License-Identifier: MIT
"""Running points: on Ray (local on this machine's cores by default, or a cluster), or one
after another in this process (reproductions, debugging, the tests' reference). Both call
`tasks.execute` on the same point dicts, so they give the same numbers.

Retries are the driver's, not Ray's (tasks are submitted with max_retries=0): a point whose
function raised and a point whose worker died are handled alike, retried once, then reported
with both errors, and the display can say what happened. Submissions are capped at the
cluster's CPUs so that points in flight are points running (the display's 'running' is
true, Ctrl-C has little to cancel, and submission-to-start measures Ray, not a queue).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from .points import REPO, Point
from .store import PointStore
from .tasks import Outcome, execute

# (event, point, outcome): event is "submitted", "done", "failed", "retry" or "tick".
Emit = Callable[[str, Point | None, Outcome | None], None]
Settle = Callable[[Point, Outcome], bool]  # True: submit the point again
Workdir = Callable[[Point], str | None]

# Left out of the code shipped to a cluster: builds are per machine, outputs per driver.
# (Ray itself leaves out .git/ and .venv/, and warns when told to.)
SHIP_EXCLUDES = ["build/", "out/", "*.egg-info/", "__pycache__/"]
LOCAL_OBJECT_STORE = 256 << 20  # results are small; do not reserve a third of RAM
CAPACITY_REFRESH_S = 5.0
WAIT_S = 0.2
TOKEN_LOGGER = "ray._private.authentication.authentication_token_setup"


class Runner(Protocol):
    workers: int

    def run(self, todo: list[Point], workdir: Workdir, settle: Settle, emit: Emit) -> None: ...

    def cancel(self) -> None: ...


class InProcessRunner:
    """One point after another in this process: no Ray, same code, same numbers."""

    workers = 1

    def __enter__(self) -> InProcessRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def run(self, todo: list[Point], workdir: Workdir, settle: Settle, emit: Emit) -> None:
        for point in todo:
            again = True
            while again:
                emit("submitted", point, None)
                outcome = execute(point.to_json(), workdir(point))
                outcome["submitted"] = outcome["started"]
                again = settle(point, outcome)

    def cancel(self) -> None:
        pass


class RayRunner:
    """A Ray session: starts local Ray when none is running (and stops it on exit), or joins
    `address` / RAY_ADDRESS, or reuses the session this process already has."""

    def __init__(
        self, address: str | None = None, workers: int | None = None, ship_code: bool = True
    ) -> None:
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.max_workers = workers
        self.ship_code = ship_code
        self.owned = False
        self.workers = workers or os.cpu_count() or 1
        self._inflight: dict[Any, tuple[Point, float]] = {}
        self._remote: Any = None

    def __enter__(self) -> RayRunner:
        import ray

        if not ray.is_initialized():
            common: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
            if self.address:
                env = None
                if self.ship_code:  # the cluster runs this checkout's code, edits included
                    env = {"working_dir": str(REPO), "excludes": SHIP_EXCLUDES}
                ray.init(address=self.address, runtime_env=env, **common)
            else:
                # Local Ray turns token authentication on and says so at every start: quiet.
                logging.getLogger(TOKEN_LOGGER).setLevel(logging.ERROR)
                ray.init(
                    address="local",  # a new instance, never a `ray start` one found in /tmp
                    num_cpus=self.workers,
                    include_dashboard=False,
                    object_store_memory=LOCAL_OBJECT_STORE,
                    **common,
                )
            self.owned = True
        self._remote = ray.remote(num_cpus=1, max_retries=0)(execute)
        self.workers = self._capacity()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.owned:
            import ray

            ray.shutdown()
            self.owned = False

    def _capacity(self) -> int:
        import ray

        cpus = int(ray.cluster_resources().get("CPU", 1)) or 1
        return min(cpus, self.max_workers) if self.max_workers else cpus

    def run(self, todo: list[Point], workdir: Workdir, settle: Settle, emit: Emit) -> None:
        import ray
        from ray.exceptions import RayError

        pending = deque(todo)
        refreshed = time.monotonic()
        while pending or self._inflight:
            if time.monotonic() - refreshed > CAPACITY_REFRESH_S:  # a cluster may grow
                self.workers, refreshed = self._capacity(), time.monotonic()
            while pending and len(self._inflight) < self.workers:
                point = pending.popleft()
                # On a cluster the driver's folders are not the workers': they use their own.
                wd = None if self.address else workdir(point)
                ref = self._remote.remote(point.to_json(), wd)
                self._inflight[ref] = (point, time.time())
                emit("submitted", point, None)
            ready, _ = ray.wait(list(self._inflight), num_returns=1, timeout=WAIT_S)
            for ref in ready:
                point, submitted = self._inflight.pop(ref)
                try:
                    outcome = ray.get(ref)
                except RayError as exc:  # the worker or its node is gone: the point is lost
                    first = (str(exc).strip().splitlines() or [""])[0]
                    outcome = {"status": "lost", "error": f"{type(exc).__name__}: {first}"}
                outcome["submitted"] = submitted
                if settle(point, outcome):
                    pending.appendleft(point)
            emit("tick", None, None)

    def cancel(self) -> None:
        import ray

        for ref in list(self._inflight):
            with contextlib.suppress(Exception):  # already finished, or its worker gone
                ray.cancel(ref, force=True)
        self._inflight.clear()


@dataclass
class RunResult:
    records: dict[str, dict[str, Any]]  # finished (ok or failed), by point id
    ran: list[str] = field(default_factory=list)  # ids executed by this run
    reused: list[str] = field(default_factory=list)  # ids taken from earlier runs
    interrupted: bool = False
    wall_s: float = 0.0

    def ordered(self, points: list[Point]) -> list[dict[str, Any]]:
        """Every point in the given order; those never finished as status 'missing'."""
        return [
            self.records.get(p.id) or {**p.to_json(), "status": "missing", "attempts": 0}
            for p in points
        ]

    def counts(self) -> dict[str, int]:
        statuses = [r["status"] for r in self.records.values()]
        return {
            "ok": statuses.count("ok"),
            "failed": statuses.count("failed"),
            "ran": len(self.ran),
            "reused": len(self.reused),
        }


def run_points(
    points: list[Point],
    runner: Runner,
    store: PointStore | None = None,
    emit: Emit | None = None,
    retries: int = 1,
    rundirs: Path | None = None,
) -> RunResult:
    """Run every point not already finished in `store`; each finished point is saved as it
    completes. A point that fails (raises, or loses its worker) is run `retries` more times,
    then recorded as failed with every error. Ctrl-C cancels what is running and returns
    what finished (`interrupted`); nothing finished is lost."""
    t0 = time.perf_counter()
    emit = emit or (lambda *_: None)
    earlier = store.finished() if store else {}
    result = RunResult(records={})
    todo, seen = [], set()
    for p in points:
        if p.id in seen:
            continue
        seen.add(p.id)
        if p.id in earlier:
            result.records[p.id] = earlier[p.id]
            result.reused.append(p.id)
        else:
            todo.append(p)
    errors: dict[str, list[str]] = {}

    def workdir(point: Point) -> str | None:
        return str((rundirs / point.id).resolve()) if rundirs is not None else None

    def settle(point: Point, outcome: Outcome) -> bool:
        if outcome["status"] != "ok":
            errors.setdefault(point.id, []).append(outcome["error"])
            if len(errors[point.id]) <= retries:
                emit("retry", point, outcome)
                return True
        started = outcome.get("started")
        record = {
            **point.to_json(),
            **outcome,
            "status": "ok" if outcome["status"] == "ok" else "failed",
            "attempts": len(errors.get(point.id, [])) + (outcome["status"] == "ok"),
            "errors": errors.get(point.id, []),
            "queue_s": started - outcome["submitted"] if started else None,
        }
        result.records[point.id] = record
        result.ran.append(point.id)
        if store is not None and record["status"] == "ok":
            store.save(record)
        emit("done" if record["status"] == "ok" else "failed", point, record)
        return False

    try:
        runner.run(todo, workdir, settle, emit)
    except KeyboardInterrupt:
        runner.cancel()
        result.interrupted = True
    result.wall_s = time.perf_counter() - t0
    return result
