# SPDX-License-Identifier: MIT
"""Start the YoWASP tools (Yosys, nextpnr-ecp5) in subprocesses and turn their failures into one
line.

Why subprocesses: each tool is a WebAssembly module run by wasmtime in the calling process;
in a subprocess a run can be timed out, several can run side by side (nextpnr beside the
comparison syntheses), and a crash or `exit()` inside a tool cannot take the caller with it.

Why paths under the repository: the YoWASP runtime maps the host's top-level folders into the
tool's sandbox, except /tmp, which it replaces with a private scratch folder. Work folders are
therefore kept under build/ (see `work_dir`), never under /tmp.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pystack.simrun import BUILD

SYNTH_BUILD = BUILD / "synth"


class SynthError(RuntimeError):
    """A tool failed; the message names the tool, its first error and its log."""


@dataclass
class ToolRun:
    """A finished tool run: its log and the CPU and wall time it took."""

    tool: str
    log: Path
    wall_s: float
    cpu_s: float


def work_dir(name: str) -> Path:
    """A folder for one configuration's tool files, reachable inside the YoWASP sandbox."""
    path = SYNTH_BUILD / name
    path.mkdir(parents=True, exist_ok=True)
    if str(path.resolve()).startswith("/tmp/"):
        raise SynthError(f"{path}: YoWASP tools cannot see /tmp; use a folder elsewhere")
    return path


@contextmanager
def locked(work: Path) -> Iterator[None]:
    """Hold <work>/.lock: one flow at a time per work folder (parallel tests, two shells)."""
    with open(work / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _command(tool: str, args: list[str]) -> list[str]:
    return [sys.executable, "-m", "pystack.synth.wasm", tool, *args]


def _first_error(log: Path) -> str:
    if not log.exists():
        return "no log written"
    text = log.read_text(errors="replace")
    for pattern in (r"^ERROR: (.*)$", r"^.*: ERROR: ?(.*)$", r"^(.*[Ee]rror.*)$"):
        m = re.search(pattern, text, re.MULTILINE)
        if m:
            return m.group(1).strip()
    return text.strip().splitlines()[-1] if text.strip() else "no output"


class Running:
    """A tool started in the background; `wait()` returns its ToolRun or raises SynthError."""

    def __init__(self, tool: str, args: list[str], cwd: Path, log: Path, timeout: float) -> None:
        self.tool, self.log, self.timeout = tool, log, timeout
        self.out = log.with_suffix(".out")
        self._fh = open(self.out, "w")  # noqa: SIM115 (closed in wait)
        self.start = time.monotonic()
        self.proc = subprocess.Popen(
            _command(tool, args), cwd=cwd, stdout=self._fh, stderr=subprocess.STDOUT
        )

    def wait(self) -> ToolRun:
        # os.wait4 gives this child's own CPU time (not that of others finishing meanwhile).
        deadline = self.start + self.timeout
        try:
            while True:
                pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    self.proc.kill()
                    self.proc.wait()
                    raise SynthError(
                        f"{self.tool} took longer than {self.timeout:.0f} s (log: {self.log})"
                    )
                time.sleep(0.2)
        finally:
            self._fh.close()
        self.proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            log = self.log if self.log.exists() else self.out
            raise SynthError(f"{self.tool} failed: {_first_error(log)} (log: {log})")
        cpu = usage.ru_utime + usage.ru_stime
        return ToolRun(self.tool, self.log, time.monotonic() - self.start, cpu)


def yosys(script: str, cwd: Path, name: str, timeout: float = 3600.0) -> Running:
    """Start Yosys on a script (written to <cwd>/<name>.ys); its log is <cwd>/<name>.log."""
    ys = cwd / f"{name}.ys"
    ys.write_text(script)
    log = cwd / f"{name}.log"
    return Running("yosys", ["-q", "-l", str(log), str(ys)], cwd, log, timeout)


def nextpnr(args: list[str], cwd: Path, name: str, timeout: float = 3600.0) -> Running:
    """Start nextpnr-ecp5; its log is <cwd>/<name>.log."""
    log = cwd / f"{name}.log"
    return Running("nextpnr-ecp5", [*args, "--log", str(log)], cwd, log, timeout)
