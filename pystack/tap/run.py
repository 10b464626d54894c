# SPDX-License-Identifier: MIT
"""`hilnic sim --peer tap`: make the namespace and the TAP, run the chosen back end until Ctrl-C
or `--duration` (wall seconds), show live counters, then end in order and report.

Ending in order is what makes the books close: the TAP's link goes down first (Linux stops
sending), the back end reads what is still queued and lets the NIC and stack finish with it,
the capture (if any) stops, and only then is the namespace removed. Ctrl-C starts that
sequence; a second Ctrl-C aborts it (the namespace is still removed).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from pystack.scenario.options import ScenarioOptions
from pystack.scenario.results import Results

from .namespace import TapNamespace
from .options import LINUX_IP, TAP_NAME, TapOptions

LIVE_EVERY_S = 2.0
CAPTURE_START_S = 15.0
# tshark hands frames over in blocks, a block when full or after its timeout: before stopping
# it, wait until its file holds every frame that crossed the TAP (the run counts them), or the
# last frames are lost; on a loaded machine that takes more than one block timeout.
CAPTURE_FLUSH_S = 1.5
CAPTURE_FLUSH_LIMIT_S = 30.0
# Linux's ARP gives up after 3 requests 1 s apart; a slow simulator answers later than that.
NEIGH_RETRANS_MS = {"model": None, "verilator": 2000, "icarus": 10000}


class Stopper:
    """Ctrl-C, SIGTERM or the duration asks for an orderly stop; a second Ctrl-C aborts."""

    def __init__(self, duration_s: float | None) -> None:
        self.duration_s = duration_s
        self.deadline: float | None = None
        self.asked = False
        self.pid = os.getpid()

    def start_clock(self) -> None:
        """The duration counts from when the host is up (a cold Verilator build may take
        minutes before that)."""
        if self.duration_s is not None and self.deadline is None:
            self.deadline = time.monotonic() + self.duration_s

    def __call__(self) -> bool:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.asked = True
        return self.asked

    def _signal(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self.pid:
            # A child forked by pyroute2 (it enters namespaces that way) and stopped with
            # SIGTERM: it must not unwind our stack (and remove the namespace under us).
            os._exit(1)
        if self.asked:
            raise KeyboardInterrupt
        self.asked = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        old = {s: signal.signal(s, self._signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, h in old.items():
                signal.signal(s, h)


def hints(netns: str) -> list[str]:
    ex = f"ip netns exec {netns}"
    return [
        f"{ex} ping 10.0.0.1",
        f"{ex} socat - UDP4:10.0.0.1:7              # type a line, get it back (UDP echo)",
        f"{ex} curl http://10.0.0.1/x               # HTTP over the emulated TCP (port 80)",
        f"{ex} tshark -i {TAP_NAME}                   # watch the wire",
        f"{ex} socat UDP4-RECVFROM:9000,fork EXEC:cat  # a server for --udp-client 9000",
    ]


def start_capture(netns: str, path: Path) -> subprocess.Popen[str]:
    """tshark on the TAP, started before Linux sends anything, so it sees every frame."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    proc = subprocess.Popen(
        ["ip", "netns", "exec", netns, "tshark", "-q", "-i", TAP_NAME, "-w", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C is ours: the capture stops when the link is down
    )
    end = time.monotonic() + CAPTURE_START_S
    assert proc.stderr is not None
    while time.monotonic() < end:
        line = proc.stderr.readline()
        if not line:
            raise RuntimeError("tshark exited before capturing (is it installed?)")
        if "Capture started" in line or "Capturing on" in line:
            time.sleep(0.3)  # "Capturing on" comes just before the socket is open
            return proc
    proc.kill()
    raise RuntimeError("tshark did not start capturing")


def frames_crossed(out: Path) -> int | None:
    """Frames that crossed the TAP in either direction, from the run's results."""
    import json

    try:
        tap = json.loads((out / "results.json").read_text())["tap"]
    except (OSError, ValueError, KeyError):
        return None
    return int(sum(tap["kinds"].values()) + tap["tx_written"])


def wait_for_capture(path: Path, want: int | None) -> None:
    """Until the capture file holds `want` frames (bounded), or one block timeout if the
    count is unknown."""
    from pystack.pcap import read_frames

    time.sleep(CAPTURE_FLUSH_S)
    end = time.monotonic() + CAPTURE_FLUSH_LIMIT_S
    while want is not None and time.monotonic() < end:
        try:
            if len(read_frames(path)) >= want:
                return
        except Exception:  # a block half written: look again
            pass
        time.sleep(0.25)


def stop_capture(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)  # it writes out what it holds first: a loaded machine is slow
    except subprocess.TimeoutExpired:
        proc.kill()


def live_line(state: dict[str, float]) -> str:
    slow = state.get("slowdown", 0.0)
    slowdown = f"{slow:7,.1f}x" if slow else "      -"
    return (
        f"wall {state['wall_s']:6.1f} s  simulated {state['sim_ns'] / 1000:10,.0f} us  "
        f"slowdown {slowdown}  from Linux {state['frames_in']:,.0f}  "
        f"to Linux {state['frames_out']:,.0f}  replies {state.get('replies', 0):,.0f}/"
        f"{state.get('requests', 0):,.0f}  http {state.get('http_requests', 0):,.0f}  "
        f"not hilnic's {state.get('dropped', 0):,.0f}"
    )


