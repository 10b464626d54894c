# SPDX-License-Identifier: MIT
"""Per-CPU netisr threads and message ports, DragonFly style (sys/net/netisr.c).

Each simulated CPU runs one netisr thread that owns all protocol work for its flows, so no
locks are needed: other CPUs ask it to do things by sending messages. The thread takes up to
ROLLUP_LIMIT messages per batch, then runs its rollup functions (flushing staged transmits once
per batch is the point of batching). Interrupt handlers run on their CPU ahead of queued
messages. CPU time is charged with `Cpu.work(ns)`, which is simply simulated time passing on
that CPU's thread; a CPU's `busy_ns` over elapsed time is its load.

Flow -> CPU is `(hash & NETISR_CPUMASK) % ncpus`, the same low bits the NIC's RETA indexes, so
with the symmetric key both directions of a flow, and the ring that carries them, meet on one
CPU.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pystack.rss.ringmap import NETISR_CPUMAX
from pystack.stack.cost import CostModel
from pystack.stack.sim import NO_WAIT, Sim

ROLLUP_LIMIT = 32  # net.netisr.rollup_limit
NETISR_CPUMASK = NETISR_CPUMAX - 1
# A simulator's clock rounds a sleep's end: within this of `user_until` the CPU counts as free.
BUSY_SLACK_NS = 0.5

Handler = Callable[["Cpu"], Awaitable[Any]]


def hash_cpu(rss_hash: int, ncpus: int) -> int:
    """netisr_hashcpu(): the CPU that owns a flow with this (symmetric) hash."""
    return (rss_hash & NETISR_CPUMASK) % ncpus


@dataclass
class Msg:
    """A netisr message: a function to run on the target CPU, and an optional reply."""

    run: Handler
    kind: str = "msg"
    reply: Any = None  # a SimEvent set when the handler finished (synchronous messages)
    result: Any = None


@dataclass
class CpuStats:
    messages: int = 0  # messages handled by this CPU's netisr
    ipis: int = 0  # messages this CPU sent to another CPU
    batches: int = 0
    interrupts: int = 0
    polls: int = 0
    busy_ns: float = 0.0  # kernel and application time
    user_ns: float = 0.0  # of which application threads


@dataclass
class Cpu:
    """One simulated CPU: its netisr thread, port and rollups."""

    cpuid: int
    sim: Sim
    costs: CostModel
    system: CpuSet
    port: deque[Msg] = field(default_factory=deque)
    rollups: list[tuple[int, Callable[[Cpu], Awaitable[None]]]] = field(default_factory=list)
    stats: CpuStats = field(default_factory=CpuStats)
    user_until: float = 0.0  # when the application work queued on this CPU will be done
    _wake: Any = None

    def __post_init__(self) -> None:
        self._wake = self.sim.event()

    def work(self, ns: float) -> Awaitable[None]:
        """Spend `ns` of this CPU's time in its netisr thread (or an interrupt handler). Kernel
        threads are not preempted by applications, so this never waits for one. A plain
        function handing back the sleep itself: it is called for every cost charged."""
        if ns > 0:
            self.stats.busy_ns += ns
            return self.sim.sleep(ns)
        return NO_WAIT

    @property
    def kernel_ns(self) -> float:
        """Netisr and interrupt time so far: what preempts applications."""
        return self.stats.busy_ns - self.stats.user_ns

    async def user_work(self, ns: float) -> None:
        """Spend `ns` of this CPU's time in an application thread. Application threads on a
        CPU take turns (first come, first served), and whatever the netisr ran meanwhile
        (`kernel_ns` grew) was time this thread did not get, so it runs that much longer:
        the kernel has priority, which is what npoll's user_frac exists to ration."""
        if ns <= 0:
            return
        self.stats.busy_ns += ns
        self.stats.user_ns += ns
        now = self.sim.now()
        start = max(now, self.user_until)
        self.user_until = start + ns
        if start > now + BUSY_SLACK_NS:  # another application thread has the CPU
            await self.sim.sleep(start - now)
        left = ns
        while left > BUSY_SLACK_NS:
            stolen0 = self.kernel_ns
            await self.sim.sleep(left)
            left = self.kernel_ns - stolen0
            self.user_until += left

    def add_rollup(self, priority: int, fn: Callable[[Cpu], Awaitable[None]]) -> None:
        self.rollups.append((priority, fn))
        self.rollups.sort(key=lambda r: -r[0])

    def _put(self, msg: Msg, first: bool = False) -> None:
        (self.port.appendleft if first else self.port.append)(msg)
        self._wake.set()

    async def thread(self) -> None:
        """The netisr service loop: a batch of up to ROLLUP_LIMIT messages, then rollups."""
        while True:
            if not self.port:
                self._wake.clear()
                await self._wake.wait()
                continue
            n = min(ROLLUP_LIMIT, len(self.port))
            self.stats.batches += 1
            for _ in range(n):
                if not self.port:
                    break
                msg = self.port.popleft()
                self.stats.messages += 1
                msg.result = await msg.run(self)
                if msg.reply is not None:
                    msg.reply.set()
            for _, fn in self.rollups:
                await fn(self)


