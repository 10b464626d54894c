# SPDX-License-Identifier: MIT
"""What input did with each packet, one name per outcome: every layer returns one of these, the
CPU that ran it counts it, and the identity `rx == delivered + dropped` (per reason) is what
every run checks. Kept apart from the protocols so that TCP's own modules and the far end's
TCP can name outcomes without importing the host's protocol layer."""

from __future__ import annotations

from enum import StrEnum, auto


class Drop(StrEnum):
    """Why input dropped a packet (the value is the name results.json counts it under), in
    the order a packet is checked."""

    ETH_RUNT = auto()
    ETH_NOT_FOR_US = auto()
    ETH_UNKNOWN_TYPE = auto()
    ARP_MALFORMED = auto()
    ARP_NOT_FOR_US = auto()
    IP_TRUNCATED = auto()
    IP_BAD_VERSION = auto()
    IP_BAD_IHL = auto()
    IP_BAD_CHECKSUM = auto()
    IP_BAD_LENGTH = auto()
    IP_NOT_FOR_US = auto()
    IP_FRAGMENT = auto()
    IP_TTL_EXPIRED = auto()
    IP_UNKNOWN_PROTO = auto()
    ICMP_TRUNCATED = auto()
    ICMP_BAD_CHECKSUM = auto()
    ICMP_NOT_ECHO = auto()
    UDP_TRUNCATED = auto()
    UDP_BAD_LENGTH = auto()
    UDP_BAD_CHECKSUM = auto()
    UDP_NO_SOCKET = auto()
    SOCKET_FULL = auto()
    # TCP (RFC 9293 3.10.7, RFC 5961): the header first, then what the connection made of it.
    TCP_TRUNCATED = auto()  # shorter than the 20-byte header
    TCP_BAD_OFFSET = auto()  # data offset below 5 words or past the segment
    TCP_BAD_CHECKSUM = auto()
    TCP_BAD_FLAGS = auto()  # SYN+FIN, SYN+RST, no flag at all
    TCP_BAD_OPTIONS = auto()  # an option running past the header
    TCP_CLOSED_PORT = auto()  # no connection, no listener: answered with RST
    TCP_LISTEN_NOT_SYN = auto()  # a listener got a non-SYN: RST for an ACK, else ignored
    TCP_ACCEPT_QUEUE_FULL = auto()  # a SYN the listener had no room for
    TCP_OUT_OF_WINDOW = auto()  # unacceptable sequence number: answered with an ACK
    TCP_BAD_ACK = auto()  # acknowledges what was never sent (or SYN_SENT's bad ACK)
    TCP_NO_ACK = auto()  # a synchronized state's segment without ACK
    TCP_RST_IGNORED = auto()  # an RST outside the window
    TCP_RST_CHALLENGED = auto()  # RFC 5961: in window but not exact, answered with an ACK
    TCP_SYN_CHALLENGED = auto()  # RFC 5961: SYN on a synchronized connection, an ACK back
    TCP_DATA_AFTER_CLOSE = auto()  # data for a socket its application closed: RST back
    TCP_NOT_SYNCHRONIZED = auto()  # SYN_SENT got neither SYN nor RST
    TCP_DUPLICATE_SYN = auto()  # SYN_RCVD got the SYN again: the SYN-ACK goes again


class Delivered(StrEnum):
    """What input did with a packet it kept."""

    ARP_REQUEST = auto()  # answered
    ARP_REPLY = auto()
    ICMP_ECHO = auto()  # answered
    UDP_ECHO = auto()  # answered
    UDP_SOCKET = auto()  # queued on a socket
    TCP_SEGMENT = auto()  # taken by a connection
    TCP_SYN = auto()  # a new connection on a listener
    TCP_RESET = auto()  # an acceptable RST that closed its connection
    # Landed on a CPU that does not own its connection (the NIC's key is not the stack's):
    # sent on to the owner, which counts it again under its own outcome.
    TCP_REDISPATCHED = auto()


class TxDrop(StrEnum):
    """Why output could not be posted."""

    TX_RING_FULL = auto()


Verdict = Drop | Delivered
