# SPDX-License-Identifier: MIT
"""The run folder's data files: `results.json` and the two captures. Written by whichever
process ran the simulation (the cocotb child for the HDL back ends), read by everything else.

The captures carry simulated time as their timestamps, in nanoseconds (pcap's nanosecond
magic), so Wireshark's time column is the NIC's clock: rx.pcap stamps a frame when its last
bit reached MAC RX, tx.pcap when the peer took it off MAC TX.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from pystack.pcap import LINKTYPE_ETHERNET

from .results import Results
from .run import ScenarioRun

RESULTS = "results.json"
RX_PCAP = "rx.pcap"
TX_PCAP = "tx.pcap"
PROGRESS = "progress.json"
NETSTAT = "netstat.txt"  # TCP runs: every PCB at the end, dumped CPU by CPU with a cursor


def write_pcap(path: Path, frames: list[tuple[float, bytes]]) -> None:
    from scapy.utils import PcapWriter

    with PcapWriter(str(path), linktype=LINKTYPE_ETHERNET, nano=True, sync=False) as writer:
        writer.write_header(None)  # write_packet alone leaves it out
        for t_ns, frame in frames:
            ns = max(0, round(t_ns))
            writer.write_packet(frame, sec=ns // 1_000_000_000, usec=ns % 1_000_000_000)


def write_run(run: ScenarioRun, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_pcap(out / RX_PCAP, run.rx_frames)
    write_pcap(out / TX_PCAP, run.tx_frames)
    for name, text in run.texts.items():
        (out / name).write_text(text)
    tmp = out / (RESULTS + ".tmp")
    tmp.write_text(json.dumps(run.results.to_json(), indent=1))
    tmp.replace(out / RESULTS)


def read_results(out: Path) -> Results:
    return Results.from_json(json.loads((out / RESULTS).read_text()))


PROGRESS_EVERY_S = 0.25  # a progress display needs no more, and each update costs the run


def every(
    period_s: float, show: Callable[[dict[str, float]], None]
) -> Callable[[dict[str, float]], None]:
    """`show`, called at most once per `period_s` of wall time (and always for a state marked
    final): runs report progress far more often than anyone can read it."""
    last = [-period_s]

    def throttled(state: dict[str, float]) -> None:
        now = time.monotonic()
        if now - last[0] >= period_s or state.get("final"):
            last[0] = now
            show(state)

    return throttled


def write_progress(out: Path, state: dict[str, float]) -> None:
    tmp = out / (PROGRESS + ".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(out / PROGRESS)


def read_progress(out: Path) -> dict[str, float] | None:
    try:
        return json.loads((out / PROGRESS).read_text())
    except (OSError, ValueError):
        return None
