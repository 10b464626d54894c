# SPDX-License-Identifier: MIT
"""pcap in and out as raw bytes, so runts and damaged frames survive the round trip (scapy's
packet classes refuse to build from a two-byte frame)."""

from __future__ import annotations

from pathlib import Path

LINKTYPE_ETHERNET = 1
MIN_FRAME = 60  # Ethernet's minimum without the FCS


def pad_frame(frame: bytes, minimum: int = MIN_FRAME) -> bytes:
    """The frame as a transmitting MAC puts it on the wire: zero-padded to the minimum. A
    capture taken on the sending host (tshark on a TAP, or a pcap of sent traffic) holds the
    frame before the MAC padded it, so an ARP request there is 42 bytes, not 60."""
    return frame + bytes(minimum - len(frame)) if len(frame) < minimum else frame


class PcapError(ValueError):
    """The file is missing, not a capture, or not Ethernet."""


def write_frames(path: Path, frames: list[bytes]) -> None:
    from scapy.utils import PcapWriter

    with PcapWriter(str(path), linktype=LINKTYPE_ETHERNET, sync=False) as writer:
        for frame in frames:
            writer.write(frame)


def read_frames(path: Path) -> list[bytes]:
    from scapy.error import Scapy_Exception
    from scapy.utils import PcapNgReader, RawPcapReader

    if not path.exists():
        raise PcapError(f"{path}: no such file")
    try:
        with RawPcapReader(str(path)) as reader:  # type: ignore[no-untyped-call]
            if not hasattr(reader, "linktype"):  # scapy handed back its pcapng reader
                raise Scapy_Exception("pcapng")
            if reader.linktype != LINKTYPE_ETHERNET:
                raise PcapError(f"{path}: link type {reader.linktype} is not Ethernet")
            return [bytes(data) for data, _meta in reader]
    except Scapy_Exception:
        pass
    try:
        with PcapNgReader(str(path)) as reader:  # type: ignore[no-untyped-call]
            return [bytes(pkt) for pkt in reader]
    except Scapy_Exception as exc:
        raise PcapError(f"{path}: not a pcap or pcapng file") from exc
