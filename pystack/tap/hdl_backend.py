# SPDX-License-Identifier: MIT
"""The TAP run on Verilator or Icarus: the simulator is cocotb's child process (as for `hilnic
sim`), gets the TAP over the control socket, and is told to stop over it.

Nothing holds simulated time back here: the RTL runs hundreds of times slower than real time
(Verilator, full NIC: about 1.3 ms simulated per wall second), so frames from Linux simply
enter at whatever simulated time it is when they are read.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pystack.scenario.backends import hdl_parameters
from pystack.scenario.options import ScenarioOptions
from pystack.scenario.outputs import read_progress

from .control import ENV, hand_over, listen
from .options import TapOptions

POLL_S = 0.2
STOP_GRACE_S = 120.0  # after "stop", how long the simulator may take to finish its drain


def run_hdl(
    opts: ScenarioOptions,
    tap: TapOptions,
    fd: int,
    linux_mac: bytes,
    should_stop: Callable[[], bool],
    on_stop: Callable[[], None],
    progress: Callable[[dict[str, float]], None] | None,
    release_fd: Callable[[], None],
) -> Path:
    """Run until `should_stop()`; then `on_stop()` (the link goes down) and the child drains
    and writes the run folder. `release_fd` closes our copy of the TAP once the child has
    one, so the TAP dies with the child whatever happens to us."""
    from pystack import simrun
    from pystack.rtl import TAP_ENTRY

    out = Path(opts.out).resolve()
    opts = replace(opts, out=str(out))
    opts.save(out / "options.json")
    tap.save(out / "tap.json")
    server, address = listen()
    server.settimeout(POLL_S)
    result: dict[str, object] = {}

    def child() -> None:
        try:
            result["rdir"] = simrun.run(
                "nic_sim_top",
                TAP_ENTRY,
                sim=opts.sim,
                parameters=hdl_parameters(opts),
                extra_env={
                    "HILNIC_SCENARIO": str(out / "options.json"),
                    "HILNIC_TAP": str(out / "tap.json"),
                    ENV: address,
                    "SIM": opts.sim,
                },
                run_dir=out / "sim",
                quiet=True,
            )
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=child, daemon=True)
    thread.start()
    conn: socket.socket | None = None
    pid = 0
    stop_sent_at: float | None = None
    try:
        while thread.is_alive():
            if conn is None:
                with contextlib.suppress(TimeoutError):
                    conn, _ = server.accept()
                    pid = hand_over(conn, fd, linux_mac)
                    release_fd()
            else:
                thread.join(POLL_S)
            state = read_progress(out)
            if state is not None and progress is not None:
                progress(state)
            if stop_sent_at is None and should_stop():
                on_stop()
                stop_sent_at = time.monotonic()
                if conn is not None:
                    with contextlib.suppress(OSError):
                        conn.sendall(b"stop\n")
                else:  # still building or starting: nothing to drain
                    break
            if stop_sent_at is not None and time.monotonic() - stop_sent_at > STOP_GRACE_S:
                break
    finally:
        if thread.is_alive() and pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if conn is not None:
            conn.close()
        server.close()
    if stop_sent_at is not None and conn is None:
        raise KeyboardInterrupt  # stopped before the simulator came up
    thread.join(10)
    error = result.get("error")
    if isinstance(error, RuntimeError):  # the simulator died (a crash, a SIGKILL) or failed
        raise simrun.SimulationFailed(
            f"the {opts.sim} simulation ended without results ({error}); "
            f"its log is in {out / 'sim'}"
        ) from error
    if error is not None:
        raise error  # type: ignore[misc]
    return out
