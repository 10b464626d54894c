"""Descriptor layouts (hdl/DATAPATH.md), packed and unpacked in one place so the driver, the
behavioural model and the testbenches cannot disagree about a bit."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pystack.rss.parse import MIN_FRAME_BYTES

DESC_BYTES = 16
RX_BUFFER_ALIGN = 64
RING_ALIGN = 128
# Without FCS; shorter RX frames are runts, shorter TX frames are padded (the parser's rule).
MIN_FRAME = MIN_FRAME_BYTES

RX_STATUS_DD = 1 << 0
RX_STATUS_EOP = 1 << 1
TX_CMD_EOP = 1 << 0
XDCTL_ENABLE = 1 << 25
RCTL_EN = 1 << 1
RCTL_LBM_MAC = 1 << 6
TCTL_EN = 1 << 1
CTRL_RST = 1 << 26
# Device-reset handshake (82576): ask the NIC to stop mastering DMA, wait until
# STATUS.GIO_MASTER_ENABLE reads 0 (nothing outstanding), then CTRL.RST (hdl/DATAPATH.md).
CTRL_GIO_MASTER_DISABLE = 1 << 2
STATUS_GIO_MASTER_ENABLE = 1 << 19
TDWBAL_ENABLE = 1 << 0


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
        dword0 = (
            (self.hash_type & 0xF)
            | (self.packet_type & 0xFFF) << 4
            | (self.parse_error & 0x7) << 16
            | (self.vlan_tags & 0x3) << 19
        )
        status = (RX_STATUS_DD if self.dd else 0) | (RX_STATUS_EOP if self.eop else 0)
        return struct.pack("<IIII", dword0, self.rss_hash, status, self.length & 0xFFFF)

    @classmethod
    def unpack(cls, raw: bytes) -> RxWriteback:
        dword0, rss_hash, status, dword3 = struct.unpack("<IIII", raw[:DESC_BYTES])
        return cls(
            hash_type=dword0 & 0xF,
            packet_type=(dword0 >> 4) & 0xFFF,
            parse_error=(dword0 >> 16) & 0x7,
            vlan_tags=(dword0 >> 19) & 0x3,
            rss_hash=rss_hash,
            dd=bool(status & RX_STATUS_DD),
            eop=bool(status & RX_STATUS_EOP),
            length=dword3 & 0xFFFF,
        )


@dataclass(frozen=True)
class TxDesc:
    """One legacy TX descriptor: a buffer and whether it ends the frame."""

    addr: int
    length: int
    eop: bool = True

    def pack(self) -> bytes:
        cmd = TX_CMD_EOP if self.eop else 0
        return struct.pack("<QHBBI", self.addr, self.length, 0, cmd, 0)

    @classmethod
    def unpack(cls, raw: bytes) -> TxDesc:
        addr, length, _cso, cmd, _rest = struct.unpack("<QHBBI", raw[:DESC_BYTES])
        return cls(addr, length, bool(cmd & TX_CMD_EOP))
