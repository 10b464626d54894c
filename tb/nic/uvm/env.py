# SPDX-License-Identifier: MIT
"""The full-NIC environment and the base test every full-NIC pyuvm test derives from.

    NicBaseTest
      NicEnv ("env")
        MacRxAgent ("mac_rx"): uvm_sequencer "seqr" -> MacRxDriver "driver" --ap--+
        HostAgent ("host"): the RTL driver's harvest/refill loop -----ap--------+ |
                            (final counters, guard violations) --summary_ap-+ | |
        MacTxMonitor ("mac_tx"): frames from the MAC TX sink --------ap---+ | | |
        NicScoreboard ("scoreboard"): tx_export, summary_export, rx_export, stim_export
                                      (a ModelDevice with its own Driver and HostLoop)

The test's run phase brings the NIC up (`env.bring_up`), runs its sequences on
`env.mac_rx.seqr`, then ends the run (`env.wrap_up`); the scoreboard's check phase fails the
test on any mismatch.
"""

from __future__ import annotations

import os

import cocotb
from pyuvm import ConfigDB, uvm_env, uvm_test

from pystack.rtl.device import RtlDevice
from tb.nic.uvm.config import NicContext, NicEnvConfig, wrong_reference
from tb.nic.uvm.host import HostAgent
from tb.nic.uvm.items import HostSummary
from tb.nic.uvm.mac import MacRxAgent, MacTxMonitor
from tb.nic.uvm.scoreboard import NicScoreboard

SEED_ENV = "HILNIC_UVM_SEED"  # overrides every test's seed (reproduce or explore)
WRONG_REF_ENV = "HILNIC_UVM_WRONG_REF"  # 'reta' | 'key' | 'defq': a deliberately wrong model


class NicEnv(uvm_env):
    def build_phase(self) -> None:
        cfg: NicEnvConfig = ConfigDB().get(self, "", "cfg")
        rtl = RtlDevice(cocotb.top, name=os.environ.get("SIM", "rtl"))
        self.ctx = NicContext(cfg, rtl)
        ConfigDB().set(self, "*", "nic", self.ctx)
        self.mac_rx = MacRxAgent("mac_rx", self)
        self.host = HostAgent("host", self)
        self.mac_tx = MacTxMonitor("mac_tx", self)
        self.scoreboard = NicScoreboard("scoreboard", self)

    def connect_phase(self) -> None:
        sb = self.scoreboard
        self.mac_rx.driver.ap.connect(sb.stim_export)
        self.mac_rx.driver.on_landed = self.host.batch_landed
        self.host.ap.connect(sb.rx_export)
        self.host.summary_ap.connect(sb.summary_export)
        self.mac_tx.ap.connect(sb.tx_export)

    async def bring_up(self) -> None:
        """Clock and reset the NIC, empty the MAC TX sink, attach the RTL driver."""
        rtl = self.ctx.rtl
        await rtl.start()
        await rtl.sink.clear()
        rtl.mac_take()  # anything an earlier test left in the sink
        await self.host.attach()
        self.ctx.ready.set()

    async def wrap_up(self) -> HostSummary:
        """Harvest and send everything still in flight, collect MAC TX, read the counters."""
        summary = await self.host.finish()
        self.mac_tx.collect()
        return summary


class NicBaseTest(uvm_test):
    """Builds the environment from `config()`; subclasses write `stimulus()` and may add
    checks in `check_phase` (which runs after the scoreboard's)."""

    seed = 1

    def config(self) -> NicEnvConfig:
        return NicEnvConfig()

    async def stimulus(self) -> None:
        raise NotImplementedError

    def build_phase(self) -> None:
        cfg = self.config()
        cfg.seed = int(os.environ.get(SEED_ENV, cfg.seed))
        wrong = os.environ.get(WRONG_REF_ENV, "")
        if wrong:
            cfg.ref_rss = wrong_reference(cfg.rss, wrong)
        self.cfg = cfg
        ConfigDB().set(None, "*", "cfg", cfg)
        self.env = NicEnv("env", self)

    async def run_phase(self) -> None:
        self.raise_objection()
        self.logger.info(
            f"seed {self.cfg.seed} (set {SEED_ENV} to reproduce), ring {self.cfg.ring_size}, "
            f"forward {self.cfg.forward}, poll {self.cfg.poll_ns}"
        )
        await self.env.bring_up()
        await self.stimulus()
        self.summary = await self.env.wrap_up()
        self.drop_objection()
