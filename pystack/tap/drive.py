# SPDX-License-Identifier: MIT
"""Driving a TAP run from outside, as a user does: start `hilnic sim --peer tap`, wait until
the host is up, use `ping`, `socat` and `curl` in the namespace, stop it with Ctrl-C (SIGINT).
Shared by tests/test_tap.py and bench/tap_bench.py, so both measure exactly what a person would
see."""

from __future__ import annotations

import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
HOST = "10.0.0.1"


class TapProcess:
    """One `hilnic sim --peer tap` process, its output collected in the background."""

    def __init__(self, sim: str, out: Path, netns: str, *extra: str) -> None:
        self.out, self.netns = out, netns
        cmd = [sys.executable, "-m", "pystack.cli", "sim", "--peer", "tap", "--sim", sim]
        cmd += ["--netns", netns, "--out", str(out), *extra]
        self.proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, needle: str, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if needle in self.text:
                return True
            if self.proc.poll() is not None:
                self._reader.join(5)
                return needle in self.text
            time.sleep(0.05)
        return False

    def stop(self, timeout: float = 180) -> int:
        """Ctrl-C, then wait for the orderly end; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        finally:
            self._reader.join(5)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def results(self) -> dict[str, Any]:
        return json.loads((self.out / "results.json").read_text())  # type: ignore[no-any-return]


def in_ns(netns: str, *cmd: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", "netns", "exec", netns, *cmd], capture_output=True, text=True, timeout=timeout
    )


@dataclass
class PingResult:
    sent: int
    received: int
    rtt_avg_ms: float | None
    output: str


def ping(netns: str, count: int, interval: float, wait: float) -> PingResult:
    """`ping -c count -i interval -W wait 10.0.0.1` in the namespace."""
    res = in_ns(netns, "ping", "-c", str(count), "-i", str(interval), "-W", str(wait), HOST)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", res.stdout)
    rtt = re.search(r"= [\d.]+/([\d.]+)/", res.stdout)
    return PingResult(
        int(m.group(1)) if m else 0,
        int(m.group(2)) if m else 0,
        float(rtt.group(1)) if rtt else None,
        res.stdout + res.stderr,
    )


@dataclass
class EchoResult:
    datagrams: int
    ok: int
    wall_s: float
    errors: list[str]

    @property
    def per_wall_s(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0


def udp_echo(
    netns: str, datagrams: int, workers: int, seed: int, max_size: int = 1472
) -> EchoResult:
    """`datagrams` UDP datagrams of random sizes (1..max_size bytes) to the echo port through
    socat, `workers` socat processes in parallel (each its own flow, so its own RSS queue),
    every reply checked byte for byte. socat reads a datagram's bytes in one read: a pipe
    write of at most 4096 bytes is atomic, and the next one is written after the reply."""
    rng = random.Random(seed)
    payloads = [rng.randbytes(rng.randint(1, max_size)) for _ in range(datagrams)]
    errors: list[str] = []
    ok = [0]
    lock = threading.Lock()

    def worker(mine: list[bytes]) -> None:
        proc = subprocess.Popen(
            ["ip", "netns", "exec", netns, "socat", "-b", "2048", "-", f"UDP4:{HOST}:7"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            for data in mine:
                os.write(proc.stdin.fileno(), data)
                got = b""
                end = time.monotonic() + 60
                while len(got) < len(data) and time.monotonic() < end:
                    if select.select([proc.stdout], [], [], 1)[0]:
                        chunk = os.read(proc.stdout.fileno(), 4096)
                        if not chunk:
                            break
                        got += chunk
                with lock:
                    if got != data:
                        errors.append(f"{len(data)} bytes sent, {len(got)} came back")
                        return
                    ok[0] += 1
        finally:
            proc.kill()
            proc.wait()

    t0 = time.perf_counter()
    threads = [
        threading.Thread(target=worker, args=(payloads[i::workers],)) for i in range(workers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return EchoResult(datagrams, ok[0], time.perf_counter() - t0, errors)


@dataclass
class CurlResult:
    """One `curl` fetch: its exit code (0: the whole body came), the HTTP status, the body,
    and curl's own wall-clock total."""

    rc: int
    status: int
    body: bytes
    time_s: float
    error: str


def curl(netns: str, path: str, max_time: float, port: int = 80) -> CurlResult:
    """`curl http://10.0.0.1{path}` in the namespace: Linux's own TCP against the host's. The
    body comes on stdout; curl's status and timing on stderr after its error message, if any
    (`%{stderr}`), so neither can be mistaken for the other."""
    res = subprocess.run(
        ["ip", "netns", "exec", netns, "curl", "-sS", "--max-time", str(max_time),
         "-w", "%{stderr}\\n%{http_code} %{time_total}", f"http://{HOST}:{port}{path}"],
        capture_output=True, timeout=max_time + 30,
    )  # fmt: skip
    err = res.stderr.decode(errors="replace")
    head, _, tail = err.rpartition("\n")
    status, _, took = tail.partition(" ")
    return CurlResult(
        res.returncode,
        int(status) if status.isdigit() else 0,
        res.stdout,
        float(took) if took else 0.0,
        head.strip(),
    )
