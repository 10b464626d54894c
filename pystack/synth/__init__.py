# SPDX-License-Identifier: MIT
"""The open FPGA flow for the NIC: synthesis (Yosys), place and route on a Lattice ECP5
(nextpnr), resources and timing, and synthesis hygiene checks.

Why YoWASP: the tools come from PyPI as WebAssembly, so `make synth` needs nothing beyond the
project's own `.venv`, the same two-command setup as the rest of the project.
"""
