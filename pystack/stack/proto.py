# SPDX-License-Identifier: MIT
"""Ethernet, ARP, IPv4, ICMP echo and UDP with sockets, run per CPU in netisr context.

Every CPU keeps its own statistics, ARP cache and UDP PCBs, so nothing is shared on the packet
path. A flow belongs to the CPU its symmetric hash names; a bound (wildcard) UDP socket is
replicated on every CPU the way DragonFly replicates listen PCBs, and `recvfrom` drains the
replicas. A malformed packet is counted under its reason and dropped, never raised: for every
run, `rx == delivered + sum(dropped)`.
"""

from __future__ import annotations

import struct
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache

from pystack.stack.inet_csum import checksum
from pystack.stack.netisr import Cpu, CpuSet
from pystack.stack.tcp_conn import TcpConfig
from pystack.stack.tcp_layer import DRAGONFLY, TcpLayer
from pystack.stack.tcp_segment import PROTO_TCP
from pystack.stack.verdicts import Delivered, Drop, TxDrop, Verdict

ETH_IP, ETH_ARP = 0x0800, 0x0806
PROTO_ICMP, PROTO_UDP = 1, 17
ICMP_ECHO_REPLY, ICMP_ECHO = 0, 8
DEFAULT_TTL = 64
BROADCAST = b"\xff" * 6


@lru_cache(maxsize=1 << 14)
def ip_str(raw: bytes) -> str:
    """Dotted quad (cached: called per packet, for a few thousand addresses at most)."""
    return ".".join(str(b) for b in raw)


@lru_cache(maxsize=1 << 14)
def ip_raw(text: str) -> bytes:
    return bytes(int(p) for p in text.split("."))


def udp_checksum(src: bytes, dst: bytes, udp: bytes) -> int:
    pseudo = src + dst + struct.pack("!BBH", 0, PROTO_UDP, len(udp))
    value = checksum(pseudo + udp)
    return value or 0xFFFF


def build_ipv4(src: bytes, dst: bytes, proto: int, payload: bytes, ident: int = 0) -> bytes:
    header = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0, DEFAULT_TTL, proto, 0,
        src, dst,
    )  # fmt: skip
    csum = checksum(header)
    return header[:10] + struct.pack("!H", csum) + header[12:] + payload


def build_udp(src: bytes, dst: bytes, sport: int, dport: int, data: bytes) -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    return udp[:6] + struct.pack("!H", udp_checksum(src, dst, udp)) + udp[8:]


@dataclass
class Datagram:
    data: bytes
    src: str
    sport: int
    cpu: int
    time_ns: float


@dataclass
class Socket:
    """A bound UDP socket; its receive queue has one replica per CPU."""

    port: int
    limit: int = 1024
    queues: dict[int, deque[Datagram]] = field(default_factory=dict)
    echo: bool = False


@dataclass
class ProtoStats:
    rx: int = 0
    delivered: Counter[Delivered] = field(default_factory=Counter)
    dropped: Counter[Drop] = field(default_factory=Counter)
    tx: int = 0
    # Output the driver could not post (its TX ring full): kept apart from `dropped` so that
    # rx == delivered + dropped stays an identity about input.
    tx_dropped: Counter[TxDrop] = field(default_factory=Counter)

    def count(self, why: Verdict) -> None:
        """Input's outcome for one packet: the identity rx == delivered + dropped, kept."""
        self.rx += 1
        if isinstance(why, Delivered):
            self.delivered[why] += 1
        else:
            self.dropped[why] += 1

    def add(self, other: ProtoStats) -> None:
        self.rx += other.rx
        self.delivered.update(other.delivered)
        self.dropped.update(other.dropped)
        self.tx += other.tx
        self.tx_dropped.update(other.tx_dropped)


@dataclass
class CpuState:
    """One CPU's protocol state. Only that CPU's netisr thread touches it (others send it
    messages), which is why the packet path takes no lock."""

    stats: ProtoStats = field(default_factory=ProtoStats)
    arp: dict[bytes, bytes] = field(default_factory=dict)  # IP -> MAC
    pcb: dict[int, Socket] = field(default_factory=dict)  # bound UDP port -> socket
    flows: Counter[tuple[str, int, str]] = field(default_factory=Counter)  # (ip, port, proto)


