# SPDX-License-Identifier: MIT
"""What a TAP run needs on top of the scenario's options: where Linux lives (the namespace and
its address), how long to run in wall time, whether short frames are padded, and the optional
client exchange from the stack to a server in the namespace."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pystack.scenario.options import OptionError

DEFAULT_NETNS = "hilnic"
TAP_NAME = "hilnic0"  # inside the namespace, so it never clashes with the machine's interfaces
LINUX_IP = "10.0.0.2"
PREFIX_LEN = 24
_NETNS_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


@dataclass
class TapOptions:
    netns: str = DEFAULT_NETNS
    duration_s: float | None = None  # wall seconds; None: until Ctrl-C
    pad: bool = True  # pad Linux's short frames to 60 bytes, as a transmitting MAC does
    udp_client_port: int | None = None  # the stack sends datagrams to LINUX_IP:port
    udp_client_count: int = 10
    capture: str | None = None  # a tshark capture on the TAP, written here

    def check(self) -> TapOptions:
        if not _NETNS_NAME.match(self.netns):
            raise OptionError(
                f"--netns is a namespace name (letters, digits, _ . -, up to 32), "
                f"not {self.netns!r}"
            )
        if self.duration_s is not None and not 0 < self.duration_s <= 86_400:
            raise OptionError(
                f"--duration with --peer tap is wall seconds, 0..86400, not {self.duration_s}"
            )
        if self.udp_client_port is not None and not 1 <= self.udp_client_port <= 0xFFFF:
            raise OptionError(f"--udp-client is a UDP port 1..65535, not {self.udp_client_port}")
        return self

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2))

    @classmethod
    def load(cls, path: Path) -> TapOptions:
        return cls(**json.loads(path.read_text()))
