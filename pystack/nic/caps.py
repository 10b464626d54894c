# SPDX-License-Identifier: MIT
"""The NIC's capability registers (HN_CAPS, HN_CAPS2), decoded once: what the build has.

The driver reads them at attach and the host sizes itself from them (rings and MSI-X vectors);
the behavioural model encodes its own configuration with the same fields
(`pystack.regdefs`, generated from `hdl/regs/hilnic.rdl`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pystack import regdefs as rd
from pystack.regmap import addr


class _RegReader(Protocol):
    async def read_reg(self, addr: int) -> int: ...


@dataclass(frozen=True)
class Caps:
    rx_queues: int
    tx_queues: int
    vectors: int  # MSI-X vectors
    max_ring_desc: int  # largest ring, in descriptors
    max_frame: int  # bytes, without FCS
    dma_bytes: int  # DMA beat
    mac_bytes: int  # MAC stream beat

    @classmethod
    def decode(cls, caps: int, caps2: int) -> Caps:
        c, c2 = rd.HN_CAPS, rd.HN_CAPS2
        return cls(
            rx_queues=c.RXQ.get(caps),
            tx_queues=c.TXQ.get(caps),
            vectors=c.VECTORS.get(caps),
            max_ring_desc=1 << c.LOG2_RING.get(caps),
            max_frame=c2.MAX_FRAME.get(caps2),
            dma_bytes=c2.DMA_BYTES.get(caps2),
            mac_bytes=c2.MAC_BYTES.get(caps2),
        )

    def encode(self) -> tuple[int, int]:
        """(HN_CAPS, HN_CAPS2) as the NIC reports them."""
        c, c2 = rd.HN_CAPS, rd.HN_CAPS2
        caps = (
            c.RXQ.put(self.rx_queues)
            | c.TXQ.put(self.tx_queues)
            | c.VECTORS.put(self.vectors)
            | c.LOG2_RING.put(self.max_ring_desc.bit_length() - 1)
        )
        caps2 = (
            c2.MAX_FRAME.put(self.max_frame)
            | c2.DMA_BYTES.put(self.dma_bytes)
            | c2.MAC_BYTES.put(self.mac_bytes)
        )
        return caps, caps2

    @classmethod
    async def read(cls, dev: _RegReader) -> Caps:
        return cls.decode(await dev.read_reg(addr("HN_CAPS")), await dev.read_reg(addr("HN_CAPS2")))
