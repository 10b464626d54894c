# SPDX-License-Identifier: MIT
"""The scoreboard: the behavioural model, with its own driver, fed the same stimulus.

Every batch the MAC RX driver plays reaches `write_stimulus` before the RTL sees its first beat;
the reference (`Reference`) plays it into a `ModelDevice` at once, lets it settle and runs the
same `HostLoop` the RTL's host runs, so the frames the model delivers on each queue (and, when
forwarding, sends on each TX queue) are known before the RTL's arrive. The model takes no
simulated time: its coroutines never suspend and are run to completion on the spot.

Checks, each failure described with the frame's stimulus id ("b<batch>.<index>", kind, length):

* RX, per queue in ring order: bytes, queue, RSS hash, hash type, packet type, parse error and
  VLAN tags of every delivered frame against the model's; a frame on the wrong queue, out of
  order, delivered by one side only, or left over at the end is reported as such.
* MAC TX, per TX queue in ring order (the NIC's round robin across queues is its own business):
  bytes and MAC abort flag; unexpected, out-of-order and missing frames.
* At the end: every counter (global and per queue) equal to the model's, TPR balanced and equal
  to the frames played, no DMA guard violation on either side.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass

from pyuvm import ConfigDB, uvm_component, uvm_subscriber

from pystack.nic.device import TxFrame
from pystack.nic.driver import Driver, RxPacket
from pystack.nic.model import ModelDevice
from pystack.rss import HashType, ParseError, classify_frame
from tb.nic.scenarios import settle
from tb.nic.uvm.config import NicContext, NicEnvConfig, run_now
from tb.nic.uvm.host import HostLoop
from tb.nic.uvm.items import HostSummary, MacRxBatch

RX_FIELDS = ("queue", "rss_hash", "hash_type", "packet_type", "parse_error", "vlan_tags")
_DROP_COUNTERS = ("HN_RQOVR", "RQDPC", "HN_RQDMAE")


@dataclass
class _Expected:
    """A frame the model delivered (or sent on MAC TX) that the RTL must match."""

    packet: RxPacket | None
    tx: TxFrame | None = None
    index: int = 0  # the model's n-th frame on this queue

    @property
    def data(self) -> bytes:
        if self.packet is not None:
            return self.packet.data
        assert self.tx is not None
        return self.tx.data


class Reference:
    """The model NIC, its driver and host loop, configured like the RTL's (but `ref_rss`)."""

    def __init__(self, cfg: NicEnvConfig) -> None:
        self.cfg = cfg
        self.dev = ModelDevice(link_up=True)
        self.drv = Driver(
            self.dev, ring_size=cfg.ring_size, buffer_size=cfg.buffer_size, rss=cfg.reference_rss
        )
        run_now(self.drv.attach())
        self.rx: dict[int, deque[_Expected]] = {q: deque() for q in self.drv.rx}
        self.tx: dict[int, deque[_Expected]] = {q: deque() for q in self.drv.tx}
        self.loop = HostLoop(
            self.dev,
            self.drv,
            self._delivered,
            cfg.forward,
            cfg.harvest_budget,
            after_transmit=self._transmitted,
        )
        self.stray_tx: list[TxFrame] = []
        self.frames = 0
        self.counts: Counter[tuple[str, int]] = Counter()

    def _delivered(self, p: RxPacket) -> None:
        self.rx[p.queue].append(_Expected(p, index=self.counts[("rx", p.queue)]))
        self.counts[("rx", p.queue)] += 1

    def _transmitted(self, queue: int, _posted: list[bytes]) -> None:
        # The model sends on the TDT write, so what left since the last call is this queue's.
        for f in self.dev.mac_take():
            self.tx[queue].append(_Expected(None, f, self.counts[("tx", queue)]))
            self.counts[("tx", queue)] += 1

    def play(self, batch: MacRxBatch) -> None:
        self.frames += len(batch.items)
        run_now(self._play(batch))

    async def _play(self, batch: MacRxBatch) -> None:
        await self.dev.mac_send(batch.frames, rate=batch.rate, bad=batch.bad)
        await settle(self.dev)
        await self.loop.drain_rx()
        self.stray_tx += self.dev.mac_take()

    def finish(self) -> dict[str, int]:
        return run_now(self._finish())

    async def _finish(self) -> dict[str, int]:
        await settle(self.dev)
        await self.loop.drain_rx()
        if self.cfg.forward:
            await self.loop.drain_tx()
        self.stray_tx += self.dev.mac_take()
        return await self.drv.read_stats()


