# SPDX-License-Identifier: MIT
"""`hilnic sim` end to end, on the model and on each HDL simulator: the run folder's files
are checked against references that do not come from the run's own bookkeeping. The captures
are parsed with scapy, which decides per frame what the stack must have done with it (its
checksums, TTL, fragment bits, ports); the Python RSS classifier decides which queue each frame
reached; and the HDL runs must count exactly what the model counts for the same seed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw
from scapy.utils import rdpcap

from pystack import simrun
from pystack.cli import main
from pystack.rss import RssConfig, classify_frame, parse_key
from pystack.rss.classify import RETA_ENTRIES
from pystack.scenario.checks import accounting_errors
from pystack.scenario.outputs import read_results
from pystack.scenario.report import PLOTS
from pystack.scenario.results import Results
from pystack.scenario.workload import BAD_FCS_MARK, DISCARD_PORT
from pystack.stack.host import HOST_IP, HOST_MAC

SMALL = ["--duration", "400", "--rate", "0.1", "--sizes", "imix", "--malformed", "0.1"]


def run_sim(out: Path, *argv: str) -> Results:
    assert main(["sim", "--out", str(out), *SMALL, *argv]) == 0
    return read_results(out)


def _checksum_ok(pkt, layer) -> bool:
    """scapy recomputes a checksum when the field is deleted; compare with what was sent."""
    sent = pkt[layer].chksum
    clone = pkt[layer].copy()
    del clone.chksum
    if layer is UDP:
        ip = pkt[IP].copy()
        del ip.chksum
        ip.remove_payload()
        return (IP(bytes(ip / clone))[UDP].chksum == sent) or sent == 0
    return layer(bytes(clone)).chksum == sent


def expected_stack_verdict(frame: bytes) -> str | None:
    """What the stack must do with a frame, decided by scapy alone (None: the NIC drops it)."""
    if len(frame) < 60 or BAD_FCS_MARK in frame:
        return None
    pkt = Ether(frame)
    if pkt.type == 0x0806:
        return "+arp_request"
    if pkt.type != 0x0800:
        return "eth_unknown_type"
    ip = pkt[IP]
    if not _checksum_ok(pkt, IP):
        return "ip_bad_checksum"
    if ip.flags.MF or ip.frag:
        return "ip_fragment"
    if ip.ttl == 0:
        return "ip_ttl_expired"
    if ip.proto == 1:
        return "+icmp_echo" if pkt[ICMP].type == 8 else "icmp_not_echo"
    if ip.proto != 17:
        return "ip_unknown_proto"
    if not _checksum_ok(pkt, UDP):
        return "udp_bad_checksum"
    return {7: "+udp_echo", DISCARD_PORT: "+udp_socket"}.get(pkt[UDP].dport, "udp_no_socket")


def check_against_captures(out: Path, res: Results) -> None:
    rx = [bytes(p) for p in rdpcap(str(out / "rx.pcap"))]
    tx = rdpcap(str(out / "tx.pcap"))
    assert len(rx) == res.sent.total == res.nic["TPR"]
    assert len(tx) == res.mac.tx_frames > 0
    # Timestamps are simulated time, in order, inside the run.
    times = [float(p.time) for p in rdpcap(str(out / "rx.pcap"))]
    assert times == sorted(times) and times[-1] * 1e6 <= res.sim_us
    verdicts = Counter(expected_stack_verdict(f) for f in rx)
    nic_drops = verdicts.pop(None)
    assert nic_drops == res.nic["RUC"] + res.nic["CRCERRS"]
    want_drops = {k: v for k, v in verdicts.items() if not k.startswith("+")}
    want_delivered = {k[1:]: v for k, v in verdicts.items() if k.startswith("+")}
    assert res.stack.dropped == want_drops
    assert res.stack.delivered == want_delivered
    # Every reply is well formed (scapy's checksums), from the host, to a peer that asked.
    askers = {Ether(f).src for f in rx}
    kinds: Counter[str] = Counter()
    for p in tx:
        assert p[Ether].src == ":".join(f"{b:02x}" for b in HOST_MAC) and p[Ether].dst in askers
        if ARP in p:
            kinds["arp"] += 1
            continue
        assert p[IP].src == HOST_IP and _checksum_ok(p, IP)
        if UDP in p:
            assert p[UDP].sport in (7,) and _checksum_ok(p, UDP) and Raw in p
            kinds["udp"] += 1
        else:
            assert p[ICMP].type == 0 and _checksum_ok(p, ICMP)
            kinds["icmp"] += 1
    assert kinds == {
        "arp": want_delivered["arp_request"],
        "udp": want_delivered["udp_echo"],
        "icmp": want_delivered["icmp_echo"],
    }
    # The queue each accepted frame reached, from the Python classifier over the RETA the
    # mode programs: entry i is the (i mod n)th ring in use.
    rings = res.rings_in_use
    reta = [rings[i % len(rings)] for i in range(RETA_ENTRIES)]
    cfg = RssConfig(key=parse_key(res.options.key), reta=reta)
    queues = Counter(
        classify_frame(f, cfg).queue for f in rx if expected_stack_verdict(f) is not None
    )
    assert {q.queue: q.rx for q in res.queues if q.rx} == dict(queues)


def test_model_scenario_files_and_accounting(tmp_path: Path) -> None:
    res = run_sim(tmp_path, "--sim", "model")
    # The typed results write and read back results.json exactly, key order included.
    raw = (tmp_path / "results.json").read_text()
    assert json.dumps(res.to_json(), indent=1) == raw
    # A TAP run's shape: no time series, a slowdown, its own section.
    tap_like = json.loads(raw)
    del tap_like["series"]
    tap_like["speed"]["slowdown"] = 2.0
    tap_like["tap"] = {"kinds": {"udp": 1}}
    assert json.dumps(Results.from_json(tap_like).to_json()) == json.dumps(tap_like)
    assert accounting_errors(res) == []
    check_against_captures(tmp_path, res)
    assert len(res.sent.malformed) >= 6  # the sprinkle reached many reasons
    assert res.replies.lost == 0 and res.replies.received == res.replies.expected
    assert res.latency_us.p50 > 0 and res.latency_us.p99 >= res.latency_us.p50
    assert res.host.tx_flow_cpu_share == 1.0  # symmetric key
    assert sorted(res.rings_in_use) == list(range(16))
    assert sum(c.interrupts for c in res.cpus) == 0 and res.per_packet.polls > 0
    for name in PLOTS:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_model_interrupt_mode_ms_key_and_sizes(tmp_path: Path) -> None:
    res = run_sim(tmp_path, "--sim", "model", "--mode", "intr", "--key", "ms", "--queues", "8",
                  "--vectors", "5", "--cpus", "2", "--batching", "off")  # fmt: skip
    assert accounting_errors(res) == []
    check_against_captures(tmp_path, res)
    assert sorted(res.rings_in_use) == [0, 1, 2, 3]  # 5 vectors: 4 RX rings and status
    assert sum(c.interrupts for c in res.cpus) > 0
    share = res.host.tx_flow_cpu_share
    assert 0.2 < share < 0.8, share  # the MS key: a reply's own hash often names the other CPU


@pytest.mark.rtl
@pytest.mark.parametrize("sim", simrun.SIMULATORS)
def test_hdl_scenario_matches_model(tmp_path: Path, sim: str) -> None:
    hdl = run_sim(tmp_path / sim, "--sim", sim)
    model = run_sim(tmp_path / "model", "--sim", "model")
    assert accounting_errors(hdl) == []
    check_against_captures(tmp_path / sim, hdl)
    for key in ("TPR", "GPRC", "RUC", "CRCERRS", "MPC"):
        assert hdl.nic[key] == model.nic[key], key
    assert [q.rx for q in hdl.queues] == [q.rx for q in model.queues]
    assert hdl.stack.dropped == model.stack.dropped
    assert hdl.replies.received == model.replies.received == hdl.replies.expected
    assert hdl.speed.sim_cycles_per_wall_s > 0


@pytest.mark.rtl
def test_waves_window_of_a_scenario(tmp_path: Path) -> None:
    """`hilnic sim --waves-window`: an FST at the documented path holding the key signals,
    the rings moving inside the window and nothing outside it, and a GTKWave save file."""
    from pystack import waves

    out = tmp_path / "w"
    run_sim(out, "--sim", "verilator", "--waves-window", "150:250")
    fst = out / "sim" / "waves.fst"
    found = waves.find_signals(fst)
    assert all(len(found[g]) == len(rels) for g, rels in waves.KEY_SIGNALS.items())
    ring = [n for n in found["RX rings"] if n.endswith("rq_tail")]
    seen = waves.value_changes(fst, ring + found["Classifier"])
    assert len({v for _, v in seen[ring[0]]}) > 2, "RX tails did not move in the window"
    times = [t for changes in seen.values() for t, _ in changes]
    assert min(times) >= 150_000 and max(times) <= 250_000
    gtkw = (out / "sim" / "waves.gtkw").read_text()
    assert str(fst.resolve()) in gtkw and all(n in gtkw for n in ring)


def test_experiments_quick_report(tmp_path: Path) -> None:
    """`hilnic experiments --quick`: the report and its plots, with the physics the four
    experiments exist to show."""
    assert main(["experiments", "--quick", "--out", str(tmp_path)]) == 0
    report = (tmp_path / "report.md").read_text()
    for title in ("Interrupt mode vs npoll", "batching on vs off", "Microsoft key", "statistics"):
        assert title in report
    for png in ("modes.png", "batching.png", "keys.png"):
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"
    data = json.loads((tmp_path / "experiments.json").read_text())
    assert {r["mode"]: r["rings_in_use"] for r in data["modes"]} == {"intr": 9, "npoll": 16}
    keys = {(r["mode"], r["key"]): r["flow_cpu_share"] for r in data["keys"]}
    assert keys[("npoll", "symmetric")] == keys[("intr", "symmetric")] == 1.0
    assert keys[("npoll", "ms")] < 0.6 and keys[("intr", "ms")] < 0.6
    for r in data["batching"]:
        if r["batching"]:
            off = next(
                x
                for x in data["batching"]
                if (x["mode"], x["rate"]) == (r["mode"], r["rate"]) and not x["batching"]
            )
            assert r["dispatch_msgs_per_pkt"] < off["dispatch_msgs_per_pkt"] == 1.0
    shared = [r for r in data["stats"] if r["shared_stats"]]
    percpu = [r for r in data["stats"] if not r["shared_stats"]]
    assert all(r["line_bounces"] > 0 for r in shared) and all(
        r["line_bounces"] == 0 for r in percpu
    )
    assert shared[0]["busy_ns_per_pkt"] > percpu[0]["busy_ns_per_pkt"]
    # The TCP experiments (5-8): every connection served, and what each exists to show.
    for title in ("Short-lived HTTP/1.1", "SO_REUSEPORT on vs off", "Closing one SO_REUSEPORT"):
        assert title in report
    assert (tmp_path / "http_modes.png").read_bytes()[:4] == b"\x89PNG"
    assert all(r["http_failures"] == 0 for r in data["http_modes"] + data["http_reuseport"])
    assert {r["mode"]: r["rings_in_use"] for r in data["http_modes"]} == {"intr": 9, "npoll": 16}
    reuse = {r["reuseport"]: r for r in data["http_reuseport"]}
    assert reuse[True]["contention_per_conn"] == 0 < reuse[False]["contention_per_conn"]
    close = {r["reuseport_close"]: r for r in data["http_close"]}
    assert close["dragonfly"]["http_resets"] == close["dragonfly"]["reset_on_listener_close"] == 0
    assert close["dragonfly"]["migrated"] > 0
    assert close["linux"]["reset_on_listener_close"] == close["linux"]["http_resets"] > 0
    place = {r["key"]: r for r in data["http_placement"]}
    assert place["symmetric"]["off_cpu_segments"] == 0 < place["ms"]["off_cpu_segments"]
