# SPDX-License-Identifier: MIT
"""What a worker runs for one point. Plain functions, importable without Ray, so that the Ray
runner and the in-process runner run exactly the same code (which is what makes their numbers
identical) and a failing point can be rerun in a debugger.

`execute` never raises for a point's own failure: it returns the error as text, because an
exception's type may not unpickle on the driver, and a traceback is what the user needs.
Only a lost worker (crash, node gone) reaches the driver as Ray's own error.
"""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

Outcome = dict[str, Any]

KINDS = {
    "scenario": "pystack.sweep.tasks:run_scenario_point",
    "regress": "pystack.sweep.regress:run_bench_point",
    "call": "pystack.sweep.tasks:run_call_point",
}
TRACEBACK_LINES = 12


def resolve(target: str) -> Callable[..., Any]:
    """'package.module:function' -> the function."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def workdir_for(wanted: str | None) -> tuple[Path, bool]:
    """The point's run folder, and whether it is a temporary one: the folder asked for (local
    Ray or in-process: under the sweep's output), else, on a cluster's worker or when that
    folder cannot be made, a fresh temporary folder on the worker."""
    if wanted:
        try:
            path = Path(wanted)
            path.mkdir(parents=True, exist_ok=True)
            return path, False
        except OSError:
            pass
    return Path(tempfile.mkdtemp(prefix="hilnic-point-")), True


def execute(point: dict[str, Any], workdir: str | None = None) -> Outcome:
    """Run one point; the outcome carries its value or its error, and when and where it ran."""
    started = time.time()
    outcome: Outcome = {"host": socket.gethostname(), "pid": os.getpid(), "started": started}
    try:
        run = resolve(KINDS[point["kind"]])
        outcome["value"] = run(point["params"], workdir)
        outcome["status"] = "ok"
    except (Exception, SystemExit) as exc:  # cocotb's runner exits on a failed build
        tb = traceback.format_exc().strip().splitlines()
        outcome["status"] = "error"
        outcome["error"] = f"{type(exc).__name__}: {exc}".strip()
        outcome["traceback"] = "\n".join(tb[-TRACEBACK_LINES:])
    outcome["finished"] = time.time()
    outcome["run_s"] = outcome["finished"] - started
    return outcome


def run_scenario_point(params: dict[str, Any], workdir: str | None) -> dict[str, Any]:
    """`hilnic sim` with these options: on the model in this process (nothing written), on an
    HDL simulator in `workdir` (building the NIC once per configuration on this machine, or
    reusing the build under simrun's build folder). Returns the numbers the reports compare
    (`row`), the accounting check, and the whole results.json."""
    from dataclasses import replace

    from pystack.scenario.backends import run_backend, simulate_model
    from pystack.scenario.checks import accounting_errors
    from pystack.scenario.experiments import flatten
    from pystack.scenario.options import ScenarioOptions
    from pystack.scenario.outputs import read_results

    opts = ScenarioOptions.from_json({**params["options"], "out": workdir or "."}).check()
    if opts.sim == "model":
        results = simulate_model(opts).results
    else:
        out, temporary = workdir_for(workdir)
        results = read_results(run_backend(replace(opts, out=str(out))))
        if temporary:  # everything needed came back in `results`
            shutil.rmtree(out, ignore_errors=True)
    return {
        "row": flatten(opts, results),
        "accounting_errors": accounting_errors(results),
        "results": results.to_json(),
    }


def run_call_point(params: dict[str, Any], workdir: str | None) -> Any:
    """A user's function swept like a scenario: `call = "module:function"` in the spec."""
    return resolve(params["call"])(**params["args"])
