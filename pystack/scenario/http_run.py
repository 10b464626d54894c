# SPDX-License-Identifier: MIT
"""`hilnic sim --workload http`: the nginx-shaped server on the host's CPUs, the wrk-shaped
client on the far end of the wire, written against `Sim` and `Device` like the UDP scenario so
that the model and both HDL simulators run the same code.

The far end's frames are collected off MAC TX every COLLECT_NS (the RTL's latency resolution,
as in the UDP scenario); the client's segments go onto the wire as soon as it makes them.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace

from pystack.apps.httpd import Httpd, HttpdConfig
from pystack.apps.loadgen import LoadConfig, LoadGen
from pystack.apps.peer_tcp import PeerTcp
from pystack.nic.device import Device
from pystack.stack.host import HOST_IP, HOST_MAC, Host
from pystack.stack.peer import Peer
from pystack.stack.sim import Sim
from pystack.stack.tcp_layer import TcpStats

from .options import ScenarioOptions
from .outputs import NETSTAT
from .results import HttpResult, LatencySummary, Replies, Sent, Series, TcpResult
from .run import (
    ARP_RATE,
    COLLECT_NS,
    DRAIN_NS,
    US,
    Mark,
    Phase,
    Progress,
    ScenarioRun,
    options_host,
    percentile,
    speed,
    summarize,
    tcp_config,
)

SETTLE_NS = 500 * US  # after the client's last frame, before the counters are read
LOAD_DRAIN_NS = 60_000 * US  # after the load stops, how long transactions may take to finish


def summary(values_ns: list[float]) -> LatencySummary:
    v = sorted(x / US for x in values_ns)
    return LatencySummary(
        count=len(v),
        avg=sum(v) / len(v) if v else None,
        p50=percentile(v, 0.50),
        p99=percentile(v, 0.99),
        max=v[-1] if v else None,
    )


def tcp_result(st: TcpStats, host: Host) -> TcpResult:
    fields = asdict(st)
    fields["closed"] = dict(st.closed)
    return TcpResult(**fields, pcbs_per_cpu=[tc.pcbs.count for tc in host.proto.tcp.pcpu])


class _PeerView:
    """What `summarize` reads of the far end, for a TCP run."""

    def __init__(self, peer: Peer, load: LoadGen) -> None:
        self.latencies = load.stats.response_ns
        self.replies = load.stats.transactions
        self.unmatched = 0
        self.rx_log, self.tx_log = peer.rx_log, peer.tx_log
        self.sent: dict[object, object] = {}


async def run_http_scenario(
    sim: Sim, dev: Device, opts: ScenarioOptions, progress: Progress | None = None
) -> ScenarioRun:
    wall0, cpu0, t0 = time.perf_counter(), time.process_time(), sim.now()
    cfg = tcp_config(opts)
    host = await options_host(sim, dev, opts)
    httpd = Httpd(host, HttpdConfig(object_size=opts.object_size, reuseport=opts.reuseport))
    await httpd.start()
    peer = Peer(dev, HOST_MAC, HOST_IP, capture=True)
    flows = peer.flows(opts.flows, kinds=("tcp",))
    ptcp = PeerTcp(sim, peer, cfg, seed=opts.seed)
    load = LoadGen(
        sim,
        ptcp,
        flows,
        LoadConfig(
            connections=opts.http_conns,
            rate_per_s=opts.http_rate,
            object_size=opts.object_size,
            keep_alive=opts.keep_alive > 0,
            requests_per_conn=1 + opts.keep_alive,
            think_ns=opts.http_think_us * US,
        ),
    )
    duration = opts.duration_us * US
    target = duration + SETTLE_NS + 1000 * US  # what the progress bar counts to
    running = [True]

    def report() -> None:
        if progress is not None:
            progress(
                {
                    "sim_ns": sim.now() - t0,
                    "target_ns": target,
                    "frames_in": float(len(peer.rx_log)),
                    "frames_out": float(len(peer.tx_log)),
                    "wall_s": time.perf_counter() - wall0,
                }
            )

    async def collector() -> None:
        """The far end's receive side: frames off MAC TX into its TCP, its timers, its
        deadlines, and whatever that made it send."""
        while running[0]:
            await sim.sleep(COLLECT_NS)
            frames = dev.mac_take()
            for tx in frames:
                peer.tx_log.append((tx.time_ns, tx.data))
            ptcp.take([tx.data for tx in frames])
            ptcp.run_timers()
            load.check_deadlines()
            await ptcp.flush()
            report()

    await peer.send([(f, -1, peer.arp_request(f)) for f in flows], rate=ARP_RATE)
    sim.spawn(collector())
    await sim.sleep(peer.wire_end_ns + 100 * US - sim.now())
    arp = len(flows)
    warm = Mark.of(host)
    start = sim.now()
    load.start()
    if opts.close_listener_us is not None:

        async def closer() -> None:
            await sim.sleep(max(0.0, t0 + opts.close_listener_us * US - sim.now()))
            await httpd.close_listener(0)

        sim.spawn(closer())
    await sim.sleep(duration)
    load.stop()
    last = sim.now()
    while load.in_flight and sim.now() < last + LOAD_DRAIN_NS:
        await sim.sleep(20 * COLLECT_NS)
    await sim.sleep(DRAIN_NS / 20)  # the last ACKs and FINs
    running[0] = False  # the client sends nothing more: let the host take in its last frames
    await sim.sleep(SETTLE_NS)
    report()
    stack = await host.proto.stats()
    nic = await host.drv.read_stats()
    tcp = await host.proto.tcp.stats()
    netstat = await host.proto.tcp.dump(chunk=64)
    elapsed = sim.now() - t0
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    segments = len(peer.rx_log) - arp
    view = _PeerView(peer, load)
    res = summarize(
        opts,
        host,
        view,
        Sent(arp=arp, tcp=segments),
        stack,
        nic,
        Phase(elapsed, start, last, warm),
        socket_read=0,
        guard_violations=dev.guard_violations(),
        speed=speed(opts, elapsed, wall, cpu, len(peer.rx_log) + len(peer.tx_log)),
        series=Series(),
    )
    ls = load.stats
    load_s = max(1e-9, (last - start) / 1e9)
    res = replace(
        res,
        replies=Replies(
            expected=ls.started,
            received=ls.completed,
            lost=sum(ls.failures.values()) + load.in_flight,
            unmatched=ptcp.stray,
            per_s=ls.transactions / load_s,
        ),
        tcp=tcp_result(tcp, host),
        http=HttpResult(
            started=ls.started,
            transactions=ls.transactions,
            completed=ls.completed,
            failures=dict(ls.failures),
            resets=ls.resets,
            tps=ls.transactions / load_s,
            connect_us=summary(ls.connect_ns),
            response_us=summary(ls.response_ns),
            per_worker=list(httpd.stats.per_worker),
            server_errors=dict(httpd.stats.errors),
            peer_stray_segments=ptcp.stray,
        ),
    )
    lines = ["cpu  foreign               local  state"]
    lines += [f"{c:<4} {f}:{fp:<10} {lp:<6} {st}" for c, f, fp, lp, st in netstat]
    return ScenarioRun(res, peer.rx_log, peer.tx_log, {NETSTAT: "\n".join(lines) + "\n"})
