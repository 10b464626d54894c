# SPDX-License-Identifier: MIT
"""One host: the NIC driver, N simulated CPUs with netisr threads, npoll or MSI-X interrupts,
packet batching, and the protocols, wired the way DragonFly BSD wires them.

RX: the CPU that owns a ring (npoll: the ring's poll function runs there; interrupt mode: its
vector is bound there) harvests it, works out each packet's flow CPU from the NIC's RSS hash,
and hands packets to those CPUs' netisr threads: with batching, one message per target CPU per
harvest (DragonFly's "aggregate in the handler, dispatch a batch per CPU"); without, one per
packet. TX: replies are staged per CPU and flushed by a rollup once per netisr batch, one tail
write for all of them, on the TX ring that CPU owns.

The driver's igb-shaped half (pystack/nic/igb.py) owns the rings, which CPU serves each, the
poll functions, the MSI-X handler and the RETA; this file gives it the CPUs, the cost model and
the dispatch, and owns what DragonFly's stack owns: npoll's timing, the netisr messages, the
interrupt's trip to its CPU, and the order of a mode switch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields

from pystack.nic.device import Device, Msi
from pystack.nic.driver import Driver, RxPacket
from pystack.nic.igb import Igb, Mode
from pystack.rss import RssConfig, classify_frame, symmetric_key
from pystack.rss.classify import HashType
from pystack.stack.cost import DEFAULT_COSTS, CostModel
from pystack.stack.netisr import Cpu, CpuSet, Msg, hash_cpu
from pystack.stack.npoll import NPoll
from pystack.stack.proto import PROTO_UDP, Protocols, TxDrop
from pystack.stack.sim import Sim
from pystack.stack.sockets import SocketApi
from pystack.stack.tcp_conn import TcpConfig
from pystack.stack.tcp_layer import DRAGONFLY
from pystack.stack.tcp_segment import PROTO_TCP

HOST_MAC = bytes.fromhex("020000000001")
HOST_IP = "10.0.0.1"
SWITCH_SETTLE_NS = 5000.0  # frames classified under the old RETA land within this
IFSTART_PRIO = 50  # if_start_rollup's priority


@dataclass
class HostStats:
    dispatched: int = 0  # packets handed from a ring's CPU to a netisr
    dispatch_msgs: int = 0
    mode_switches: int = 0
    # IP packets sent from the CPU their own tuple's hash names (the CPU that owns the flow's
    # PCB) or from another one: the symmetric key's whole point is that the second stays 0.
    tx_on_flow_cpu: int = 0
    tx_off_flow_cpu: int = 0


@dataclass
class CpuTotals:
    """The CPUs' counters summed; a difference of two is what a phase of a run cost."""

    messages: int = 0
    ipis: int = 0
    interrupts: int = 0
    polls: int = 0
    busy_ns: float = 0.0

    def __sub__(self, other: CpuTotals) -> CpuTotals:
        return CpuTotals(
            *(getattr(self, f.name) - getattr(other, f.name) for f in fields(CpuTotals))
        )