class Protocols:
    """The protocol layers of one host, with per-CPU state in `pcpu[cpuid]`."""

    def __init__(
        self,
        cpus: CpuSet,
        mac: bytes,
        ip: str,
        transmit: Callable[[Cpu, bytes], Awaitable[None]],
        shared_stats: bool = False,
        tcp: TcpConfig | None = None,
        reuseport_close: str = DRAGONFLY,
    ) -> None:
        self.cpus = cpus
        # One statistics block for all CPUs instead of one per CPU: every update by a CPU other
        # than the last writer moves the cache line (cost.line_bounce_ns).
        self.shared_stats = shared_stats
        self._last_writer = -1
        self.bounces = 0
        self.mac = mac
        self.ip = ip_raw(ip)
        self._transmit = transmit
        self.sockets: dict[int, Socket] = {}
        self.pcpu = [CpuState() for _ in cpus.cpus]
        self.tcp = TcpLayer(
            cpus, self.ip, self._tcp_output, lambda cpuid: self.pcpu[cpuid].stats, tcp,
            reuseport_close,
        )  # fmt: skip

    # ---- input -----------------------------------------------------------------------------

    async def ether_input(self, cpu: Cpu, frame: bytes) -> None:
        await cpu.work(cpu.costs.ether_ns)
        if self.shared_stats and self._last_writer != cpu.cpuid:
            self._last_writer = cpu.cpuid
            self.bounces += 1
            await cpu.work(cpu.costs.line_bounce_ns)
        self.pcpu[cpu.cpuid].stats.count(await self._ether(cpu, frame))

    async def _ether(self, cpu: Cpu, frame: bytes) -> Verdict:
        if len(frame) < 14:
            return Drop.ETH_RUNT
        dst, src, etype = frame[:6], frame[6:12], struct.unpack_from("!H", frame, 12)[0]
        if dst not in (self.mac, BROADCAST):
            return Drop.ETH_NOT_FOR_US
        if etype == ETH_ARP:
            return await self._arp(cpu, frame[14:])
        if etype == ETH_IP:
            return await self._ip(cpu, src, frame[14:])
        return Drop.ETH_UNKNOWN_TYPE

    async def _arp(self, cpu: Cpu, body: bytes) -> Verdict:
        await cpu.work(cpu.costs.arp_ns)
        if len(body) < 28:
            return Drop.ARP_MALFORMED
        htype, ptype, hlen, plen, op = struct.unpack_from("!HHBBH", body)
        if (htype, ptype, hlen, plen) != (1, ETH_IP, 6, 4) or op not in (1, 2):
            return Drop.ARP_MALFORMED
        sha, spa, tpa = body[8:14], body[14:18], body[24:28]
        if tpa != self.ip:
            return Drop.ARP_NOT_FOR_US
        await self.learn(cpu, spa, sha)
        if op == 1:
            reply = struct.pack("!HHBBH", 1, ETH_IP, 6, 4, 2) + self.mac + self.ip + sha + spa
            await self.output(cpu, sha, ETH_ARP, reply)
            return Delivered.ARP_REQUEST
        return Delivered.ARP_REPLY

    async def learn(self, cpu: Cpu, ip: bytes, mac: bytes) -> None:
        """ARP entries live on every CPU: an update goes round them all (forward_all)."""
        if self.pcpu[cpu.cpuid].arp.get(ip) == mac:
            return

        async def update(c: Cpu) -> None:
            self.pcpu[c.cpuid].arp[ip] = mac

        self.pcpu[cpu.cpuid].arp[ip] = (
            mac  # this CPU at once; the others when the round reaches them
        )
        await self.cpus.forward_all(cpu, update, wait=False)

    async def _ip(self, cpu: Cpu, src_mac: bytes, pkt: bytes) -> Verdict:
        await cpu.work(cpu.costs.ip_ns)
        if len(pkt) < 20:
            return Drop.IP_TRUNCATED
        vihl = pkt[0]
        if vihl >> 4 != 4:
            return Drop.IP_BAD_VERSION
        ihl = (vihl & 0xF) * 4
        if ihl < 20 or len(pkt) < ihl:
            return Drop.IP_BAD_IHL
        if checksum(pkt[:ihl]) != 0:
            return Drop.IP_BAD_CHECKSUM
        total = struct.unpack_from("!H", pkt, 2)[0]
        if total < ihl or total > len(pkt):
            return Drop.IP_BAD_LENGTH
        pkt = pkt[:total]  # Ethernet padding off
        src, dst = pkt[12:16], pkt[16:20]
        if dst != self.ip:
            return Drop.IP_NOT_FOR_US
        if struct.unpack_from("!H", pkt, 6)[0] & 0x3FFF:
            return Drop.IP_FRAGMENT
        if pkt[8] == 0:
            return Drop.IP_TTL_EXPIRED
        proto, payload = pkt[9], pkt[ihl:]
        if proto == PROTO_ICMP:
            return await self._icmp(cpu, src_mac, src, payload)
        if proto == PROTO_UDP:
            return await self._udp(cpu, src_mac, src, payload)
        if proto == PROTO_TCP:
            return await self.tcp.input(cpu, src_mac, src, payload)
        return Drop.IP_UNKNOWN_PROTO

    async def _icmp(self, cpu: Cpu, src_mac: bytes, src: bytes, msg: bytes) -> Verdict:
        await cpu.work(cpu.costs.icmp_ns)
        if len(msg) < 8:
            return Drop.ICMP_TRUNCATED
        if checksum(msg) != 0:
            return Drop.ICMP_BAD_CHECKSUM
        if msg[0] != ICMP_ECHO:
            return Drop.ICMP_NOT_ECHO
        self.pcpu[cpu.cpuid].flows[(ip_str(src), 0, "icmp")] += 1
        reply = bytes([ICMP_ECHO_REPLY, 0, 0, 0]) + msg[4:]
        reply = reply[:2] + struct.pack("!H", checksum(reply)) + reply[4:]
        await self.output(cpu, src_mac, ETH_IP, build_ipv4(self.ip, src, PROTO_ICMP, reply))
        return Delivered.ICMP_ECHO

    async def _udp(self, cpu: Cpu, src_mac: bytes, src: bytes, dgram: bytes) -> Verdict:
        await cpu.work(cpu.costs.udp_ns)
        if len(dgram) < 8:
            return Drop.UDP_TRUNCATED
        sport, dport, length, csum = struct.unpack_from("!HHHH", dgram)
        if length < 8 or length > len(dgram):
            return Drop.UDP_BAD_LENGTH
        dgram = dgram[:length]
        if csum and udp_checksum(src, self.ip, dgram[:6] + b"\0\0" + dgram[8:]) != csum:
            return Drop.UDP_BAD_CHECKSUM
        sock = self.pcpu[cpu.cpuid].pcb.get(dport)
        if sock is None:
            return Drop.UDP_NO_SOCKET
        data = dgram[8:]
        self.pcpu[cpu.cpuid].flows[(ip_str(src), sport, "udp")] += 1
        if sock.echo:
            udp = build_udp(self.ip, src, dport, sport, data)
            await self.output(cpu, src_mac, ETH_IP, build_ipv4(self.ip, src, PROTO_UDP, udp))
            return Delivered.UDP_ECHO
        queue = sock.queues[cpu.cpuid]
        if len(queue) >= sock.limit:
            return Drop.SOCKET_FULL
        await cpu.work(cpu.costs.socket_ns)
        queue.append(Datagram(data, ip_str(src), sport, cpu.cpuid, cpu.sim.now()))
        return Delivered.UDP_SOCKET

    # ---- output ----------------------------------------------------------------------------

    async def output(self, cpu: Cpu, dst_mac: bytes, etype: int, payload: bytes) -> None:
        frame = dst_mac + self.mac + struct.pack("!H", etype) + payload
        self.pcpu[cpu.cpuid].stats.tx += 1
        await self._transmit(cpu, frame)

    async def _tcp_output(self, cpu: Cpu, dst_mac: bytes, dst: bytes, segment: bytes) -> None:
        await cpu.work(cpu.costs.ip_ns)
        await self.output(cpu, dst_mac, ETH_IP, build_ipv4(self.ip, dst, PROTO_TCP, segment))

    def arp_lookup(self, ip: bytes) -> bytes | None:
        """Any CPU's ARP entry for `ip` (they converge after one forward round)."""
        return next((st.arp[ip] for st in self.pcpu if ip in st.arp), None)

    # ---- sockets ---------------------------------------------------------------------------

    async def bind(self, port: int, echo: bool = False, limit: int = 1024) -> Socket:
        """A UDP socket on `port`, replicated on every CPU (one message round the CPUs)."""
        if port in self.sockets:
            raise OSError(f"UDP port {port} is in use")
        sock = Socket(port, limit, echo=echo)
        self.sockets[port] = sock

        async def install(cpu: Cpu) -> None:
            sock.queues[cpu.cpuid] = deque()
            self.pcpu[cpu.cpuid].pcb[port] = sock

        await self.cpus.forward_all(None, install)
        return sock

    async def recvfrom(self, sock: Socket) -> list[Datagram]:
        """Every datagram queued on the socket, visiting each CPU in turn."""

        async def drain(cpu: Cpu) -> list[Datagram]:
            q = sock.queues[cpu.cpuid]
            out = list(q)
            q.clear()
            return out

        parts = await self.cpus.forward_all(None, drain)
        return [d for part in parts for d in part]

    async def sendto(
        self, cpu: int, sock: Socket, data: bytes, dst: str, dport: int, dst_mac: bytes
    ) -> None:
        """Send from the CPU that owns the flow (the caller computes it from the hash)."""
        src, dst_raw = self.ip, ip_raw(dst)

        async def send(c: Cpu) -> None:
            await c.work(c.costs.udp_ns + c.costs.ip_ns)
            udp = build_udp(src, dst_raw, sock.port, dport, data)
            await self.output(c, dst_mac, ETH_IP, build_ipv4(src, dst_raw, PROTO_UDP, udp))

        await self.cpus.domsg(None, cpu, send)

    async def stats(self) -> ProtoStats:
        """Per-CPU statistics summed, read by visiting each CPU in turn."""
        total = ProtoStats()

        async def read(cpu: Cpu) -> ProtoStats:
            return self.pcpu[cpu.cpuid].stats

        for part in await self.cpus.forward_all(None, read):
            total.add(part)
        return total
