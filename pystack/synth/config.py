# SPDX-License-Identifier: MIT
"""What gets synthesized: the NIC's parameters and the FPGA part it is placed on.

Why a separate description instead of passing `-G` strings around: the same configuration names
its build folder, labels the benchmark's rows and is checked here first, so a bad value gets one
line naming the option (the same names as `hilnic sim`) instead of a Yosys elaboration error.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

# The MAC clock a 64-bit 10G stream needs: 10.3125 Gb/s line rate / 66 bits * 64 = 156.25 MHz.
MAC_CLOCK_MHZ = 156.25
# Packet buffer kept at the default's size (512 lines of 64 bytes) when the DMA width changes.
FIFO_BYTES = 32 * 1024


class ConfigError(ValueError):
    """A bad synthesis option: reported in one line."""


@dataclass(frozen=True)
class Part:
    """An ECP5 device as nextpnr names it, with its capacity (Lattice's data sheet, FPGA-DS-02012).

    `luts` counts LUT4s (and as many flip-flops); `bram` DP16KD 18-Kbit blocks; `dsp`
    MULT18X18D multipliers.
    """

    name: str
    device: str
    nextpnr: str
    package: str
    speed: int
    luts: int
    bram: int
    dsp: int


PARTS: dict[str, Part] = {
    p.name: p
    for p in (
        Part("25k", "LFE5U-25F", "--25k", "CABGA381", 8, 24_288, 56, 28),
        Part("45k", "LFE5U-45F", "--45k", "CABGA381", 8, 43_848, 108, 72),
        Part("85k", "LFE5U-85F", "--85k", "CABGA381", 8, 83_640, 208, 156),
        Part("um5g-85k", "LFE5UM5G-85F", "--um5g-85k", "CABGA381", 8, 83_640, 208, 156),
    )
}
# The largest ECP5, in its SERDES-capable 5G variant (the one an ECP5 NIC board would carry).
DEFAULT_PART = "um5g-85k"


@dataclass(frozen=True)
class SynthConfig:
    """nic_top's parameters, under the option names `hilnic sim` uses (RX = TX queue count)."""

    queues: int = 16
    vectors: int = 10
    data_width: int = 64
    dma_width: int = 512
    addr_width: int = 48
    ring_desc: int = 4096
    max_frame: int = 9018
    # Packet buffer lines; None keeps FIFO_BYTES of buffer (rounded up to what MAX_FRAME needs).
    fifo_lines: int | None = None

    def check(self) -> SynthConfig:
        """The same limits nic_top enforces at elaboration, as one-line errors."""

        def pow2(v: int) -> bool:
            return v > 0 and v & (v - 1) == 0

        if not 1 <= self.queues <= 128:
            raise ConfigError(f"--queues must be 1..128, not {self.queues}")
        if not 1 <= self.vectors <= 25:
            raise ConfigError(f"--vectors must be 1..25, not {self.vectors}")
        if not (32 <= self.data_width <= 512 and pow2(self.data_width)):
            raise ConfigError(f"--data-width must be a power of two 32..512, not {self.data_width}")
        if not (128 <= self.dma_width <= 1024 and pow2(self.dma_width)):
            raise ConfigError(f"--dma-width must be a power of two 128..1024, not {self.dma_width}")
        if self.dma_width < self.data_width:
            raise ConfigError("--dma-width must be at least --data-width")
        if not 32 <= self.addr_width <= 64:
            raise ConfigError(f"--addr-width must be 32..64, not {self.addr_width}")
        if not (8 <= self.ring_desc <= 32768 and pow2(self.ring_desc)):
            raise ConfigError(f"--ring-desc must be a power of two 8..32768, not {self.ring_desc}")
        if not 64 <= self.max_frame <= 16383:
            raise ConfigError(f"--max-frame must be 64..16383, not {self.max_frame}")
        need = self.min_fifo_lines()
        if self.fifo_lines is not None and (not pow2(self.fifo_lines) or self.fifo_lines < need):
            raise ConfigError(f"--fifo-lines must be a power of two >= {need} (two largest frames)")
        return self

    def min_fifo_lines(self) -> int:
        """rx_fifo's floor: room for two largest frames plus four lines."""
        line = self.dma_width // 8
        return 2 * ((self.max_frame + line - 1) // line) + 4

    def rx_fifo_lines(self) -> int:
        if self.fifo_lines is not None:
            return self.fifo_lines
        lines = max(FIFO_BYTES // (self.dma_width // 8), self.min_fifo_lines())
        return 1 << (lines - 1).bit_length()

    def parameters(self) -> dict[str, int]:
        """nic_top's parameters, every one given (so a change of the RTL defaults shows)."""
        return {
            "NUM_RX_QUEUES": self.queues,
            "NUM_TX_QUEUES": self.queues,
            "NUM_VECTORS": self.vectors,
            "DATA_WIDTH": self.data_width,
            "DMA_DATA_WIDTH": self.dma_width,
            "DMA_ADDR_WIDTH": self.addr_width,
            "MAX_RING_DESC": self.ring_desc,
            "MAX_FRAME": self.max_frame,
            "RX_FIFO_LINES": self.rx_fifo_lines(),
        }

    @property
    def label(self) -> str:
        """Short and readable, for tables: q16 v10 mac64 dma512."""
        text = f"q{self.queues} v{self.vectors} mac{self.data_width} dma{self.dma_width}"
        if (self.addr_width, self.ring_desc, self.max_frame) != (48, 4096, 9018):
            text += f" a{self.addr_width} r{self.ring_desc} f{self.max_frame}"
        return text

    def key(self) -> str:
        """A folder name unique to the parameters."""
        blob = json.dumps(asdict(self) | {"p": self.parameters()}, sort_keys=True)
        slug = self.label.replace(" ", "-")
        return f"{slug}-{hashlib.sha1(blob.encode()).hexdigest()[:8]}"


DEFAULT = SynthConfig()
# `hilnic synth`'s default: the RTL's queues, vectors and MAC width with a 128-bit DMA beat. The
# RTL default (512-bit DMA) needs about 83,000 LUTs (104% of the LFE5UM5G-85F's logic cells
# after packing; TX DMA and its packer take 24k of them at 512 bits); at 128 bits it fits.
FPGA_DEFAULT = SynthConfig(dma_width=128)
# Small enough for the test suite: 4 queues, 4 vectors, 128-bit DMA (same 32 KiB buffer).
SMALL = SynthConfig(queues=4, vectors=4, dma_width=128)
