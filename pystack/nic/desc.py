# SPDX-License-Identifier: MIT
"""Descriptor layouts (hdl/DATAPATH.md), packed and unpacked in one place so the driver, the
behavioural model and the testbenches cannot disagree about a bit. Every position comes from
`pystack.regdefs`, generated from `hdl/regs/hilnic.rdl` like the RTL's."""

from __future__ import annotations

import struct
from typing import NamedTuple

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


def _fields(*fields: rd.Field) -> tuple[tuple[int, int], ...]:
    """(lsb, mask) of each field, looked up once: descriptors are packed per packet."""
    return tuple((f.lsb, (1 << f.width) - 1) for f in fields)


_WB = rd.RXD_WB
(_HT, _PT, _PE, _VT, _RH, _DD, _EOP, _LEN) = _fields(
    _WB.HASH_TYPE, _WB.PACKET_TYPE, _WB.PARSE_ERROR, _WB.VLAN_TAGS, _WB.RSS_HASH, _WB.DD,
    _WB.EOP, _WB.LENGTH,
)  # fmt: skip
(_TA_LO, _TA_HI, _TLEN, _TEOP) = _fields(rd.TXD.ADDR_LO, rd.TXD.ADDR_HI, rd.TXD.LENGTH, rd.TXD.EOP)


class RxWriteback(NamedTuple):
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
        word = (
            (self.hash_type & _HT[1]) << _HT[0]
            | (self.packet_type & _PT[1]) << _PT[0]
            | (self.parse_error & _PE[1]) << _PE[0]
            | (self.vlan_tags & _VT[1]) << _VT[0]
            | (self.rss_hash & _RH[1]) << _RH[0]
            | (int(self.dd) & _DD[1]) << _DD[0]
            | (int(self.eop) & _EOP[1]) << _EOP[0]
            | (self.length & _LEN[1]) << _LEN[0]
        )
        return word.to_bytes(DESC_BYTES, "little")

    @classmethod
    def unpack(cls, raw: bytes) -> RxWriteback:
        w = int.from_bytes(raw[:DESC_BYTES], "little")
        return cls(
            (w >> _HT[0]) & _HT[1],
            (w >> _PT[0]) & _PT[1],
            (w >> _PE[0]) & _PE[1],
            (w >> _VT[0]) & _VT[1],
            (w >> _RH[0]) & _RH[1],
            bool((w >> _DD[0]) & _DD[1]),
            bool((w >> _EOP[0]) & _EOP[1]),
            (w >> _LEN[0]) & _LEN[1],
        )


class TxDesc(NamedTuple):
    """One legacy TX descriptor: a buffer and whether it ends the frame."""

    addr: int
    length: int
    eop: bool = True

    def pack(self) -> bytes:
        word = (self.addr & _TA_LO[1]) << _TA_LO[0] | ((self.addr >> 32) & _TA_HI[1]) << _TA_HI[0]
        word |= (self.length & _TLEN[1]) << _TLEN[0] | (int(self.eop) & _TEOP[1]) << _TEOP[0]
        return word.to_bytes(DESC_BYTES, "little")

    @classmethod
    def unpack(cls, raw: bytes) -> TxDesc:
        w = int.from_bytes(raw[:DESC_BYTES], "little")
        addr = (w >> _TA_LO[0]) & _TA_LO[1] | ((w >> _TA_HI[0]) & _TA_HI[1]) << 32
        return cls(addr, (w >> _TLEN[0]) & _TLEN[1], bool((w >> _TEOP[0]) & _TEOP[1]))
