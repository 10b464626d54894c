# SPDX-License-Identifier: MIT
"""Applications over the stack's sockets: an nginx-shaped HTTP/1.1 server on the host's CPUs
and a wrk-shaped load generator on the far side of the wire."""
