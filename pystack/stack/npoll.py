# SPDX-License-Identifier: MIT
"""NIC-ring-based polling (DragonFly's ifpoll/npoll, sys/net/if_poll.c).

The driver registers per-ring poll functions on the CPU that owns each ring; npoll owns the
time. A per-CPU timer ticks at pollhz (staggered by (cpu * 3) % 50 Hz so CPUs do not tick in
lockstep); a tick schedules the CPU's RX poll message unless one is in flight. The poll takes
the tick's budget `poll_burst` in chunks of `each_burst`, sending itself a "more" message
between chunks so other netisr work runs in between. When the tick's budget is spent, the
burst adapts: -1 if polling took more than (100 - user_frac)% of the tick, +1 otherwise
(bounded by burst_max), and -1/8 when ticks were missed. TX is reclaimed every tx_frac ticks,
status (link) is polled on CPU 0 every status_frac ticks. No interrupt is needed, so every
ring can be used whatever the vector count.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pystack.stack.netisr import Cpu, CpuSet, Msg

PollFn = Callable[[Cpu, int], Awaitable[int]]  # (cpu, budget) -> packets taken
TxFn = Callable[[Cpu], Awaitable[None]]
StatusFn = Callable[[Cpu], Awaitable[None]]

POLLHZ_DEFAULT = 6000
POLLHZ_MAX = 30000
BURST_MAX_DEFAULT = 250
BURST_MAX_RANGE = (10, 5000)
EACH_BURST_DEFAULT = 50
USER_FRAC_DEFAULT = 50
TX_FRAC_DEFAULT = 1
STATUS_FRAC_DEFAULT = 120


@dataclass
class PollStats:
    ticks: int = 0
    polls: int = 0  # RX chunks run
    packets: int = 0
    lost_polls: int = 0
    stalled: int = 0
    short_ticks: int = 0


@dataclass
class PollCtx:
    """One CPU's poll state; its tunables are changed only by messages to that CPU."""

    cpu: Cpu
    pollhz: int = POLLHZ_DEFAULT
    burst_max: int = BURST_MAX_DEFAULT
    each_burst: int = EACH_BURST_DEFAULT
    user_frac: int = USER_FRAC_DEFAULT
    tx_frac: int = TX_FRAC_DEFAULT
    status_frac: int = STATUS_FRAC_DEFAULT
    poll_burst: int = EACH_BURST_DEFAULT
    residual: int = 0
    pending: int = 0
    kern_frac: int = 0
    in_flight: bool = False
    rx: list[PollFn] = field(default_factory=list)
    tx: list[TxFn] = field(default_factory=list)
    status: list[StatusFn] = field(default_factory=list)
    stats: PollStats = field(default_factory=PollStats)
    _start_ns: float = 0.0
    _tx_count: int = 0
    _st_count: int = 0

    @property
    def period_ns(self) -> float:
        return 1e9 / (self.pollhz + (self.cpu.cpuid * 3) % 50)


