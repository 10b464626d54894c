# SPDX-License-Identifier: MIT
"""Sequences for the MAC RX agent: seeded, reproducible traffic cut into batches.

A sequence builds its whole frame list first (so a seed fixes every byte), then cuts it into
batches and sends one `MacFrameItem` per frame, marking the last of each batch. A batch is what
the frame source plays in one go; between batches the host harvests every ring, so rings start
each batch full and which frames find a ring full is decided by the batch and the RETA alone.
`max_batch_desc` caps the RX descriptors a batch can need in total (frames of up to
`buffer_size` bytes need one): with a cap below the ring size no ring can overflow whatever the
hashing, which is what a test that polls during the batch needs to stay comparable with the
model (it harvests at batch ends only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pyuvm import uvm_sequence

from pystack.traffic import edge_frames
from tb.nic.uvm.items import MacFrameItem
from tb.nic.uvm.traffic import DEFAULT_MIX, FrameFactory

Frame = tuple[bytes, bool, str]  # data, MAC error flag, kind


class BatchedSeq(uvm_sequence):
    """Sends `frames()` in batches of at most `batch_size` frames / `max_batch_desc` descriptors."""

    def __init__(
        self,
        name: str,
        batch_size: int = 128,
        max_batch_desc: int | None = None,
        buffer_size: int = 2048,
    ) -> None:
        super().__init__(name)
        self.batch_size = batch_size
        self.max_batch_desc = max_batch_desc
        self.buffer_size = buffer_size
        self.kinds: Counter[str] = Counter()
        self.sent = 0

    def frames(self) -> list[Frame]:
        raise NotImplementedError

    def batches(self, frames: Sequence[Frame]) -> list[list[Frame]]:
        out: list[list[Frame]] = [[]]
        desc = 0
        for frame in frames:
            need = max(1, -(-len(frame[0]) // self.buffer_size))
            full = len(out[-1]) >= self.batch_size or (
                self.max_batch_desc is not None and desc + need > self.max_batch_desc
            )
            if full and out[-1]:
                out.append([])
                desc = 0
            out[-1].append(frame)
            desc += need
        return [b for b in out if b]

    async def body(self) -> None:
        for batch in self.batches(self.frames()):
            for i, (data, bad, kind) in enumerate(batch):
                item = MacFrameItem(
                    f"{self.get_name()}.{self.sent}", data, bad, kind, i == len(batch) - 1
                )
                await self.start_item(item)
                await self.finish_item(item)
                self.kinds[kind] += 1
                self.sent += 1


class RandomTrafficSeq(BatchedSeq):
    """`count` frames drawn from `mix` (kind -> weight, see traffic.DEFAULT_MIX)."""

    def __init__(
        self,
        name: str = "random_traffic",
        seed: int = 1,
        count: int = 500,
        mix: dict[str, float] | None = None,
        flows: int = 128,
        vlan_share: float = 0.3,
        **kw: object,
    ) -> None:
        super().__init__(name, **kw)  # type: ignore[arg-type]
        self.seed = seed
        self.count = count
        self.mix = dict(DEFAULT_MIX if mix is None else mix)
        self.flows = flows
        self.vlan_share = vlan_share

    def frames(self) -> list[Frame]:
        factory = FrameFactory(self.seed, self.flows, self.vlan_share)
        out = []
        for _ in range(self.count):
            kind = factory.pick(self.mix)
            data, bad = factory.build(kind)
            out.append((data, bad, kind))
        return out


class EdgeSeq(BatchedSeq):
    """pystack.traffic.edge_frames(): every cut through the longest headers, lying lengths,
    deep VLAN stacks, fragments, runts of every size class."""

    def __init__(self, name: str = "edges", **kw: object) -> None:
        super().__init__(name, **kw)  # type: ignore[arg-type]

    def frames(self) -> list[Frame]:
        return [(f, False, "edge") for f in edge_frames()]
