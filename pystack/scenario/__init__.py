# SPDX-License-Identifier: MIT
"""`hilnic sim`: one scenario of the whole system (NIC, driver, stack, traffic peer) on a chosen
back end, with its results, captures, plots and waveforms written to one folder."""
