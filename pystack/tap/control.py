# SPDX-License-Identifier: MIT
"""The line between `hilnic` and the simulator process of an HDL TAP run.

The simulator runs as cocotb's child process, which cocotb starts with every file descriptor
but the standard three closed, so the TAP cannot be inherited. Instead the child connects to a
Unix socket of ours (abstract, so nothing is left on disk) and receives the TAP's descriptor
over it (SCM_RIGHTS), with Linux's MAC. The same connection then carries "stop" the other
way; if it closes without one, `hilnic` is gone and the child stops just the same, so its TAP
descriptor is closed and the TAP disappears with it.
"""

from __future__ import annotations

import os
import socket
import struct

ENV = "HILNIC_TAP_CTL"


def listen() -> tuple[socket.socket, str]:
    """A listening socket and its address as the child gets it (`@name`: abstract)."""
    name = f"hilnic-tap-{os.getpid()}-{os.urandom(4).hex()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind("\0" + name)
    sock.listen(1)
    return sock, "@" + name


def hand_over(conn: socket.socket, fd: int, linux_mac: bytes) -> int:
    """Send the TAP descriptor; returns the peer's pid (to kill it if it hangs)."""
    socket.send_fds(conn, [linux_mac.hex().encode()], [fd])
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[0])


class ChildEnd:
    """The simulator's end: connect, take the TAP, then poll for the word to stop."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect("\0" + address[1:] if address.startswith("@") else address)
        msg, fds, _flags, _addr = socket.recv_fds(self.sock, 64, 1)
        if not fds:
            raise RuntimeError("hilnic sent no TAP descriptor")
        self.fd = fds[0]
        self.linux_mac = bytes.fromhex(msg.decode())
        self.sock.setblocking(False)
        self.stopped = False

    def should_stop(self) -> bool:
        if not self.stopped:
            try:
                self.sock.recv(64)  # "stop", or b"" when hilnic has gone
                self.stopped = True
            except BlockingIOError:
                pass
            except OSError:
                self.stopped = True
        return self.stopped