class NPoll:
    """npoll for all CPUs: registration, timers, the chunked RX poll and burst adaptation."""

    def __init__(self, cpus: CpuSet) -> None:
        self.cpus = cpus
        self.ctx = [PollCtx(cpu) for cpu in cpus.cpus]
        self.running = False
        self._generation = 0

    def register(
        self, rx: dict[int, list[PollFn]], tx: dict[int, list[TxFn]], status: StatusFn
    ) -> None:
        """ifpoll_info: RX and TX poll functions per CPU, the status poll on CPU 0."""
        for ctx in self.ctx:
            ctx.rx = list(rx.get(ctx.cpu.cpuid, []))
            ctx.tx = list(tx.get(ctx.cpu.cpuid, []))
            ctx.status = [status] if ctx.cpu.cpuid == 0 else []

    def start(self) -> None:
        self.running = True
        self._generation += 1
        for ctx in self.ctx:
            ctx.pending, ctx.residual, ctx.in_flight = 0, 0, False
            self.cpus.sim.spawn(self._timer(ctx, self._generation))

    def stop(self) -> None:
        self.running = False
        self._generation += 1

    async def _timer(self, ctx: PollCtx, generation: int) -> None:
        sim = self.cpus.sim
        # Stagger the first tick too, so CPUs start out of phase.
        await sim.sleep(ctx.period_ns * (ctx.cpu.cpuid + 1) / (self.cpus.ncpus + 1))
        while self.running and generation == self._generation:
            self._tick(ctx)
            await sim.sleep(ctx.period_ns)

    def _tick(self, ctx: PollCtx) -> None:
        ctx.stats.ticks += 1
        if ctx.pending > 100:
            ctx.stats.stalled += 1
            ctx.pending = 0
        if ctx.pending > 0:
            ctx.stats.lost_polls += 1
        ctx.pending += 1
        if not ctx.in_flight:
            ctx.in_flight = True
            self.cpus.post(ctx.cpu.cpuid, Msg(self._rx_poll(ctx), "poll"))

    def _rx_poll(self, ctx: PollCtx) -> Callable[[Cpu], Awaitable[None]]:
        async def handler(cpu: Cpu) -> None:
            costs = cpu.costs
            if ctx.residual == 0:
                ctx._start_ns = cpu.sim.now()
                ctx.residual = ctx.poll_burst
                await cpu.work(costs.poll_tick_ns)
                cpu.stats.polls += 1
                await self._tx_and_status(ctx, cpu)
            cycles = min(ctx.residual, ctx.each_burst)
            ctx.residual -= cycles
            ctx.stats.polls += 1
            for fn in ctx.rx:
                ctx.stats.packets += await fn(cpu, cycles)
            await self.cpus.send(cpu, cpu.cpuid, Msg(self._rx_more(ctx), "poll_more"))

        return handler

    def _rx_more(self, ctx: PollCtx) -> Callable[[Cpu], Awaitable[None]]:
        async def handler(cpu: Cpu) -> None:
            if ctx.residual > 0:
                await self.cpus.send(cpu, cpu.cpuid, Msg(self._rx_poll(ctx), "poll"))
                return
            elapsed = cpu.sim.now() - ctx._start_ns
            ctx.kern_frac = int(elapsed * ctx.pollhz / 1e7)  # % of one tick period
            if ctx.kern_frac > 100 - ctx.user_frac:
                ctx.poll_burst = max(1, ctx.poll_burst - 1)
            else:
                ctx.poll_burst = min(ctx.burst_max, ctx.poll_burst + 1)
            ctx.pending = max(0, ctx.pending - 1)
            if ctx.pending and self.running:
                ctx.poll_burst = max(1, ctx.poll_burst - ctx.poll_burst // 8)
                await self.cpus.send(cpu, cpu.cpuid, Msg(self._rx_poll(ctx), "poll"))
            else:
                ctx.in_flight = False

        return handler

    async def _tx_and_status(self, ctx: PollCtx, cpu: Cpu) -> None:
        ctx._tx_count += 1
        if ctx._tx_count >= ctx.tx_frac:
            ctx._tx_count = 0
            for fn in ctx.tx:
                await fn(cpu)
        ctx._st_count += 1
        if ctx.status and ctx._st_count >= ctx.status_frac:
            ctx._st_count = 0
            for st in ctx.status:
                await st(cpu)

    # ---- tunables (sysctl net.ifpoll.<cpu>.*) ------------------------------------------------

    def get(self, cpuid: int, name: str) -> int:
        ctx = self.ctx[cpuid]
        names = {
            "pollhz": ctx.pollhz,
            "tx_frac": ctx.tx_frac,
            "status_frac": ctx.status_frac,
            "rx.burst_max": ctx.burst_max,
            "rx.each_burst": ctx.each_burst,
            "rx.user_frac": ctx.user_frac,
            "rx.burst": ctx.poll_burst,
            "rx.kern_frac": ctx.kern_frac,
            "rx.residual_burst": ctx.residual,
            "rx.pending_polls": ctx.pending,
            "rx.lost_polls": ctx.stats.lost_polls,
            "rx.stalled": ctx.stats.stalled,
        }
        if name not in names:
            raise KeyError(f"net.ifpoll.{cpuid}.{name}: no such tunable ({', '.join(names)})")
        return names[name]

    async def set(self, cpuid: int, name: str, value: int) -> int:
        """Checked here, then carried out on the owning CPU by a message, as DragonFly's
        sysctl handlers do; returns the value that took effect (after clamping)."""
        ctx = self.ctx[cpuid]
        settable = ("pollhz", "tx_frac", "rx.burst_max", "rx.each_burst", "rx.user_frac")
        if name not in settable and not (name == "status_frac" and cpuid == 0):
            raise KeyError(f"net.ifpoll.{cpuid}.{name} is not settable")
        if name == "pollhz" and not 0 < value <= POLLHZ_MAX:
            raise ValueError(f"pollhz must be 1..{POLLHZ_MAX}")

        async def apply(cpu: Cpu) -> int:
            if name == "pollhz":
                ctx.pollhz = value
            elif name == "tx_frac":
                ctx.tx_frac = max(1, value)
            elif name == "status_frac":
                ctx.status_frac = max(1, value)
            elif name == "rx.burst_max":
                ctx.burst_max = min(max(value, BURST_MAX_RANGE[0]), BURST_MAX_RANGE[1])
                ctx.each_burst = min(ctx.each_burst, ctx.burst_max)
                ctx.poll_burst = min(ctx.poll_burst, ctx.burst_max)
            elif name == "rx.each_burst":
                ctx.each_burst = min(max(value, 1), ctx.burst_max)
            else:
                ctx.user_frac = min(max(value, 1), 99)
            return self.get(cpuid, name)

        return await self.cpus.domsg(None, cpuid, apply)
