# SPDX-License-Identifier: MIT
"""pyuvm environment for the full NIC (hdl/sim/nic_sim_top.v), scoreboarded against the model.

Items and sequences (`items`, `traffic`, `sequences`) build seeded scapy traffic; the MAC RX
agent (`mac`) hands it to the HDL frame source a batch at a time; the host agent (`host`) runs
the driver's harvest/refill loop and publishes every delivered frame; the MAC TX monitor
(`mac`) publishes what the HDL frame sink captured; the scoreboard (`scoreboard`) runs the
behavioural model with its own driver on the same stimulus and checks every frame and counter.
`env` assembles them; tb/nic/test_nic_uvm.py holds the tests.
"""