def run_tap(opts: ScenarioOptions, tap: TapOptions) -> Path:
    """The whole run; returns the run folder (results.json, rx.pcap, tx.pcap)."""
    from pystack.scenario.outputs import PROGRESS, write_run

    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in (PROGRESS, "results.json", "rx.pcap", "tx.pcap"):
        (out / stale).unlink(missing_ok=True)
    stopper = Stopper(tap.duration_s)
    shown = {"ready": False, "at": 0.0}
    tty = sys.stdout.isatty()

    def progress(state: dict[str, float]) -> None:
        now = time.monotonic()
        if state.get("ready") and not shown["ready"]:
            shown["ready"] = True
            stopper.start_clock()
            print(
                f"hilnic tap: ready: the host 10.0.0.1 is up behind the NIC ({opts.sim})",
                flush=True,
            )
        if state.get("client_done") and not shown.get("client"):
            shown["client"] = True
            print(
                f"hilnic tap: udp client done: {state['client_ok']:.0f}/"
                f"{state['client_sent']:.0f} datagrams came back intact",
                flush=True,
            )
        if now - shown["at"] >= LIVE_EVERY_S and state["sim_ns"] != shown.get("sim_ns"):
            shown["at"], shown["sim_ns"] = now, state["sim_ns"]
            print(("\r" if tty else "") + live_line(state), end="" if tty else "\n", flush=True)

    with stopper.installed(), TapNamespace.open(tap.netns, NEIGH_RETRANS_MS[opts.sim]) as ns:
        capture = None

        def end_linux() -> None:
            """Linux stops sending; the back end then drains what it sent before."""
            if capture is not None:
                ns.quiet()  # the capture must see the end, so the link stays up
            else:
                ns.set_link(False)

        try:
            if tap.capture:  # the link must be up for tshark, and Linux silent until it runs
                ns.set_ipv6(False)
                ns.set_link(True)
                capture = start_capture(tap.netns, Path(tap.capture))
                ns.set_ipv6(True)
            ns.set_link(True)
            print(
                f"hilnic tap: namespace {tap.netns!r}, {TAP_NAME} {LINUX_IP}/24, "
                f"host 10.0.0.1 on {opts.sim}; try:",
                flush=True,
            )
            for line in hints(tap.netns):
                print("  " + line)
            until = "Ctrl-C" if tap.duration_s is None else f"{tap.duration_s:g} s or Ctrl-C"
            print(f"running until {until}", flush=True)
            if opts.sim == "model":
                from .model_backend import run_model

                def model_stop() -> bool:
                    if stopper() and not shown.get("down"):
                        shown["down"] = True
                        end_linux()
                    return stopper()

                run = run_model(opts, tap, ns.fd, ns.linux_mac, model_stop, progress)
                write_run(run, out)
            else:
                from .hdl_backend import run_hdl

                run_hdl(
                    opts,
                    tap,
                    ns.fd,
                    ns.linux_mac,
                    stopper,
                    end_linux,
                    progress,
                    ns.close_fd,
                )
            if tty:
                print()
        finally:
            if capture is not None:
                wait_for_capture(Path(tap.capture or ""), frames_crossed(out))
                stop_capture(capture)
    return out


def print_tap_summary(res: Results) -> None:
    assert res.tap is not None, "not a TAP run"
    t, sp, rep = res.tap, res.speed, res.replies
    kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(t["kinds"].items(), key=lambda x: -x[1]))
    print(
        f"from Linux: {sum(t['kinds'].values()):,} frames ({kinds or 'none'}), "
        f"{t['padded']:,} padded to 60 bytes"
    )
    print(
        f"to Linux: {res.mac.tx_frames:,} frames off MAC TX, {t['tx_written']:,} "
        f"written to the TAP"
        + (f", not written: {t['tx_not_written']}" if t["tx_not_written"] else "")
    )
    print(
        f"requests answered: {rep.received:,} / {rep.expected:,}; RTT inside the "
        f"simulation p50 {res.latency_us.p50 or 0:.1f} us (simulated)"
    )
    http, tcp = t.get("http"), res.tcp
    if http is not None and tcp is not None:
        errors = f", errors {http['errors']}" if http["errors"] else ""
        print(
            f"http on port {http['port']}: {http['requests']:,} requests answered on "
            f"{http['accepted']:,} connections ({http['object_size']:,}-byte objects){errors}; "
            f"TCP retransmits {tcp.retransmits:,}, resets sent {tcp.resets_sent:,}"
        )
    verdicts = ", ".join(f"{k} {n:,}" for k, n in sorted(t["verdicts"].items()))
    print(f"counted by reason: {verdicts or 'none'}")
    if t["client"]["sent"]:
        c = t["client"]
        print(
            f"udp client to {t['linux_ip']}:{t['udp_client_port']}: {c['ok']} of "
            f"{c['sent']} datagrams came back intact"
        )
    print(
        f"simulated {sp.sim_us:,.0f} us in {sp.wall_s:,.1f} s of wall time: "
        f"slowdown {sp.slowdown or 0:,.1f}x (wall per simulated time)"
    )
