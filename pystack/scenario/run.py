"""The scenario itself, written once against `Sim` and `Device` so that the behavioural model
and both HDL simulators run exactly the same code: build the host, warm up ARP, offer traffic
for the simulated duration while collecting replies, drain, then read every counter.

Everything in the result is measured in simulated time except `speed`, which is the wall-clock
cost of the run on the chosen back end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from pystack.nic.device import CLOCK_NS, Device
from pystack.stack.host import HOST_IP, HOST_MAC, Host
from pystack.stack.peer import Peer
from pystack.stack.proto import Socket
from pystack.stack.sim import Sim

from .options import ScenarioOptions
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
    """What a run produced: `results` (JSON-ready) and the frames each way, with times."""

    results: dict[str, Any]
    rx_frames: list[tuple[float, bytes]] = field(default_factory=list)
    tx_frames: list[tuple[float, bytes]] = field(default_factory=list)


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def scenario_host(sim: Sim, dev: Device, opts: ScenarioOptions) -> tuple[Host, Socket]:
    """The host every scenario serves from (the in-process peer's and Linux's over TAP): built
    from the options, UDP echo on port 7, and the discard socket that background traffic
    fills."""
    host = await Host.create(
        sim,
        dev,
        mode=opts.mode,
        ncpus=opts.cpus,
        vectors=opts.vectors,
        batching=opts.batching,
        key=opts.key_bytes,
        shared_stats=opts.shared_stats,
    )
    await host.proto.bind(7, echo=True)
    return host, await host.proto.bind(DISCARD_PORT)


async def run_scenario(
    sim: Sim, dev: Device, opts: ScenarioOptions, progress: Progress | None = None
) -> ScenarioRun:
    wall0 = time.perf_counter()
    cpu0 = time.process_time()
    t0 = sim.now()
    host, discard = await scenario_host(sim, dev, opts)
    peer = Peer(dev, HOST_MAC, HOST_IP, capture=True)
    traffic = Traffic(peer, make_flows(peer, opts.flows), opts.sizes, opts.malformed, opts.seed)
    duration = opts.duration_us * US
    target = duration + DRAIN_NS / 4  # what the progress bar counts to (drain usually ends early)
    series: dict[str, list[float]] = {"t_us": [], "interrupts": [], "polls": [], "rx": []}
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
            series["t_us"].append((sim.now() - t0) / US)
            series["interrupts"].append(totals["interrupts"])
            series["polls"].append(totals["polls"])
            series["rx"].append(host.stats.dispatched)
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
    warm = {**host.cpu_totals(), "dispatched": host.stats.dispatched,
            "dispatch_msgs": host.stats.dispatch_msgs}  # fmt: skip

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
    nic = await host.drv.read_stats() if host.drv is not None else {}
    elapsed = sim.now() - t0
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    results = summarize(opts, host, peer, traffic, stack, nic, elapsed, start, last_request, warm)
    results["series"] = series
    results["dma_guard_violations"] = dev.guard_violations()
    results["stack"]["socket_read"] = received[0]
    results["speed"] = {
        "backend": opts.sim,
        "wall_s": wall,
        "sim_us": elapsed / US,
        "frames_per_wall_s": (len(peer.rx_log) + len(peer.tx_log)) / wall if wall else 0.0,
        "sim_cycles_per_wall_s": elapsed / CLOCK_NS / wall if wall else 0.0,
        "sim_us_per_wall_s": elapsed / US / wall if wall else 0.0,
        # CPU time of the process that ran the simulation: on a shared machine other processes'
        # load stretches wall time but not this, so it is what compares runs made apart.
        "cpu_s": cpu,
    }
    return ScenarioRun(results, peer.rx_log, peer.tx_log)


def summarize(
    opts: ScenarioOptions,
    host: Host,
    peer: Peer,
    traffic: Traffic,
    stack: Any,
    nic: dict[str, int],
    elapsed_ns: float,
    start_ns: float,
    last_request_ns: float,
    warm: dict[str, float],
) -> dict[str, Any]:
    """Every number the summary, the plots and the tests read, in one JSON-ready dict.
    Per-packet costs cover the traffic phase only: the ARP warm-up's forward-along-CPUs
    rounds would otherwise dominate short runs."""
    lat = sorted(x / US for x in peer.latencies)
    rx_packets = max(1, host.stats.dispatched - int(warm["dispatched"]))
    totals = host.cpu_totals()
    phase = {k: v - warm[k] for k, v in totals.items()}
    cpus = []
    for cpu in host.cpus.cpus:
        st = cpu.local["stats"]
        cpus.append(
            {
                "cpu": cpu.cpuid,
                "packets": st.rx,
                "tx": st.tx,
                "messages": cpu.stats.messages,
                "ipis": cpu.stats.ipis,
                "interrupts": cpu.stats.interrupts,
                "polls": cpu.stats.polls,
                "busy_us": cpu.stats.busy_ns / US,
                "load": cpu.stats.busy_ns / elapsed_ns if elapsed_ns else 0.0,
            }
        )
    queues = [
        {
            "queue": q,
            "rx": host.stats.rx_by_ring.get(q, 0),
            "tx": host.stats.tx_by_ring.get(q, 0),
            "nic_rx": nic.get(f"HN_RQPC[{q}]", 0),
            "nic_tx": nic.get(f"HN_TQPC[{q}]", 0),
            "nic_dropped": nic.get(f"RQDPC[{q}]", 0)
            + nic.get(f"HN_RQOVR[{q}]", 0)
            + nic.get(f"HN_RQDMAE[{q}]", 0),
        }
        for q in range(host.nrings)
    ]
    offered_s = max(1e-9, (last_request_ns - start_ns) / 1e9)
    answered = traffic.sent.echo + traffic.sent.ping
    on, off = host.stats.tx_on_flow_cpu, host.stats.tx_off_flow_cpu
    return {
        "options": opts.to_json(),
        "sent": {**asdict(traffic.sent), "total": traffic.sent.total},
        "replies": {
            "expected": answered,
            "received": peer.replies,
            "lost": len(peer.sent),
            "unmatched": peer.unmatched,
            "per_s": peer.replies / offered_s,
        },
        "latency_us": {
            "count": len(lat),
            "p50": percentile(lat, 0.50),
            "p90": percentile(lat, 0.90),
            "p99": percentile(lat, 0.99),
            "max": lat[-1] if lat else None,
            "cdf": [percentile(lat, i / 100) for i in range(101)] if lat else [],
        },
        "queues": queues,
        "rings_in_use": host.rings_in_use(),
        "cpus": cpus,
        "stack": {
            "rx": stack.rx,
            "tx": stack.tx,
            "delivered": dict(stack.delivered),
            "dropped": dict(stack.dropped),
            "tx_dropped": dict(stack.tx_dropped),
            "stats_line_bounces": host.proto.bounces,
        },
        "host": {
            "mode": host.mode,
            "dispatched": host.stats.dispatched,
            "dispatch_msgs": host.stats.dispatch_msgs,
            "interrupts_delivered": host.stats.interrupts,
            "tx_on_flow_cpu": on,
            "tx_off_flow_cpu": off,
            "tx_flow_cpu_share": on / (on + off) if on + off else None,
        },
        "per_packet": {
            "messages": phase["messages"] / rx_packets,
            "ipis": phase["ipis"] / rx_packets,
            "interrupts": phase["interrupts"] / rx_packets,
            "polls": phase["polls"] / rx_packets,
            "dispatch_msgs": (host.stats.dispatch_msgs - warm["dispatch_msgs"]) / rx_packets,
            "busy_ns": phase["busy_ns"] / rx_packets,
        },
        "totals": totals,
        "nic": nic,
        "mac": {"rx_frames": len(peer.rx_log), "tx_frames": len(peer.tx_log)},
        "sim_us": elapsed_ns / US,
    }
