# SPDX-License-Identifier: MIT
"""Real Linux on the wire: the NIC's MAC bridged to a TAP device in a network namespace, so
`ping`, `socat` and `tshark` in the namespace talk to the emulated NIC and the stack behind it
(`hilnic sim --peer tap`)."""
