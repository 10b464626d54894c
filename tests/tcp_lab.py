# SPDX-License-Identifier: MIT
"""A bench for scripting TCP against the host by hand: the host (model NIC, npoll, its CPUs)
on one side, scapy on the other. Every segment the host sends is checked by scapy (its IP and
TCP checksums recomputed independently) before a test looks at it."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from pystack.nic.model import ModelDevice
from pystack.stack.host import HOST_IP, HOST_MAC, Host
from pystack.stack.sim import ModelSim
from pystack.stack.sockets import SocketError, TcpSocket
from pystack.stack.tcp_conn import TcpConfig

US = 1000.0
MS = 1_000_000.0
PEER_IP = "10.1.0.5"
PEER_MAC = "02:10:00:00:00:05"
HOST_MAC_STR = ":".join(f"{b:02x}" for b in HOST_MAC)


def checked(frame: bytes) -> Packet:
    """The frame as scapy reads it, after scapy agrees with both of its checksums."""
    pkt = Ether(frame)
    again = pkt.copy()
    del again[IP].chksum
    del again[TCP].chksum
    rebuilt = Ether(bytes(again))
    assert rebuilt[IP].chksum == pkt[IP].chksum, "bad IP checksum from the host"
    assert rebuilt[TCP].chksum == pkt[TCP].chksum, "bad TCP checksum from the host"
    return pkt


class Lab:
    def __init__(
        self, cfg: TcpConfig | None = None, ncpus: int = 2, mode: str = "intr", **host: Any
    ) -> None:
        # Interrupt mode: nothing runs while the wire is quiet, so seconds of simulated time
        # (retransmission back-off) cost nothing.
        self.dev = ModelDevice(link_up=True)
        self.sim = ModelSim(self.dev)
        self.host: Host = self.wait(
            Host.create(self.sim, self.dev, mode, ncpus=ncpus, tcp=cfg or TcpConfig(), **host)
        )
        self.api = self.host.sockets
        self.log: list[Any] = []

    @property
    def now(self) -> float:
        return self.sim.now()

    def wait(self, coro: Coroutine[Any, Any, Any], limit_ns: float = 50 * MS) -> Any:
        box: dict[str, Any] = {}

        async def main() -> None:
            box["v"] = await coro

        task = self.sim.spawn(main())
        end = self.now + limit_ns
        while not task.done and self.now < end:
            self.sim.run(self.now + 10 * US)
        assert task.done, "did not finish in simulated time"
        return box["v"]

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.sim.spawn(coro)

    def advance(self, ns: float) -> None:
        self.sim.run(self.now + ns)

    def send(self, *pkts: Packet) -> None:
        frames = []
        for p in pkts:
            raw = bytes(p)
            frames.append(raw + bytes(max(0, 60 - len(raw))))
        self.wait(self.dev.mac_send(frames))

    def segment(self, flags: str, seq: int, ack: int = 0, data: bytes = b"", **kw: Any) -> Packet:
        sport, dport = kw.pop("sport", 40000), kw.pop("dport", 80)
        pkt = (
            Ether(src=PEER_MAC, dst=HOST_MAC_STR)
            / IP(src=PEER_IP, dst=HOST_IP)
            / TCP(
                sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
                window=kw.pop("window", 65535), **kw,
            )
        )  # fmt: skip
        return pkt / data if data else pkt

    def received(self) -> list[Packet]:
        """TCP segments the host put on MAC TX since the last call, scapy-checked."""
        out = []
        for tx in self.dev.mac_take():
            pkt = Ether(tx.data)
            if TCP in pkt:
                out.append(checked(tx.data))
        return out

    def received_timed(self) -> list[tuple[float, Packet]]:
        return [
            (tx.time_ns, checked(tx.data)) for tx in self.dev.mac_take() if TCP in Ether(tx.data)
        ]

    def stats(self) -> Any:
        return self.wait(self.host.proto.stats())

    def tcp_stats(self) -> Any:
        return self.wait(self.host.proto.tcp.stats())

    # ---- a server application ----------------------------------------------------------------

    def serve(self, port: int = 80, read: bool = True, cpu: int = 0) -> None:
        """Listen and accept on `cpu`; log the connection, then every read (or the error)."""

        async def server() -> None:
            sock = self.api.socket(self.host.cpus[cpu])
            self.api.bind(sock, port)
            await self.api.listen(sock)
            conn = await self.api.accept(sock)
            self.log.append(conn)
            while read:
                try:
                    data = await self.api.recv(conn)
                except SocketError as exc:
                    self.log.append(exc.reason)
                    return
                self.log.append(data)
                if not data:
                    return

        self.spawn(server())
        self.advance(50 * US)

    def conn(self) -> TcpSocket:
        sock = self.log[0]
        assert isinstance(sock, TcpSocket)
        return sock

    def data(self) -> bytes:
        return b"".join(x for x in self.log if isinstance(x, bytes))

    def handshake(self, isn: int, mss: int = 1460, sport: int = 40000) -> Packet:
        """SYN in, SYN-ACK out, ACK in: returns the host's SYN-ACK."""
        self.send(self.segment("S", isn, options=[("MSS", mss)], sport=sport))
        self.advance(300 * US)
        synack = [p for p in self.received() if p[TCP].flags == "SA"]
        assert len(synack) == 1, synack
        sa = synack[0]
        self.send(self.segment("A", isn + 1, sa[TCP].seq + 1, sport=sport))
        self.advance(300 * US)
        return sa
