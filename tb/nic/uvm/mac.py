# SPDX-License-Identifier: MIT
"""The MAC-side agents: MAC RX (sequencer + batch driver) and the MAC TX monitor.

Neither wakes Python per beat (hdl/sim/ holds the traffic source and sink): the driver hands a
whole batch to `RtlDevice.mac_send`, which loads it into the frame source by backdoor and plays
it with one start pulse; the monitor collects what the frame sink captured every `tx_poll_ns`.
For the same reason there is no beat-level MAC RX monitor: the driver publishes each batch on
`ap` as it hands it over, and checks from the source's counter that every frame of it played.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pyuvm import (
    ConfigDB,
    uvm_agent,
    uvm_analysis_port,
    uvm_driver,
    uvm_monitor,
    uvm_sequencer,
)

from tb.nic.scenarios import settle
from tb.nic.uvm.config import NicContext
from tb.nic.uvm.items import LINE_BYTES, MacFrameItem, MacRxBatch


class MacRxDriver(uvm_driver):
    """Collects items up to one marked `last` (or until the frame source is full), publishes
    the batch, plays it, waits for it to land and for the host to harvest it (`on_landed`),
    and only then finishes the batch's last item, so the sequence is paced by the NIC."""

    def build_phase(self) -> None:
        self.ctx: NicContext = ConfigDB().get(self, "", "nic")
        self.ap = uvm_analysis_port("ap", self)
        self.on_landed: Callable[[], Awaitable[None]] | None = None
        self.batches = 0
        self.frames = 0
        self.errors: list[str] = []

    def _capacity(self) -> tuple[int, int]:
        """(frames, 64-byte lines) the frame source holds (hdl/sim/frame_source.v)."""
        src = self.ctx.rtl.dut.u_source
        return len(src.table_mem) * 16, len(src.mem)

    async def run_phase(self) -> None:
        await self.ctx.ready.wait()
        max_frames, max_lines = self._capacity()
        batch: list[MacFrameItem] = []
        lines = 0
        while True:
            item = await self.seq_item_port.get_next_item()
            need = -(-len(item.data) // LINE_BYTES)
            if batch and (len(batch) == max_frames or lines + need > max_lines):
                await self._play(batch)  # the source is full: play what it holds first
                batch, lines = [], 0
            batch.append(item)
            lines += need
            if item.last:
                await self._play(batch)
                batch, lines = [], 0
            self.seq_item_port.item_done()

    async def _play(self, items: list[MacFrameItem]) -> None:
        rtl, rate = self.ctx.rtl, self.ctx.cfg.rate
        batch = MacRxBatch(self.batches, items, rate)
        for i, item in enumerate(items):
            item.sid = f"b{batch.index}.{i}"
        self.batches += 1
        self.frames += len(items)
        self.ap.write(batch)
        before = rtl.source.sent
        await rtl.mac_send(batch.frames, rate=rate, bad=batch.bad)
        await settle(rtl)
        played = rtl.source.sent - before
        if played != len(items):
            msg = f"batch {batch.index}: the frame source played {played} of {len(items)} frames"
            self.errors.append(msg)
            self.logger.error(msg)
        if self.on_landed is not None:
            await self.on_landed()

    def check_phase(self) -> None:
        assert not self.errors, "; ".join(self.errors)


class MacRxAgent(uvm_agent):
    def build_phase(self) -> None:
        self.seqr = uvm_sequencer("seqr", self)
        self.driver = MacRxDriver("driver", self)

    def connect_phase(self) -> None:
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)


class MacTxMonitor(uvm_monitor):
    """Frames the sink captured on MAC TX, published on `ap` (`TxFrame`: bytes, MAC abort) in
    wire order; a frame the sink could not store fails the test."""

    def build_phase(self) -> None:
        self.ctx: NicContext = ConfigDB().get(self, "", "nic")
        self.ap = uvm_analysis_port("ap", self)
        self.seen = 0
        self.dropped = 0

    async def run_phase(self) -> None:
        await self.ctx.ready.wait()
        while True:
            await self.ctx.rtl.sleep_ns(self.ctx.cfg.tx_poll_ns)
            self.collect()

    def collect(self) -> int:
        """Publish every frame captured since the last call; returns how many."""
        rtl = self.ctx.rtl
        frames = rtl.mac_take()
        for frame in frames:
            self.ap.write(frame)
        self.seen += len(frames)
        self.dropped = rtl.sink.dropped
        return len(frames)

    def check_phase(self) -> None:
        assert not self.dropped, f"the MAC TX sink dropped {self.dropped} frames (full)"
