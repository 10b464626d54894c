# SPDX-License-Identifier: MIT
"""The host's TCP, partitioned the DragonFly way (paper 1.2-1.6).

A connection lives on the CPU that `toeplitz(faddr, laddr, fport, lport)` names under the
stack's own (symmetric) key, which is the CPU the NIC's RSS delivers its segments to when the
NIC runs the same key: its PCB, its timers and all its segments are handled there, so nothing
is locked. A segment that lands elsewhere (the NIC programmed with another key) is counted and
sent on to its owner by message. Listen sockets are single objects whose reference every CPU
holds; a SYN is handled on the CPU it landed on, and the established connection is queued on
the listen socket's accept queue, whose lock is the one thing CPUs share (charged as a cache
line moving between them). SO_REUSEPORT gives each CPU's worker its own listen socket and queue.
"""

from __future__ import annotations

import heapq
import itertools
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from pystack.rss import symmetric_key, toeplitz_fast
from pystack.stack import tcp_segment as wire
from pystack.stack import tcp_seq as sq
from pystack.stack.netisr import Cpu, CpuSet, Msg, hash_cpu
from pystack.stack.tcp_conn import CloseReason, State, Tcb, TcpConfig, TcpCounters, reset_reply
from pystack.stack.tcp_pcb import ConnKey, Cursor, Listener, ListenGroup, Pcb, PcbList
from pystack.stack.verdicts import Delivered, Drop, Verdict

if TYPE_CHECKING:
    from pystack.stack.proto import ProtoStats

EPHEMERAL = (49152, 65535)
ISN_TICK_NS = 4000.0  # RFC 6528: the clock part of the ISN ticks every 4 us
LINUX, DRAGONFLY = "linux", "dragonfly"  # what closing one SO_REUSEPORT listener does


@dataclass
class TcpStats(TcpCounters):
    """Per-CPU TCP counters (summed over CPUs for a run): every connection's own counters
    (TcpCounters, taken in when it goes away), and the CPU's."""

    active_opens: int = 0
    passive_opens: int = 0  # SYNs that made a connection
    established: int = 0
    accepted: int = 0
    closed: Counter[str] = field(default_factory=Counter)  # by CloseReason
    resets_sent: int = 0
    off_cpu_segments: int = 0  # landed on a CPU that does not own their connection
    accept_contention: int = 0  # accept-queue lock taken after another CPU held it
    migrated: int = 0  # queued connections moved to another SO_REUSEPORT listener
    reset_on_listener_close: int = 0
    pcbs: int = 0  # connections alive now (filled in when read)

    def add(self, other: TcpStats) -> None:
        for f in fields(self):
            mine = getattr(self, f.name)
            if isinstance(mine, Counter):
                mine.update(getattr(other, f.name))
            else:
                setattr(self, f.name, mine + getattr(other, f.name))

    def take(self, tcb: Tcb) -> None:
        """A connection's own counters (the TcpCounters fields), when it goes away."""
        for f in fields(TcpCounters):
            setattr(self, f.name, getattr(self, f.name) + getattr(tcb.counters, f.name))


def _reopens(tcb: Tcb, seg: wire.Segment) -> bool:
    """A new SYN for a tuple in TIME_WAIT, above everything the old connection received: BSD
    (and RFC 6191) let it open a new connection instead of waiting out 2 MSL."""
    return (
        tcb.state is State.TIME_WAIT and seg.has(wire.SYN) and not seg.has(wire.ACK)
        and sq.gt(seg.seq, tcb.rcv_nxt)
    )  # fmt: skip


class TcpCpu:
    """What one CPU's netisr owns: its connections, its timers, its copy of the listeners."""

    def __init__(self, cpu: Cpu) -> None:
        self.cpu = cpu
        self.conns: dict[ConnKey, Pcb] = {}
        self.pcbs = PcbList()
        self.listen: dict[int, ListenGroup] = {}  # replicated references
        self.stats = TcpStats()
        self.timers: list[tuple[float, int, Pcb]] = []
        self.wake_at = float("inf")


