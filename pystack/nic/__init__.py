"""The NIC's host side in Python: descriptor layouts, the device interface both back ends
(RTL through cocotb, behavioural model) implement, and the driver that owns the rings."""