class Host:
    """Build with `await Host.create(...)` (which holds the defaults); then `set_mode`,
    sockets on `proto`, stats."""

    def __init__(
        self,
        sim: Sim,
        dev: Device,
        *,
        ncpus: int,
        vectors: int | None,
        batching: bool,
        costs: CostModel,
        key: bytes,
        ring_size: int,
        shared_stats: bool,
        tcp: TcpConfig | None = None,
        reuseport_close: str = DRAGONFLY,
    ) -> None:
        self.sim, self.dev = sim, dev
        self.costs = costs
        self.batching = batching
        self.key = key
        self.vectors = vectors  # None: every vector the NIC has (HN_CAPS), known after attach
        self.ring_size = ring_size
        self.cpus = CpuSet(sim, ncpus, costs)
        self.npoll = NPoll(self.cpus)
        self.stats = HostStats()
        self._igb: Igb[Cpu] | None = None
        self.proto = Protocols(
            self.cpus, HOST_MAC, HOST_IP, self._stage_tx, shared_stats, tcp, reuseport_close
        )
        self.sockets = SocketApi(self.proto.tcp, self.proto.arp_lookup)
        self._tx_rss = RssConfig(key=self.key)
        self._owner_cache: dict[bytes, int] = {}
        self._staged: list[list[bytes]] = [[] for _ in self.cpus.cpus]  # output, per CPU
        for cpu in self.cpus.cpus:
            cpu.add_rollup(IFSTART_PRIO, self._flush_tx)

    @classmethod
    async def create(
        cls,
        sim: Sim,
        dev: Device,
        mode: str = "npoll",
        *,
        ncpus: int = 4,
        vectors: int | None = None,
        batching: bool = True,
        costs: CostModel = DEFAULT_COSTS,
        key: bytes | None = None,
        ring_size: int = 128,
        shared_stats: bool = False,
        tcp: TcpConfig | None = None,
        reuseport_close: str = DRAGONFLY,
    ) -> Host:
        """An attached host in `mode`. `vectors` None: every vector the NIC has; `key` None:
        the symmetric key; `shared_stats`: one statistics block for all CPUs; `tcp`: TCP's
        tunables; `reuseport_close`: "dragonfly" or "linux" (closing an SO_REUSEPORT listener
        migrates or resets its queued connections)."""
        host = cls(
            sim,
            dev,
            ncpus=ncpus,
            vectors=vectors,
            batching=batching,
            costs=costs,
            key=key if key is not None else symmetric_key(),
            ring_size=ring_size,
            shared_stats=shared_stats,
            tcp=tcp,
            reuseport_close=reuseport_close,
        )
        await host.attach()
        await host.set_mode(mode)
        return host

    @property
    def ncpus(self) -> int:
        return self.cpus.ncpus

    @property
    def igb(self) -> Igb[Cpu]:
        """The driver's igb half: rings, modes, per-ring and interrupt counters."""
        if self._igb is None:
            raise RuntimeError("the host is not attached")
        return self._igb

    @property
    def drv(self) -> Driver:
        return self.igb.drv

    @property
    def mode(self) -> str:
        return "off" if self._igb is None else str(self._igb.mode)

    @property
    def nrings(self) -> int:
        return self.igb.nrings

    async def attach(self) -> None:
        self._igb = await Igb.attach(
            self.dev,
            ncpus=self.ncpus,
            vectors=self.vectors,
            key=self.key,
            ring_size=self.ring_size,
            costs=self.costs,
            rx_input=self._dispatch,
        )
        self.sim.on_interrupt(self._on_interrupt)

    # ---- rings, CPUs, modes ------------------------------------------------------------------

    def rings_in_use(self) -> list[int]:
        return self.igb.rings_in_use()

    async def set_mode(self, mode: str) -> None:
        """Switch between "npoll" and "intr" on a running interface without losing a frame:
        the RETA moves first, then the rings leaving service are drained on their CPUs once
        the frames classified under the old table have landed."""
        if mode not in (Mode.NPOLL, Mode.INTR):
            raise ValueError("mode must be 'npoll' or 'intr'")
        nic = self.igb
        if mode == nic.mode:
            return
        old_rings = set(nic.rings_in_use()) if nic.mode is not Mode.OFF else set()
        if mode == Mode.INTR:
            await nic.npoll_off()
            self.npoll.stop()
            await self.sim.sleep(SWITCH_SETTLE_NS)
            await self._drain(old_rings)
            await nic.enable_intr()
        else:
            info = await nic.npoll_on()
            self.npoll.register(info.rx, info.tx, info.status)
            self.npoll.start()
            await self.sim.sleep(SWITCH_SETTLE_NS)
            await self._drain(old_rings)
        self.stats.mode_switches += 1

    async def _drain(self, rings: set[int]) -> None:
        nic = self.igb
        for ring in sorted(rings):

            async def drain(cpu: Cpu, ring: int = ring) -> None:
                await nic.rxeof(cpu, ring, self.ring_size)
                await nic.txeof(cpu, ring)

            await self.cpus.domsg(None, nic.ring_cpu(ring), drain)

    # ---- RX: dispatch from the ring's CPU to the flows' CPUs ---------------------------------

    def flow_cpu(self, p: RxPacket) -> int:
        if HashType(p.hash_type) is HashType.NONE:
            return 0  # no hash (ARP, non-IP, malformed): CPU 0's netisr
        return hash_cpu(p.rss_hash, self.ncpus)

    async def _dispatch(self, cpu: Cpu, packets: list[RxPacket]) -> None:
        self.stats.dispatched += len(packets)
        if self.batching:
            by_cpu: dict[int, list[bytes]] = {}
            for p in packets:
                by_cpu.setdefault(self.flow_cpu(p), []).append(p.data)
            for target, frames in by_cpu.items():
                self.stats.dispatch_msgs += 1
                await self.cpus.send(cpu, target, Msg(self._input(frames), "rx_batch"))
        else:
            for p in packets:
                self.stats.dispatch_msgs += 1
                await self.cpus.send(cpu, self.flow_cpu(p), Msg(self._input([p.data]), "rx"))

    def _input(self, frames: list[bytes]) -> Callable[[Cpu], Awaitable[None]]:
        async def handler(cpu: Cpu) -> None:
            for frame in frames:
                await self.proto.ether_input(cpu, frame)

        return handler

    # ---- TX: staged per CPU, flushed once per netisr batch ----------------------------------

    async def _stage_tx(self, cpu: Cpu, frame: bytes) -> None:
        self._staged[cpu.cpuid].append(frame)

    async def _flush_tx(self, cpu: Cpu) -> None:
        staged = self._staged[cpu.cpuid]
        if not staged:
            return
        sent = await self.igb.start(cpu, staged)
        for frame in staged[:sent]:
            self._count_locality(cpu.cpuid, frame)
        if sent < len(staged):
            self.proto.pcpu[cpu.cpuid].stats.tx_dropped[TxDrop.TX_RING_FULL] += len(staged) - sent
        staged.clear()

    def _count_locality(self, cpuid: int, frame: bytes) -> None:
        """Bookkeeping only (no simulated cost): which CPU the reply's own hash names."""
        ports = frame[23] in (PROTO_UDP, PROTO_TCP) if len(frame) > 23 else False
        tuple_bytes = frame[12:14] + frame[23:24] + frame[26:34] + (frame[34:38] if ports else b"")
        owner = self._owner_cache.get(tuple_bytes)
        if owner is None:
            res = classify_frame(frame, self._tx_rss)
            owner = -1 if res.hash_type is HashType.NONE else hash_cpu(res.hash, self.ncpus)
            self._owner_cache[tuple_bytes] = owner
        if owner < 0:
            return
        if owner == cpuid:
            self.stats.tx_on_flow_cpu += 1
        else:
            self.stats.tx_off_flow_cpu += 1

    # ---- interrupts: the message goes to its vector's CPU, ahead of queued work -------------

    def _on_interrupt(self, msg: Msi) -> None:
        vector = self.igb.accept(msg)
        if vector is not None:
            cpu = self.igb.vector_cpu(vector)
            self.cpus.post(cpu, Msg(self._intr_handler(vector), "intr"), first=True)

    def _intr_handler(self, vector: int) -> Callable[[Cpu], Awaitable[None]]:
        async def handler(cpu: Cpu) -> None:
            cpu.stats.interrupts += 1
            await self.igb.msix(cpu, vector)

        return handler

    # ---- sysctl ------------------------------------------------------------------------------

    def sysctl_get(self, name: str) -> int:
        """net.ifpoll.<cpu>.<tunable>, net.netisr.ncpus, net.link.batching."""
        parts = name.split(".")
        if name == "net.netisr.ncpus":
            return self.ncpus
        if name == "net.link.batching":
            return int(self.batching)
        if parts[:2] == ["net", "ifpoll"] and len(parts) >= 4:
            return self.npoll.get(int(parts[2]), ".".join(parts[3:]))
        raise KeyError(f"unknown sysctl {name!r}")

    async def sysctl_set(self, name: str, value: int) -> int:
        parts = name.split(".")
        if name == "net.link.batching":

            async def apply(cpu: Cpu) -> None:
                self.batching = bool(value)

            await self.cpus.forward_all(None, apply)
            return int(self.batching)
        if parts[:2] == ["net", "ifpoll"] and len(parts) >= 4:
            cpu = int(parts[2])
            if not 0 <= cpu < self.ncpus:
                raise KeyError(f"no CPU {cpu} ({self.ncpus} CPUs)")
            return await self.npoll.set(cpu, ".".join(parts[3:]), value)
        raise KeyError(f"unknown or read-only sysctl {name!r}")

    # ---- accounting --------------------------------------------------------------------------

    def cpu_totals(self) -> CpuTotals:
        s = [c.stats for c in self.cpus.cpus]
        return CpuTotals(
            messages=sum(x.messages for x in s),
            ipis=sum(x.ipis for x in s),
            interrupts=sum(x.interrupts for x in s),
            polls=sum(x.polls for x in s),
            busy_ns=sum(x.busy_ns for x in s),
        )
