# SPDX-License-Identifier: MIT
"""An nginx-shaped HTTP/1.1 server: one worker per CPU, each accepting from its listen socket
(one shared by all workers, or its own under SO_REUSEPORT) and serving every accepted
connection as its own task on the worker's CPU: read a GET, answer with an object of the
configured size, then close (one request per connection) or wait for the next (keep-alive).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pystack.apps import http_msg
from pystack.stack.host import Host
from pystack.stack.sockets import SocketError, SockOpt, TcpSocket

HTTP_PORT = 80


@dataclass
class HttpdStats:
    accepted: int = 0
    requests: int = 0
    closed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    per_worker: list[int] = field(default_factory=list)  # connections accepted by each worker


@dataclass
class HttpdConfig:
    port: int = HTTP_PORT
    object_size: int = 1024
    reuseport: bool = True
    backlog: int = 1024
    request_ns: float = 2000.0  # parsing the request and building the response headers


class Httpd:
    def __init__(self, host: Host, cfg: HttpdConfig) -> None:
        self.host, self.cfg = host, cfg
        self.stats = HttpdStats(per_worker=[0] * host.ncpus)
        self.listeners: list[TcpSocket] = []

    async def start(self) -> None:
        """Listen (one socket, or one per worker), then start the workers."""
        api = self.host.sockets
        shared: TcpSocket | None = None
        for cpu in self.host.cpus.cpus:
            if self.cfg.reuseport or shared is None:
                sock = api.socket(cpu)
                api.setsockopt(sock, SockOpt.SO_REUSEPORT, int(self.cfg.reuseport))
                api.bind(sock, self.cfg.port)
                await api.listen(sock, self.cfg.backlog)
                self.listeners.append(sock)
                shared = sock
            self.host.sim.spawn(self._worker(cpu.cpuid, shared))

    async def _worker(self, cpuid: int, listener: TcpSocket) -> None:
        api = self.host.sockets
        cpu = self.host.cpus[cpuid]
        view = api.socket(cpu)  # this worker's handle on the (maybe shared) listen socket
        view.listener, view.port = listener.listener, listener.port
        while True:
            conn = await api.accept(view)
            if conn is None:
                return  # the listen socket was closed
            self.stats.accepted += 1
            self.stats.per_worker[cpuid] += 1
            self.host.sim.spawn(self._serve(conn))

    async def _serve(self, conn: TcpSocket) -> None:
        api = self.host.sockets
        buf = b""
        try:
            while True:
                parsed = http_msg.parse_request(buf)
                while parsed is None:
                    data = await api.recv(conn)
                    if not data:
                        await api.close(conn)
                        self.stats.closed += 1
                        return
                    buf += data
                    parsed = http_msg.parse_request(buf)
                path, keep, used = parsed
                buf = buf[used:]
                await conn.cpu.user_work(self.cfg.request_ns)
                body = http_msg.object_body(path, self.cfg.object_size)
                await api.send(conn, http_msg.response(body, keep))
                self.stats.requests += 1
                if not keep:
                    await api.close(conn)
                    self.stats.closed += 1
                    return
        except SocketError as exc:
            why = str(exc.reason)
            self.stats.errors[why] = self.stats.errors.get(why, 0) + 1

    async def close_listener(self, index: int) -> None:
        """Close one listen socket (the SO_REUSEPORT close experiment)."""
        await self.host.sockets.close(self.listeners[index])
