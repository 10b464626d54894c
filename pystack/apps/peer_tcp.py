# SPDX-License-Identifier: MIT
"""TCP on the far side of the wire: the load generator's connections, driven by the same state
machine as the host's (`Tcb`) but with no CPUs, no costs and no RSS: frames go out through the
peer's wire schedule and come back off MAC TX. The replies' correctness is not judged here
(the tests check the captures with scapy); this only has to be a faithful TCP client.
"""

from __future__ import annotations

import heapq
import itertools
import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pystack.stack import tcp_segment as wire
from pystack.stack.peer import Flow, Peer
from pystack.stack.proto import ETH_IP, build_ipv4, ip_raw
from pystack.stack.sim import Sim
from pystack.stack.tcp_conn import State, Tcb, TcpConfig
from pystack.stack.verdicts import Drop

FIRST_PORT = 10000
MIN_FRAME = 60  # bytes without the FCS


@dataclass
class PeerConn:
    tcb: Tcb
    flow: Flow
    event: Any
    rx: bytearray = field(default_factory=bytearray)
    timer_at: float | None = None

    @property
    def state(self) -> State:
        return self.tcb.state


class PeerTcp:
    """Every client connection of the far end, keyed by (its address, its port)."""

    def __init__(self, sim: Sim, peer: Peer, cfg: TcpConfig, seed: int = 1) -> None:
        self.sim, self.peer, self.cfg = sim, peer, cfg
        self.host_ip = ip_raw(peer.host_ip)
        self.conns: dict[tuple[bytes, int], PeerConn] = {}
        self._ports: Counter[str] = Counter()
        self._timers: list[tuple[float, int, PeerConn]] = []
        self._seq = itertools.count()
        self._pending: list[tuple[Flow, int, bytes]] = []
        self._seed = seed
        self.segments_in = 0
        self.stray = 0  # segments for no connection of ours (e.g. an RST after we closed)
        self.bad: Counter[str] = Counter()  # segments our parser refused

    def open(self, flow: Flow, port: int) -> PeerConn:
        # Ports cycle through FIRST_PORT..65535; the host's TIME_WAIT gives way to a new SYN.
        lport = FIRST_PORT + self._ports[flow.ip] % (0x10000 - FIRST_PORT)
        self._ports[flow.ip] += 1
        now = self.sim.now()
        iss = (zlib.crc32(struct.pack("!IHH", self._seed, lport, port) + flow.ip.encode())) & (
            0xFFFFFFFF
        )
        conn = PeerConn(Tcb.connect(self.cfg, iss, lport, port, now), flow, self.sim.event())
        self.conns[(ip_raw(flow.ip), lport)] = conn
        self._settle(conn)
        return conn

    def take(self, frames: list[bytes]) -> None:
        """Frames off the host's MAC TX."""
        now = self.sim.now()
        for frame in frames:
            if len(frame) < 34 or struct.unpack_from("!H", frame, 12)[0] != ETH_IP:
                continue
            ihl = (frame[14] & 0xF) * 4
            if frame[23] != wire.PROTO_TCP:
                continue
            total = struct.unpack_from("!H", frame, 16)[0]
            src, dst = frame[26:30], frame[30:34]
            seg = wire.parse(src, dst, frame[14 + ihl : 14 + total])
            if isinstance(seg, Drop):
                self.bad[str(seg)] += 1
                continue
            self.segments_in += 1
            conn = self.conns.get((dst, seg.dport))
            if conn is None or conn.tcb.remote_port != seg.sport:
                self.stray += 1
                continue
            conn.tcb.input(seg, now)
            self._settle(conn)

    def run_timers(self) -> None:
        now = self.sim.now()
        while self._timers and self._timers[0][0] <= now:
            at, _, conn = heapq.heappop(self._timers)
            if conn.timer_at != at:
                continue
            conn.timer_at = None
            conn.tcb.on_timer(now)
            self._settle(conn)

    def send(self, conn: PeerConn, data: bytes) -> int:
        n = conn.tcb.send(data, self.sim.now())
        self._settle(conn)
        return n

    def recv(self, conn: PeerConn) -> bytes:
        data = conn.tcb.recv(1 << 20, self.sim.now())
        self._settle(conn)
        return data

    def close(self, conn: PeerConn) -> None:
        conn.tcb.close(self.sim.now())
        self._settle(conn)

    def _settle(self, conn: PeerConn) -> None:
        tcb = conn.tcb
        src = ip_raw(conn.flow.ip)
        for seg in tcb.out:
            tcp = wire.build(src, self.host_ip, seg)
            ip = build_ipv4(src, self.host_ip, wire.PROTO_TCP, tcp)
            frame = self.peer.host_mac + conn.flow.mac + struct.pack("!H", ETH_IP) + ip
            frame += bytes(max(0, MIN_FRAME - len(frame)))  # a MAC pads to the minimum
            self._pending.append((conn.flow, -1, frame))
        tcb.out.clear()
        if tcb.state is State.CLOSED:
            self.conns.pop((src, tcb.local_port), None)
        else:
            at = tcb.next_deadline()
            if at is not None and (conn.timer_at is None or at < conn.timer_at):
                conn.timer_at = at
                heapq.heappush(self._timers, (at, next(self._seq), conn))
        conn.event.set()

    async def flush(self) -> None:
        """Put what the connections queued onto the wire."""
        if self._pending:
            frames, self._pending = self._pending, []
            await self.peer.send(frames, rate=1.0)

    def next_timer(self) -> float | None:
        return self._timers[0][0] if self._timers else None
