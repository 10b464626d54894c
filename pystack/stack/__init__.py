# SPDX-License-Identifier: MIT
"""The DragonFly-style network stack that runs against the simulated NIC: simulated CPUs with
netisr threads and message ports, NIC-ring-based polling (npoll), packet batching, and the
Ethernet/ARP/IPv4/ICMP/UDP protocols, all timed in simulated nanoseconds."""
