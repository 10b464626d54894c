# SPDX-License-Identifier: MIT
"""The hilnic command line: outputs checked against the published vectors and the model;
bad input gives one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether

from pystack.cli import main
from pystack.pcap import write_frames
from pystack.rss import RssConfig, classify_frame, ringmap_reta
from pystack.traffic import edge_frames, pad, random_frames


def test_rss_command_matches_vectors(ms_suite, capsys):
    for v in ms_suite["vectors"]:
        args = [v["src"], v["dst"]] + ([str(v["sport"]), str(v["dport"])] if v["sport"] else [])
        assert main(["rss", *args]) == 0
        assert capsys.readouterr().out.strip() == v["hash_hex"]
    assert main(["rss", "192.168.1.1", "192.168.1.2", "3007", "2003", "--key", "symmetric"]) == 0
    assert capsys.readouterr().out.strip() == "0xe501e501"


@pytest.mark.parametrize(
    "argv",
    [
        ["rss", "1.2.3.4", "::1"],
        ["rss", "1.2.3.4", "5.6.7.8", "80"],
        ["rss", "1.2.3.4", "5.6.7.8", "1", "70000"],
        ["rss", "1.2.3.999", "5.6.7.8"],
        ["rss", "1.2.3.4", "5.6.7.8", "--key", "abc"],
        ["classify", "/no/such.pcap", "--sim", "model"],
        ["classify", "x.pcap", "--sim", "questa"],
        ["sim", "--sim", "model", "--default-queue", "16"],
        ["sim", "--sim", "questa"],
        ["sim", "--sim", "model", "--queues", "17"],
        ["sim", "--sim", "model", "--vectors", "1"],
        ["sim", "--sim", "model", "--cpus", "0"],
        ["sim", "--sim", "model", "--mode", "fast"],
        ["sim", "--sim", "model", "--rate", "2"],
        ["sim", "--sim", "model", "--rate", "x"],
        ["sim", "--sim", "model", "--sizes", "10,64"],
        ["sim", "--sim", "model", "--sizes", "big"],
        ["sim", "--sim", "model", "--key", "zz"],
        ["sim", "--sim", "model", "--duration", "0"],
        ["sim", "--sim", "model", "--waves"],
        ["sim", "--sim", "verilator", "--waves-window", "5:1"],
        ["sim", "--sim", "verilator", "--waves-window", "later"],
        ["sim", "--sim", "model", "--batching", "maybe"],
        ["bogus"],
    ],
)
def test_bad_input_is_one_line(argv):
    proc = subprocess.run(
        [sys.executable, "-m", "pystack.cli", *argv], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("hilnic: error: ")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_not_a_pcap_and_bad_reta(tmp_path, capsys):
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"not a capture file at all")
    assert main(["classify", str(junk), "--sim", "model"]) == 2
    assert "not a pcap" in capsys.readouterr().err
    pcap = tmp_path / "one.pcap"
    write_frames(pcap, [bytes(Ether() / IP() / UDP())])
    reta = tmp_path / "reta.txt"
    reta.write_text("1 2 3\n")
    assert main(["classify", str(pcap), "--sim", "model", "--reta", str(reta)]) == 2
    assert "has 3 entries" in capsys.readouterr().err


def test_classify_model_json_matches_model(tmp_path, capsys):
    frames = random_frames(3, 150) + edge_frames()
    pcap = tmp_path / "mix.pcap"
    write_frames(pcap, frames)
    reta = tmp_path / "reta.txt"
    entries = [(i * 7) % 16 for i in range(128)]
    reta.write_text("# queue per RETA index\n" + "\n".join(map(str, entries)))
    assert (
        main(
            [
                "classify",
                str(pcap),
                "--sim",
                "model",
                "--key",
                "symmetric",
                "--reta",
                str(reta),
                "--json",
                "--raw",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    from pystack.rss import symmetric_key

    cfg = RssConfig(key=symmetric_key(), reta=entries)
    assert len(rows) == len(frames)
    for row, frame in zip(rows, frames, strict=True):
        want = classify_frame(frame, cfg)
        assert (row["hash"], row["queue"], row["hash_type"]) == (
            want.hash,
            want.queue,
            int(want.hash_type),
        )


def test_classify_table_output(tmp_path, capsys):
    pcap = tmp_path / "two.pcap"
    frames = [
        pad(
            bytes(
                Ether() / IP(src="66.9.149.187", dst="161.142.100.80") / TCP(sport=2794, dport=1766)
            )
        )
    ]
    write_frames(pcap, frames)
    assert main(["classify", str(pcap), "--sim", "model"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["index", "type", "hash", "reta_idx", "queue"]
    # MS vector 1 (IPv4/TCP): 0x51ccc178, index 0x78 = 120, default RETA i % 16 -> 8.
    assert lines[1].split() == [
        "0",
        "IPV4_TCP",
        "0x51ccc178",
        "120",
        str(ringmap_reta(16, 16)[120]),
    ]


def test_pcap_round_trip_keeps_runts(tmp_path):
    from scapy.utils import rdpcap

    from pystack.pcap import read_frames

    frames = [b"\x01\x02", *edge_frames()[:20], pad(bytes(Ether() / IP() / UDP()))]
    path = tmp_path / "rt.pcap"
    write_frames(path, frames)
    assert read_frames(path) == frames
    assert [bytes(p) for p in rdpcap(str(path))][-1] == frames[-1]  # scapy reads it too
