// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// Simulation only: watches the NIC's DMA writes into host memory and records every write that
// lands in the message window [win_base, win_limit) as an interrupt: the cycle, the address and
// the 32-bit message data. `count` changes once per message, so Python sleeps on that one
// signal (an Edge trigger) instead of polling every clock; the entries are read by backdoor
// from `log_mem` (pystack/rtl/backdoor.py MsiCatcher). The write itself still goes to host memory.
module msi_catcher #(
    parameter integer DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 48,
    // Entries kept (a ring; Python reads them before it wraps).
    parameter integer LOG_DEPTH = 256
) (
    input  wire                    clk,
    input  wire                    rst,

    input  wire [63:0]             win_base,
    input  wire [63:0]             win_limit,

    // The write channels between the NIC and host memory (observed, never driven).
    input  wire [ADDR_WIDTH-1:0]   awaddr,
    input  wire [7:0]              awlen,
    input  wire                    awvalid,
    input  wire                    awready,
    input  wire [DATA_WIDTH-1:0]   wdata,
    input  wire [DATA_WIDTH/8-1:0] wstrb,
    input  wire                    wlast,
    input  wire                    wvalid,
    input  wire                    wready,

    output reg  [31:0]             count
);

    localparam integer LB = DATA_WIDTH / 8;
    localparam integer LBW = $clog2(LB);
    localparam integer LOGW = $clog2(LOG_DEPTH);

    generate
        if (DATA_WIDTH < 128 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0) begin : g_bad_width
            `HILNIC_PARAM_FAIL("msi_catcher: DATA_WIDTH must be a power of two >= 128")
        end
        if (LOG_DEPTH < 2 || (LOG_DEPTH & (LOG_DEPTH - 1)) != 0) begin : g_bad_depth
            `HILNIC_PARAM_FAIL("msi_catcher: LOG_DEPTH must be a power of two >= 2")
        end
    endgenerate

    // {cycle[63:0], data[31:0], address[31:0]} per message.
    reg [127:0] log_mem [0:LOG_DEPTH-1];
    reg [63:0]  cycle_reg;

    // Bursts whose AW was taken and whose data has not all gone: {in window, single beat}.
    reg [1:0] aq_mem [0:3];
    reg [ADDR_WIDTH-1:0] aq_addr [0:3];
    reg [2:0] aq_wr_reg, aq_rd_reg;

    wire aw_fire = awvalid && awready;
    wire w_fire = wvalid && wready;
    wire [63:0] aw_addr64 = {{(64-ADDR_WIDTH){1'b0}}, awaddr};
    wire aw_in = aw_addr64 >= win_base && aw_addr64 < win_limit;

    // The W beat belongs to the oldest open burst, or to the one whose AW arrives with it. AXI
    // also lets a burst's W beats go before its AW: such an early burst (one at a time) is
    // remembered, with its first word, and logged when its AW arrives if it was one beat in the
    // window. (host_mem takes W only after AW, so the NIC itself never does this.)
    reg                   early_open_reg;  // early beats seen, the burst's last not yet
    reg                   early_done_reg;  // a whole early burst seen, its AW not yet
    reg                   early_single_reg;
    reg [31:0]            early_word_reg;
    reg [63:0]            early_cycle_reg;  // when its data went
    reg [LBW-3:0]         early_lane_reg;
    wire                  q_empty = aq_wr_reg == aq_rd_reg;
    wire                  aw_for_early = aw_fire && (early_open_reg || early_done_reg);
    wire                  w_cont = w_fire && early_open_reg;
    wire                  w_new_early = w_fire && !early_open_reg && q_empty &&
                                        (!aw_fire || early_done_reg);
    wire                  w_normal = w_fire && !w_cont && !w_new_early;
    wire [1:0]            head_flags = q_empty ? {aw_in, awlen == 8'd0} : aq_mem[aq_rd_reg[1:0]];
    wire [ADDR_WIDTH-1:0] head_addr = q_empty ? awaddr : aq_addr[aq_rd_reg[1:0]];
    wire                  take = w_normal && head_flags == 2'b11;
    wire                  take_early = aw_for_early && early_done_reg && early_single_reg &&
                                       aw_in && awlen == 8'd0;
    wire [31:0]           early_addr = {awaddr[31:LBW], early_lane_reg, 2'b00};
    // An AW opens a burst in the queue unless all its data has gone by the end of this cycle.
    wire                  enqueue = aw_for_early ? early_open_reg && !(w_cont && wlast)
                                                 : aw_fire && !(q_empty && w_normal && wlast);

    // The 32-bit lane holding the first strobed byte (messages are one aligned word).
    reg [LBW-3:0] lane;
    integer k;
    always @* begin
        lane = {(LBW-2){1'b0}};
        for (k = LB / 4 - 1; k >= 0; k = k - 1)
            if (wstrb[4*k]) lane = k[LBW-3:0];
    end
    wire [31:0] word = wdata[32*lane +: 32];
    wire [31:0] word_addr = {head_addr[31:LBW], lane, 2'b00};

    always @(posedge clk) begin
        cycle_reg <= cycle_reg + 64'd1;
        if (enqueue) begin
            aq_mem[aq_wr_reg[1:0]] <= aw_for_early ? {aw_in, 1'b0} : {aw_in, awlen == 8'd0};
            aq_addr[aq_wr_reg[1:0]] <= awaddr;
            aq_wr_reg <= aq_wr_reg + 3'd1;
        end
        if (aw_for_early) begin
            early_open_reg <= 1'b0;
            early_done_reg <= 1'b0;
        end else if (w_cont && wlast) begin
            early_open_reg <= 1'b0;
            early_done_reg <= 1'b1;
        end
        if (w_new_early) begin  // after the release above: the next burst's first beat
            early_word_reg <= word;
            early_cycle_reg <= cycle_reg;
            early_lane_reg <= lane;
            early_single_reg <= wlast;
            early_open_reg <= !wlast;
            early_done_reg <= wlast;
        end
        if (take_early) begin
            log_mem[count[LOGW-1:0]] <= {early_cycle_reg, early_word_reg, early_addr};
            count <= count + 32'd1;
        end
        if (w_normal && wlast && !q_empty) aq_rd_reg <= aq_rd_reg + 3'd1;
        if (take) begin
            log_mem[count[LOGW-1:0]] <= {cycle_reg, word, word_addr};
            count <= count + 32'd1;
        end
        if (rst) begin
            early_open_reg <= 1'b0;
            early_done_reg <= 1'b0;
            aq_wr_reg <= 3'd0;
            aq_rd_reg <= 3'd0;
            cycle_reg <= 64'd0;
            count <= 32'd0;
        end
    end

    // Read only by Python through VPI.
    wire unused_bits = &{1'b0, log_mem[0], word_addr[1:0], head_addr};

endmodule

`resetall
