# SPDX-License-Identifier: MIT
"""The far end of the wire: hosts that ping and send UDP to our host through MAC RX and read
the replies off MAC TX, timing each round trip in simulated time.

Requests carry (flow, sequence) in their first 8 payload bytes, so every reply is matched to
its request; a request's time is when its last bit arrived at the NIC, computed from the same
wire-time formula the frame source and the model use.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from pystack.nic.device import Device, wire_schedule
from pystack.rss import RssConfig, classify_frame
from pystack.stack.proto import (
    ETH_ARP,
    ETH_IP,
    ICMP_ECHO,
    ICMP_ECHO_REPLY,
    PROTO_ICMP,
    PROTO_UDP,
    build_ipv4,
    build_udp,
    checksum,
    ip_raw,
)

ECHO_PORT = 7


@dataclass(frozen=True)
class Flow:
    fid: int
    ip: str
    mac: bytes
    sport: int
    kind: str  # "udp" or "icmp"
    dport: int = ECHO_PORT  # UDP only


@dataclass
class Peer:
    dev: Device
    host_mac: bytes
    host_ip: str
    clock_ns: float = 6.4
    mac_bytes: int = 8
    sent: dict[tuple[int, int], float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    replies: int = 0
    unmatched: int = 0
    capture: bool = False  # keep every frame each way, with its time, for pcaps
    rx_log: list[tuple[float, bytes]] = field(default_factory=list)  # onto the NIC's MAC RX
    tx_log: list[tuple[float, bytes]] = field(default_factory=list)  # off the NIC's MAC TX
    _wire_end: float = 0.0

    def flows(self, count: int, kinds: tuple[str, ...] = ("udp", "icmp")) -> list[Flow]:
        out = []
        for i in range(count):
            ip = f"10.{1 + i // 62500 % 200}.{i // 250 % 250}.{1 + i % 250}"
            mac = bytes([0x02, 0x10]) + i.to_bytes(4, "big")
            out.append(Flow(i, ip, mac, 20000 + (i * 7919) % 40000, kinds[i % len(kinds)]))
        return out

    def arp_request(self, flow: Flow) -> bytes:
        body = struct.pack("!HHBBH", 1, ETH_IP, 6, 4, 1) + flow.mac + ip_raw(flow.ip)
        body += bytes(6) + ip_raw(self.host_ip)
        return b"\xff" * 6 + flow.mac + struct.pack("!H", ETH_ARP) + body + bytes(18)

    def request(self, flow: Flow, seq: int, size: int = 64) -> bytes:
        tag = struct.pack("!II", flow.fid, seq)
        src, dst = ip_raw(flow.ip), ip_raw(self.host_ip)
        pad = bytes(max(0, size - 14 - 20 - 8 - len(tag)))  # Ethernet, IPv4, UDP/ICMP headers
        if flow.kind == "udp":
            l4 = build_udp(src, dst, flow.sport, flow.dport, tag + pad)
            ip = build_ipv4(src, dst, PROTO_UDP, l4, seq)
        else:
            msg = struct.pack("!BBHHH", ICMP_ECHO, 0, 0, flow.fid & 0xFFFF, seq & 0xFFFF)
            msg += tag + pad
            msg = msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]
            ip = build_ipv4(src, dst, PROTO_ICMP, msg, seq)
        return self.host_mac + flow.mac + struct.pack("!H", ETH_IP) + ip

    def flow_hash(self, flow: Flow, cfg: RssConfig) -> int:
        """The RSS hash of the flow's requests, from the reference classifier."""
        return classify_frame(self.request(flow, 0), cfg).hash

    def wire_ns(self, length: int, rate: float) -> float:
        """The wire slot of one frame at `rate` (wire_schedule's rule, written once there)."""
        _, end = wire_schedule(0.0, [length], rate, self.clock_ns, self.mac_bytes)
        return end

    @property
    def wire_end_ns(self) -> float:
        """When the last frame handed to `send` will have landed."""
        return self._wire_end

    async def send(
        self, frames: list[tuple[Flow, int, bytes]], rate: float = 1.0, bad: Sequence[int] = ()
    ) -> None:
        """Put frames on the wire back to back at `rate`; remember when each one lands.
        Frames whose index is in `bad` go out with a MAC error (a bad FCS)."""
        start = max(self.dev.now_ns(), self._wire_end)
        times, self._wire_end = wire_schedule(
            start, [len(f) for _, _, f in frames], rate, self.clock_ns, self.mac_bytes
        )
        for (flow, seq, frame), t in zip(frames, times, strict=True):
            if seq >= 0:
                self.sent[(flow.fid, seq)] = t
            if self.capture:
                self.rx_log.append((t, frame))
        await self.dev.mac_send([f for _, _, f in frames], rate=rate, bad=bad)

    def collect(self) -> int:
        """Match the replies on MAC TX to their requests; returns how many were new."""
        got = 0
        for tx in self.dev.mac_take():
            if self.capture:
                self.tx_log.append((tx.time_ns, tx.data))
            key = self._reply_key(tx.data)
            if key is None or key not in self.sent:
                self.unmatched += 1
                continue
            self.latencies.append(tx.time_ns - self.sent.pop(key))
            self.replies += 1
            got += 1
        return got

    @staticmethod
    def _reply_key(frame: bytes) -> tuple[int, int] | None:
        if len(frame) < 14 + 20 or struct.unpack_from("!H", frame, 12)[0] != ETH_IP:
            return None
        ihl = (frame[14] & 0xF) * 4
        proto, l4 = frame[23], frame[14 + ihl :]
        udp = proto == PROTO_UDP
        icmp = proto == PROTO_ICMP and l4[:1] == bytes([ICMP_ECHO_REPLY])
        if not (udp or icmp) or len(l4) < 16:
            return None
        fid, seq = struct.unpack_from("!II", l4, 8)
        return fid, seq
