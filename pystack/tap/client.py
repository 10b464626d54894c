# SPDX-License-Identifier: MIT
"""The other direction: the host's stack as a client of a server in the namespace.

The stack answers ARP but never asks (every scenario peer asks first), so a client resolves the
server's MAC itself: one ARP request sent through the stack's output path, and the stack's own
ARP input learns the reply. Datagrams go out from the CPU that owns the flow (the symmetric
hash of its tuple), as `Protocols.sendto` requires, and replies are read from the socket.

    from pystack.tap.client import udp_exchange
    results = await udp_exchange(sim, host, "10.0.0.2", 9000, [b"hello", b"world"])
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pystack.rss import RssConfig, classify_frame
from pystack.rss.classify import HashType
from pystack.stack.host import Host
from pystack.stack.netisr import Cpu, hash_cpu
from pystack.stack.proto import BROADCAST, ETH_ARP, ETH_IP, PROTO_UDP, build_ipv4, build_udp, ip_raw
from pystack.stack.sim import Sim

US = 1000.0
ARP_TRIES = 5
ARP_WAIT_NS = 400 * US
REPLY_POLL_NS = 10 * US
CLIENT_PORT_BASE = 40000


@dataclass
class Exchange:
    """One datagram sent and what came back (simulated ns; None: no reply in time)."""

    sent: bytes
    reply: bytes | None
    rtt_ns: float | None

    @property
    def ok(self) -> bool:
        return self.reply == self.sent


async def resolve(sim: Sim, host: Host, ip: str, wait_ns: float = ARP_WAIT_NS) -> bytes | None:
    """The MAC of `ip`, from the stack's ARP cache or by asking (ARP_TRIES requests)."""
    raw = ip_raw(ip)
    arp0 = host.proto.pcpu[0].arp
    for _ in range(ARP_TRIES):
        if raw in arp0:
            return bytes(arp0[raw])
        body = struct.pack("!HHBBH", 1, ETH_IP, 6, 4, 1) + host.proto.mac + host.proto.ip
        body += bytes(6) + raw

        async def ask(cpu: Cpu, body: bytes = body) -> None:
            await host.proto.output(cpu, BROADCAST, ETH_ARP, body)

        await host.cpus.domsg(None, 0, ask)
        end = sim.now() + wait_ns
        while sim.now() < end and raw not in arp0:
            await sim.sleep(REPLY_POLL_NS)
    return bytes(arp0[raw]) if raw in arp0 else None


def flow_cpu(host: Host, server_mac: bytes, server_ip: str, dport: int, sport: int) -> int:
    """The CPU whose netisr owns the flow: where its replies will be handled."""
    src, dst = ip_raw(server_ip), host.proto.ip
    reply = build_ipv4(src, dst, PROTO_UDP, build_udp(src, dst, dport, sport, b""))
    frame = host.proto.mac + server_mac + struct.pack("!H", ETH_IP) + reply
    res = classify_frame(frame, RssConfig(key=host.key))
    return 0 if res.hash_type is HashType.NONE else hash_cpu(res.hash, host.ncpus)


async def udp_exchange(
    sim: Sim,
    host: Host,
    server_ip: str,
    dport: int,
    payloads: list[bytes],
    try_ns: float = 1000 * US,
    tries: int = 200,
    sport: int | None = None,
) -> list[Exchange]:
    """Send each payload to server_ip:dport and wait for its reply (an echo server answers
    with the same bytes), one at a time; a datagram is sent again after `try_ns` without a
    reply, up to `tries` times (the server may not be listening yet: Linux then answers with
    ICMP port unreachable, which the stack counts as icmp_not_echo). A reply that does not
    match the datagram in flight (a late answer to an earlier try) is skipped."""
    mac = None
    for _ in range(tries):
        mac = await resolve(sim, host, server_ip)
        if mac is not None:
            break
    if mac is None:
        return [Exchange(p, None, None) for p in payloads]
    port = sport if sport is not None else CLIENT_PORT_BASE
    while port in host.proto.sockets:
        port += 1
    sock = await host.proto.bind(port)
    cpu = flow_cpu(host, mac, server_ip, dport, port)
    out = []
    for data in payloads:
        got: bytes | None = None
        t0 = sim.now()
        for _ in range(tries):
            t0 = sim.now()
            await host.proto.sendto(cpu, sock, data, server_ip, dport, mac)
            while got is None and sim.now() - t0 < try_ns:
                await sim.sleep(REPLY_POLL_NS)
                replies = [d.data for d in await host.proto.recvfrom(sock)]
                got = data if data in replies else None
            if got is not None:
                break
        out.append(Exchange(data, got, sim.now() - t0 if got is not None else None))
    return out
