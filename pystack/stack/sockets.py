# SPDX-License-Identifier: MIT
"""TCP sockets for application threads on the simulated CPUs.

Every call costs the calling thread a system call on its CPU, where it queues with the netisr
for time. Protocol work is done by the connection's own netisr (a message, an IPI when the
application runs elsewhere), as in DragonFly. `send` is asynchronous (paper 2.4): it takes what
fits in the send buffer, hands it to the netisr and returns; an error that happens later
(a reset, a timeout) is reported by the next call. Receive buffers have byte limits and a full
one closes the window, so data is never dropped for want of room.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum, auto

from pystack.stack.netisr import Cpu
from pystack.stack.tcp_conn import CloseReason, State, Tcb
from pystack.stack.tcp_layer import TcpLayer
from pystack.stack.tcp_pcb import Listener, Pcb


class SockOpt(StrEnum):
    SO_REUSEPORT = auto()
    SO_SNDBUF = auto()
    SO_RCVBUF = auto()
    TCP_DELACK = auto()  # 0: acknowledge every segment at once


class SocketError(OSError):
    """A connection's failure, reported to the application (errno-like `reason`)."""

    def __init__(self, reason: CloseReason | str) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass
class SocketOptions:
    reuseport: bool = False
    sndbuf: int | None = None
    rcvbuf: int | None = None
    delack: bool = True


class TcpSocket:
    """One socket, used by application threads on `cpu`."""

    def __init__(self, api: SocketApi, cpu: Cpu, blocking: bool = True) -> None:
        self.api = api
        self.cpu = cpu
        self.blocking = blocking
        self.opts = SocketOptions()
        self.port = 0
        self.pcb: Pcb | None = None
        self.listener: Listener | None = None
        self.event = api.layer.sim.event()
        self.queued = 0  # bytes handed to the netisr by `send`, not yet in the send buffer

    def wake(self) -> None:
        self.event.set()

    @property
    def tcb(self) -> Tcb:
        if self.pcb is None:
            raise SocketError("not connected (ENOTCONN)")
        return self.pcb.tcb

    @property
    def state(self) -> State:
        return self.pcb.tcb.state if self.pcb is not None else State.CLOSED


def _pcb(sock: TcpSocket) -> Pcb:
    if sock.pcb is None:
        raise SocketError("not connected (ENOTCONN)")
    return sock.pcb


