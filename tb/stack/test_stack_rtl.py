# SPDX-License-Identifier: MIT
"""The stack end to end on the RTL: ping and UDP echo through the NIC in npoll and in interrupt
mode, switching modes while requests are in flight, every reply handled on its flow's CPU, all
16 rings carrying traffic under npoll and the 9 of interrupt mode otherwise."""

from __future__ import annotations

import os

import cocotb

from pystack.rss import RssConfig, symmetric_key
from pystack.rtl.cocotb_sim import CocotbSim
from pystack.rtl.device import RtlDevice
from pystack.stack.host import HOST_IP, HOST_MAC, Host
from pystack.stack.netisr import hash_cpu
from pystack.stack.peer import Peer

US = 1000.0


async def echo(dut, modes: list[str], flows: int = 32, rounds: int = 6) -> None:
    dev = RtlDevice(dut, name=os.environ.get("SIM", "rtl"))
    await dev.start()
    dev.set_link(True)
    sim = CocotbSim(dev)
    host = await Host.create(sim, dev, mode=modes[0])
    await host.proto.bind(7, echo=True)
    peer = Peer(dev, HOST_MAC, HOST_IP)
    fl = peer.flows(flows)
    await peer.send([(f, -1, peer.arp_request(f)) for f in fl], rate=0.05)
    await sim.sleep(300 * US)
    peer.collect()
    assert peer.unmatched == flows, f"{peer.unmatched} ARP replies for {flows} requests"
    reqs = [(f, s, peer.request(f, s)) for s in range(rounds) for f in fl]
    await peer.send(reqs, rate=0.01)
    span = peer.wire_end_ns - sim.now()
    for mode in modes[1:]:
        await sim.sleep(span / len(modes))
        await host.set_mode(mode)
        assert host.mode == mode
    end = peer.wire_end_ns + 1000 * US
    while sim.now() < end and peer.sent:
        await sim.sleep(50 * US)
        peer.collect()
    assert peer.replies == flows * rounds and not peer.sent, (peer.replies, len(peer.sent))
    cfg = RssConfig(key=symmetric_key())
    for f in fl:
        want = hash_cpu(peer.flow_hash(f, cfg), host.ncpus)
        key = (f.ip, f.sport if f.kind == "udp" else 0, f.kind)
        on = [c.cpuid for c in host.cpus.cpus if host.proto.pcpu[c.cpuid].flows[key]]
        assert on == [want], f"flow {f.fid} handled on CPUs {on}, its hash names {want}"
    st = await host.proto.stats()
    nic = await host.drv.read_stats()
    assert st.rx == sum(st.delivered.values()) + sum(st.dropped.values())
    assert not sum(st.dropped.values()) and not nic["MPC"]
    assert not dev.guard_violations()
    used = sorted(host.igb.rx_by_ring)
    if modes == ["npoll"]:
        assert used == list(range(16)), used
        assert host.igb.interrupts == 0
    if modes == ["intr"]:
        assert used == list(range(9)), used
        assert host.igb.interrupts > 0


@cocotb.test()
async def npoll_all_rings(dut) -> None:
    await echo(dut, ["npoll"])


@cocotb.test()
async def interrupts_nine_rings(dut) -> None:
    await echo(dut, ["intr"])


@cocotb.test()
async def switch_modes_under_traffic(dut) -> None:
    await echo(dut, ["npoll", "intr", "npoll"], rounds=9)
