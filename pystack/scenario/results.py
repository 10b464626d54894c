# SPDX-License-Identifier: MIT
"""A run's results as types: what `results.json` holds, so that the report, the checks, the
experiments and the tests read fields a checker can follow instead of strings.

`Results.to_json` writes the file's layout (key names and order are the fields'); the few
parts only some runs have (the time series of a scenario, the TAP's own section, the TAP's
slowdown) are left out when absent rather than written as null. `Results.from_json` reads it
back, so a run folder can be re-reported without re-running.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pystack.stack.host import CpuTotals

from .options import ScenarioOptions

# Field metadata: leave the key out of the JSON when the value is None.
OMIT_NONE = {"omit_none": True}

T = TypeVar("T")


@dataclass
class Sent:
    """What went onto the wire, by kind; `malformed` is keyed by the drop reason or NIC
    counter each kind must produce."""

    arp: int = 0
    echo: int = 0
    ping: int = 0
    background: int = 0
    malformed: dict[str, int] = field(default_factory=dict)
    tcp: int = 0  # TCP segments (HTTP runs)

    @property
    def total(self) -> int:
        return (
            self.arp + self.echo + self.ping + self.background + self.tcp
            + sum(self.malformed.values())
        )  # fmt: skip


@dataclass
class Replies:
    expected: int  # requests that must be answered (echo and ping)
    received: int
    lost: int
    unmatched: int  # frames off MAC TX that answer no outstanding request
    per_s: float  # replies per simulated second of offered traffic


@dataclass
class Latency:
    """Round trips in simulated microseconds; None when there was none."""

    count: int
    p50: float | None
    p90: float | None
    p99: float | None
    max: float | None
    cdf: list[float | None]  # percentiles 0..100


@dataclass
class QueueResult:
    queue: int
    rx: int  # harvested by the driver
    tx: int  # posted by the driver
    nic_rx: int  # the NIC's per-queue counters
    nic_tx: int
    nic_dropped: int  # ring full, overrun, DMA error


@dataclass
class CpuResult:
    cpu: int
    packets: int  # stack input on this CPU
    tx: int
    messages: int
    ipis: int
    interrupts: int
    polls: int
    busy_us: float
    load: float  # busy share of simulated time


@dataclass
class StackResult:
    rx: int
    tx: int
    delivered: dict[str, int]
    dropped: dict[str, int]
    tx_dropped: dict[str, int]
    stats_line_bounces: int
    socket_read: int  # datagrams the application read from the discard socket


@dataclass
class HostResult:
    mode: str
    dispatched: int
    dispatch_msgs: int
    interrupts_delivered: int
    tx_on_flow_cpu: int
    tx_off_flow_cpu: int
    tx_flow_cpu_share: float | None


@dataclass
class PerPacket:
    """Per packet dispatched during the traffic phase (the ARP warm-up left out)."""

    messages: float
    ipis: float
    interrupts: float
    polls: float
    dispatch_msgs: float
    busy_ns: float


@dataclass
class Mac:
    rx_frames: int
    tx_frames: int


@dataclass
class Series:
    """Samples over the run, for the interrupts-and-polls plot."""

    t_us: list[float] = field(default_factory=list)
    interrupts: list[int] = field(default_factory=list)
    polls: list[int] = field(default_factory=list)
    rx: list[int] = field(default_factory=list)


@dataclass
class Speed:
    """Wall-clock cost of the run; the one part that differs between identical runs."""

    backend: str
    wall_s: float
    sim_us: float
    frames_per_wall_s: float
    sim_cycles_per_wall_s: float
    sim_us_per_wall_s: float
    # CPU time of the process that ran the simulation: on a shared machine other processes'
    # load stretches wall time but not this, so it is what compares runs made apart.
    cpu_s: float | None = field(default=None, metadata=OMIT_NONE)
    slowdown: float | None = field(default=None, metadata=OMIT_NONE)  # TAP runs: wall/sim


@dataclass
class LatencySummary:
    """Simulated microseconds; None when nothing was measured."""

    count: int
    avg: float | None
    p50: float | None
    p99: float | None
    max: float | None


@dataclass
class TcpResult:
    """The host's TCP counters summed over its CPUs (TcpStats), and where the PCBs live."""

    active_opens: int
    passive_opens: int
    established: int
    accepted: int
    closed: dict[str, int]  # by reason
    resets_sent: int
    segments_in: int
    segments_out: int
    retransmits: int
    timeouts: int
    fast_retransmits: int
    zero_window_probes: int
    challenge_acks: int
    delayed_acks: int
    rtt_samples: int
    off_cpu_segments: int  # landed on a CPU that does not own their connection
    accept_contention: int
    migrated: int
    reset_on_listener_close: int
    pcbs: int  # alive at the end (TIME_WAIT included)
    pcbs_per_cpu: list[int]


@dataclass
class HttpResult:
    """The load generator's view, and the server's."""

    started: int  # connections the client opened
    transactions: int  # responses received whole and byte-exact
    completed: int  # connections closed cleanly after their requests
    failures: dict[str, int]
    resets: int
    tps: float  # transactions per simulated second of the load phase
    connect_us: LatencySummary
    response_us: LatencySummary
    per_worker: list[int]  # connections each server worker accepted
    server_errors: dict[str, int]
    peer_stray_segments: int  # segments for no connection of the client's


@dataclass(kw_only=True)
class Results:
    options: ScenarioOptions
    sent: Sent
    replies: Replies
    latency_us: Latency
    queues: list[QueueResult]
    rings_in_use: list[int]
    cpus: list[CpuResult]
    stack: StackResult
    host: HostResult
    per_packet: PerPacket
    totals: CpuTotals  # the whole run
    nic: dict[str, int]  # the NIC's statistics registers by name, e.g. "RQDPC[3]"
    mac: Mac
    sim_us: float
    series: Series | None = field(default=None, metadata=OMIT_NONE)  # scenario runs
    dma_guard_violations: list[str]
    speed: Speed
    tap: dict[str, Any] | None = field(default=None, metadata=OMIT_NONE)  # TAP runs
    tcp: TcpResult | None = field(default=None, metadata=OMIT_NONE)  # HTTP runs
    http: HttpResult | None = field(default=None, metadata=OMIT_NONE)

    def to_json(self) -> dict[str, Any]:
        out = _dump(self)
        out["sent"]["total"] = self.sent.total
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Results:
        data = dict(data)
        data["sent"] = {k: v for k, v in data["sent"].items() if k != "total"}
        return _load(cls, data)


def _dump(value: Any) -> Any:
    if isinstance(value, ScenarioOptions):
        return value.to_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _dump(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not (f.metadata.get("omit_none") and getattr(value, f.name) is None)
        }
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _dump(v) for k, v in value.items()}
    return value


def _load(cls: type[T], data: dict[str, Any]) -> T:
    """A dataclass from its `_dump`, nested dataclasses (also in lists and optionals) rebuilt
    from the field types."""
    if cls is ScenarioOptions:
        return ScenarioOptions.from_json(data)  # type: ignore[return-value]
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    if origin is list:
        (arg,) = typing.get_args(hint)
        return [_convert(arg, v) for v in value]
    if isinstance(hint, type) and (dataclasses.is_dataclass(hint) or hint is ScenarioOptions):
        return _load(hint, value)
    return value
