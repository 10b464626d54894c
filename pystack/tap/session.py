# SPDX-License-Identifier: MIT
"""A TAP run, written once against `Sim` and `Device` like the scenario: the host serves as it
does in the scenario (UDP echo on port 7, a discard socket on port 9, ICMP echo, ARP), plus the
HTTP server of `--workload http` on port 80 so that Linux's own TCP (curl) talks to the
emulated one, with Linux as the peer, until told to stop; then the last frames are drained and
every counter is read, into the same results the scenario writes, so its accounting check
applies.

Pumping frames between the TAP and the MAC is the back end's business (`pump_ns`): under
cocotb a task does it every `pump_ns` of simulated time; on the model the loop that holds
simulated time to wall time does it between steps.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from pystack.apps.httpd import Httpd, HttpdConfig
from pystack.nic.device import Device
from pystack.scenario.http_run import tcp_result
from pystack.scenario.options import ScenarioOptions
from pystack.scenario.results import Results, Sent
from pystack.scenario.run import (
    Mark,
    Phase,
    Progress,
    ScenarioRun,
    percentile,
    scenario_host,
    speed,
    summarize,
)
from pystack.scenario.workload import NIC_MALFORMED
from pystack.stack.host import HOST_IP, HOST_MAC, Host
from pystack.stack.proto import Delivered, Drop
from pystack.stack.sim import Sim

from .client import udp_exchange
from .linux_peer import DELIVERED, TCP_BY_STATE, TCP_STATE_VERDICTS, LinuxPeer
from .options import LINUX_IP, TapOptions

US = 1000.0
REPORT_NS = 100 * US
SETTLE_MAX_NS = 5000 * US  # after the link went down, how long the last frames may take
SETTLE_QUIET_NS = 20 * US


def sent_by_kind(peer: LinuxPeer) -> Sent:
    """Linux's frames in the scenario's terms: requests that must be answered (ping, echo),
    ARP requests, frames delivered to a socket (background), segments of the HTTP server's
    connections (tcp, as in an HTTP run), and every other frame under the counter that must
    count it (the scenario's `malformed`, keyed by reason: for Linux these are not malformed,
    just not hilnic's: IPv6, multicast, ARP probes, a SYN to a closed port)."""
    v = peer.verdicts
    arp, echo = v[DELIVERED + Delivered.ARP_REQUEST], v[DELIVERED + Delivered.UDP_ECHO]
    ping = v[DELIVERED + Delivered.ICMP_ECHO]
    other = {k: n for k, n in v.items() if not k.startswith(DELIVERED) and k != TCP_BY_STATE}
    background = sum(n for k, n in v.items() if k.startswith(DELIVERED)) - arp - echo - ping
    return Sent(
        arp=arp,
        echo=echo,
        ping=ping,
        background=background,
        malformed=other,
        tcp=v[TCP_BY_STATE],
    )


def not_hilnics(peer: LinuxPeer) -> int:
    """Frames Linux sent that are its own business (what the live line counts apart)."""
    return sum(
        n for k, n in peer.verdicts.items() if not k.startswith(DELIVERED) and k != TCP_BY_STATE
    )


def stack_totals(host: Host) -> tuple[int, int]:
    """Frames the stack has taken in and put out, read without simulated cost (bookkeeping
    for knowing when the run has settled, not a measurement)."""
    rx = tx = 0
    for state in host.proto.pcpu:
        st = state.stats
        rx += st.rx
        tx += st.tx - sum(st.tx_dropped.values())
    return rx, tx


async def serve(
    sim: Sim,
    dev: Device,
    opts: ScenarioOptions,
    tap: TapOptions,
    fd: int,
    linux_mac: bytes,
    should_stop: Callable[[], bool],
    progress: Progress | None = None,
    pump_ns: float | None = None,
    on_peer: Callable[[LinuxPeer], None] | None = None,
    tick_ns: float = REPORT_NS,
) -> ScenarioRun:
    """Serve Linux until `should_stop()`; `pump_ns`: move frames every so often in simulated
    time (HDL back ends), or None when the caller pumps (`on_peer` hands it the peer).
    `tick_ns`: how often to report and look for the word to stop, and how often the discard
    socket's reader wakes (every wake-up costs the model a step of its own)."""
    wall0 = time.perf_counter()
    cpu0 = time.process_time()
    t0 = sim.now()
    host, discard = await scenario_host(sim, dev, opts)
    httpd = Httpd(host, HttpdConfig(object_size=opts.object_size, reuseport=opts.reuseport))
    await httpd.start()
    peer = LinuxPeer(
        dev,
        fd,
        HOST_MAC,
        HOST_IP,
        bound=lambda p: p in host.proto.sockets,
        pad=tap.pad,
        listening=lambda p: p in host.proto.tcp.groups,
    )
    if on_peer is not None:
        on_peer(peer)
    received = [0]
    client: dict[str, Any] = {}
    warm = Mark.of(host)
    start = sim.now()
    sim_wall = [time.perf_counter(), sim.now()]  # for the live slowdown

    def report(final: bool = False) -> None:
        if progress is None:
            return
        wall, now = time.perf_counter(), sim.now()
        progress(
            {
                "sim_ns": now - t0,
                "target_ns": 0.0,
                "frames_in": float(len(peer.rx_log)),
                "frames_out": float(len(peer.tx_log)),
                "wall_s": wall - wall0,
                "slowdown": (wall - sim_wall[0]) * 1e9 / (now - sim_wall[1])
                if now - sim_wall[1] >= 10 * US
                else 0.0,
                "replies": float(peer.replies),
                "requests": float(sum(peer.requests.values())),
                "dropped": float(not_hilnics(peer)),
                "http_requests": float(httpd.stats.requests),
                "ready": 1.0,
                "client_done": float("done" in client),
                "client_ok": float(sum(e.ok for e in client.get("exchanges", []))),
                "client_sent": float(len(client.get("exchanges", []))),
                "final": float(final),
            }
        )
        if wall - sim_wall[0] > 2.0:
            sim_wall[:] = [wall, now]

    if pump_ns is not None:

        async def pump() -> None:
            while True:
                await peer.pump_in()
                peer.pump_out()
                await sim.sleep(pump_ns)

        sim.spawn(pump())

    async def application() -> None:
        while True:
            await sim.sleep(tick_ns)
            received[0] += len(await host.proto.recvfrom(discard))

    sim.spawn(application())

    if tap.udp_client_port is not None:

        async def run_client() -> None:
            rng = random.Random(1)
            payloads = [rng.randbytes(rng.randint(1, 1472)) for _ in range(tap.udp_client_count)]
            client["exchanges"] = []
            res = await udp_exchange(sim, host, LINUX_IP, tap.udp_client_port or 0, payloads)
            client["exchanges"] = res
            client["done"] = True

        sim.spawn(run_client())

    report()
    while not should_stop():
        await sim.sleep(tick_ns)
        report()
    # Linux has stopped sending (its link is down): take what is still queued in the TAP,
    # then let the NIC and the stack finish with it.
    settle_end = sim.now() + SETTLE_MAX_NS
    while sim.now() < settle_end:
        await peer.pump_in()
        peer.pump_out()
        rx, tx = stack_totals(host)
        nic_drops = peer.verdicts["RUC"]
        if rx + nic_drops == len(peer.rx_log) and tx == len(peer.tx_log) and not peer.lost:
            break
        await sim.sleep(SETTLE_QUIET_NS)
    await sim.sleep(SETTLE_QUIET_NS)
    await peer.pump_in()
    peer.pump_out()
    received[0] += len(await host.proto.recvfrom(discard))
    stack = await host.proto.stats()
    nic = await host.drv.read_stats()
    tcp = await host.proto.tcp.stats()
    peer.pump_out()
    report(final=True)
    elapsed = sim.now() - t0
    wall = time.perf_counter() - wall0
    results = summarize(
        opts,
        host,
        peer,
        sent_by_kind(peer),
        stack,
        nic,
        Phase(elapsed, start, sim.now(), warm),
        socket_read=received[0],
        guard_violations=dev.guard_violations(),
        speed=speed(
            opts, elapsed, wall, time.process_time() - cpu0, len(peer.rx_log) + len(peer.tx_log)
        ),
    )
    results.replies.lost = peer.lost
    results.tcp = tcp_result(tcp, host)
    results.speed.slowdown = wall * 1e9 / elapsed if elapsed else None
    exchanges = client.get("exchanges", [])
    results.tap = {
        **tap.to_json(),
        "linux_ip": LINUX_IP,
        "linux_mac": linux_mac.hex(":"),
        "kinds": dict(peer.kinds),
        "verdicts": dict(peer.verdicts),
        "padded": peer.padded,
        "rtt_p50_us": {
            k: percentile(sorted(v), 0.5) / US for k, v in peer.latency_by_kind.items() if v
        },
        "tx_written": peer.tx_written,
        "tx_not_written": dict(peer.tx_not_written),
        "http": {
            "port": httpd.cfg.port,
            "object_size": httpd.cfg.object_size,
            "accepted": httpd.stats.accepted,
            "requests": httpd.stats.requests,
            "closed": httpd.stats.closed,
            "errors": dict(httpd.stats.errors),
        },
        "client": {
            "sent": len(exchanges),
            "ok": sum(e.ok for e in exchanges),
            "rtt_us": [e.rtt_ns / US for e in exchanges if e.rtt_ns is not None],
            "exchanges": [
                asdict(e)
                | {"sent": e.sent.hex(), "reply": e.reply.hex() if e.reply is not None else None}
                for e in exchanges
            ],
        },
    }
    return ScenarioRun(results, peer.rx_log, peer.tx_log)


def tap_accounting_errors(res: Results) -> list[str]:
    """On top of the scenario's identity: every frame Linux sent was counted by the NIC or the
    stack under exactly the reason its bytes call for (so Linux's background traffic is
    accounted for, not just tolerated). Frames the NIC dropped for want of room (MPC, a full
    ring: a flood outrunning the simulation) never reach the stack, so then each reason may
    fall short, by the NIC's drops in all.

    TCP: the counters a segment's connection chooses between (TCP_STATE_VERDICTS) are summed
    on both sides under TCP_BY_STATE; a segment that landed on a CPU other than its
    connection's is counted once more on arrival (`+tcp_redispatched`) and then on the owner
    under its outcome, which is the one that counts here."""
    assert res.tap is not None, "not a TAP run"
    want: dict[str, int] = {}
    got: dict[str, int] = {}

    def count(into: dict[str, int], k: str, n: int) -> None:
        k = TCP_BY_STATE if k in TCP_STATE_VERDICTS else k
        into[k] = into.get(k, 0) + n

    for k, n in res.tap["verdicts"].items():
        count(want, k, n)
    for k, n in res.stack.delivered.items():
        if k != Delivered.TCP_REDISPATCHED:
            count(got, DELIVERED + k, n)
    for k, n in res.stack.dropped.items():
        count(got, k, n)
    for k in NIC_MALFORMED:
        if res.nic.get(k):
            got[k] = res.nic[k]
    lost = res.nic.get("MPC", 0) + sum(q.nic_dropped for q in res.queues)
    # Bytes cannot tell a full socket queue: Linux's frame counts as a delivery to the socket.
    full, socket = got.get(Drop.SOCKET_FULL, 0), DELIVERED + Delivered.UDP_SOCKET
    if full:
        want = {**want, Drop.SOCKET_FULL: full, socket: want.get(socket, 0) - full}
    errors = []
    for k in sorted(set(want) | set(got)):
        w, g = want.get(k, 0), got.get(k, 0)
        if g > w or (g < w and not lost):
            errors.append(f"Linux frames counted as {k}: {g:,} != {w:,} sent")
    if sum(want.values()) != sum(got.values()) + lost:
        errors.append(
            f"Linux frames: {sum(want.values()):,} sent != {sum(got.values()):,} counted "
            f"+ {lost:,} dropped by the NIC"
        )
    return errors
