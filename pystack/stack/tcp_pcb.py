# SPDX-License-Identifier: MIT
"""TCP's protocol control blocks as DragonFly keeps them: each CPU owns a list of the
connections its netisr serves (nothing shared, nothing locked), listen sockets are one object
whose reference every CPU holds (the paper's Figure 1.6), and SO_REUSEPORT groups several
listen sockets on one port, each with its own accept queue.

A PCB list is an intrusive doubly linked list so that a dump can leave a cursor PCB in it
between chunks (paper 1.5): connections opening (appended at the tail) and closing (unlinked)
meanwhile never make the walk skip or repeat a connection that exists throughout.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pystack.stack.tcp_conn import Tcb

if TYPE_CHECKING:
    from pystack.stack.sockets import TcpSocket

ConnKey = tuple[bytes, int, int]  # (foreign address, foreign port, local port)


class PcbNode:
    """A list node: a connection's PCB, or a dump's cursor."""

    def __init__(self) -> None:
        self.prev: PcbNode = self
        self.next: PcbNode = self


class Pcb(PcbNode):
    """One connection: its state machine, where it lives and who reads it."""

    def __init__(
        self, tcb: Tcb, cpu: int, faddr: bytes, mac: bytes, listener: Listener | None = None
    ) -> None:
        super().__init__()
        self.tcb = tcb
        self.cpu = cpu
        self.faddr = faddr
        self.mac = mac  # the far end's Ethernet address (from its SYN, or from ARP)
        self.listener = listener  # a passive connection not yet accepted
        self.socket: TcpSocket | None = None
        self.timer_at: float | None = None  # the earliest deadline on its CPU's timer heap
        self.linked = False

    @property
    def key(self) -> ConnKey:
        return (self.faddr, self.tcb.remote_port, self.tcb.local_port)


class Cursor(PcbNode):
    """A placeholder a dump leaves in a CPU's list between chunks."""


class PcbList:
    """One CPU's connections in creation order, with O(1) unlink."""

    def __init__(self) -> None:
        self.head = PcbNode()
        self.count = 0

    def append(self, node: PcbNode) -> None:
        tail = self.head.prev
        node.prev, node.next = tail, self.head
        tail.next = node
        self.head.prev = node
        if isinstance(node, Pcb):
            node.linked = True
            self.count += 1

    def unlink(self, node: PcbNode) -> None:
        node.prev.next = node.next
        node.next.prev = node.prev
        node.prev = node.next = node
        if isinstance(node, Pcb) and node.linked:
            node.linked = False
            self.count -= 1

    def insert_after(self, where: PcbNode, node: PcbNode) -> None:
        node.prev, node.next = where, where.next
        where.next.prev = node
        where.next = node

    def __iter__(self) -> Iterator[Pcb]:
        node = self.head.next
        while node is not self.head:
            nxt = node.next
            if isinstance(node, Pcb):
                yield node
            node = nxt


@dataclass
class Listener:
    """A listen socket: its accept queue and who touched the queue's lock last."""

    port: int
    backlog: int
    group: ListenGroup
    owner_cpu: int | None = None  # SO_REUSEPORT: the CPU whose SYNs it takes
    queue: deque[Pcb] = field(default_factory=deque)  # established, not yet accepted
    embryonic: set[Pcb] = field(default_factory=set)  # SYN_RCVD on its behalf
    closed: bool = False
    last_cpu: int = -1  # the CPU that last held the accept queue's lock
    contention: int = 0  # lock acquisitions that moved its cache line to another CPU
    waiter: Any = None  # the SimEvent an accept() waits on


@dataclass
class ListenGroup:
    """The listen sockets on one port: one without SO_REUSEPORT, several with it."""

    port: int
    reuseport: bool
    members: list[Listener] = field(default_factory=list)

    def pick(self, cpu: int) -> Listener | None:
        """DragonFly's choice: the member that the SYN's own CPU owns; any member by CPU
        number modulo the group size when no member is bound to that CPU."""
        live = [m for m in self.members if not m.closed]
        if not live:
            return None
        for m in live:
            if m.owner_cpu == cpu:
                return m
        return live[cpu % len(live)]
