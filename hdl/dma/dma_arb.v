// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// Two DMA engines (port 0: RX, port 1: TX) onto one AXI4 master. Read and write address
// channels are each granted round robin and held until accepted (AXI wants them stable); write
// data follows the order in which write addresses were accepted; read data and write responses
// go back by ID (the port number). Each engine keeps at most one write burst in flight, so the
// write-order queue is short.
//
// Master disable (the 82576's GIO master disable, used before a device reset): while
// `master_disable` is high no new address phase is offered (one already offered stays up until
// taken, as AXI requires); bursts already accepted finish. `idle` says nothing is offered or outstanding: no
// held address, no write data owed, no read data or write response awaited. A reset taken while
// `master_disable && idle` leaves nothing dangling on the bus.
module dma_arb #(
    parameter integer DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 48,
    // AXI ID width of the shared port (>= 1; the ID is the engine's port number).
    parameter integer ID_WIDTH = 4
) (
    input  wire                      clk,
    input  wire                      rst,
    input  wire                      master_disable,
    output wire                      idle,

    // Engine ports: index 0 in the low half of each packed vector, 1 in the high half.
    input  wire [2*ADDR_WIDTH-1:0]   s_araddr,
    input  wire [15:0]               s_arlen,
    input  wire [5:0]                s_arsize,
    input  wire [1:0]                s_arvalid,
    output wire [1:0]                s_arready,
    output wire [DATA_WIDTH-1:0]     s_rdata,
    output wire [1:0]                s_rresp,
    output wire                      s_rlast,
    output wire [1:0]                s_rvalid,
    input  wire [1:0]                s_rready,
    input  wire [2*ADDR_WIDTH-1:0]   s_awaddr,
    input  wire [15:0]               s_awlen,
    input  wire [5:0]                s_awsize,
    input  wire [1:0]                s_awvalid,
    output wire [1:0]                s_awready,
    input  wire [2*DATA_WIDTH-1:0]   s_wdata,
    input  wire [2*DATA_WIDTH/8-1:0] s_wstrb,
    input  wire [1:0]                s_wlast,
    input  wire [1:0]                s_wvalid,
    output wire [1:0]                s_wready,
    output wire [1:0]                s_bresp,
    output wire [1:0]                s_bvalid,
    input  wire [1:0]                s_bready,

    output wire [ID_WIDTH-1:0]       m_axi_awid,
    output wire [ADDR_WIDTH-1:0]     m_axi_awaddr,
    output wire [7:0]                m_axi_awlen,
    output wire [2:0]                m_axi_awsize,
    output wire [1:0]                m_axi_awburst,
    output wire                      m_axi_awvalid,
    input  wire                      m_axi_awready,
    output wire [DATA_WIDTH-1:0]     m_axi_wdata,
    output wire [DATA_WIDTH/8-1:0]   m_axi_wstrb,
    output wire                      m_axi_wlast,
    output wire                      m_axi_wvalid,
    input  wire                      m_axi_wready,
    input  wire [ID_WIDTH-1:0]       m_axi_bid,
    input  wire [1:0]                m_axi_bresp,
    input  wire                      m_axi_bvalid,
    output wire                      m_axi_bready,
    output wire [ID_WIDTH-1:0]       m_axi_arid,
    output wire [ADDR_WIDTH-1:0]     m_axi_araddr,
    output wire [7:0]                m_axi_arlen,
    output wire [2:0]                m_axi_arsize,
    output wire [1:0]                m_axi_arburst,
    output wire                      m_axi_arvalid,
    input  wire                      m_axi_arready,
    input  wire [ID_WIDTH-1:0]       m_axi_rid,
    input  wire [DATA_WIDTH-1:0]     m_axi_rdata,
    input  wire [1:0]                m_axi_rresp,
    input  wire                      m_axi_rlast,
    input  wire                      m_axi_rvalid,
    output wire                      m_axi_rready
);

    localparam integer SB = DATA_WIDTH / 8;
    localparam [1:0] BURST_INCR = 2'b01;

    generate
        if (ID_WIDTH < 1 || ID_WIDTH > 16) begin : g_bad_id
            `HILNIC_PARAM_FAIL("dma_arb: ID_WIDTH must be 1..16")
        end
    endgenerate

    // ---- read address: round robin, held while not accepted ---------------------------------
    reg  ar_last_reg, ar_hold_reg, ar_sel_reg;
    wire ar_pick = s_arvalid[1] && (!s_arvalid[0] || !ar_last_reg);
    wire ar_sel = ar_hold_reg ? ar_sel_reg : ar_pick;
    assign m_axi_arvalid = s_arvalid[ar_sel] && (ar_hold_reg || !master_disable);
    assign m_axi_arid = {{(ID_WIDTH-1){1'b0}}, ar_sel};
    assign m_axi_araddr = s_araddr[ADDR_WIDTH*ar_sel +: ADDR_WIDTH];
    assign m_axi_arlen = s_arlen[8*ar_sel +: 8];
    assign m_axi_arsize = s_arsize[3*ar_sel +: 3];
    assign m_axi_arburst = BURST_INCR;
    // Ready goes back only with an address actually offered (not while master-disabled).
    wire ar_taken = m_axi_arvalid && m_axi_arready;
    assign s_arready = {ar_sel & ar_taken, ~ar_sel & ar_taken};

    // ---- read data back by ID ---------------------------------------------------------------
    wire r_to = m_axi_rid[0];
    assign s_rdata = m_axi_rdata;
    assign s_rresp = m_axi_rresp;
    assign s_rlast = m_axi_rlast;
    assign s_rvalid = {m_axi_rvalid & r_to, m_axi_rvalid & ~r_to};
    assign m_axi_rready = s_rready[r_to];

    // ---- write address: round robin; accepted addresses queue their data --------------------
    reg  aw_last_reg, aw_hold_reg, aw_sel_reg;
    wire aw_pick = s_awvalid[1] && (!s_awvalid[0] || !aw_last_reg);
    wire aw_sel = aw_hold_reg ? aw_sel_reg : aw_pick;
    wire aw_fire = m_axi_awvalid && m_axi_awready;
    assign m_axi_awvalid = s_awvalid[aw_sel] && (aw_hold_reg || !master_disable);
    assign m_axi_awid = {{(ID_WIDTH-1){1'b0}}, aw_sel};
    assign m_axi_awaddr = s_awaddr[ADDR_WIDTH*aw_sel +: ADDR_WIDTH];
    assign m_axi_awlen = s_awlen[8*aw_sel +: 8];
    assign m_axi_awsize = s_awsize[3*aw_sel +: 3];
    assign m_axi_awburst = BURST_INCR;
    assign s_awready = {aw_sel & m_axi_awvalid & m_axi_awready,
                        ~aw_sel & m_axi_awvalid & m_axi_awready};

    // Write data owners in address order (depth 4: two engines, one burst each in flight).
    reg [3:0] wq_reg;        // owners, oldest in bit 0
    reg [2:0] wq_count_reg;
    wire      w_known = wq_count_reg != 0 || aw_fire;
    wire      w_owner = wq_count_reg != 0 ? wq_reg[0] : aw_sel;
    wire      w_fire = m_axi_wvalid && m_axi_wready;
    wire      w_done = w_fire && m_axi_wlast;
    assign m_axi_wvalid = w_known && s_wvalid[w_owner];
    assign m_axi_wdata = s_wdata[DATA_WIDTH*w_owner +: DATA_WIDTH];
    assign m_axi_wstrb = s_wstrb[SB*w_owner +: SB];
    assign m_axi_wlast = s_wlast[w_owner];
    assign s_wready = {w_known & w_owner & m_axi_wready, w_known & ~w_owner & m_axi_wready};

    // ---- write responses back by ID ---------------------------------------------------------
    wire b_to = m_axi_bid[0];
    assign s_bresp = m_axi_bresp;
    assign s_bvalid = {m_axi_bvalid & b_to, m_axi_bvalid & ~b_to};
    assign m_axi_bready = s_bready[b_to];

    // Bursts accepted and not finished: reads until their last beat, writes until their B.
    reg  [5:0] rd_out_reg, wr_out_reg;
    wire       r_end = m_axi_rvalid && m_axi_rready && m_axi_rlast;
    wire       b_fire = m_axi_bvalid && m_axi_bready;
    assign idle = !ar_hold_reg && !aw_hold_reg && wq_count_reg == 3'd0 &&
                  rd_out_reg == 6'd0 && wr_out_reg == 6'd0;

    // Queue update: push the accepted address's owner, pop the owner whose burst ended.
    wire [3:0] wq_pushed = wq_reg | ({3'd0, aw_sel} << wq_count_reg);
    wire       push_direct = aw_fire && wq_count_reg == 0 && w_done;  // in and out at once

    always @(posedge clk) begin
        rd_out_reg <= rd_out_reg + {5'd0, ar_taken} - {5'd0, r_end};
        wr_out_reg <= wr_out_reg + {5'd0, aw_fire} - {5'd0, b_fire};
        if (m_axi_arvalid && m_axi_arready) begin
            ar_hold_reg <= 1'b0;
            ar_last_reg <= ar_sel;
        end else if (m_axi_arvalid) begin
            ar_hold_reg <= 1'b1;
            ar_sel_reg <= ar_sel;
        end
        if (aw_fire) begin
            aw_hold_reg <= 1'b0;
            aw_last_reg <= aw_sel;
        end else if (m_axi_awvalid) begin
            aw_hold_reg <= 1'b1;
            aw_sel_reg <= aw_sel;
        end

        if (!push_direct) begin
            case ({aw_fire, w_done})
                2'b10: begin
                    wq_reg <= wq_pushed;
                    wq_count_reg <= wq_count_reg + 1'b1;
                end
                2'b01: begin
                    wq_reg <= wq_reg >> 1;
                    wq_count_reg <= wq_count_reg - 1'b1;
                end
                2'b11: begin
                    wq_reg <= wq_pushed >> 1;
                end
                default: ;
            endcase
        end

        if (rst) begin
            ar_last_reg <= 1'b0;
            ar_hold_reg <= 1'b0;
            ar_sel_reg <= 1'b0;
            aw_last_reg <= 1'b0;
            aw_hold_reg <= 1'b0;
            aw_sel_reg <= 1'b0;
            wq_reg <= 4'd0;
            wq_count_reg <= 3'd0;
            rd_out_reg <= 6'd0;
            wr_out_reg <= 6'd0;
        end
    end

    wire unused_bits = &{1'b0, m_axi_rid, m_axi_bid};

endmodule

`resetall
