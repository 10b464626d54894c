# SPDX-License-Identifier: MIT
"""The full NIC under the pyuvm environment (tb/nic/uvm/): random traffic through the RTL and
the behavioural model, every delivered frame, every MAC TX frame and every counter compared.

Environment variables: HILNIC_UVM_SEED overrides the seed; HILNIC_UVM_WRONG_REF ('reta', 'key'
or 'defq') gives the reference model a wrong RSS setup, which must make every test fail
(tests/test_rtl_nic_uvm.py proves it does).
"""

from __future__ import annotations

import pyuvm

from pystack.rss import HashType, ParseError
from tb.nic.uvm.config import NicEnvConfig
from tb.nic.uvm.env import NicBaseTest
from tb.nic.uvm.sequences import EdgeSeq, RandomTrafficSeq

TIMEOUT_MS = 50  # simulated; a hang guard far above what the tests need


def _require(cov: dict[str, int], keys: list[str], what: str) -> None:
    missing = [k for k in keys if not cov.get(k)]
    assert not missing, f"{what} never exercised: {missing}"


@pyuvm.test(timeout_time=TIMEOUT_MS, timeout_unit="ms")
class RandomMixTest(NicBaseTest):
    """Directed edge frames, then a seeded random mix of every frame class at line rate in
    batches that overflow rings of 32 (exact RQDPC drops); the host harvests between batches."""

    def config(self) -> NicEnvConfig:
        return NicEnvConfig(seed=3, ring_size=32)

    async def stimulus(self) -> None:
        seqr = self.env.mac_rx.seqr
        await EdgeSeq(batch_size=128).start(seqr)
        await RandomTrafficSeq(seed=self.cfg.seed, count=520, batch_size=128).start(seqr)

    def check_phase(self) -> None:
        cov = self.env.scoreboard.coverage
        stats = self.summary.stats
        for name in ("RUC", "CRCERRS"):
            assert stats[name] > 0, f"{name} never counted"
        for name in ("HN_RQOVR", "RQDPC"):
            assert sum(stats[f"{name}[{q}]"] for q in range(16)) > 0, f"{name} never counted"
        _require(cov, [f"queue:{q}" for q in range(16)], "RX queues")
        _require(cov, [f"hash_type:{t.name}" for t in HashType], "hash types")
        errors = [e for e in ParseError if e not in (ParseError.RUNT, ParseError.RETA_RANGE)]
        _require(cov, [f"parse_error:{e.name}" for e in errors], "parse errors")
        _require(cov, ["vlan_tags:1", "vlan_tags:2", "multi_buffer"], "VLAN tags / jumbo")


@pyuvm.test(timeout_time=TIMEOUT_MS, timeout_unit="ms")
class ForwardTest(NicBaseTest):
    """RX -> TX: the host polls while batches play and sends every delivered frame back out on
    the TX queue of the same number; MAC TX is checked against the model queue by queue.
    Batches need at most ring - 1 descriptors, so no ring overflows whatever the host's timing
    (the model harvests at batch ends only)."""

    def config(self) -> NicEnvConfig:
        return NicEnvConfig(seed=7, ring_size=64, forward=True, poll_ns=3000.0)

    async def stimulus(self) -> None:
        mix = {"flow": 70.0, "jumbo": 5.0, "runt": 4.0, "mac_error": 4.0, "malformed": 6.0}
        mix |= {"non_ip": 4.0, "oversize": 2.0, "hostile": 5.0}
        ring = self.cfg.ring_size
        seq = RandomTrafficSeq(
            seed=self.cfg.seed, count=320, mix=mix, batch_size=ring, max_batch_desc=ring - 1
        )
        await seq.start(self.env.mac_rx.seqr)

    def check_phase(self) -> None:
        cov = self.env.scoreboard.coverage
        stats = self.summary.stats
        assert self.summary.forwarded == stats["GPRC"] > 0, "not every delivered frame was sent"
        assert stats["GPTC"] == stats["GPRC"] == cov["tx"], "MAC TX lost or gained frames"
        _require(cov, [f"tx_queue:{q}" for q in range(16)], "TX queues")
        _require(cov, ["multi_buffer", "vlan_tags:2"], "jumbo / VLAN forwarding")


@pyuvm.test(timeout_time=TIMEOUT_MS, timeout_unit="ms")
class SmallBuffersTest(NicBaseTest):
    """1 KiB buffers and rings of 16: jumbo frames take up to 9 descriptors, so rings fill on
    frames that need more descriptors than are left (dropped whole, nothing written)."""

    def config(self) -> NicEnvConfig:
        return NicEnvConfig(seed=5, ring_size=16, buffer_size=1024)

    async def stimulus(self) -> None:
        mix = {"flow": 60.0, "jumbo": 20.0, "oversize": 4.0, "runt": 5.0, "mac_error": 5.0}
        mix |= {"malformed": 6.0}
        seq = RandomTrafficSeq(seed=self.cfg.seed, count=180, mix=mix, batch_size=60)
        await seq.start(self.env.mac_rx.seqr)

    def check_phase(self) -> None:
        cov = self.env.scoreboard.coverage
        stats = self.summary.stats
        assert sum(stats[f"RQDPC[{q}]"] for q in range(16)) > 0, "no ring ever filled"
        assert cov["multi_buffer"] >= 20, f"only {cov['multi_buffer']} multi-buffer frames"
