# SPDX-License-Identifier: MIT
"""cocotb test modules that the `hilnic` commands run in the simulator's process (see
`pystack.rtl`): one `@cocotb.test()` each, not named `test_*` since they are not tests."""
