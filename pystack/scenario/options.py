# SPDX-License-Identifier: MIT
"""The scenario's knobs, checked once so that a bad value is one line naming the option and
what it accepts, whichever back end would have tripped over it later."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pystack.rss import parse_key
from pystack.rss.ringmap import NETISR_CPUMAX

BACKENDS = ("verilator", "icarus", "model")
MODES = ("npoll", "intr")
WORKLOADS = ("udp", "http")
REUSEPORT_CLOSE = ("dragonfly", "linux")
IMIX = (64, 64, 64, 64, 64, 64, 64, 576, 576, 576, 576, 1500)  # 7:4:1
MIN_SIZE, MAX_SIZE = 60, 1514  # frame bytes without the FCS; one 2 KiB buffer per frame
MAX_VECTORS = 25  # the RTL's NUM_VECTORS range (1..25)
MAX_QUEUES = 16  # IVAR covers 16 rings per direction
# WAVES=1 without a window dumps this one (simulated us: just after the ARP warm-up), so
# that a default run's waveform stays tens of megabytes rather than gigabytes.
DEFAULT_WAVES_WINDOW_US = (200.0, 700.0)


class OptionError(ValueError):
    """A bad option: the message is the whole one-line explanation."""


@dataclass
class ScenarioOptions:
    sim: str = "verilator"
    queues: int = 16
    vectors: int = 10
    cpus: int = 4
    mode: str = "npoll"
    batching: bool = True
    key: str = "symmetric"
    flows: int = 64
    sizes: list[int] = field(default_factory=lambda: list(IMIX))
    rate: float = 0.1  # offered load as a share of 10G line rate
    duration_us: float = 100_000.0  # simulated time traffic is offered for
    seed: int = 1
    out: str = "out/sim"
    malformed: float = 0.01  # share of frames that are malformed on purpose
    shared_stats: bool = False
    waves: bool = False
    waves_window_us: tuple[float, float] | None = None
    # --workload http: TCP with an nginx-shaped server and a wrk-shaped client on the wire
    workload: str = "udp"
    http_conns: int = 64  # concurrent client connections
    http_rate: float = 0.0  # connections started per simulated second (0: closed loop)
    http_think_us: float = 0.0  # a closed-loop client's pause between connections
    object_size: int = 1024
    keep_alive: int = 0  # requests per connection beyond the first (0: one per connection)
    reuseport: bool = True
    reuseport_close: str = "dragonfly"
    close_listener_us: float | None = None  # close worker 0's listen socket at this time
    delack_us: float = 40_000.0  # 0: every segment acknowledged at once
    msl_us: float = 30_000_000.0  # TIME_WAIT lasts twice this

    def check(self) -> ScenarioOptions:
        if self.sim not in BACKENDS:
            raise OptionError(f"--sim must be one of {', '.join(BACKENDS)}, not {self.sim!r}")
        if self.mode not in MODES:
            raise OptionError(f"--mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        _between("--queues", self.queues, 1, MAX_QUEUES)
        _between("--vectors", self.vectors, 2, MAX_VECTORS)  # one RX vector and the status one
        _between("--cpus", self.cpus, 1, NETISR_CPUMAX)
        _between("--flows", self.flows, 1, 100_000)
        if not 0 < self.rate <= 1:
            raise OptionError(f"--rate is a share of 10G line rate, 0 < rate <= 1, not {self.rate}")
        if not 0 < self.duration_us <= 1e6:
            raise OptionError(
                f"--duration is simulated microseconds, 0..1e6, not {self.duration_us}"
            )
        if not 0 <= self.malformed <= 0.5:
            raise OptionError(f"--malformed is a share of frames, 0..0.5, not {self.malformed}")
        if not self.sizes or any(not MIN_SIZE <= s <= MAX_SIZE for s in self.sizes):
            raise OptionError(f"--sizes are frame bytes {MIN_SIZE}..{MAX_SIZE}, or 'imix'")
        try:
            parse_key(self.key)
        except ValueError as exc:
            raise OptionError(f"--key: {exc}") from exc
        if self.waves_window_us is not None:
            start, stop = self.waves_window_us
            if not 0 <= start < stop:
                raise OptionError("--waves-window is START:STOP in simulated us, START < STOP")
        if self.workload not in WORKLOADS:
            raise OptionError(f"--workload must be one of {', '.join(WORKLOADS)}")
        if self.reuseport_close not in REUSEPORT_CLOSE:
            raise OptionError(f"--reuseport-close must be one of {', '.join(REUSEPORT_CLOSE)}")
        _between("--http-conns", self.http_conns, 1, 100_000)
        _between("--object-size", self.object_size, 0, 10_000_000)
        _between("--keep-alive", self.keep_alive, 0, 10_000)
        if min(self.http_rate, self.http_think_us, self.delack_us, self.msl_us) < 0:
            raise OptionError("--http-rate, --http-think, --delack and --msl are >= 0")
        if self.waves and self.sim == "model":
            raise OptionError("--waves needs an HDL simulator (--sim verilator or icarus)")
        return self

    @property
    def key_bytes(self) -> bytes:
        return parse_key(self.key)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScenarioOptions:
        data = dict(data)
        if data.get("waves_window_us") is not None:
            data["waves_window_us"] = tuple(data["waves_window_us"])
        return cls(**data)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2))

    @classmethod
    def load(cls, path: Path) -> ScenarioOptions:
        return cls.from_json(json.loads(path.read_text()))


def _between(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise OptionError(f"{name} must be {low}..{high}, not {value}")


def parse_sizes(text: str) -> list[int]:
    if text.strip().lower() == "imix":
        return list(IMIX)
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError as exc:
        raise OptionError(
            f"--sizes is a comma list of frame bytes or 'imix', not {text!r}"
        ) from exc


def parse_window(text: str) -> tuple[float, float]:
    """'START:STOP' (simulated us here), parsed as simrun parses WAVES_WINDOW."""
    from pystack.simrun import parse_window as parse_start_stop

    try:
        return parse_start_stop(text)
    except ValueError as exc:
        raise OptionError(f"--waves-window is START:STOP in simulated us, not {text!r}") from exc
