# SPDX-License-Identifier: MIT
"""The environment's configuration object (one per test, in the ConfigDB under "nic")."""

from __future__ import annotations

import random
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from cocotb.triggers import Event

from pystack.rss import MS_KEY, RETA_ENTRIES, RssConfig, symmetric_key

T = TypeVar("T")

WRONG_REFERENCES = ("reta", "key", "defq")


def default_rss(seed: int = 0, queues: int = 16) -> RssConfig:
    """Symmetric key, a shuffled RETA over every queue, parse errors to a non-zero queue."""
    reta = [i % queues for i in range(RETA_ENTRIES)]
    random.Random(seed).shuffle(reta)
    return RssConfig(key=symmetric_key(), reta=reta, default_queue=5 % queues, num_queues=queues)


def wrong_reference(rss: RssConfig, how: str) -> RssConfig:
    """A deliberately wrong copy of `rss` for the reference model (proves the scoreboard can
    fail): 'reta' moves every RETA entry to the next queue, 'key' swaps the symmetric key for
    Microsoft's, 'defq' moves the default queue."""
    if how == "reta":
        return replace(rss, reta=[(q + 1) % rss.num_queues for q in rss.reta])
    if how == "key":
        return replace(rss, key=MS_KEY if rss.key != MS_KEY else symmetric_key())
    if how == "defq":
        return replace(rss, default_queue=(rss.default_queue + 1) % rss.num_queues)
    raise ValueError(f"wrong reference must be one of {', '.join(WRONG_REFERENCES)}, not {how!r}")


@dataclass
class NicEnvConfig:
    """How the NIC and both drivers are set up, and how the host side behaves.

    `rss` programs the RTL; `ref_rss` (default: the same) programs the reference model.
    `poll_ns`: the host also harvests every `poll_ns` while a batch plays (None: only when a
    batch has landed). `forward`: every delivered frame is sent back out on the TX queue of the
    same number, so MAC TX carries traffic the scoreboard can check.
    """

    seed: int = 1
    ring_size: int = 32
    buffer_size: int = 2048
    rss: RssConfig = field(default_factory=default_rss)
    ref_rss: RssConfig | None = None
    rate: float = 1.0
    forward: bool = False
    poll_ns: float | None = None
    tx_poll_ns: float = 10_000.0
    harvest_budget: int = 64
    max_reports: int = 20  # mismatches described one by one in the log

    @property
    def reference_rss(self) -> RssConfig:
        return self.rss if self.ref_rss is None else self.ref_rss


@dataclass
class NicContext:
    """What the components share at run time: the config, the RTL device and a start signal
    (the device is clocked, reset and attached in the test's run phase)."""

    cfg: NicEnvConfig
    rtl: Any
    ready: Event = field(default_factory=Event)


def run_now(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (the model's `Device` methods and the driver code
    on top of them) to completion, right now, outside the cocotb scheduler."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("a reference-model coroutine suspended; the model must take no sim time")
