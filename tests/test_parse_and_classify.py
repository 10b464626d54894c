# SPDX-License-Identifier: MIT
"""Frame rules against scapy's own dissection, and the hash-type/RETA decisions."""

from __future__ import annotations

import pytest
from conftest import vector_input
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw

from pystack.rss import (
    L3,
    L4,
    MRQC_ALL_FIELDS,
    MRQC_MODE_RSS,
    HashType,
    Mrqc,
    ParseError,
    RssConfig,
    classify_frame,
    parse_frame,
)
from pystack.traffic import edge_frames, pad, random_frames


def test_well_formed_frames_agree_with_scapy():
    """For every frame scapy decodes without damage, the tuple is what scapy sees."""
    checked = 0
    for frame in random_frames(5, 2500):
        p = parse_frame(frame)
        if p.error is not ParseError.NONE:
            continue
        pkt = Ether(frame)
        tags = 0
        layer = pkt.payload
        while isinstance(layer, Dot1Q) and tags < 2:  # Dot1AD is a Dot1Q subclass
            tags, layer = tags + 1, layer.payload
        assert p.vlan_tags == tags
        if isinstance(layer, IP) and p.l3 is L3.IPV4:
            assert (p.src, p.dst) == (
                bytes(map(int, layer.src.split("."))),
                bytes(map(int, layer.dst.split("."))),
            )
            assert p.fragment == (layer.flags.MF or layer.frag != 0)
            l4 = layer.payload
        elif isinstance(layer, IPv6) and p.l3 is L3.IPV6:
            from ipaddress import IPv6Address

            assert (p.src, p.dst) == (IPv6Address(layer.src).packed, IPv6Address(layer.dst).packed)
            l4 = layer.payload
        else:
            assert p.l3 is L3.OTHER
            continue
        if p.l4 in (L4.TCP, L4.UDP) and not p.fragment:
            if isinstance(l4, Raw):  # cut inside the L4 header: scapy keeps the bytes raw
                ports = (int.from_bytes(l4.load[0:2], "big"), int.from_bytes(l4.load[2:4], "big"))
            else:
                assert isinstance(l4, TCP if p.l4 is L4.TCP else UDP)
                ports = (l4.sport, l4.dport)
            assert (p.sport, p.dport) == ports
        checked += 1
    assert checked > 1500


def test_edge_cases_hit_every_error_class():
    codes = {parse_frame(f).error for f in edge_frames()}
    assert codes >= {
        ParseError.RUNT,
        ParseError.L3_TRUNCATED,
        ParseError.L3_MALFORMED,
        ParseError.L4_TRUNCATED,
    }


@pytest.mark.parametrize(
    ("cut", "error"),
    [
        (59, ParseError.RUNT),
        (60, ParseError.L3_TRUNCATED),
        (73, ParseError.L3_TRUNCATED),
        (74, ParseError.L4_TRUNCATED),
        (77, ParseError.L4_TRUNCATED),
        (78, ParseError.NONE),
    ],
)
def test_long_ipv4_header_cut_points(cut, error):
    from scapy.layers.inet import IPOption_NOP

    from pystack.traffic import _timestamp_option

    opts = [IPOption_NOP()] * 4 + [_timestamp_option(36)]
    frame = bytes(Ether() / IP(dst="10.0.0.1", options=opts) / TCP(sport=1, dport=2))
    assert frame[14] & 0xF == 15  # a 60-byte IPv4 header: ports at bytes 74..77
    assert parse_frame(pad(frame)[:cut]).error is error


def _ms_frames(ms_suite):
    for v in ms_suite["vectors"]:
        ip = (IP if v["proto"].startswith("ipv4") else IPv6)(src=v["src"], dst=v["dst"])
        sport, dport = (v["sport"], v["dport"]) if v["sport"] is not None else (1, 2)
        yield v, pad(bytes(Ether() / ip / TCP(sport=sport, dport=dport)))


def test_model_classifies_ms_frames_to_published_hashes(ms_suite):
    key = bytes.fromhex(ms_suite["key_hex"])
    for v, frame in _ms_frames(ms_suite):
        four = v["sport"] is not None
        fields = Mrqc.IPV4 | Mrqc.IPV6 | ((Mrqc.IPV4_TCP | Mrqc.IPV6_TCP) if four else 0)
        res = classify_frame(frame, RssConfig(key=key, mrqc=MRQC_MODE_RSS | fields))
        assert res.hash == int(v["hash_hex"], 16)
        assert len(vector_input(v)) in (8, 12, 32, 36)


def test_enables_pick_the_hash_type():
    tcp4 = pad(bytes(Ether() / IP(src="1.1.1.1", dst="2.2.2.2") / TCP(sport=1, dport=2)))
    udp6 = pad(bytes(Ether() / IPv6(src="::1", dst="::2") / UDP(sport=1, dport=2)))
    frag = pad(
        bytes(Ether() / IP(src="1.1.1.1", dst="2.2.2.2", flags="MF") / TCP(sport=1, dport=2))
    )
    cases = [
        (tcp4, MRQC_ALL_FIELDS, HashType.IPV4_TCP),
        (tcp4, Mrqc.IPV4, HashType.IPV4),
        (tcp4, Mrqc.IPV4_UDP, HashType.NONE),
        (udp6, MRQC_ALL_FIELDS, HashType.IPV6_UDP),
        (udp6, Mrqc.IPV6 | Mrqc.IPV6_TCP, HashType.IPV6),
        (frag, MRQC_ALL_FIELDS, HashType.IPV4),  # a fragment hashes the 2-tuple only
        (frag, Mrqc.IPV4_TCP, HashType.NONE),
    ]
    for frame, fields, want in cases:
        assert classify_frame(frame, RssConfig(mrqc=MRQC_MODE_RSS | fields)).hash_type is want
    off = classify_frame(tcp4, RssConfig(mrqc=MRQC_ALL_FIELDS, default_queue=5))  # mode 0
    assert (off.hash_type, off.hash, off.queue) == (HashType.NONE, 0, 5)


def test_unhashable_frames_go_to_the_default_queue():
    cfg = RssConfig(default_queue=7)
    for frame in edge_frames():
        res = classify_frame(frame, cfg)
        if res.error is not ParseError.NONE:
            assert (res.hash_type, res.hash, res.queue) == (HashType.NONE, 0, 7)


def test_reta_entry_beyond_the_queues_falls_back():
    frame = pad(bytes(Ether() / IP(src="1.1.1.1", dst="2.2.2.2") / TCP(sport=1, dport=2)))
    good = classify_frame(frame, RssConfig())
    reta = [3] * 128
    reta[good.reta_index] = 200
    res = classify_frame(frame, RssConfig(reta=reta, default_queue=9))
    assert (res.error, res.queue, res.hash) == (ParseError.RETA_RANGE, 9, good.hash)
