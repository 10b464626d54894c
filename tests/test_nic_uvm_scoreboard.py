# SPDX-License-Identifier: MIT
"""The full-NIC scoreboard (tb/nic/uvm/scoreboard.py) without a simulator: the reference model
runs on real stimulus and the "RTL" side is played by hand, right or wrong, to check that each
kind of mismatch is caught and described precisely."""

from __future__ import annotations

import itertools

import pytest
from pyuvm import ConfigDB, uvm_root

from pystack.nic.device import TxFrame
from pystack.nic.driver import RxPacket
from tb.nic.uvm.config import NicContext, NicEnvConfig
from tb.nic.uvm.items import HostSummary, MacFrameItem, MacRxBatch
from tb.nic.uvm.scoreboard import NicScoreboard
from tb.nic.uvm.traffic import FrameFactory

_names = itertools.count()


def scoreboard(frames: int = 24, **cfg_kw) -> tuple[NicScoreboard, list[RxPacket]]:
    """A scoreboard that has seen one batch of `frames` flow frames, and what the model
    delivered for it (queue by queue)."""
    uvm_root().clear_children()
    ConfigDB().clear()
    ConfigDB().set(None, "*", "nic", NicContext(NicEnvConfig(**cfg_kw), None))
    sb = NicScoreboard(f"sb{next(_names)}", None)
    sb.build_phase()
    sb.start_of_simulation_phase()
    factory = FrameFactory(1)
    items = [MacFrameItem("f", factory.flow(), False, "flow") for _ in range(frames)]
    for i, item in enumerate(items):
        item.sid = f"b0.{i}"
    sb.write_stimulus(MacRxBatch(0, items))
    assert sb.ref is not None
    delivered = [e.packet for q in sb.ref.rx.values() for e in q if e.packet is not None]
    assert len(delivered) == frames
    return sb, delivered


def finish(sb: NicScoreboard, tweak: dict[str, int] | None = None, violations=()) -> str:
    """Run the end-of-test phases with the model's own counters (tweaked); '' if they pass."""
    sb.extract_phase()
    stats = dict(sb.ref_stats) | (tweak or {})
    sb.write_summary(HostSummary(stats, list(violations), stats["GPRC"], 0))
    try:
        sb.check_phase()
    except AssertionError as e:
        return str(e)
    return ""


def test_a_faithful_rtl_passes() -> None:
    sb, delivered = scoreboard()
    for p in delivered:
        sb.write_rx(p)
    assert finish(sb) == ""
    assert not sb.errors


def test_damaged_bytes_and_wrong_hash_are_described() -> None:
    sb, delivered = scoreboard()
    p = delivered[0]
    bad = p.data[:20] + bytes([p.data[20] ^ 0xFF]) + p.data[21:]
    sb.write_rx(p._replace(data=bad, rss_hash=p.rss_hash ^ 1, hash_type=2))
    for q in delivered[1:]:
        sb.write_rx(q)
    (msg,) = sb.errors
    assert f"RX queue {p.queue} frame #0" in msg and "bytes never played" in msg
    assert "bytes differ from offset 20" in msg
    assert f"rss_hash RTL {p.rss_hash ^ 1:#x} model {p.rss_hash:#x}" in msg
    assert "hash_type RTL IPV4 model" in msg
    assert "1 frame" in finish(sb)


def test_wrong_queue_missing_frame_and_counters_fail_the_test() -> None:
    sb, delivered = scoreboard()
    moved, dropped = delivered[0], delivered[-1]
    sb.write_rx(moved._replace(queue=(moved.queue + 1) % 16))
    for p in delivered[1:-1]:
        sb.write_rx(p)
    failure = finish(sb, {"GPRC": len(delivered) - 1}, ["1 DMA beats outside the regions"])
    assert failure.startswith("scoreboard: ")
    text = "\n".join(sb.errors)
    assert f"the model delivered it on queue {moved.queue}" in text
    assert (
        f"RX queue {dropped.queue}: the model delivered [" in text and "the RTL never did" in text
    )
    assert f"counter GPRC: RTL {len(delivered) - 1} model {len(delivered)}" in text
    assert "RTL DMA guard: 1 DMA beats" in text


def test_out_of_order_on_a_queue() -> None:
    sb, delivered = scoreboard(frames=60)
    by_queue: dict[int, list[RxPacket]] = {}
    for p in delivered:
        by_queue.setdefault(p.queue, []).append(p)
    q, pkts = next((q, v) for q, v in by_queue.items() if len(v) >= 2)
    sb.write_rx(pkts[1])
    sb.write_rx(pkts[0])
    assert any(f"RX queue {q} frame #0" in e and "out of order" in e for e in sb.errors)


def test_mac_tx_checked_queue_by_queue() -> None:
    sb, delivered = scoreboard(frames=40, forward=True, ring_size=64)
    assert sb.ref is not None
    sent = {q: [e.tx for e in d] for q, d in sb.ref.tx.items() if d}
    assert sum(len(v) for v in sent.values()) == len(delivered)
    for p in delivered:
        sb.write_rx(p)
    # Queues interleaved any way is fine; within a queue, ring order.
    queues = sorted(sent)
    a, b = queues[0], queues[1]
    sb.write_tx(sent[b][0])
    sb.write_tx(sent[a][0])
    assert not sb.errors
    if len(sent[a]) >= 3:
        sb.write_tx(sent[a][2])  # skips sent[a][1]
        assert "out of order on TX queue" in sb.errors[-1]
    aborted = sent[b][1]
    sb.write_tx(TxFrame(aborted.data, not aborted.aborted))
    assert "abort RTL True model False" in sb.errors[-1]
    sb.write_tx(sent[b][0])  # a second copy
    assert "the model sent no such frame (or not that many)" in sb.errors[-1]
    damaged = sent[a][1].data
    sb.write_tx(TxFrame(damaged[:-1] + bytes([damaged[-1] ^ 1])))
    assert "bytes never played" in sb.errors[-1]
    assert f"bytes differ from offset {len(damaged) - 1}" in sb.errors[-1]
    assert "leftover" in finish(sb)


@pytest.mark.parametrize("how", ["reta", "key", "defq"])
def test_wrong_reference_configs_differ(how: str) -> None:
    from tb.nic.uvm.config import default_rss, wrong_reference

    rss = default_rss()
    assert wrong_reference(rss, how) != rss
