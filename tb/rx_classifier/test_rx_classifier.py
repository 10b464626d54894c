# SPDX-License-Identifier: MIT
"""rx_classifier (through rss_unit_top) against the Python model, frame by frame.

References: the Microsoft RSS verification suite as real frames, the DragonFly symmetric-key
value, and pystack.rss's model for thousands of random scapy frames under random keys, hash-type
enables and RETAs, with idle and backpressure patterns. Also: line rate with no stalls, frames
pass through unchanged, and the statistics registers agree with the model's tally.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import cocotb
from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from pystack.regmap import addr
from pystack.rss import (
    MRQC_ALL_FIELDS,
    MRQC_MODE_RSS,
    HashType,
    Mrqc,
    ParseError,
    RssConfig,
    classify_frame,
    symmetric_key,
)
from pystack.rtl.rss_env import Pattern, RssUnitEnv
from pystack.traffic import edge_frames, pad, random_frames

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "data" / "rss_ms_vectors.json"
NUM_QUEUES = 16


def check(frames, results, out, cfg: RssConfig) -> None:
    assert len(results) == len(frames), f"{len(results)} results for {len(frames)} frames"
    assert out == frames, "frames must pass through the classifier unchanged"
    for i, (frame, got) in enumerate(zip(frames, results, strict=True)):
        want = classify_frame(frame, cfg)
        assert got == want, f"frame {i} ({frame.hex()}):\n rtl   {got}\n model {want}"


def random_config(rng: random.Random) -> RssConfig:
    mrqc = sum(int(m) for m in Mrqc if rng.random() < 0.7)
    mrqc |= MRQC_MODE_RSS if rng.random() < 0.9 else rng.choice((0, 1, 3))
    reta = [rng.randrange(NUM_QUEUES) for _ in range(128)]
    for _ in range(rng.choice((0, 0, 3))):  # some entries name queues that do not exist
        reta[rng.randrange(128)] = rng.randrange(NUM_QUEUES, 256)
    return RssConfig(rng.randbytes(40), mrqc, reta, rng.randrange(NUM_QUEUES), NUM_QUEUES)


@cocotb.test()
async def microsoft_vectors_as_frames(dut) -> None:
    env = RssUnitEnv(dut)
    await env.reset()
    env.set_pattern(Pattern())
    suite = json.loads(VECTORS.read_text())
    key = bytes.fromhex(suite["key_hex"])
    frames, want = [], []
    for v in suite["vectors"]:
        ip = (IP if v["proto"].startswith("ipv4") else IPv6)(src=v["src"], dst=v["dst"])
        ports = (v["sport"], v["dport"]) if v["sport"] is not None else (1, 2)
        frames.append(pad(bytes(Ether() / ip / TCP(sport=ports[0], dport=ports[1]))))
        want.append(int(v["hash_hex"], 16))
    # TCP hashing on for the 4-tuple vectors, off for the 2-tuple ones: two passes.
    for four in (True, False):
        fields = Mrqc.IPV4 | Mrqc.IPV6 | ((Mrqc.IPV4_TCP | Mrqc.IPV6_TCP) if four else 0)
        cfg = RssConfig(key=key, mrqc=MRQC_MODE_RSS | fields)
        await env.program(cfg)
        results, _ = await env.classify(frames)
        for v, res, h in zip(suite["vectors"], results, want, strict=True):
            if (v["sport"] is not None) == four:
                assert res.hash == h, f"{v}: rtl 0x{res.hash:08x} published 0x{h:08x}"
                assert res.hash_type in (
                    (HashType.IPV4_TCP, HashType.IPV6_TCP)
                    if four
                    else (HashType.IPV4, HashType.IPV6)
                )
                assert res.reta_index == h & 127 and res.queue == cfg.reta[h & 127]


@cocotb.test()
async def symmetric_key_both_directions(dut) -> None:
    env = RssUnitEnv(dut)
    await env.reset()
    env.set_pattern(Pattern())
    cfg = RssConfig(key=symmetric_key(), mrqc=MRQC_MODE_RSS | MRQC_ALL_FIELDS)
    await env.program(cfg)
    a, b = "192.168.1.1", "192.168.1.2"
    frames = [
        pad(bytes(Ether() / IP(src=a, dst=b) / TCP(sport=3007, dport=2003))),
        pad(bytes(Ether() / IP(src=b, dst=a) / TCP(sport=2003, dport=3007))),
    ]
    results, _ = await env.classify(frames)
    assert [r.hash for r in results] == [0xE501E501, 0xE501E501]
    assert results[0].queue == results[1].queue


@cocotb.test()
async def random_frames_random_config(dut) -> None:
    """2,400 random frames plus the directed edge cases, under 4 random configs and patterns."""
    env = RssUnitEnv(dut, seed=21)
    await env.reset()
    rng = random.Random(1234)
    patterns = [
        Pattern(),
        Pattern(source_idle=0.3),
        Pattern(sink_stall=0.3, result_stall=0.2),
        Pattern(source_idle=0.2, sink_stall=0.2, result_stall=0.6),
    ]
    tally: Counter[str] = Counter()
    total = 0
    for round_no, pattern in enumerate(patterns):
        cfg = random_config(rng)
        await env.program(cfg)
        env.set_pattern(pattern)
        frames = random_frames(100 + round_no, 600) + (edge_frames() if round_no == 0 else [])
        results, out = await env.classify(frames)
        check(frames, results, out, cfg)
        for res in results:
            tally["hashed"] += res.hash_type is not HashType.NONE
            tally[res.error.name] += 1
        total += len(frames)
    assert total >= 2400
    assert await env.read_reg(addr("HN_RSSFRAMES")) == total
    assert await env.read_reg(addr("HN_RSSHASHED")) == tally["hashed"]
    for code in ParseError:
        if code is not ParseError.NONE:
            got = await env.read_reg(addr("HN_RSSERR", int(code) - 1))
            assert got == tally[code.name], f"{code.name}: register {got}, model {tally[code.name]}"
    # Every error class actually occurred, or this test proves less than it claims.
    assert all(tally[c.name] > 0 for c in ParseError), tally


@cocotb.test()
async def line_rate_minimum_frames(dut) -> None:
    """Back-to-back 60-byte frames and one-beat runts: no stall, no lost result."""
    env = RssUnitEnv(dut)
    await env.reset()
    env.set_pattern(Pattern())
    cfg = RssConfig()
    await env.program(cfg)
    rng = random.Random(9)
    frames = []
    for i in range(400):
        base = pad(
            bytes(
                Ether()
                / IP(src=f"10.0.{i % 250}.1", dst="10.1.0.1")
                / TCP(sport=rng.randrange(65536), dport=80)
            )
        )
        frames.append(base if i % 4 else base[: rng.randrange(1, 9)])  # every 4th: a runt
    env.stall_cycles = env.active_cycles = 0
    results, out = await env.classify(frames)
    check(frames, results, out, cfg)
    lane_bytes = len(dut.s_axis_tkeep)
    beats = sum((len(f) + lane_bytes - 1) // lane_bytes for f in frames)
    assert env.stall_cycles == 0, f"{env.stall_cycles} stall cycles at line rate"
    assert env.active_cycles == beats
