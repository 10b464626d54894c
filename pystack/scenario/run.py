# SPDX-License-Identifier: MIT
"""The scenario itself, written once against `Sim` and `Device` so that the behavioural model
and both HDL simulators run exactly the same code: build the host, warm up ARP, offer traffic
for the simulated duration while collecting replies, drain, then read every counter.

Everything in the result is measured in simulated time except `speed`, which is the wall-clock
cost of the run on the chosen back end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pystack.nic.device import CLOCK_NS, Device
from pystack.stack.host import HOST_IP, HOST_MAC, CpuTotals, Host
from pystack.stack.peer import Peer
from pystack.stack.proto import ProtoStats, Socket
from pystack.stack.sim import Sim
from pystack.stack.tcp_conn import TcpConfig

from .options import ScenarioOptions
from .results import (
    CpuResult,
    HostResult,
    Latency,
    Mac,
    PerPacket,
    QueueResult,
    Replies,
    Results,
    Sent,
    Series,
    Speed,
    StackResult,
)
from .workload import DISCARD_PORT, Traffic, make_flows

US = 1000.0
CHUNK_NS = 40 * US  # traffic is handed to the wire this far ahead of it
CHUNK_MAX_FRAMES = 1024  # the HDL frame source's memory holds one chunk
CHUNK_MAX_BYTES = 512 << 10
COLLECT_NS = 5 * US  # how often replies are taken off MAC TX (the RTL's latency resolution)
DRAIN_NS = 2000 * US  # after the last request, how long replies may still come
ARP_RATE = 0.05
SAMPLES = 100

Progress = Callable[[dict[str, float]], None]


@dataclass
class ScenarioRun:
    """What a run produced: its results and the frames each way, with times."""

    results: Results
    rx_frames: list[tuple[float, bytes]] = field(default_factory=list)
    tx_frames: list[tuple[float, bytes]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # more files for the run folder


class PeerCounts(Protocol):
    """What `summarize` reads of the far end (the scenario's `Peer`, or Linux over TAP)."""

    latencies: list[float]
    replies: int
    unmatched: int
    rx_log: list[tuple[float, bytes]]
    tx_log: list[tuple[float, bytes]]

    @property
    def sent(self) -> dict[Any, Any]: ...


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def tcp_config(opts: ScenarioOptions) -> TcpConfig:
    return TcpConfig(
        delack_ns=opts.delack_us * US if opts.delack_us > 0 else None, msl_ns=opts.msl_us * US
    )


async def options_host(sim: Sim, dev: Device, opts: ScenarioOptions) -> Host:
    """The host as the options describe it (every workload's)."""
    return await Host.create(
        sim,
        dev,
        mode=opts.mode,
        ncpus=opts.cpus,
        vectors=opts.vectors,
        batching=opts.batching,
        key=opts.key_bytes,
        shared_stats=opts.shared_stats,
        tcp=tcp_config(opts),
        reuseport_close=opts.reuseport_close,
    )


async def scenario_host(sim: Sim, dev: Device, opts: ScenarioOptions) -> tuple[Host, Socket]:
    """The host every UDP scenario serves from (the in-process peer's and Linux's over TAP):
    UDP echo on port 7, and the discard socket that background traffic fills."""
    host = await options_host(sim, dev, opts)
    await host.proto.bind(7, echo=True)
    return host, await host.proto.bind(DISCARD_PORT)


async def run_scenario(
    sim: Sim, dev: Device, opts: ScenarioOptions, progress: Progress | None = None
) -> ScenarioRun:
    if opts.workload == "http":
        from .http_run import run_http_scenario

        return await run_http_scenario(sim, dev, opts, progress)
    wall0 = time.perf_counter()
    cpu0 = time.process_time()
    t0 = sim.now()
    host, discard = await scenario_host(sim, dev, opts)
    peer = Peer(dev, HOST_MAC, HOST_IP, capture=True)
    traffic = Traffic(peer, make_flows(peer, opts.flows), opts.sizes, opts.malformed, opts.seed)
    duration = opts.duration_us * US
    target = duration + DRAIN_NS / 4  # what the progress bar counts to (drain usually ends early)
    series = Series()
    received: list[int] = [0]

    def report() -> None:
        if progress is not None:
            progress(
                {
                    "sim_ns": sim.now() - t0,
                    "target_ns": target,
                    "frames_in": float(traffic.sent.total),
                    "frames_out": float(len(peer.tx_log)),
                    "wall_s": time.perf_counter() - wall0,
                }
            )

    async def sampler() -> None:
        step = (duration + DRAIN_NS) / SAMPLES
        while True:
            totals = host.cpu_totals()
            series.t_us.append((sim.now() - t0) / US)
            series.interrupts.append(totals.interrupts)
            series.polls.append(totals.polls)
            series.rx.append(host.stats.dispatched)
            await sim.sleep(step)

    async def application() -> None:
        """Reads the background flows' socket, as a server thread would."""
        while True:
            await sim.sleep(100 * US)
            received[0] += len(await host.proto.recvfrom(discard))

    async def wait_collecting(until_ns: float) -> None:
        while sim.now() < until_ns:
            await sim.sleep(min(COLLECT_NS, until_ns - sim.now()))
            peer.collect()
            report()

    # ARP first, so the host knows every peer before requests need replies.
    await peer.send(traffic.arp(), rate=ARP_RATE)
    await wait_collecting(peer.wire_end_ns + 100 * US)
    sim.spawn(sampler())
    sim.spawn(application())
    warm = Mark.of(host)

    start = sim.now()
    end = start + duration
    while peer.wire_end_ns < end:
        frames: list[tuple[Any, int, bytes]] = []
        bad: list[int] = []
        horizon = min(max(peer.wire_end_ns, sim.now()) + CHUNK_NS, end)
        t, size = max(peer.wire_end_ns, sim.now()), 0
        while t < horizon and len(frames) < CHUNK_MAX_FRAMES and size < CHUNK_MAX_BYTES:
            more, more_bad = traffic.chunk(1)
            bad += [len(frames) + b for b in more_bad]
            frames += more
            t += peer.wire_ns(len(more[0][2]), opts.rate)
            size += len(more[0][2])
        await peer.send(frames, rate=opts.rate, bad=bad)
        await wait_collecting(peer.wire_end_ns - CHUNK_NS / 2)
    last_request = peer.wire_end_ns
    while sim.now() < last_request + DRAIN_NS and (peer.sent or sim.now() < last_request):
        await wait_collecting(sim.now() + COLLECT_NS)
    await wait_collecting(sim.now() + 20 * US)  # the last flushes and the socket read
    received[0] += len(await host.proto.recvfrom(discard))
    report()
    stack = await host.proto.stats()
    nic = await host.drv.read_stats()
    elapsed = sim.now() - t0
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    results = summarize(
        opts,
        host,
        peer,
        traffic.sent,
        stack,
        nic,
        Phase(elapsed, start, last_request, warm),
        socket_read=received[0],
        guard_violations=dev.guard_violations(),
        speed=speed(opts, elapsed, wall, cpu, len(peer.rx_log) + len(peer.tx_log)),
        series=series,
    )
    return ScenarioRun(results, peer.rx_log, peer.tx_log)


@dataclass
class Mark:
    """The host's counters at the start of the traffic phase."""

    totals: CpuTotals
    dispatched: int
    dispatch_msgs: int

    @classmethod
    def of(cls, host: Host) -> Mark:
        return cls(host.cpu_totals(), host.stats.dispatched, host.stats.dispatch_msgs)


@dataclass
class Phase:
    """The run's simulated time (ns): all of it, and the traffic phase."""

    elapsed_ns: float
    start_ns: float  # first request offered
    last_request_ns: float
    warm: Mark  # the counters at `start_ns`


def speed(opts: ScenarioOptions, elapsed_ns: float, wall: float, cpu: float, frames: int) -> Speed:
    return Speed(
        backend=opts.sim,
        wall_s=wall,
        sim_us=elapsed_ns / US,
        frames_per_wall_s=frames / wall if wall else 0.0,
        sim_cycles_per_wall_s=elapsed_ns / CLOCK_NS / wall if wall else 0.0,
        sim_us_per_wall_s=elapsed_ns / US / wall if wall else 0.0,
        cpu_s=cpu,
    )


def summarize(
    opts: ScenarioOptions,
    host: Host,
    peer: PeerCounts,
    sent: Sent,
    stack: ProtoStats,
    nic: dict[str, int],
    phase: Phase,
    *,
    socket_read: int,
    guard_violations: list[str],
    speed: Speed,
    series: Series | None = None,
) -> Results:
    """Every number the summary, the plots and the tests read. Per-packet costs cover the
    traffic phase only: the ARP warm-up's forward-along-CPUs rounds would otherwise dominate
    short runs."""
    lat = sorted(x / US for x in peer.latencies)
    warm, elapsed_ns = phase.warm, phase.elapsed_ns
    rx_packets = max(1, host.stats.dispatched - warm.dispatched)
    totals = host.cpu_totals()
    cost = totals - warm.totals
    cpus = []
    for cpu in host.cpus.cpus:
        st = host.proto.pcpu[cpu.cpuid].stats
        cpus.append(
            CpuResult(
                cpu=cpu.cpuid,
                packets=st.rx,
                tx=st.tx,
                messages=cpu.stats.messages,
                ipis=cpu.stats.ipis,
                interrupts=cpu.stats.interrupts,
                polls=cpu.stats.polls,
                busy_us=cpu.stats.busy_ns / US,
                load=cpu.stats.busy_ns / elapsed_ns if elapsed_ns else 0.0,
            )
        )
    queues = [
        QueueResult(
            queue=q,
            rx=host.igb.rx_by_ring.get(q, 0),
            tx=host.igb.tx_by_ring.get(q, 0),
            nic_rx=nic.get(f"HN_RQPC[{q}]", 0),
            nic_tx=nic.get(f"HN_TQPC[{q}]", 0),
            nic_dropped=nic.get(f"RQDPC[{q}]", 0)
            + nic.get(f"HN_RQOVR[{q}]", 0)
            + nic.get(f"HN_RQDMAE[{q}]", 0),
        )
        for q in range(host.nrings)
    ]
    offered_s = max(1e-9, (phase.last_request_ns - phase.start_ns) / 1e9)
    on, off = host.stats.tx_on_flow_cpu, host.stats.tx_off_flow_cpu
    return Results(
        options=opts,
        sent=sent,
        replies=Replies(
            expected=sent.echo + sent.ping,
            received=peer.replies,
            lost=len(peer.sent),
            unmatched=peer.unmatched,
            per_s=peer.replies / offered_s,
        ),
        latency_us=Latency(
            count=len(lat),
            p50=percentile(lat, 0.50),
            p90=percentile(lat, 0.90),
            p99=percentile(lat, 0.99),
            max=lat[-1] if lat else None,
            cdf=[percentile(lat, i / 100) for i in range(101)] if lat else [],
        ),
        queues=queues,
        rings_in_use=host.rings_in_use(),
        cpus=cpus,
        stack=StackResult(
            rx=stack.rx,
            tx=stack.tx,
            delivered={str(k): n for k, n in stack.delivered.items()},
            dropped={str(k): n for k, n in stack.dropped.items()},
            tx_dropped={str(k): n for k, n in stack.tx_dropped.items()},
            stats_line_bounces=host.proto.bounces,
            socket_read=socket_read,
        ),
        host=HostResult(
            mode=host.mode,
            dispatched=host.stats.dispatched,
            dispatch_msgs=host.stats.dispatch_msgs,
            interrupts_delivered=host.igb.interrupts,
            tx_on_flow_cpu=on,
            tx_off_flow_cpu=off,
            tx_flow_cpu_share=on / (on + off) if on + off else None,
        ),
        per_packet=PerPacket(
            messages=cost.messages / rx_packets,
            ipis=cost.ipis / rx_packets,
            interrupts=cost.interrupts / rx_packets,
            polls=cost.polls / rx_packets,
            dispatch_msgs=(host.stats.dispatch_msgs - warm.dispatch_msgs) / rx_packets,
            busy_ns=cost.busy_ns / rx_packets,
        ),
        totals=totals,
        nic=nic,
        mac=Mac(rx_frames=len(peer.rx_log), tx_frames=len(peer.tx_log)),
        sim_us=elapsed_ns / US,
        series=series,
        dma_guard_violations=guard_violations,
        speed=speed,
    )
