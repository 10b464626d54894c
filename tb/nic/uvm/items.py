# SPDX-License-Identifier: MIT
"""Transactions of the full-NIC pyuvm environment."""

from __future__ import annotations

from dataclasses import dataclass

from pyuvm import uvm_sequence_item

LINE_BYTES = 64  # frame_source memory line


class MacFrameItem(uvm_sequence_item):
    """One frame for MAC RX and its MAC error flag (`tuser` on the last beat).

    `last` closes a batch: the MAC RX driver hands everything collected so far to the frame
    source in one go and finishes this item only when the batch has landed and the host has
    harvested it. `kind` names what the sequence meant to build (for coverage and reports);
    `sid` is the stimulus id the driver gives it ("b<batch>.<index>")."""

    def __init__(
        self,
        name: str = "mac_frame",
        data: bytes = b"",
        bad: bool = False,
        kind: str = "",
        last: bool = False,
    ) -> None:
        super().__init__(name)
        self.data = bytes(data)
        self.bad = bad
        self.kind = kind
        self.last = last
        self.sid = ""

    def __str__(self) -> str:
        flag = " MAC-error" if self.bad else ""
        return f"{self.sid or self.get_name()} {self.kind} {len(self.data)} B{flag}"


@dataclass
class MacRxBatch:
    """What the MAC RX driver played in one go: the stimulus the scoreboard's reference sees."""

    index: int
    items: list[MacFrameItem]
    rate: float = 1.0

    @property
    def frames(self) -> list[bytes]:
        return [it.data for it in self.items]

    @property
    def bad(self) -> list[int]:
        return [i for i, it in enumerate(self.items) if it.bad]

    @property
    def lines(self) -> int:
        return sum(-(-len(it.data) // LINE_BYTES) for it in self.items)


@dataclass
class HostSummary:
    """The host's word at the end of a run: every counter and every DMA guard violation."""

    stats: dict[str, int]
    violations: list[str]
    delivered: int
    forwarded: int
