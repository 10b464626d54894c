# SPDX-License-Identifier: MIT
"""The stack on the behavioural model: netisr ordering and batching, forward-along-CPUs,
synchronous messages, npoll's burst adaptation and tunables, the protocols against
scapy-built packets (ARP, ICMP echo, UDP echo and sockets, malformed frames by reason), flows
replied on their own CPU, all 16 rings under npoll and 9 under interrupts, and switching modes
under traffic without losing a frame."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw
from scapy.utils import checksum as scapy_checksum

from pystack.nic.model import ModelDevice
from pystack.rss import RssConfig, symmetric_key
from pystack.stack.cost import DEFAULT_COSTS
from pystack.stack.host import HOST_IP, HOST_MAC, Host
from pystack.stack.inet_csum import checksum
from pystack.stack.netisr import ROLLUP_LIMIT, Cpu, CpuSet, Msg, hash_cpu
from pystack.stack.npoll import NPoll
from pystack.stack.peer import Peer
from pystack.stack.sim import ModelSim

US = 1000.0
PEER_MAC = "02:10:00:00:00:07"


def run(body: Callable[[ModelSim, ModelDevice], Awaitable[Any]], until_ns: float = 5e6) -> Any:
    dev = ModelDevice(link_up=True)
    sim = ModelSim(dev)
    box: dict[str, Any] = {}

    async def main() -> None:
        box["out"] = await body(sim, dev)

    task = sim.spawn(main())
    sim.run(until_ns)
    assert task.done, "the scenario did not finish in simulated time"
    return box["out"]


def test_netisr_order_batches_and_rollups() -> None:
    async def body(sim: ModelSim, dev: ModelDevice) -> tuple[list, list]:
        cpus = CpuSet(sim, 2, DEFAULT_COSTS)
        seen: list[int] = []
        rollups: list[int] = []

        async def rollup(cpu: Cpu) -> None:
            rollups.append(len(seen))

        cpus[1].add_rollup(50, rollup)
        for i in range(70):

            async def h(cpu: Cpu, i: int = i) -> None:
                seen.append(i)

            cpus.post(1, Msg(h))
        await sim.sleep(10 * US)
        return seen, rollups

    seen, rollups = run(body)
    assert seen == list(range(70))
    assert rollups == [ROLLUP_LIMIT, 2 * ROLLUP_LIMIT, 70]  # a rollup after every batch of 32


def test_forward_all_domsg_and_ipis() -> None:
    async def body(sim: ModelSim, dev: ModelDevice) -> tuple[list, int, list]:
        cpus = CpuSet(sim, 5, DEFAULT_COSTS)
        order = await cpus.forward_all(None, _cpuid)
        result = await cpus.domsg(None, 3, _cpuid)
        ipis = [c.stats.ipis for c in cpus.cpus]
        return order, result, ipis

    order, result, ipis = run(body)
    assert order == [0, 1, 2, 3, 4] and result == 3
    assert ipis == [1, 1, 1, 1, 0]  # each stop forwards to the next CPU


async def _cpuid(cpu: Cpu) -> int:
    return cpu.cpuid


def test_a_cpu_cannot_wait_on_a_round_through_itself() -> None:
    async def body(sim: ModelSim, dev: ModelDevice) -> None:
        cpus = CpuSet(sim, 2, DEFAULT_COSTS)
        with pytest.raises(ValueError):
            await cpus.forward_all(cpus[0], _cpuid)

    run(body)


def _npoll_with(sim: ModelSim, cost_per_packet: float, backlog: int) -> NPoll:
    cpus = CpuSet(sim, 1, DEFAULT_COSTS)
    npoll = NPoll(cpus)
    left = [backlog]

    async def rx(cpu: Cpu, budget: int) -> int:
        n = min(budget, left[0])
        left[0] -= n
        await cpu.work(n * cost_per_packet)
        return n

    async def nothing(cpu: Cpu) -> None:
        return None

    npoll.register({0: [rx]}, {0: [nothing]}, nothing)
    npoll.start()
    return npoll


def test_burst_grows_when_polling_is_cheap() -> None:
    async def body(sim: ModelSim, dev: ModelDevice) -> int:
        npoll = _npoll_with(sim, cost_per_packet=10.0, backlog=10**9)
        await sim.sleep(40_000 * US)  # 240 ticks
        return npoll.get(0, "rx.burst")

    assert run(body, 5e7) == 250  # +1 per tick up to burst_max


def test_burst_shrinks_when_polling_eats_the_tick() -> None:
    async def body(sim: ModelSim, dev: ModelDevice) -> tuple[int, int]:
        # 50 packets x 4 us = 200 us: more than a whole 6000 Hz tick (167 us).
        npoll = _npoll_with(sim, cost_per_packet=4 * US, backlog=10**9)
        await sim.sleep(20_000 * US)
        return npoll.get(0, "rx.burst"), npoll.ctx[0].stats.lost_polls

    burst, lost = run(body, 5e7)
    # Settles where polling takes half the tick: 83 us / 4 us ~ 21 packets.
    assert 15 <= burst <= 22 and lost > 0, (burst, lost)


def test_tunables_apply_on_their_cpu_with_clamps() -> None:
    async def body(sim: ModelSim, dev: ModelDevice) -> list[int]:
        host = await Host.create(sim, dev, mode="npoll", ncpus=3)
        got = [
            await host.sysctl_set("net.ifpoll.1.rx.burst_max", 7),  # clamped to 10
            await host.sysctl_set("net.ifpoll.1.rx.each_burst", 99),  # <= burst_max
            await host.sysctl_set("net.ifpoll.2.pollhz", 12000),
            host.sysctl_get("net.ifpoll.0.rx.each_burst"),
        ]
        with pytest.raises(ValueError):
            await host.sysctl_set("net.ifpoll.0.pollhz", 40000)
        with pytest.raises(KeyError):
            host.sysctl_get("net.ifpoll.0.nonsense")
        return got

    assert run(body) == [10, 10, 12000, 50]


def _scapy_frames() -> tuple[list[bytes], dict[str, int]]:
    """Requests and malformed frames, each malformed one with the reason it must count."""
    eth = Ether(dst=HOST_MAC.hex(":"), src=PEER_MAC)
    ip = IP(src="10.1.0.7", dst=HOST_IP)
    good = [
        bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER_MAC) / ARP(psrc="10.1.0.7", pdst=HOST_IP,
              hwsrc=PEER_MAC)),
        bytes(eth / ip / ICMP(id=5, seq=1) / b"ping"),
        bytes(eth / ip / UDP(sport=5555, dport=7) / b"echo me"),
        bytes(eth / ip / UDP(sport=5556, dport=9999) / b"for the socket"),
    ]  # fmt: skip
    bad_ip = bytearray(bytes(eth / ip / UDP(sport=1, dport=7) / b"x"))
    bad_ip[14 + 10] ^= 0xFF  # header checksum
    bad_udp = bytearray(bytes(eth / ip / UDP(sport=1, dport=7) / b"xyz"))
    bad_udp[14 + 20 + 6] ^= 0x55  # UDP checksum
    malformed = {
        bytes(eth / IP(src="10.1.0.7", dst="10.9.9.9") / UDP(dport=7)): "ip_not_for_us",
        bytes(bad_ip): "ip_bad_checksum",
        bytes(bad_udp): "udp_bad_checksum",
        bytes(eth / ip / UDP(sport=1, dport=4242) / b"x"): "udp_no_socket",
        bytes(eth / IP(src="10.1.0.7", dst=HOST_IP, flags="MF") / UDP(dport=7)): "ip_fragment",
        bytes(eth / IP(src="10.1.0.7", dst=HOST_IP, ttl=0) / UDP(dport=7)): "ip_ttl_expired",
        bytes(eth / ip / ICMP(type=13)): "icmp_not_echo",
        bytes(Ether(dst="02:00:00:00:00:99") / ip / UDP(dport=7)): "eth_not_for_us",
        bytes(Ether(dst=HOST_MAC.hex(":"), src=PEER_MAC, type=0x88B5) / bytes(50)): (
            "eth_unknown_type"
        ),
        bytes(eth)[:12] + b"\x08\x00" + b"\x65" + bytes(49): "ip_bad_version",
        bytes(eth / IP(src="10.1.0.7", dst=HOST_IP, proto=99) / b"zz"): "ip_unknown_proto",
    }
    reasons: dict[str, int] = {}
    for why in malformed.values():
        reasons[why] = reasons.get(why, 0) + 1
    return good + list(malformed), reasons


@pytest.mark.parametrize("mode", ["npoll", "intr"])
def test_protocols_against_scapy(mode: str) -> None:
    frames, reasons = _scapy_frames()

    async def body(sim: ModelSim, dev: ModelDevice) -> tuple:
        host = await Host.create(sim, dev, mode=mode)
        await host.proto.bind(7, echo=True)
        sock = await host.proto.bind(9999)
        await dev.mac_send([f + bytes(max(0, 60 - len(f))) for f in frames], rate=0.1)
        await sim.sleep(2000 * US)
        return (
            dev.mac_take(),
            await host.proto.recvfrom(sock),
            await host.proto.stats(),
            await host.drv.read_stats(),  # type: ignore[union-attr]
        )

    out, dgrams, st, nic = run(body)
    replies = [Ether(f.data) for f in out]
    arp = [p for p in replies if ARP in p]
    assert len(arp) == 1 and arp[0][ARP].op == 2 and arp[0][ARP].psrc == HOST_IP
    icmp = [p for p in replies if ICMP in p]
    assert len(icmp) == 1 and icmp[0][ICMP].type == 0 and icmp[0][Raw].load == b"ping"
    # scapy recomputes checksums when a field is deleted: the NIC-side bytes must match.
    for p in icmp + [p for p in replies if UDP in p]:
        fixed = p.copy()
        del fixed[IP].chksum
        fixed_l4 = fixed[ICMP] if ICMP in fixed else fixed[UDP]
        del fixed_l4.chksum
        assert bytes(Ether(bytes(fixed))) == bytes(p), "bad checksum in a reply"
    udp = [p for p in replies if UDP in p]
    assert len(udp) == 1 and udp[0][UDP].dport == 5555 and udp[0][Raw].load == b"echo me"
    assert [(d.data, d.src, d.sport) for d in dgrams] == [(b"for the socket", "10.1.0.7", 5556)]
    assert dict(st.dropped) == reasons
    assert st.rx == nic["GPRC"] == len(frames)
    assert st.rx == sum(st.delivered.values()) + sum(st.dropped.values())


def _echo_run(mode: str, batching: bool, flows: int = 32, rounds: int = 6, rate: float = 0.01):
    async def body(sim: ModelSim, dev: ModelDevice) -> tuple:
        host = await Host.create(sim, dev, mode=mode, batching=batching)
        await host.proto.bind(7, echo=True)
        peer = Peer(dev, HOST_MAC, HOST_IP)
        fl = peer.flows(flows)
        await peer.send([(f, -1, peer.arp_request(f)) for f in fl], rate=0.05)
        await sim.sleep(300 * US)
        peer.collect()
        peer.unmatched = 0
        reqs = [(f, s, peer.request(f, s)) for s in range(rounds) for f in fl]
        await peer.send(reqs, rate=rate)
        end = peer.wire_end_ns + 1000 * US
        while sim.now() < end:
            await sim.sleep(20 * US)
            peer.collect()
        return host, peer, fl, await host.proto.stats()

    return run(body, 5e7)


@pytest.mark.parametrize("mode", ["npoll", "intr"])
def test_echo_replies_on_the_flows_cpu(mode: str) -> None:
    host, peer, flows, _ = _echo_run(mode, batching=True)
    assert peer.replies == len(flows) * 6 and not peer.sent and peer.unmatched == 0
    cfg = RssConfig(key=symmetric_key())
    for f in flows:
        want = hash_cpu(peer.flow_hash(f, cfg), host.ncpus)
        key = (f.ip, f.sport if f.kind == "udp" else 0, f.kind)
        on = [c.cpuid for c in host.cpus.cpus if host.proto.pcpu[c.cpuid].flows[key]]
        assert on == [want], f"flow {f.fid} handled on {on}, its hash names CPU {want}"
    used = sorted(host.igb.rx_by_ring)
    assert used == (list(range(16)) if mode == "npoll" else list(range(9))), used
    handled = host.cpu_totals().interrupts
    if mode == "npoll":
        assert handled == 0 and host.igb.interrupts == 0, (handled, host.igb.interrupts)
    else:  # every message delivered ran its handler once on some CPU
        assert 0 < handled == host.igb.interrupts, (handled, host.igb.interrupts)


def test_batching_cuts_messages() -> None:
    on = _echo_run("intr", batching=True, rounds=8, rate=0.05)
    off = _echo_run("intr", batching=False, rounds=8, rate=0.05)
    per_packet_on = on[0].stats.dispatch_msgs / on[0].stats.dispatched
    per_packet_off = off[0].stats.dispatch_msgs / off[0].stats.dispatched
    assert per_packet_off == 1.0 and per_packet_on < 0.5, (per_packet_on, per_packet_off)


def test_mode_switch_under_traffic_loses_nothing() -> None:
    async def body(sim: ModelSim, dev: ModelDevice) -> tuple:
        host = await Host.create(sim, dev, mode="npoll")
        await host.proto.bind(7, echo=True)
        peer = Peer(dev, HOST_MAC, HOST_IP)
        fl = peer.flows(40)
        await peer.send([(f, -1, peer.arp_request(f)) for f in fl], rate=0.05)
        await sim.sleep(300 * US)
        peer.collect()
        reqs = [(f, s, peer.request(f, s)) for s in range(30) for f in fl]
        await peer.send(reqs, rate=0.005)
        span = peer.wire_end_ns - sim.now()
        modes = []
        for mode in ("intr", "npoll", "intr"):
            await sim.sleep(span / 4)
            await host.set_mode(mode)
            modes.append(host.mode)
        end = peer.wire_end_ns + 2000 * US
        while sim.now() < end:
            await sim.sleep(50 * US)
            peer.collect()
        return peer, modes, await host.proto.stats(), await host.drv.read_stats()  # type: ignore[union-attr]

    peer, modes, st, nic = run(body, 1e8)
    assert modes == ["intr", "npoll", "intr"]
    drops = {k: v for k, v in nic.items() if v and k.split("[")[0] in ("RQDPC", "MPC")}
    assert not drops, drops
    assert peer.replies == 40 * 30 and not peer.sent, (peer.replies, len(peer.sent))
    assert sum(st.dropped.values()) == 0


def test_sendto_leaves_on_the_flows_cpu_and_shared_stats_cost_more() -> None:
    async def body(sim: ModelSim, dev: ModelDevice, shared: bool) -> tuple:
        host = await Host.create(sim, dev, mode="npoll", shared_stats=shared)
        sock = await host.proto.bind(5000)
        peer = Peer(dev, HOST_MAC, HOST_IP)
        flows = peer.flows(16, kinds=("udp",))
        await peer.send([(f, -1, peer.arp_request(f)) for f in flows], rate=0.05)
        await sim.sleep(300 * US)
        cfg = RssConfig(key=symmetric_key())
        for f in flows:
            cpu = hash_cpu(peer.flow_hash(f, cfg), host.ncpus)
            await host.proto.sendto(cpu, sock, b"hello %d" % f.fid, f.ip, f.sport, f.mac)
        await sim.sleep(300 * US)
        return dev.mac_take(), host.cpu_totals().busy_ns, host.proto.bounces

    def go(shared: bool) -> tuple:
        return run(lambda sim, dev: body(sim, dev, shared))

    out, busy, bounces = go(False)
    udp = [Ether(f.data) for f in out if UDP in Ether(f.data)]
    assert sorted(p[Raw].load for p in udp) == sorted(b"hello %d" % i for i in range(16))
    for p in udp:  # scapy recomputes the checksums the stack wrote
        again = p.copy()
        del again[IP].chksum
        del again[UDP].chksum
        assert bytes(Ether(bytes(again))) == bytes(p)
    _, busy_shared, bounces_shared = go(True)
    assert bounces == 0 and bounces_shared > 0 and busy_shared > busy


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=1600))
def test_internet_checksum_equals_scapys(data: bytes) -> None:
    assert checksum(data) == scapy_checksum(data)


@pytest.mark.parametrize(
    "data", [b"", b"\0\0", b"\xff\xff", b"\xff\xff\xff\xff", b"\xff", b"\x00\x01\xff\xfe"]
)
def test_internet_checksum_edges_equal_scapys(data: bytes) -> None:
    assert checksum(data) == scapy_checksum(data)
