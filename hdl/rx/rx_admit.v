// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// Whole-frame admission in front of the classifier: a frame is let in or dropped as `enable &&
// room` say in the first cycle its first beat is offered, never cut. It is dropped (and counted
// as missed) when the receiver is off or the packet buffer could not hold a largest frame, because a MAC cannot be paused: this is the one place
// where the NIC sheds load it has no room for, so everything behind it never stalls the wire.
//
// `flush` (a device reset of the blocks behind it) drops the rest of a frame in progress: the
// MAC keeps sending it, and without this its tail would reach the reset classifier as a frame
// of its own. Only `rst` (the port) forgets where the wire's frames begin.
module rx_admit #(
    // Stream data width in bits, a multiple of 8.
    parameter integer DATA_WIDTH = 64
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire                    flush,   // drop the rest of the frame in progress

    input  wire                    enable,  // receiver on
    input  wire                    room,    // the packet buffer can take a largest frame

    input  wire [DATA_WIDTH-1:0]   s_axis_tdata,
    input  wire [DATA_WIDTH/8-1:0] s_axis_tkeep,
    input  wire                    s_axis_tvalid,
    output wire                    s_axis_tready,
    input  wire                    s_axis_tlast,
    input  wire                    s_axis_tuser,

    output wire [DATA_WIDTH-1:0]   m_axis_tdata,
    output wire [DATA_WIDTH/8-1:0] m_axis_tkeep,
    output wire                    m_axis_tvalid,
    input  wire                    m_axis_tready,
    output wire                    m_axis_tlast,
    output wire                    m_axis_tuser,

    // One pulse per frame seen (at its first beat) and per frame dropped.
    output wire                    ev_seen,
    output wire                    ev_missed
);

    generate
        if (DATA_WIDTH < 8 || DATA_WIDTH % 8 != 0) begin : g_bad_width
            `HILNIC_PARAM_FAIL("rx_admit: DATA_WIDTH must be a multiple of 8")
        end
    endgenerate

    // The decision is taken once per frame, in the first cycle its first beat is offered, and
    // held: a beat offered downstream stays offered until taken (AXI-Stream), whatever enable
    // and room do meanwhile.
    reg  in_frame_reg;   // a frame's first beat has been taken and its last has not
    reg  offered_reg;    // the first beat is offered downstream and not yet taken
    reg  pass_reg;       // the decision for the frame in hand
    wire decided = in_frame_reg || offered_reg;
    wire first = s_axis_tvalid && !in_frame_reg;
    wire pass = decided ? pass_reg : enable && room;

    assign m_axis_tdata = s_axis_tdata;
    assign m_axis_tkeep = s_axis_tkeep;
    assign m_axis_tlast = s_axis_tlast;
    assign m_axis_tuser = s_axis_tuser;
    assign m_axis_tvalid = s_axis_tvalid && pass;
    assign s_axis_tready = pass ? m_axis_tready : 1'b1;

    wire beat = s_axis_tvalid && s_axis_tready;
    assign ev_seen = first && beat;
    assign ev_missed = first && beat && !pass;

    always @(posedge clk) begin
        if (s_axis_tvalid && !decided) pass_reg <= pass;
        if (beat) begin
            in_frame_reg <= !s_axis_tlast;
            offered_reg <= 1'b0;
        end else if (first) begin
            offered_reg <= 1'b1;
        end
        if (flush) begin
            offered_reg <= 1'b0;  // a first beat not yet taken is decided again
            pass_reg <= 1'b0;     // the rest of a frame in progress is dropped
        end
        if (rst) begin
            in_frame_reg <= 1'b0;
            offered_reg <= 1'b0;
            pass_reg <= 1'b0;
        end
    end

endmodule

`resetall