class CpuSet:
    """All CPUs and the messaging between them."""

    def __init__(self, sim: Sim, ncpus: int, costs: CostModel) -> None:
        if ncpus < 1 or ncpus > NETISR_CPUMAX:
            raise ValueError(f"CPU count must be 1..{NETISR_CPUMAX}")
        self.sim = sim
        self.costs = costs
        self.cpus = [Cpu(i, sim, costs, self) for i in range(ncpus)]
        for cpu in self.cpus:
            sim.spawn(cpu.thread())

    @property
    def ncpus(self) -> int:
        return len(self.cpus)

    def __getitem__(self, i: int) -> Cpu:
        return self.cpus[i]

    async def send(self, src: Cpu | None, dst: int, msg: Msg) -> None:
        """Asynchronous send (netisr_sendmsg). Costs the sender a local message or an IPI."""
        if src is not None:
            if src.cpuid == dst:
                await src.work(self.costs.msg_ns)
            else:
                src.stats.ipis += 1
                await src.work(self.costs.ipi_ns)
        self.cpus[dst]._put(msg)

    def post(self, dst: int, msg: Msg, first: bool = False) -> None:
        """Queue from outside any CPU (a timer or an interrupt), at no sender cost."""
        self.cpus[dst]._put(msg, first)

    async def domsg(
        self, src: Cpu | None, dst: int, run: Handler, *, from_netisr: bool = True
    ) -> Any:
        """Synchronous message (netisr_domsg): run `run` on `dst` and wait for its result. A
        netisr asking its own CPU runs it inline, as DragonFly does to avoid self-deadlock; an
        application thread (`from_netisr=False`) always goes through the port, so the work
        runs in netisr context and its rollups (the TX flush) follow."""
        if src is not None and src.cpuid == dst and from_netisr:
            return await run(src)
        msg = Msg(run, "domsg", reply=self.sim.event())
        await self.send(src, dst, msg)
        await msg.reply.wait()
        return msg.result

    async def forward_all(self, src: Cpu | None, run: Handler, wait: bool = True) -> list[Any]:
        """Run `run` on every CPU in turn, 0..n-1, each step a message forwarded to the next
        CPU (netisr_forwardmsg_all): lock-free updates and reads of per-CPU state. A netisr
        thread must not wait for the round (it is one of the stops), so from a CPU it is
        fire-and-forget (`wait=False`), as DragonFly's forwarded route and ARP updates are."""
        if src is not None and wait:
            raise ValueError("a CPU cannot wait for a message round that passes through it")
        results: list[Any] = []
        done = self.sim.event()

        def step(i: int) -> Handler:
            async def handler(cpu: Cpu) -> None:
                results.append(await run(cpu))
                if i + 1 < self.ncpus:
                    await self.send(cpu, i + 1, Msg(step(i + 1), "forward"))
                else:
                    done.set()

            return handler

        await self.send(src, 0, Msg(step(0), "forward"))
        if wait:
            await done.wait()
        return results
