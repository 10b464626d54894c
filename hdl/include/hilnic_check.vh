// SPDX-License-Identifier: MIT
// hilnic: stop elaboration on a bad parameter with a readable message.
// Under Verilator the check stops elaboration on $error in a generate block; Icarus 11 has no elaboration-time
// $error, so there the same check calls $fatal at time 0, before any clock edge.
`ifndef HILNIC_CHECK_VH
`define HILNIC_CHECK_VH
`ifdef __ICARUS__
`define HILNIC_PARAM_FAIL(msg) initial $fatal(1, msg);
`else
`define HILNIC_PARAM_FAIL(msg) $error(msg);
`endif
`endif
