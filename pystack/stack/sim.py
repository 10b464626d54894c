# SPDX-License-Identifier: MIT
"""Simulated time for the stack's concurrent parts (CPUs, poll timers, the traffic peer).

The stack is written against `Sim`: `now()`, `await sleep(ns)`, `spawn(coro)`, events, and an
interrupt hook. Under cocotb (pystack/rtl/cocotb_sim.py) those are cocotb tasks and timers, so the
RTL's clock is the clock. On the behavioural model, `ModelSim` is a small discrete-event
scheduler: tasks are plain coroutines that yield sleep or wait requests, and time jumps from one
event (a task's wake-up, a frame arriving, a moderated interrupt falling due) to the next. The
model's own async methods never suspend, so driver code runs unchanged inside it.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Protocol

from pystack.nic.device import Msi


class SimEvent(Protocol):
    def set(self) -> None: ...
    def clear(self) -> None: ...
    def is_set(self) -> bool: ...
    async def wait(self) -> None: ...


class Sim(Protocol):
    def now(self) -> float: ...
    async def sleep(self, ns: float) -> None: ...
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> object: ...
    def event(self) -> SimEvent: ...
    def on_interrupt(self, handler: Callable[[Msi], None]) -> None: ...
    async def run_until(self, t_ns: float) -> None: ...


class SteppedDevice(Protocol):
    """A device whose clock only moves when told (the behavioural model, ModelDevice): what
    `ModelSim` schedules around. Written as a protocol so that the stack does not import a
    back end."""

    def now_ns(self) -> float: ...
    def next_event_ns(self) -> float | None: ...
    def advance_ns(self, ns: float) -> None: ...
    def take_interrupts(self) -> list[Msi]: ...


class _NoWait:
    """An awaitable that is already done (no scheduler round trip), on every back end."""

    __slots__ = ()

    def __await__(self) -> Iterator[Any]:
        return iter(())


NO_WAIT = _NoWait()


class _Sleep:
    __slots__ = ("until",)

    def __init__(self, until: float) -> None:
        self.until = until

    def __await__(self) -> Iterator[Any]:
        # A one-item iterator, not a generator: the scheduler gets the request with no frame
        # built per sleep (the model sleeps for every cost it charges).
        return iter((self,))


class _Park:
    """Suspend until the event this belongs to is set."""

    __slots__ = ("event",)

    def __init__(self, event: _ModelEvent) -> None:
        self.event = event

    def __await__(self) -> Iterator[Any]:
        return iter((self,))


class _ModelEvent:
    def __init__(self, sim: ModelSim) -> None:
        self._sim = sim
        self._set = False
        self._waiters: list[_Task] = []

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, []
        for task in waiters:
            self._sim._ready.append(task)

    def clear(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    async def wait(self) -> None:
        if not self._set:
            await _Park(self)


class _Task:
    def __init__(self, coro: Coroutine[Any, Any, Any]) -> None:
        self.coro = coro
        self.done = False
        self.result: Any = None


class ModelSim:
    """Discrete-event scheduling of coroutines over a `SteppedDevice`'s clock."""

    def __init__(self, dev: SteppedDevice) -> None:
        self.dev = dev
        self._ready: deque[_Task] = deque()
        self._timed: list[tuple[float, int, _Task]] = []
        self._seq = itertools.count()
        self._irq: Callable[[Msi], None] | None = None
        self._tasks: list[_Task] = []

    def now(self) -> float:
        return self.dev.now_ns()

    def sleep(self, ns: float) -> _Sleep:
        return _Sleep(self.dev.now_ns() + (ns if ns > 0.0 else 0.0))

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> _Task:
        task = _Task(coro)
        self._tasks.append(task)
        self._ready.append(task)
        return task

    def event(self) -> _ModelEvent:
        return _ModelEvent(self)

    def on_interrupt(self, handler: Callable[[Msi], None]) -> None:
        self._irq = handler

    def _step(self, task: _Task) -> None:
        try:
            request = task.coro.send(None)
        except StopIteration as stop:
            task.done, task.result = True, stop.value
            return
        if isinstance(request, _Sleep):
            heapq.heappush(self._timed, (request.until, next(self._seq), task))
        elif isinstance(request, _Park):
            if request.event.is_set():
                self._ready.append(task)
            else:
                request.event._waiters.append(task)
        else:
            raise TypeError(f"a stack task awaited {request!r}; use Sim.sleep or Sim.event")

    def _deliver_interrupts(self) -> None:
        for msg in self.dev.take_interrupts():
            if self._irq is not None:
                self._irq(msg)

    def run(self, until_ns: float) -> None:
        """Run every task and device event up to `until_ns` of simulated time."""
        ready, timed, dev = self._ready, self._timed, self.dev
        step, deliver = self._step, self._deliver_interrupts
        while True:
            while ready:
                step(ready.popleft())
                deliver()
            t = until_ns
            if timed and timed[0][0] < t:
                t = timed[0][0]
            dev_next = dev.next_event_ns()
            if dev_next is not None and dev_next < t:
                t = dev_next
            if t == until_ns and not self._due(t):
                dev.advance_ns(max(0.0, until_ns - dev.now_ns()))
                deliver()
                return
            dev.advance_ns(max(0.0, t - dev.now_ns()))
            deliver()
            now = dev.now_ns()
            while timed and timed[0][0] <= now:
                ready.append(heapq.heappop(timed)[2])

    def _due(self, t: float) -> bool:
        return bool(self._timed and self._timed[0][0] <= t)

    async def run_until(self, t_ns: float) -> None:
        self.run(t_ns)

    def failed(self) -> list[str]:
        return []
