# SPDX-License-Identifier: MIT
"""hilnic software side: RSS reference, driver and network stack that run against the simulated NIC.

Importable without cocotb, so the model back end, the CLI and the fast tests work on a machine
with no simulator.
"""

__version__ = "0.1.0"