class TcpLayer:
    """Connections, listeners and timers of one host, per CPU."""

    def __init__(
        self,
        cpus: CpuSet,
        laddr: bytes,
        transmit: Callable[[Cpu, bytes, bytes, bytes], Awaitable[None]],
        proto_stats: Callable[[int], ProtoStats],
        cfg: TcpConfig | None = None,
        reuseport_close: str = DRAGONFLY,
        seed: int = 1,
    ) -> None:
        self.cpus = cpus
        self.sim = cpus.sim
        self.laddr = laddr
        self.cfg = cfg or TcpConfig()
        self.reuseport_close = reuseport_close
        self._transmit = transmit  # (cpu, dst_mac, faddr, TCP bytes): IP output
        self.proto_stats = proto_stats
        self.key = symmetric_key()  # the stack's key (DragonFly's toeplitz keyseeds)
        self.pcpu = [TcpCpu(c) for c in cpus.cpus]
        self.groups: dict[int, ListenGroup] = {}
        self._owner: dict[ConnKey, int] = {}
        self._secret = seed.to_bytes(8, "big")
        self._seq = itertools.count()
        self._next_port = EPHEMERAL[0]

    # ---- placement ---------------------------------------------------------------------------

    def owner_cpu(self, faddr: bytes, fport: int, lport: int) -> int:
        """tcp_addrcpu(): the CPU of the connection, from the tuple in the NIC's RX order."""
        key = (faddr, fport, lport)
        cpu = self._owner.get(key)
        if cpu is None:
            data = faddr + self.laddr + fport.to_bytes(2, "big") + lport.to_bytes(2, "big")
            cpu = hash_cpu(toeplitz_fast(self.key, data), self.cpus.ncpus)
            if len(self._owner) > 1 << 16:
                self._owner.clear()
            self._owner[key] = cpu
        return cpu

    def _iss(self, faddr: bytes, fport: int, lport: int) -> int:
        """RFC 6528: a 4 us clock plus a keyed hash of the tuple (deterministic per seed)."""
        tuple_bytes = faddr + fport.to_bytes(2, "big") + lport.to_bytes(2, "big")
        return (int(self.sim.now() / ISN_TICK_NS) + zlib.crc32(self._secret + tuple_bytes)) & (
            0xFFFFFFFF
        )

    # ---- input -------------------------------------------------------------------------------

    async def input(self, cpu: Cpu, src_mac: bytes, src: bytes, payload: bytes) -> Verdict:
        """tcp_input on the CPU the segment landed on (after IP's checks)."""
        await cpu.work(cpu.costs.tcp_ns)
        seg = wire.parse(src, self.laddr, payload)
        if isinstance(seg, Drop):
            return seg
        owner = self.owner_cpu(src, seg.sport, seg.dport)
        if owner != cpu.cpuid:
            self.pcpu[cpu.cpuid].stats.off_cpu_segments += 1

            async def redispatched(c: Cpu) -> None:
                self.proto_stats(c.cpuid).count(await self._input_owned(c, src_mac, src, seg))

            await self.cpus.send(cpu, owner, Msg(redispatched, "tcp_redispatch"))
            return Delivered.TCP_REDISPATCHED
        return await self._input_owned(cpu, src_mac, src, seg)

    async def _input_owned(
        self, cpu: Cpu, src_mac: bytes, src: bytes, seg: wire.Segment
    ) -> Verdict:
        tc = self.pcpu[cpu.cpuid]
        now = self.sim.now()
        pcb = tc.conns.get((src, seg.sport, seg.dport))
        if pcb is not None and _reopens(pcb.tcb, seg):
            pcb.tcb.closed_reason = CloseReason.NORMAL  # TIME_WAIT gives way (RFC 6191)
            pcb.tcb.state = State.CLOSED
            self._free(tc, pcb)
            pcb = None
        if pcb is not None:
            verdict = pcb.tcb.input(seg, now)
            await self._settle(cpu, pcb)
            return verdict
        group = tc.listen.get(seg.dport)
        if group is None:
            await self._reset(cpu, src_mac, src, seg)
            return Drop.TCP_CLOSED_PORT if not seg.has(wire.RST) else Drop.TCP_RST_IGNORED
        if seg.has(wire.RST):
            return Drop.TCP_RST_IGNORED
        if seg.has(wire.ACK) or not seg.has(wire.SYN):
            if seg.has(wire.ACK):
                await self._reset(cpu, src_mac, src, seg)
            return Drop.TCP_LISTEN_NOT_SYN
        listener = group.pick(cpu.cpuid)
        if listener is None or len(listener.queue) + len(listener.embryonic) >= listener.backlog:
            return Drop.TCP_ACCEPT_QUEUE_FULL
        tcb = Tcb.accept_syn(self.cfg, self._iss(src, seg.sport, seg.dport), seg.dport, seg, now)
        pcb = Pcb(tcb, cpu.cpuid, src, src_mac, listener)
        listener.embryonic.add(pcb)
        tc.stats.passive_opens += 1
        self._attach(tc, pcb)
        await self._settle(cpu, pcb)
        return Delivered.TCP_SYN

    def _attach(self, tc: TcpCpu, pcb: Pcb) -> None:
        tc.conns[pcb.key] = pcb
        tc.pcbs.append(pcb)

    async def _reset(self, cpu: Cpu, mac: bytes, faddr: bytes, seg: wire.Segment) -> None:
        if seg.has(wire.RST):
            return
        self.pcpu[cpu.cpuid].stats.resets_sent += 1
        await self._send(cpu, mac, faddr, reset_reply(seg))

    # ---- after every step of a connection: send, re-arm, wake, free --------------------------

    async def _settle(self, cpu: Cpu, pcb: Pcb) -> None:
        tcb = pcb.tcb
        tc = self.pcpu[cpu.cpuid]
        out, tcb.out = tcb.out, []
        for seg in out:
            if seg.has(wire.RST):
                tc.stats.resets_sent += 1
            await self._send(cpu, pcb.mac, pcb.faddr, seg)
        listener = pcb.listener
        if listener is not None and tcb.state not in (State.SYN_RCVD, State.CLOSED):
            listener.embryonic.discard(pcb)
            pcb.listener = None
            if listener.closed:  # its listener went while the handshake finished
                tc.stats.reset_on_listener_close += 1
                tcb.abort(self.sim.now(), CloseReason.LISTENER_CLOSED)
                await self._settle(cpu, pcb)
                return
            tc.stats.established += 1
            await self._lock_queue(cpu, listener)
            listener.queue.append(pcb)
            if listener.waiter is not None:
                listener.waiter.set()
        if tcb.state is State.CLOSED:
            self._free(tc, pcb)
        else:
            self._schedule(tc, pcb)
        if pcb.socket is not None:
            pcb.socket.wake()

    def _free(self, tc: TcpCpu, pcb: Pcb) -> None:
        if tc.conns.get(pcb.key) is pcb:
            del tc.conns[pcb.key]
        if pcb.linked:
            tc.pcbs.unlink(pcb)
            tc.stats.take(pcb.tcb)
            tc.stats.closed[str(pcb.tcb.closed_reason)] += 1
        if pcb.listener is not None:
            pcb.listener.embryonic.discard(pcb)
            pcb.listener = None

    async def _send(self, cpu: Cpu, mac: bytes, faddr: bytes, seg: wire.Segment) -> None:
        await cpu.work(cpu.costs.tcp_out_ns)
        await self._transmit(cpu, mac, faddr, wire.build(self.laddr, faddr, seg))

    async def _lock_queue(self, cpu: Cpu, listener: Listener, user: bool = False) -> None:
        """The accept queue's lock: a cache-line move whenever another CPU held it last. The
        netisr takes it to queue a connection, an application thread (`user`) to accept one."""
        spend = cpu.user_work if user else cpu.work
        await spend(cpu.costs.lock_ns)
        if listener.last_cpu not in (-1, cpu.cpuid):
            listener.contention += 1
            self.pcpu[cpu.cpuid].stats.accept_contention += 1
            await spend(cpu.costs.line_bounce_ns)
        listener.last_cpu = cpu.cpuid

    # ---- timers: one heap per CPU, a timer message when the earliest falls due ---------------

    def _schedule(self, tc: TcpCpu, pcb: Pcb) -> None:
        at = pcb.tcb.next_deadline()
        if at is None or (pcb.timer_at is not None and pcb.timer_at <= at):
            return
        pcb.timer_at = at
        heapq.heappush(tc.timers, (at, next(self._seq), pcb))
        if at < tc.wake_at:
            tc.wake_at = at
            self.sim.spawn(self._sleeper(tc, at))

    async def _sleeper(self, tc: TcpCpu, at: float) -> None:
        await self.sim.sleep(at - self.sim.now())
        if tc.wake_at == at:
            tc.wake_at = float("inf")
        self.cpus.post(tc.cpu.cpuid, Msg(self._run_timers, "tcp_timer"))

    async def _run_timers(self, cpu: Cpu) -> None:
        tc = self.pcpu[cpu.cpuid]
        now = self.sim.now()
        while tc.timers and tc.timers[0][0] <= now:
            at, _, pcb = heapq.heappop(tc.timers)
            if pcb.timer_at != at:
                continue  # superseded
            pcb.timer_at = None
            if pcb.tcb.state is State.CLOSED:
                continue
            await cpu.work(cpu.costs.tcp_ns)
            pcb.tcb.on_timer(now)
            await self._settle(cpu, pcb)
        if tc.timers and tc.timers[0][0] < tc.wake_at:
            tc.wake_at = tc.timers[0][0]
            self.sim.spawn(self._sleeper(tc, tc.wake_at))

    # ---- what sockets ask for ----------------------------------------------------------------

    async def on_owner(self, src: Cpu | None, pcb: Pcb, op: Callable[[Tcb, float], Any]) -> Any:
        """Run `op` on the connection's own CPU (a netisr message, as DragonFly's socket calls
        are), then send and wake what it caused; returns what `op` returned."""

        async def run(cpu: Cpu) -> Any:
            await cpu.work(cpu.costs.tcp_ns)
            result = op(pcb.tcb, self.sim.now())
            await self._settle(cpu, pcb)
            return result

        return await self.cpus.domsg(src, pcb.cpu, run, from_netisr=False)

    async def post_to_owner(self, src: Cpu, pcb: Pcb, op: Callable[[Tcb, float], Any]) -> None:
        """The asynchronous form (paper 2.4): the caller goes on at once."""

        async def run(cpu: Cpu) -> None:
            await cpu.work(cpu.costs.tcp_ns)
            op(pcb.tcb, self.sim.now())
            await self._settle(cpu, pcb)

        await self.cpus.send(src, pcb.cpu, Msg(run, "tcp_send"))

    async def listen(
        self, port: int, backlog: int = 1024, reuseport: bool = False, cpu: int | None = None
    ) -> Listener:
        """A listen socket on `port` (joining the port's group under SO_REUSEPORT), its
        reference installed on every CPU by one message round."""
        group = self.groups.get(port)
        if group is not None and not (reuseport and group.reuseport):
            raise OSError(f"TCP port {port} is in use (EADDRINUSE)")
        if group is None:
            group = ListenGroup(port, reuseport)
            self.groups[port] = group
        listener = Listener(port, backlog, group, owner_cpu=cpu, waiter=self.sim.event())
        group.members.append(listener)

        async def install(c: Cpu) -> None:
            self.pcpu[c.cpuid].listen[port] = group

        await self.cpus.forward_all(None, install)
        return listener

    async def close_listener(self, listener: Listener) -> None:
        """Close one listen socket. Its queued connections move to another member of its
        SO_REUSEPORT group (DragonFly) or are reset (`linux`, or when no member is left)."""
        listener.closed = True
        group = listener.group
        live = [m for m in group.members if not m.closed]
        group.members.remove(listener)
        heir = live[0] if live and self.reuseport_close == DRAGONFLY else None
        queued = list(listener.queue)
        listener.queue.clear()
        for pcb in queued:
            if heir is not None:
                heir.queue.append(pcb)
                self.pcpu[pcb.cpu].stats.migrated += 1
                heir.waiter.set()
            else:
                self.pcpu[pcb.cpu].stats.reset_on_listener_close += 1
                await self.on_owner(
                    None, pcb, lambda t, now: t.abort(now, CloseReason.LISTENER_CLOSED)
                )
        for pcb in list(listener.embryonic):
            if heir is not None:  # half-open ones follow the queue (DragonFly)
                pcb.listener = heir
                heir.embryonic.add(pcb)
                listener.embryonic.discard(pcb)
                self.pcpu[pcb.cpu].stats.migrated += 1
            # else: finishing its handshake finds the listener closed and resets it
        if not group.members:
            del self.groups[listener.port]

            async def remove(c: Cpu) -> None:
                self.pcpu[c.cpuid].listen.pop(listener.port, None)

            await self.cpus.forward_all(None, remove)
        listener.waiter.set()

    async def accept(self, app: Cpu, listener: Listener) -> Pcb | None:
        """Take one established connection off the queue (None when empty), under its lock."""
        await self._lock_queue(app, listener, user=True)
        if not listener.queue:
            return None
        pcb = listener.queue.popleft()
        self.pcpu[pcb.cpu].stats.accepted += 1
        return pcb

    async def connect(self, app: Cpu, faddr: bytes, fport: int, mac: bytes) -> Pcb:
        """Active open: pick a source port, compute the connection's CPU and have its netisr
        create the PCB and send the SYN (paper 1.3)."""
        lport = self._pick_port(faddr, fport)
        owner = self.owner_cpu(faddr, fport, lport)

        async def create(cpu: Cpu) -> Pcb:
            tc = self.pcpu[cpu.cpuid]
            await cpu.work(cpu.costs.tcp_ns)
            now = self.sim.now()
            tcb = Tcb.connect(self.cfg, self._iss(faddr, fport, lport), lport, fport, now)
            pcb = Pcb(tcb, cpu.cpuid, faddr, mac)
            tc.stats.active_opens += 1
            self._attach(tc, pcb)
            await self._settle(cpu, pcb)
            return pcb

        pcb: Pcb = await self.cpus.domsg(app, owner, create, from_netisr=False)
        return pcb

    def _pick_port(self, faddr: bytes, fport: int) -> int:
        low, high = EPHEMERAL
        for _ in range(high - low + 1):
            port = self._next_port
            self._next_port = low if port >= high else port + 1
            owner = self.owner_cpu(faddr, fport, port)
            if (faddr, fport, port) not in self.pcpu[owner].conns:
                return port
        raise OSError("no ephemeral port left (EADDRNOTAVAIL)")

    # ---- reading the state -------------------------------------------------------------------

    async def stats(self) -> TcpStats:
        """Summed over the CPUs (each read on its own CPU), live connections included."""

        async def read(c: Cpu) -> TcpStats:
            tc = self.pcpu[c.cpuid]
            st = TcpStats()
            st.add(tc.stats)
            for pcb in tc.pcbs:
                st.take(pcb.tcb)
            st.pcbs = tc.pcbs.count
            return st

        total = TcpStats()
        for part in await self.cpus.forward_all(None, read):
            total.add(part)
        return total

    async def dump(self, chunk: int = 16) -> list[tuple[int, str, int, int, str]]:
        """netstat: every connection as (cpu, faddr, fport, lport, state), one CPU at a time,
        `chunk` PCBs per netisr message with a cursor PCB holding the place in between."""
        rows: list[tuple[int, str, int, int, str]] = []
        for cpuid in range(self.cpus.ncpus):
            cursor = Cursor()
            tc = self.pcpu[cpuid]

            async def start(c: Cpu, cursor: Cursor = cursor, tc: TcpCpu = tc) -> None:
                tc.pcbs.insert_after(tc.pcbs.head, cursor)

            await self.cpus.domsg(None, cpuid, start)
            done = False
            while not done:

                async def step(c: Cpu, cursor: Cursor = cursor, tc: TcpCpu = tc) -> bool:
                    taken = 0
                    node = cursor.next
                    while node is not tc.pcbs.head and taken < chunk:
                        if isinstance(node, Pcb):
                            t = node.tcb
                            rows.append(
                                (c.cpuid, ".".join(map(str, node.faddr)), t.remote_port,
                                 t.local_port, str(t.state))
                            )  # fmt: skip
                            taken += 1
                        node = node.next
                    tc.pcbs.unlink(cursor)
                    if node is tc.pcbs.head:
                        return True
                    tc.pcbs.insert_after(node.prev, cursor)
                    return False

                done = await self.cpus.domsg(None, cpuid, step)
        return rows