class SocketApi:
    """socket/bind/listen/accept/connect/send/recv/close/setsockopt over one host's TCP."""

    def __init__(self, layer: TcpLayer, arp: Callable[[bytes], bytes | None]) -> None:
        self.layer = layer
        self.arp = arp  # IP -> Ethernet address, from the host's ARP cache

    async def _syscall(self, sock: TcpSocket) -> None:
        await sock.cpu.user_work(sock.cpu.costs.syscall_ns)

    def socket(self, cpu: Cpu, blocking: bool = True) -> TcpSocket:
        return TcpSocket(self, cpu, blocking)

    def setsockopt(self, sock: TcpSocket, opt: SockOpt, value: int) -> None:
        if opt is SockOpt.SO_REUSEPORT:
            sock.opts.reuseport = bool(value)
        elif opt is SockOpt.SO_SNDBUF:
            sock.opts.sndbuf = int(value)
        elif opt is SockOpt.SO_RCVBUF:
            sock.opts.rcvbuf = int(value)
        elif opt is SockOpt.TCP_DELACK:
            sock.opts.delack = bool(value)

    def bind(self, sock: TcpSocket, port: int) -> None:
        sock.port = port

    async def listen(self, sock: TcpSocket, backlog: int = 1024) -> None:
        """Listen on the bound port; with SO_REUSEPORT the socket joins the port's group and
        takes the SYNs that land on its own CPU."""
        await self._syscall(sock)
        sock.listener = await self.layer.listen(
            sock.port, backlog, sock.opts.reuseport,
            cpu=sock.cpu.cpuid if sock.opts.reuseport else None,
        )  # fmt: skip

    async def accept(self, sock: TcpSocket) -> TcpSocket | None:
        """The next established connection; None when non-blocking and none is queued, or
        when the listen socket is closed."""
        listener = sock.listener
        if listener is None:
            raise SocketError("not listening (EINVAL)")
        while True:
            await self._syscall(sock)
            listener.waiter.clear()
            pcb = await self.layer.accept(sock.cpu, listener)
            if pcb is not None:
                conn = TcpSocket(self, sock.cpu, sock.blocking)
                conn.pcb, pcb.socket = pcb, conn
                return conn
            if not sock.blocking or listener.closed:
                return None
            await listener.waiter.wait()

    async def connect(self, sock: TcpSocket, addr: bytes, port: int) -> None:
        """Active open; waits for ESTABLISHED (or the failure) when blocking."""
        await self._syscall(sock)
        mac = self.arp(addr)
        if mac is None:
            raise SocketError("no ARP entry for the destination (EHOSTUNREACH)")
        sock.pcb = await self.layer.connect(sock.cpu, addr, port, mac)
        sock.pcb.socket = sock
        self._apply(sock)
        if sock.blocking:
            while sock.state is State.SYN_SENT or sock.state is State.SYN_RCVD:
                sock.event.clear()
                await sock.event.wait()
            self._raise_if_failed(sock)

    def _apply(self, sock: TcpSocket) -> None:
        """Per-socket buffer sizes and delayed ACK, as setsockopt asked."""
        tcb, o = sock.tcb, sock.opts
        cfg = tcb.cfg
        if o.sndbuf is not None or o.rcvbuf is not None or not o.delack:
            tcb.cfg = replace(
                cfg,
                sndbuf=o.sndbuf or cfg.sndbuf,
                rcvbuf=o.rcvbuf or cfg.rcvbuf,
                delack_ns=cfg.delack_ns if o.delack else None,
            )

    def _raise_if_failed(self, sock: TcpSocket) -> None:
        tcb = sock.tcb
        if tcb.state is State.CLOSED and tcb.closed_reason not in (None, CloseReason.NORMAL):
            raise SocketError(tcb.closed_reason)

    async def send(self, sock: TcpSocket, data: bytes) -> int:
        """Asynchronous send: takes what fits (all of it when blocking, waiting for room),
        hands it to the connection's netisr and returns the byte count."""
        await self._syscall(sock)
        taken = 0
        while True:
            self._raise_if_failed(sock)
            if sock.tcb.fin_queued or sock.state not in (
                State.ESTABLISHED, State.CLOSE_WAIT, State.SYN_SENT, State.SYN_RCVD
            ):  # fmt: skip
                raise SocketError("the connection is shut down for sending (EPIPE)")
            sock.event.clear()
            room = sock.tcb.send_space() - sock.queued
            if room > 0:
                piece = data[taken : taken + room]
                taken += len(piece)
                sock.queued += len(piece)
                await sock.cpu.user_work(sock.cpu.costs.socket_ns)

                def put(t: Tcb, now: float, piece: bytes = piece) -> None:
                    sock.queued -= len(piece)
                    t.send(piece, now)

                await self.layer.post_to_owner(sock.cpu, _pcb(sock), put)
            if taken == len(data) or not sock.blocking:
                return taken
            await sock.event.wait()

    async def recv(self, sock: TcpSocket, limit: int = 1 << 20) -> bytes:
        """Up to `limit` bytes in order; b"" at end of stream (or, non-blocking, when nothing
        is there: check `readable`)."""
        await self._syscall(sock)
        while True:
            sock.event.clear()
            tcb = sock.tcb
            if tcb.readable():
                data = tcb.recv(limit, sock.api.layer.sim.now())
                await sock.cpu.user_work(sock.cpu.costs.socket_ns)
                if tcb.out:  # the read opened the window: the update goes from the netisr
                    await self.layer.post_to_owner(sock.cpu, _pcb(sock), lambda t, now: None)
                return data
            if tcb.eof or tcb.state is State.CLOSED:
                self._raise_if_failed(sock)
                return b""
            if not sock.blocking:
                return b""
            await sock.event.wait()

    async def close(self, sock: TcpSocket) -> None:
        """Close: a listen socket leaves its group; a connection sends FIN after its data
        (or RST when unread data would be lost)."""
        await self._syscall(sock)
        if sock.listener is not None:
            await self.layer.close_listener(sock.listener)
            sock.listener = None
            return
        if sock.pcb is not None and sock.pcb.tcb.state is not State.CLOSED:
            await self.layer.post_to_owner(sock.cpu, sock.pcb, lambda t, now: t.close(now))

    async def abort(self, sock: TcpSocket) -> None:
        """SO_LINGER 0 close: RST at once."""
        await self._syscall(sock)
        if sock.pcb is not None:
            await self.layer.post_to_owner(sock.cpu, sock.pcb, lambda t, now: t.abort(now))
