# SPDX-License-Identifier: MIT
"""Running a scenario on a back end: the model in this process, an HDL simulator as a cocotb
run in a child process. Either way the run folder ends up with the same files, and progress
arrives as the same small dicts (the child writes them to progress.json, which is polled here:
the simulator owns its process and cocotb gives no other channel out)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .options import ScenarioOptions
from .outputs import PROGRESS, PROGRESS_EVERY_S, every, read_progress, write_run
from .run import Progress, ScenarioRun, run_scenario

if TYPE_CHECKING:
    from pystack.nic.model import ModelDevice

RTL_DEFAULTS = {"NUM_RX_QUEUES": 16, "NUM_TX_QUEUES": 16, "NUM_VECTORS": 10}
POLL_S = 0.2


def hdl_parameters(opts: ScenarioOptions) -> dict[str, int]:
    """Only what differs from the RTL's defaults, so the default scenario shares its cached
    Verilator build with the test suite."""
    want = {"NUM_RX_QUEUES": opts.queues, "NUM_TX_QUEUES": opts.queues, "NUM_VECTORS": opts.vectors}
    return {k: v for k, v in want.items() if RTL_DEFAULTS[k] != v}


def model_device(opts: ScenarioOptions) -> ModelDevice:
    """The behavioural model sized as the options say, as every model-backed run uses it."""
    from pystack.nic.model import ModelDevice

    return ModelDevice(
        num_rx_queues=opts.queues,
        num_tx_queues=opts.queues,
        num_vectors=opts.vectors,
        link_up=True,
        keep_dma_log=False,
    )


def simulate_model(opts: ScenarioOptions, progress: Progress | None = None) -> ScenarioRun:
    """The scenario on the behavioural model, in this process; nothing written."""
    from pystack.stack.sim import ModelSim

    dev = model_device(opts)
    sim = ModelSim(dev)
    box: dict[str, ScenarioRun] = {}

    async def main() -> None:
        box["run"] = await run_scenario(sim, dev, opts, progress)

    sim.spawn(main())
    horizon = 0.0
    while "run" not in box:
        horizon += 1e6  # a millisecond of simulated time at a time
        sim.run(horizon)
        if horizon > 1e10:
            raise RuntimeError("the scenario did not finish in 10 s of simulated time")
    return box["run"]


def run_hdl(opts: ScenarioOptions, progress: Progress | None) -> Path:
    from pystack import simrun
    from pystack.rtl import SCENARIO_ENTRY

    out = Path(opts.out).resolve()
    opts = replace(opts, out=str(out))  # the child runs in its own folder
    options_file = out / "options.json"
    opts.save(options_file)
    window = None
    if opts.waves_window_us is not None:
        window = (opts.waves_window_us[0] * 1000.0, opts.waves_window_us[1] * 1000.0)
    result: dict[str, object] = {}

    def child() -> None:
        try:
            result["rdir"] = simrun.run(
                "nic_sim_top",
                SCENARIO_ENTRY,
                sim=opts.sim,
                parameters=hdl_parameters(opts),
                extra_env={"HILNIC_SCENARIO": str(options_file), "SIM": opts.sim},
                waves=opts.waves,
                run_dir=out / "sim",
                quiet=True,
                waves_window=window,
            )
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=child, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(POLL_S)
        state = read_progress(out)
        if state is not None and progress is not None:
            progress(state)
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return out / "sim"


def run_backend(opts: ScenarioOptions, progress: Progress | None = None) -> Path:
    """Run the scenario; returns the folder holding its files."""
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in (PROGRESS, "results.json", "rx.pcap", "tx.pcap"):
        (out / stale).unlink(missing_ok=True)
    if opts.sim == "model":
        write_run(simulate_model(opts, progress), out)
    else:
        run_hdl(opts, progress)
    return out


def terminal_progress(
    total_label: str,
) -> tuple[Callable[[dict[str, float]], None], Callable[[], None]]:
    """A rich progress bar: simulated time against the target, and frames per wall second."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[sim]}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        transient=False,
    )
    task = bar.add_task(total_label, total=1.0, sim="", rate="")
    bar.start()

    def show(state: dict[str, float]) -> None:
        frames = state["frames_in"] + state["frames_out"]
        wall = max(1e-9, state["wall_s"])
        bar.update(
            task,
            completed=min(1.0, state["sim_ns"] / state["target_ns"]),
            sim=f"{state['sim_ns'] / 1000:,.0f} / {state['target_ns'] / 1000:,.0f} us simulated",
            rate=f"{frames / wall:,.0f} frames/s",
        )

    latest: list[dict[str, float]] = []
    throttled = every(PROGRESS_EVERY_S / 2, show)

    def update(state: dict[str, float]) -> None:
        latest[:] = [state]
        throttled(state)

    def stop() -> None:
        if latest:
            show(latest[0])  # the last state, which throttling may have skipped
        bar.update(task, completed=1.0)
        bar.stop()

    return update, stop
