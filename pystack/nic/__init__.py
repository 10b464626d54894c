# SPDX-License-Identifier: MIT
"""The NIC's host side in Python: descriptor layouts, the device interface both back ends
(RTL through cocotb, behavioural model) implement, the driver that owns the rings, and its
igb half (npoll and MSI-X modes). Nothing here imports the stack: the driver hands npoll its
poll functions, as igb does to DragonFly's if_poll.c, and takes what it needs of the stack
(CPU time, the dispatch) as arguments."""