class NicScoreboard(uvm_component):
    """RTL against the model, frame by frame and counter by counter (module docstring)."""

    def build_phase(self) -> None:
        self.ctx: NicContext = ConfigDB().get(self, "", "nic")
        imp = uvm_subscriber.uvm_AnalysisImp
        self.stim_export = imp("stim_export", self, self.write_stimulus)
        self.rx_export = imp("rx_export", self, self.write_rx)
        self.tx_export = imp("tx_export", self, self.write_tx)
        self.summary_export = imp("summary_export", self, self.write_summary)
        self.ref: Reference | None = None
        self.errors: list[str] = []
        self.error_kinds: Counter[str] = Counter()
        self.summary: HostSummary | None = None
        self.ref_stats: dict[str, int] = {}
        self.sids: dict[bytes, list[str]] = {}
        self.kind_of: dict[str, str] = {}
        self.rx_count: Counter[int] = Counter()
        self.tx_count = 0
        self.coverage: Counter[str] = Counter()

    def start_of_simulation_phase(self) -> None:
        self.ref = Reference(self.ctx.cfg)

    # ---- reporting ---------------------------------------------------------------------------
    def error(self, msg: str, kind: str = "frame") -> None:
        """Record a mismatch; the first `max_reports` of each kind (frame, leftover, counter)
        are logged one by one, the rest only counted."""
        self.errors.append(msg)
        self.error_kinds[kind] += 1
        limit = self.ctx.cfg.max_reports
        if self.error_kinds[kind] <= limit:
            self.logger.error(msg)
        elif self.error_kinds[kind] == limit + 1:
            self.logger.error(f"more {kind} mismatches follow; only the first {limit} are logged")

    def describe(self, data: bytes) -> str:
        """'[b<batch>.<index> <kind> <length> B]' for a frame the MAC RX driver played."""
        sids = self.sids.get(data)
        if not sids:
            return f"[never played, {len(data)} B]"
        head = f"{sids[0]} {self.kind_of.get(sids[0], '?')} {len(data)} B"
        if len(sids) == 1:
            return f"[{head}]"
        return f"[{head}, one of {len(sids)} identical: {' '.join(sids[:4])}]"

    @staticmethod
    def _field(name: str, value: int) -> str:
        if name == "hash_type":
            return HashType(value).name if value in HashType._value2member_map_ else str(value)
        if name == "parse_error":
            return ParseError(value).name if value in ParseError._value2member_map_ else str(value)
        if name == "rss_hash" or name == "packet_type":
            return f"{value:#x}"
        return str(value)

    def rx_diffs(self, got: RxPacket, want: RxPacket) -> list[str]:
        out = [
            f"{f} RTL {self._field(f, getattr(got, f))} model {self._field(f, getattr(want, f))}"
            for f in RX_FIELDS
            if getattr(got, f) != getattr(want, f)
        ]
        if got.data != want.data:
            out.append(_bytes_diff(got.data, want.data))
        return out

    # ---- inputs ------------------------------------------------------------------------------
    def write_stimulus(self, batch: MacRxBatch) -> None:
        for item in batch.items:
            self.sids.setdefault(item.data, []).append(item.sid)
            self.kind_of[item.sid] = item.kind
            self.coverage[f"kind:{item.kind}"] += 1
        assert self.ref is not None
        self.ref.play(batch)

    def write_rx(self, got: RxPacket) -> None:
        assert self.ref is not None
        q = got.queue
        n = self.rx_count[q]
        self.rx_count[q] += 1
        self._cover(got)
        where = f"RX queue {q} frame #{n} {self.describe(got.data)}"
        expected = self.ref.rx.get(q)
        if expected is None:
            self.error(f"{where}: delivered on a queue the reference driver does not have")
            return
        if expected and (expected[0].data == got.data or got.data not in self.sids):
            if got.data not in self.sids:  # never played: a damaged copy of the frame due here
                where = f"RX queue {q} frame #{n} (bytes never played; the model's frame due "
                where += f"here is {self.describe(expected[0].data)})"
            want = expected.popleft().packet
            assert want is not None
            diffs = self.rx_diffs(got, want)
            if diffs:
                self.error(f"{where}: " + "; ".join(diffs))
            return
        found = _find(self.ref.rx, got.data)
        if found is None:
            head = self.describe(expected[0].data) if expected else "nothing more"
            self.error(
                f"{where}: the model did not deliver this frame ({self._model_view(got.data)}); "
                f"the model's next frame on this queue is {head}"
            )
            return
        q2, i = found
        entry = self.ref.rx[q2][i]
        want = entry.packet
        assert want is not None
        skipped = self._list(list(self.ref.rx[q2])[:i])
        del self.ref.rx[q2][i]
        diffs = [d for d in self.rx_diffs(got, want) if not d.startswith("queue ")]
        if q2 != q:
            self.error(
                f"{where}: the model delivered it on queue {q2} (its frame #{entry.index} there)"
                + "".join(f"; {d}" for d in diffs)
            )
        else:
            self.error(
                f"{where}: out of order, the model delivered {i} frame(s) before it on this "
                f"queue that the RTL has not: {skipped}"
                + ("; " + "; ".join(diffs) if diffs else "")
            )

    def write_tx(self, got: TxFrame) -> None:
        assert self.ref is not None
        n = self.tx_count
        self.tx_count += 1
        self.coverage["tx"] += 1
        where = f"MAC TX frame #{n} {self.describe(got.data)}"
        for q, expected in self.ref.tx.items():
            if expected and expected[0].data == got.data:
                want = expected.popleft().tx
                assert want is not None
                if want.aborted != got.aborted:
                    self.error(
                        f"{where} (TX queue {q}): abort RTL {got.aborted} model {want.aborted}"
                    )
                self.coverage[f"tx_queue:{q}"] += 1
                return
        found = _find(self.ref.tx, got.data)
        if found is None and got.data not in self.sids:  # damaged: compare with a likely head
            heads = [
                (q, e) for q, e in self.ref.tx.items() if e and len(e[0].data) == len(got.data)
            ]
            if heads:
                q, expected = max(heads, key=lambda h: _common_prefix(h[1][0].data, got.data))
                head = expected.popleft()
                self.error(
                    f"MAC TX frame #{n} (bytes never played; TX queue {q}'s next frame in the "
                    f"model is {self.describe(head.data)}): {_bytes_diff(got.data, head.data)}"
                )
                return
        if found is None:
            self.error(f"{where}: the model sent no such frame (or not that many)")
            return
        q, i = found
        skipped = self._list(list(self.ref.tx[q])[:i])
        del self.ref.tx[q][i]
        self.error(f"{where}: out of order on TX queue {q}, the model sent first: {skipped}")

    def _list(self, entries: list[_Expected], most: int = 4) -> str:
        out = ", ".join(self.describe(e.data) for e in entries[:most])
        return out + (f" and {len(entries) - most} more" if len(entries) > most else "")

    def write_summary(self, summary: HostSummary) -> None:
        self.summary = summary

    def _model_view(self, data: bytes) -> str:
        res = classify_frame(data, self.ctx.cfg.reference_rss)
        return (
            f"the model classifies it to queue {res.queue}, hash {res.hash:#x} {res.hash_type.name}"
        )

    def _cover(self, p: RxPacket) -> None:
        cov = self.coverage
        cov[f"queue:{p.queue}"] += 1
        cov[f"hash_type:{self._field('hash_type', p.hash_type)}"] += 1
        cov[f"parse_error:{self._field('parse_error', p.parse_error)}"] += 1
        cov[f"vlan_tags:{p.vlan_tags}"] += 1
        if len(p.data) > self.ctx.cfg.buffer_size:
            cov["multi_buffer"] += 1

    # ---- end of test -------------------------------------------------------------------------
    def extract_phase(self) -> None:
        assert self.ref is not None
        self.ref_stats = self.ref.finish()

    def check_phase(self) -> None:
        assert self.ref is not None
        for q, left in self.ref.rx.items():
            for e in left:
                self.error(
                    f"RX queue {q}: the model delivered {self.describe(e.data)} "
                    f"(its frame #{e.index} there), the RTL never did",
                    "leftover",
                )
        for q, left in self.ref.tx.items():
            for e in left:
                self.error(
                    f"MAC TX queue {q}: the model sent {self.describe(e.data)} (its frame "
                    f"#{e.index} there), the RTL never did",
                    "leftover",
                )
        for f in self.ref.stray_tx:
            self.error(
                f"the model sent {self.describe(f.data)} on MAC TX outside any transmit", "end"
            )
        self._check_counters()
        if self.errors:
            kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.error_kinds.items()))
            raise AssertionError(
                f"scoreboard: {len(self.errors)} mismatches against the model ({kinds}; "
                f"seed {self.ctx.cfg.seed}); first: {self.errors[0]}"
            )

    def report_phase(self) -> None:
        assert self.ref is not None and self.summary is not None
        stats = self.summary.stats
        self.logger.info(
            f"{self.ref.frames} frames played; {sum(self.rx_count.values())} delivered on "
            f"{len(self.rx_count)} queues and {self.tx_count} sent on MAC TX, all equal to the "
            f"model; {len(stats)} counters equal (TPR {stats['TPR']}, GPRC {stats['GPRC']}, "
            f"RUC {stats['RUC']}, CRCERRS {stats['CRCERRS']}, GPTC {stats['GPTC']})"
        )

    def _check_counters(self) -> None:
        summary = self.summary
        if summary is None:
            self.error("the host never reported its final counters", "end")
            return
        for v in summary.violations:
            self.error(f"RTL DMA guard: {v}", "end")
        assert self.ref is not None
        for v in self.ref.dev.guard_violations():
            self.error(f"model DMA guard: {v}", "end")
        got, want = summary.stats, self.ref_stats
        for key in sorted(set(got) | set(want), key=_counter_order):
            if got.get(key) != want.get(key):
                self.error(f"counter {key}: RTL {got.get(key)} model {want.get(key)}", "counter")
        drops = sum(v for k, v in got.items() if k.split("[")[0] in _DROP_COUNTERS)
        accounted = got["MPC"] + got["CRCERRS"] + got["RUC"] + got["GPRC"] + drops
        if got["TPR"] != accounted:
            self.error(
                f"RTL TPR {got['TPR']} != MPC + CRCERRS + RUC + GPRC + drops = {accounted}", "end"
            )
        if got["TPR"] != self.ref.frames:
            self.error(f"RTL TPR {got['TPR']}, but {self.ref.frames} frames were played", "end")
        if summary.delivered != got["GPRC"]:
            self.error(
                f"the RTL host harvested {summary.delivered} frames, GPRC says {got['GPRC']}", "end"
            )


def _find(queues: dict[int, deque[_Expected]], data: bytes) -> tuple[int, int] | None:
    for q, expected in queues.items():
        for i, e in enumerate(expected):
            if e.data == data:
                return q, i
    return None


def _common_prefix(a: bytes, b: bytes) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _bytes_diff(got: bytes, want: bytes) -> str:
    at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None)
    if at is None:
        return f"length RTL {len(got)} model {len(want)} (one is a prefix of the other)"
    return (
        f"bytes differ from offset {at} (RTL {got[at : at + 8].hex()} model "
        f"{want[at : at + 8].hex()}, lengths {len(got)}/{len(want)})"
    )


def _counter_order(key: str) -> tuple[str, int]:
    name, _, index = key.partition("[")
    return name, int(index.rstrip("]") or -1)
