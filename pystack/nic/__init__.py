"""The NIC's host side in Python: descriptor layouts, the device interface both back ends
(RTL through cocotb, behavioural model) implement, the driver that owns the rings, and its
igb half (npoll and MSI-X modes). Nothing here imports the stack: the stack registers with the
driver, as DragonFly's if_poll.c registers igb's poll functions, never the other way round."""
