"""One host: the NIC driver, N simulated CPUs with netisr threads, npoll or MSI-X interrupts,
packet batching, and the protocols, wired the way DragonFly BSD wires them.

RX: the CPU that owns a ring (npoll: the ring's poll function runs there; interrupt mode: its
vector is bound there) harvests it, works out each packet's flow CPU from the NIC's RSS hash,
and hands packets to those CPUs' netisr threads: with batching, one message per target CPU per
harvest (DragonFly's "aggregate in the handler, dispatch a batch per CPU"); without, one per
packet. TX: replies are staged per CPU and flushed by a rollup once per netisr batch, one tail
write for all of them, on the TX ring that CPU owns.

Rings and modes. npoll uses every ring: ring r is polled on CPU r % ncpus and the RETA is
i % rings, so when ncpus divides the ring count the polling CPU is the flow's CPU. Interrupt
mode follows igb (pystack/nic/intr.py): V-1 rings, the RETA rewritten to them, TX rings on the
RX vectors. Rings are not capped at the CPU count (DragonFly does cap them) so that the vector
limit, not the CPU count, decides what interrupt mode can use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pystack.nic.caps import Caps
from pystack.nic.device import Device, Msi
from pystack.nic.driver import Driver, RxPacket
from pystack.nic.intr import IntrDriver, MsixPlan, ack_other_causes, igb_msix_plan
from pystack.nic.irq_model import ICR_LSC
from pystack.regmap import addr
from pystack.rss import RssConfig, classify_frame, symmetric_key
from pystack.rss.classify import RETA_ENTRIES, HashType
from pystack.rss.program import reta_register_writes
from pystack.stack.cost import DEFAULT_COSTS, CostModel
from pystack.stack.netisr import Cpu, CpuSet, Msg, hash_cpu
from pystack.stack.npoll import NPoll
from pystack.stack.proto import PROTO_UDP, Protocols
from pystack.stack.sim import Sim

HOST_MAC = bytes.fromhex("020000000001")
HOST_IP = "10.0.0.1"
SWITCH_SETTLE_NS = 5000.0  # frames classified under the old RETA land within this
IFSTART_PRIO = 50  # if_start_rollup's priority


@dataclass
class HostStats:
    interrupts: int = 0
    dispatched: int = 0  # packets handed from a ring's CPU to a netisr
    dispatch_msgs: int = 0
    rx_by_ring: Counter[int] = field(default_factory=Counter)
    tx_by_ring: Counter[int] = field(default_factory=Counter)
    mode_switches: int = 0
    # IP packets sent from the CPU their own tuple's hash names (the CPU that owns the flow's
    # PCB) or from another one: the symmetric key's whole point is that the second stays 0.
    tx_on_flow_cpu: int = 0
    tx_off_flow_cpu: int = 0


class Host:
    """Build with `await Host.create(...)`; then `set_mode`, sockets on `proto`, stats."""

    def __init__(
        self,
        sim: Sim,
        dev: Device,
        ncpus: int = 4,
        vectors: int | None = None,
        batching: bool = True,
        costs: CostModel = DEFAULT_COSTS,
        key: bytes | None = None,
        ring_size: int = 128,
        shared_stats: bool = False,
    ) -> None:
        self.sim, self.dev = sim, dev
        self.costs = costs
        self.batching = batching
        self.key = key if key is not None else symmetric_key()
        self.vectors = vectors  # None: every vector the NIC has (HN_CAPS), known after attach
        self.ring_size = ring_size
        self.cpus = CpuSet(sim, ncpus, costs)
        self.npoll = NPoll(self.cpus)
        self.stats = HostStats()
        self.mode = "off"
        self.drv: Driver | None = None
        self.intr: IntrDriver | None = None
        self.plan: MsixPlan | None = None
        self.proto = Protocols(self.cpus, HOST_MAC, HOST_IP, self._stage_tx, shared_stats)
        self._tx_rss = RssConfig(key=self.key)
        self._owner_cache: dict[bytes, int] = {}
        for cpu in self.cpus.cpus:
            cpu.local["txq"] = []
            cpu.add_rollup(IFSTART_PRIO, self._flush_tx)

    @classmethod
    async def create(cls, sim: Sim, dev: Device, mode: str = "npoll", **kw: object) -> Host:
        host = cls(sim, dev, **kw)  # type: ignore[arg-type]
        await host.attach()
        await host.set_mode(mode)
        return host

    @property
    def ncpus(self) -> int:
        return self.cpus.ncpus

    async def attach(self) -> None:
        caps = await Caps.read(self.dev)
        if self.vectors is None:
            self.vectors = caps.vectors
        elif not 1 <= self.vectors <= caps.vectors:
            raise ValueError(f"vectors {self.vectors}: the NIC has {caps.vectors}")
        self.nrings = min(caps.rx_queues, caps.tx_queues)
        self.plan = igb_msix_plan(self.vectors, caps.rx_queues, caps.tx_queues)
        self.drv = Driver(
            self.dev,
            rx_queues=self.nrings,
            tx_queues=self.nrings,
            ring_size=self.ring_size,
            rss=RssConfig(key=self.key, reta=self._poll_reta()),
        )
        await self.drv.attach()
        self.intr = IntrDriver(self.drv, self.plan)
        self.sim.on_interrupt(self._on_interrupt)

    # ---- rings, CPUs, modes ------------------------------------------------------------------

    def _poll_reta(self) -> list[int]:
        return [i % self.nrings for i in range(RETA_ENTRIES)]

    def ring_cpu(self, ring: int) -> int:
        return ring % self.ncpus

    def rings_in_use(self) -> list[int]:
        if self.mode == "intr":
            assert self.plan is not None
            return self.plan.rx_rings
        return list(range(self.nrings))

    def tx_ring(self, cpu: int) -> int:
        rings = self.rings_in_use()
        mine = [r for r in rings if self.ring_cpu(r) == cpu]
        return mine[0] if mine else rings[cpu % len(rings)]

    async def _write_reta(self, reta: list[int]) -> None:
        for a, v in reta_register_writes(reta):
            await self.dev.write_reg(a, v)

    async def set_mode(self, mode: str) -> None:
        """Switch between "npoll" and "intr" on a running interface without losing a frame:
        the RETA moves first, then the rings leaving service are drained on their CPUs once
        the frames classified under the old table have landed."""
        if mode not in ("npoll", "intr"):
            raise ValueError("mode must be 'npoll' or 'intr'")
        assert self.drv is not None and self.intr is not None and self.plan is not None
        if mode == self.mode:
            return
        old_rings = set(self.rings_in_use()) if self.mode != "off" else set()
        if mode == "intr":
            await self._write_reta(self.plan.reta)
            self.mode = "intr"
            self.npoll.stop()
            await self.sim.sleep(SWITCH_SETTLE_NS)
            await self._drain(old_rings)
            await self.intr.enable()
        else:
            if self.mode == "intr":
                await self.intr.disable()
            await self._write_reta(self._poll_reta())
            self.mode = "npoll"
            self._register_polls()
            self.npoll.start()
            await self.sim.sleep(SWITCH_SETTLE_NS)
            await self._drain(old_rings)
        self.stats.mode_switches += 1

    async def _drain(self, rings: set[int]) -> None:
        for ring in sorted(rings):

            async def drain(cpu: Cpu, ring: int = ring) -> None:
                await self._rx_ring(cpu, ring, self.ring_size)
                await self._reclaim(cpu, ring)

            await self.cpus.domsg(None, self.ring_cpu(ring), drain)

    def _register_polls(self) -> None:
        rx: dict[int, list[Callable[[Cpu, int], Awaitable[int]]]] = {}
        tx: dict[int, list[Callable[[Cpu], Awaitable[None]]]] = {}
        for ring in range(self.nrings):
            cpu = self.ring_cpu(ring)

            async def rx_fn(c: Cpu, budget: int, ring: int = ring) -> int:
                return await self._rx_ring(c, ring, budget)

            async def tx_fn(c: Cpu, ring: int = ring) -> None:
                await self._reclaim(c, ring)

            rx.setdefault(cpu, []).append(rx_fn)
            tx.setdefault(cpu, []).append(tx_fn)
        self.npoll.register(rx, tx, self._status)

    # ---- RX: harvest on the ring's CPU, dispatch to the flows' CPUs -------------------------

    async def _rx_ring(self, cpu: Cpu, ring: int, budget: int) -> int:
        assert self.drv is not None
        packets = self.drv.harvest(ring, budget=budget)
        if not packets:
            return 0
        await cpu.work(self.costs.rx_desc_ns * len(packets))
        await self.drv.refill(ring)
        await cpu.work(self.costs.reg_write_ns)
        self.stats.rx_by_ring[ring] += len(packets)
        await self._dispatch(cpu, packets)
        return len(packets)

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
        cpu.local["txq"].append(frame)

    async def _flush_tx(self, cpu: Cpu) -> None:
        staged = cpu.local["txq"]
        if not staged:
            return
        assert self.drv is not None
        ring = self.tx_ring(cpu.cpuid)
        if self.drv.tx[ring].space < len(staged):
            await self._reclaim(cpu, ring)
        sent = await self.drv.transmit(ring, staged)
        await cpu.work(self.costs.tx_desc_ns * sent + self.costs.reg_write_ns)
        self.stats.tx_by_ring[ring] += sent
        for frame in staged[:sent]:
            self._count_locality(cpu.cpuid, frame)
        if sent < len(staged):
            cpu.local["stats"].tx_dropped["tx_ring_full"] += len(staged) - sent
        staged.clear()

    def _count_locality(self, cpuid: int, frame: bytes) -> None:
        """Bookkeeping only (no simulated cost): which CPU the reply's own hash names."""
        udp = frame[23] == PROTO_UDP if len(frame) > 23 else False
        tuple_bytes = frame[12:14] + frame[23:24] + frame[26:34] + (frame[34:38] if udp else b"")
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

    async def _reclaim(self, cpu: Cpu, ring: int) -> None:
        assert self.drv is not None
        done = self.drv.reclaim(ring)
        if done:
            await cpu.work(self.costs.tx_desc_ns * done)

    # ---- status and interrupts ---------------------------------------------------------------

    async def _status(self, cpu: Cpu) -> None:
        icr = await ack_other_causes(self.dev)
        await cpu.work(self.costs.reg_write_ns)
        if icr & ICR_LSC:
            cpu.local["link_changes"] = cpu.local.get("link_changes", 0) + 1

    def _vector_cpu(self, vector: int) -> int:
        assert self.plan is not None
        if vector == self.plan.status_vector:
            return 0
        rings = self.plan.rx_rings_on(vector)
        return self.ring_cpu(rings[0]) if rings else 0

    def _on_interrupt(self, msg: Msi) -> None:
        if self.mode != "intr":
            return
        self.stats.interrupts += 1
        cpu = self._vector_cpu(msg.data)
        self.cpus.post(cpu, Msg(self._intr_handler(msg.data), "intr"), first=True)

    def _intr_handler(self, vector: int) -> Callable[[Cpu], Awaitable[None]]:
        async def handler(cpu: Cpu) -> None:
            assert self.plan is not None
            cpu.stats.interrupts += 1
            await cpu.work(self.costs.intr_entry_ns)
            if vector == self.plan.status_vector:
                await self._status(cpu)
            for ring in self.plan.rx_rings_on(vector):
                while await self._rx_ring(cpu, ring, self.ring_size):
                    pass
            for ring in self.plan.tx_rings_on(vector):
                await self._reclaim(cpu, ring)
            if self.mode == "intr":
                await self.dev.write_reg(addr("EIMS"), 1 << vector)
            await cpu.work(self.costs.reg_write_ns + self.costs.intr_exit_ns)

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

    def cpu_totals(self) -> dict[str, float]:
        s = [c.stats for c in self.cpus.cpus]
        return {
            "messages": sum(x.messages for x in s),
            "ipis": sum(x.ipis for x in s),
            "interrupts": sum(x.interrupts for x in s),
            "polls": sum(x.polls for x in s),
            "busy_ns": sum(x.busy_ns for x in s),
        }
