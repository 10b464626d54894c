# SPDX-License-Identifier: MIT
"""`hilnic sim --workload http`: the nginx-shaped server and the wrk-shaped client end to end,
with every segment the host sent checked by scapy (checksums, sequence continuity, flags),
DragonFly's placement (SO_REUSEPORT, the symmetric key), and the RTL against the model."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.utils import rdpcap

from pystack import simrun
from pystack.cli import main
from pystack.scenario.checks import accounting_errors
from pystack.scenario.outputs import read_results
from pystack.scenario.results import Results
from pystack.stack.host import HOST_IP
from pystack.stack.tcp_conn import TcpConfig
from tests.tcp_lab import MS, US, Lab

SHORT = ["--workload", "http", "--duration", "1500", "--flows", "16"]


def run_http(out: Path, *argv: str) -> Results:
    assert main(["sim", "--out", str(out), *SHORT, *argv]) == 0
    return read_results(out)


def check_host_segments(out: Path) -> int:
    """Every TCP segment the host sent, judged by scapy alone: checksums recomputed, SYN-ACK
    first and nothing after FIN but retransmissions, and data in sequence (each new byte
    starting where the last new byte ended). Returns the connections seen."""
    conns: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for pkt in rdpcap(str(out / "tx.pcap")):
        if TCP not in pkt:
            continue
        ip, tcp = pkt[IP], pkt[TCP]
        assert ip.src == HOST_IP
        clone = Ether(bytes(pkt))
        del clone[IP].chksum
        del clone[TCP].chksum
        again = Ether(bytes(clone))
        assert again[IP].chksum == ip.chksum and again[TCP].chksum == tcp.chksum
        key = (ip.dst, tcp.dport)
        c = conns[key]
        length = ip.len - ip.ihl * 4 - tcp.dataofs * 4
        flags = str(tcp.flags)
        if "S" in flags:
            assert flags == "SA" and length == 0
            c.setdefault("next", (tcp.seq + 1) & 0xFFFFFFFF)
            continue
        assert "next" in c, "a segment before the SYN-ACK"
        assert "A" in flags
        if length:
            assert tcp.seq == c["next"] or (c["next"] - tcp.seq) & 0xFFFFFFFF < 1 << 30, (
                "a gap in the byte stream"
            )
            if tcp.seq == c["next"]:
                c["next"] = (tcp.seq + length) & 0xFFFFFFFF
        if "F" in flags:
            c["fin"] = 1
    assert all("fin" in c for c in conns.values()), "a connection the server never closed"
    return len(conns)


def test_http_model_end_to_end_with_scapy_checked_segments(tmp_path: Path) -> None:
    res = run_http(tmp_path / "m", "--sim", "model")
    assert accounting_errors(res) == []
    http, tcp = res.http, res.tcp
    assert http is not None and tcp is not None
    assert http.started > 100 and http.failures == {}
    assert http.transactions == http.completed == http.started
    assert check_host_segments(tmp_path / "m") == http.started
    assert tcp.passive_opens == tcp.accepted == http.started
    assert tcp.off_cpu_segments == 0 and tcp.accept_contention == 0
    assert all(n > 0 for n in http.per_worker)  # SO_REUSEPORT: every worker served
    assert http.connect_us.p50 is not None and http.response_us.p99 is not None


def test_shared_listen_socket_contends_and_ms_key_lands_off_cpu(tmp_path: Path) -> None:
    shared = run_http(tmp_path / "s", "--sim", "model", "--reuseport", "off")
    assert accounting_errors(shared) == []
    assert shared.tcp is not None and shared.tcp.accept_contention > 0
    ms = run_http(tmp_path / "k", "--sim", "model", "--key", "ms")
    assert accounting_errors(ms) == []
    assert ms.tcp is not None and ms.http is not None
    assert ms.http.failures == {}
    assert ms.tcp.off_cpu_segments > 0  # the NIC's key is not the stack's
    assert ms.stack.delivered["tcp_redispatched"] == ms.tcp.off_cpu_segments


@pytest.mark.parametrize("semantics", ["dragonfly", "linux"])
def test_closing_a_reuseport_listener_migrates_or_resets_its_queue(semantics: str) -> None:
    lab = Lab(ncpus=2, reuseport_close=semantics)
    api = lab.api
    socks = []
    for cpu in lab.host.cpus.cpus:
        s = api.socket(cpu)
        api.setsockopt(s, api_opt("SO_REUSEPORT"), 1)
        api.bind(s, 80)
        lab.wait(api.listen(s))
        socks.append(s)
    for i in range(12):  # nobody accepts: connections queue on the member their CPU owns
        lab.handshake(100 * i, sport=20000 + i)
    lab.received()
    queued = [len(s.listener.queue) for s in socks]
    assert sum(queued) == 12 and all(queued)
    lab.wait(api.close(socks[0]))
    lab.advance(200 * US)
    st = lab.tcp_stats()
    rst = [p for p in lab.received() if "R" in str(p[TCP].flags)]
    if semantics == "dragonfly":
        assert st.migrated == queued[0] and st.reset_on_listener_close == 0 and rst == []
        assert len(socks[1].listener.queue) == 12
    else:
        assert st.reset_on_listener_close == queued[0] == len(rst) and st.migrated == 0
        assert len(socks[1].listener.queue) == queued[1]


def api_opt(name: str):
    from pystack.stack.sockets import SockOpt

    return SockOpt[name]


def test_connections_live_on_their_hash_cpu() -> None:
    lab = Lab(TcpConfig(msl_ns=1 * MS), ncpus=4)
    lab.serve()
    for i in range(24):
        lab.handshake(7 * i, sport=31000 + i)
    tcp = lab.host.proto.tcp
    for cpuid, tc in enumerate(tcp.pcpu):
        for pcb in tc.pcbs:
            assert tcp.owner_cpu(pcb.faddr, pcb.tcb.remote_port, pcb.tcb.local_port) == cpuid
    assert sum(tc.pcbs.count for tc in tcp.pcpu) == 24
    assert len({cpuid for cpuid, tc in enumerate(tcp.pcpu) if tc.pcbs.count}) == 4


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_http_rtl_matches_model(tmp_path: Path, sim: str) -> None:
    """An open-loop load (connections on a fixed schedule), so the RTL's slightly different
    latencies cannot change how many transactions run: then every connection-level count must
    agree."""
    argv = ["--duration", "600", "--http-rate", "100000"]
    hdl = run_http(tmp_path / sim, "--sim", sim, *argv)
    model = run_http(tmp_path / "model", "--sim", "model", *argv)
    assert accounting_errors(hdl) == []
    assert hdl.http is not None and model.http is not None
    assert hdl.tcp is not None and model.tcp is not None
    assert hdl.http.failures == {} and hdl.http.started > 20
    for f in ("started", "transactions", "completed"):
        assert getattr(hdl.http, f) == getattr(model.http, f), f
    for f in ("passive_opens", "accepted", "retransmits", "resets_sent", "off_cpu_segments"):
        assert getattr(hdl.tcp, f) == getattr(model.tcp, f), f
    assert hdl.tcp.pcbs_per_cpu == model.tcp.pcbs_per_cpu
    # Segment counts are not compared: whether an ACK rides on data or goes alone depends on
    # when the segments meet, which the RTL's clock-exact latencies move by a few.
    for key in ("RUC", "CRCERRS", "MPC"):
        assert hdl.nic[key] == model.nic[key], key
    assert hdl.stack.dropped == model.stack.dropped
    check_host_segments(tmp_path / sim)
