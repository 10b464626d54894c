# SPDX-License-Identifier: MIT
"""Descriptor layouts (hdl/DATAPATH.md), packed and unpacked in one place so the driver, the
behavioural model and the testbenches cannot disagree about a bit. Every position comes from
`pystack.regdefs`, generated from `hdl/regs/hilnic.rdl` like the RTL's."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pystack import regdefs as rd
from pystack.rss.parse import MIN_FRAME_BYTES

DESC_BYTES = rd.DESC_BYTES
RX_BUFFER_ALIGN = 64
RING_ALIGN = 128
# Without FCS; shorter RX frames are runts, shorter TX frames are padded (the parser's rule).
MIN_FRAME = MIN_FRAME_BYTES

RX_STATUS_DD = rd.RXD_WB.DD.mask >> 64  # in the status dword (bits 95:64)
RX_STATUS_EOP = rd.RXD_WB.EOP.mask >> 64
TX_CMD_EOP = rd.TXD.EOP.mask >> 88  # in the CMD byte (bits 95:88)
XDCTL_ENABLE = rd.RXDCTL.ENABLE.mask  # RXDCTL and TXDCTL alike
RCTL_EN = rd.RCTL.EN.mask
RCTL_LBM_MAC = rd.RCTL.LBM.put(rd.Loopback.MAC)
TCTL_EN = rd.TCTL.EN.mask
CTRL_RST = rd.CTRL.RST.mask
# Device-reset handshake (82576): ask the NIC to stop mastering DMA, wait until
# STATUS.GIO_MASTER_ENABLE reads 0 (nothing outstanding), then CTRL.RST (hdl/DATAPATH.md).
CTRL_GIO_MASTER_DISABLE = rd.CTRL.GIO_MASTER_DISABLE.mask
STATUS_GIO_MASTER_ENABLE = rd.STATUS.GIO_MASTER_ENABLE.mask
TDWBAL_ENABLE = rd.TDWBAL.ENABLE.mask
assert rd.RXDCTL.ENABLE == rd.TXDCTL.ENABLE


def rx_read_desc(buffer_addr: int) -> bytes:
    """The descriptor a driver posts: the buffer address, then 8 ignored bytes (zeroed)."""
    return struct.pack("<QQ", buffer_addr, 0)


@dataclass(frozen=True)
class RxWriteback:
    """One RX descriptor as the NIC writes it back."""

    hash_type: int
    packet_type: int
    parse_error: int
    vlan_tags: int
    rss_hash: int
    dd: bool
    eop: bool
    length: int

    def pack(self) -> bytes:
        f = rd.RXD_WB
        word = (
            f.HASH_TYPE.put(self.hash_type)
            | f.PACKET_TYPE.put(self.packet_type)
            | f.PARSE_ERROR.put(self.parse_error)
            | f.VLAN_TAGS.put(self.vlan_tags)
            | f.RSS_HASH.put(self.rss_hash)
            | f.DD.put(self.dd)
            | f.EOP.put(self.eop)
            | f.LENGTH.put(self.length)
        )
        return word.to_bytes(DESC_BYTES, "little")

    @classmethod
    def unpack(cls, raw: bytes) -> RxWriteback:
        word = int.from_bytes(raw[:DESC_BYTES], "little")
        f = rd.RXD_WB
        return cls(
            hash_type=f.HASH_TYPE.get(word),
            packet_type=f.PACKET_TYPE.get(word),
            parse_error=f.PARSE_ERROR.get(word),
            vlan_tags=f.VLAN_TAGS.get(word),
            rss_hash=f.RSS_HASH.get(word),
            dd=bool(f.DD.get(word)),
            eop=bool(f.EOP.get(word)),
            length=f.LENGTH.get(word),
        )


@dataclass(frozen=True)
class TxDesc:
    """One legacy TX descriptor: a buffer and whether it ends the frame."""

    addr: int
    length: int
    eop: bool = True

    def pack(self) -> bytes:
        f = rd.TXD
        word = f.ADDR_LO.put(self.addr) | f.ADDR_HI.put(self.addr >> 32)
        word |= f.LENGTH.put(self.length) | f.EOP.put(self.eop)
        return word.to_bytes(DESC_BYTES, "little")

    @classmethod
    def unpack(cls, raw: bytes) -> TxDesc:
        word = int.from_bytes(raw[:DESC_BYTES], "little")
        f = rd.TXD
        addr = f.ADDR_LO.get(word) | f.ADDR_HI.get(word) << 32
        return cls(addr, f.LENGTH.get(word), bool(f.EOP.get(word)))
