# SPDX-License-Identifier: MIT
"""A wrk/ab-shaped HTTP/1.1 load generator on the far end: `connections` users, each opening a
connection, sending GETs, reading each response in full, closing and thinking; or, with an
offered rate, connections started on a fixed schedule up to the concurrency cap (for curves of
throughput and latency against offered load). Every body is compared with the object its path
names, so a wrong byte counts as a failure rather than a success.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pystack.apps import http_msg
from pystack.apps.peer_tcp import PeerConn, PeerTcp
from pystack.stack.peer import Flow
from pystack.stack.sim import Sim
from pystack.stack.tcp_conn import CloseReason, State

DONE = (State.CLOSED, State.TIME_WAIT)


@dataclass
class LoadConfig:
    connections: int = 64  # concurrent connections (users)
    rate_per_s: float = 0.0  # connections started per simulated second; 0: closed loop
    object_size: int = 1024
    keep_alive: bool = False
    requests_per_conn: int = 1  # with keep-alive
    think_ns: float = 0.0
    port: int = 80
    timeout_ns: float = 50_000_000.0  # a transaction not done by then is a failure


@dataclass
class LoadStats:
    started: int = 0  # connections opened
    transactions: int = 0  # requests answered in full and correctly
    completed: int = 0  # connections that ended cleanly after their requests
    failures: dict[str, int] = field(default_factory=dict)  # by why
    resets: int = 0
    connect_ns: list[float] = field(default_factory=list)  # SYN out to established
    response_ns: list[float] = field(default_factory=list)  # request out to last body byte
    bytes_received: int = 0

    def fail(self, why: str) -> None:
        self.failures[why] = self.failures.get(why, 0) + 1


class LoadGen:
    def __init__(self, sim: Sim, tcp: PeerTcp, flows: list[Flow], cfg: LoadConfig) -> None:
        self.sim, self.tcp, self.flows, self.cfg = sim, tcp, flows, cfg
        self.stats = LoadStats()
        self.in_flight = 0
        self.stopped = False
        self._next = 0
        self._slot = sim.event()
        self._deadlines: dict[int, tuple[float, PeerConn]] = {}

    def start(self) -> None:
        if self.cfg.rate_per_s > 0:
            self.sim.spawn(self._open_loop())
        else:
            for _ in range(self.cfg.connections):
                self.sim.spawn(self._user())

    def stop(self) -> None:
        """No new connections; those under way finish."""
        self.stopped = True

    async def _user(self) -> None:
        while not self.stopped:
            await self._transaction()
            if self.cfg.think_ns:
                await self.sim.sleep(self.cfg.think_ns)

    async def _open_loop(self) -> None:
        gap = 1e9 / self.cfg.rate_per_s
        due = self.sim.now()
        while not self.stopped:
            while self.in_flight >= self.cfg.connections:
                self._slot.clear()
                await self._slot.wait()
            self.sim.spawn(self._transaction())
            due += gap
            await self.sim.sleep(max(0.0, due - self.sim.now()))

    def _flow(self) -> Flow:
        flow = self.flows[self._next % len(self.flows)]
        self._next += 1
        return flow

    async def _wait(self, conn: PeerConn, done: Callable[[], bool], deadline: float) -> bool:
        """Wait until `done()` holds; False on the deadline."""
        while not done():
            if self.sim.now() >= deadline:
                return False
            await self._park(conn, deadline)
        return True

    async def _transaction(self) -> None:
        cfg, st, tcp = self.cfg, self.stats, self.tcp
        self.in_flight += 1
        st.started += 1
        t0 = self.sim.now()
        deadline = t0 + cfg.timeout_ns
        flow = self._flow()
        conn = tcp.open(flow, cfg.port)
        await tcp.flush()
        try:
            if not await self._wait(conn, lambda: conn.state is not State.SYN_SENT, deadline):
                st.fail("connect timeout")
                return
            if conn.state is not State.ESTABLISHED:
                self._ended_badly(conn, "connect")
                return
            st.connect_ns.append(self.sim.now() - t0)
            requests = cfg.requests_per_conn if cfg.keep_alive else 1
            for i in range(requests):
                keep = cfg.keep_alive and i + 1 < requests
                path = f"/obj/{flow.fid}/{st.started}/{i}"
                t1 = self.sim.now()
                tcp.send(conn, http_msg.request(path, "10.0.0.1", keep))
                await tcp.flush()
                got = await self._response(conn, deadline)
                if got is None:
                    return
                expected = http_msg.response(http_msg.object_body(path, cfg.object_size), keep)
                if got != expected:
                    st.fail("wrong response bytes")
                    tcp.close(conn)
                    await tcp.flush()
                    return
                st.response_ns.append(self.sim.now() - t1)
                st.transactions += 1
                st.bytes_received += len(got)
            tcp.close(conn)
            await tcp.flush()
            # Closed, or TIME_WAIT when our FIN went first: either is a clean end.
            if not await self._wait(conn, lambda: conn.state in DONE, deadline):
                st.fail("close timeout")
                return
            if conn.state is State.TIME_WAIT or conn.tcb.closed_reason is CloseReason.NORMAL:
                st.completed += 1
            else:
                self._ended_badly(conn, "close")
        finally:
            self.in_flight -= 1
            self._slot.set()

    async def _response(self, conn: PeerConn, deadline: float) -> bytes | None:
        buf = bytearray()
        while True:
            buf += self.tcp.recv(conn)
            need = http_msg.response_length(bytes(buf))
            if need is not None and len(buf) >= need:
                await self.tcp.flush()
                return bytes(buf[:need])
            if conn.tcb.eof or conn.state is State.CLOSED:
                self._ended_badly(conn, "response")
                return None
            await self.tcp.flush()
            if self.sim.now() >= deadline:
                self.stats.fail("response timeout")
                return None
            await self._park(conn, deadline)

    async def _park(self, conn: PeerConn, deadline: float) -> None:
        """Sleep until the connection moves or its deadline passes (`check_deadlines`, called
        by whoever collects frames, wakes the overdue: one sweep instead of a timer each)."""
        conn.event.clear()
        self._deadlines[id(conn)] = (deadline, conn)
        await conn.event.wait()
        self._deadlines.pop(id(conn), None)

    def check_deadlines(self) -> None:
        now = self.sim.now()
        for deadline, conn in list(self._deadlines.values()):
            if deadline <= now:
                conn.event.set()

    def _ended_badly(self, conn: PeerConn, phase: str) -> None:
        reason = conn.tcb.closed_reason
        if reason is CloseReason.RESET:
            self.stats.resets += 1
        self.stats.fail(f"{phase}: {reason or 'closed early'}")
