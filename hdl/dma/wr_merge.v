// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// Two single-beat AXI4 writers onto one write channel (TX head write-backs and MSI-X messages
// share the arbiter's TX port). Each writer offers AW and W together and keeps them up until
// both are taken; B responses come back in issue order (one ID downstream), so a small queue of
// owners routes each B to its writer.
module wr_merge #(
    // DMA line width in bits.
    parameter integer DATA_WIDTH = 512,
    // DMA address width.
    parameter integer ADDR_WIDTH = 48
) (
    input  wire                        clk,
    input  wire                        rst,

    // Writer 0 and writer 1, packed {writer 1, writer 0}.
    input  wire [2*ADDR_WIDTH-1:0]     s_awaddr,
    input  wire [5:0]                  s_awsize,
    input  wire [1:0]                  s_awvalid,
    output wire [1:0]                  s_awready,
    input  wire [2*DATA_WIDTH-1:0]     s_wdata,
    input  wire [2*DATA_WIDTH/8-1:0]   s_wstrb,
    input  wire [1:0]                  s_wvalid,
    output wire [1:0]                  s_wready,
    output wire [3:0]                  s_bresp,
    output wire [1:0]                  s_bvalid,

    output wire [ADDR_WIDTH-1:0]       m_awaddr,
    output wire [7:0]                  m_awlen,
    output wire [2:0]                  m_awsize,
    output wire                        m_awvalid,
    input  wire                        m_awready,
    output wire [DATA_WIDTH-1:0]       m_wdata,
    output wire [DATA_WIDTH/8-1:0]     m_wstrb,
    output wire                        m_wlast,
    output wire                        m_wvalid,
    input  wire                        m_wready,
    input  wire [1:0]                  m_bresp,
    input  wire                        m_bvalid,
    output wire                        m_bready
);

    localparam integer SB = DATA_WIDTH / 8;

    generate
        if (DATA_WIDTH < 32 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0) begin : g_bad_width
            `HILNIC_PARAM_FAIL("wr_merge: DATA_WIDTH must be a power of two >= 32")
        end
    endgenerate

    // The writer holding the channel until both its AW and W are taken; writer 1 (messages)
    // first when both wait, as a message is one beat and the engine's next write can wait.
    reg  hold_reg, sel_reg, aw_done_reg, w_done_reg;
    wire sel = hold_reg ? sel_reg : s_awvalid[1];
    wire want = s_awvalid[sel] || s_wvalid[sel];

    // Owners of the writes whose B has not come back, oldest in bit 0.
    reg [3:0] bq_reg;
    reg [2:0] bq_count_reg;  // 4: full, no write is offered

    // "AW (W) not yet taken and room for its B" is kept in a register of its own, so the
    // valids seen downstream (and the arbiter's ready paths back into the engines) start one
    // gate after the writers' valids.
    reg  aw_open_reg, w_open_reg;  // !aw_done_reg, !w_done_reg; both with bq_count_reg < 4
    assign m_awvalid = s_awvalid[sel] && aw_open_reg;
    assign m_awaddr = s_awaddr[ADDR_WIDTH*sel +: ADDR_WIDTH];
    assign m_awlen = 8'd0;
    assign m_awsize = s_awsize[3*sel +: 3];
    assign m_wvalid = s_wvalid[sel] && w_open_reg;
    assign m_wdata = s_wdata[DATA_WIDTH*sel +: DATA_WIDTH];
    assign m_wstrb = s_wstrb[SB*sel +: SB];
    assign m_wlast = 1'b1;
    wire aw_fire = m_awvalid && m_awready;
    wire w_fire = m_wvalid && m_wready;
    assign s_awready = {sel & aw_fire, ~sel & aw_fire};
    assign s_wready = {sel & w_fire, ~sel & w_fire};

    // Both halves taken by the end of this cycle: the write is issued.
    wire issued = want && (aw_done_reg || aw_fire) && (w_done_reg || w_fire);

    wire b_to = bq_reg[0];
    assign s_bresp = {m_bresp, m_bresp};
    assign s_bvalid = {m_bvalid & b_to, m_bvalid & ~b_to};
    assign m_bready = 1'b1;
    wire b_fire = m_bvalid && bq_count_reg != 3'd0;

    wire       aw_done_next = !issued && (aw_done_reg || (want && aw_fire));
    wire       w_done_next = !issued && (w_done_reg || (want && w_fire));
    wire [2:0] bq_count_next = issued && !b_fire ? bq_count_reg + 3'd1
                             : !issued && b_fire ? bq_count_reg - 3'd1 : bq_count_reg;

    always @(posedge clk) begin
        if (issued) begin
            hold_reg <= 1'b0;
        end else if (want) begin
            hold_reg <= 1'b1;
            sel_reg <= sel;
        end
        aw_done_reg <= aw_done_next;
        w_done_reg <= w_done_next;
        bq_count_reg <= bq_count_next;
        aw_open_reg <= !aw_done_next && bq_count_next != 3'd4;
        w_open_reg <= !w_done_next && bq_count_next != 3'd4;

        case ({issued, b_fire})
            2'b10: bq_reg <= bq_reg | ({3'd0, sel} << bq_count_reg);
            2'b01: bq_reg <= bq_reg >> 1;
            2'b11: bq_reg <= (bq_reg >> 1) | ({3'd0, sel} << (bq_count_reg - 3'd1));
            default: ;
        endcase

        if (rst) begin
            hold_reg <= 1'b0;
            sel_reg <= 1'b0;
            aw_done_reg <= 1'b0;
            w_done_reg <= 1'b0;
            bq_reg <= 4'd0;
            bq_count_reg <= 3'd0;
            aw_open_reg <= 1'b1;
            w_open_reg <= 1'b1;
        end
    end

endmodule

`resetall
