// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none

// Simulation-only top for the dma_arb bench (tb/dma_arb): the arbiter's two packed engine
// ports spread out as two AXI4 slave ports (s0_axi_*, s1_axi_*) so cocotbext-axi's AxiMaster
// drives each, and the shared master port as it is. Engine IDs and burst types are not part of
// the engine ports (dma_arb sets the ID to the port number and bursts to INCR): they are
// dropped on the way in, and the IDs returned to an engine read 0.
module dma_arb_tb_top #(
    parameter integer DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 48,
    parameter integer ID_WIDTH = 4
) (
    input  wire                      clk,
    input  wire                      rst,
    // Master disable and the arbiter's idle flag (the device-reset handshake).
    input  wire                      master_disable,
    output wire                      idle,

    // Engine port 0 (RX in nic_top) and port 1 (TX).
    input  wire [ID_WIDTH-1:0]       s0_axi_awid,
    input  wire [ADDR_WIDTH-1:0]     s0_axi_awaddr,
    input  wire [7:0]                s0_axi_awlen,
    input  wire [2:0]                s0_axi_awsize,
    input  wire [1:0]                s0_axi_awburst,
    input  wire                      s0_axi_awvalid,
    output wire                      s0_axi_awready,
    input  wire [DATA_WIDTH-1:0]     s0_axi_wdata,
    input  wire [DATA_WIDTH/8-1:0]   s0_axi_wstrb,
    input  wire                      s0_axi_wlast,
    input  wire                      s0_axi_wvalid,
    output wire                      s0_axi_wready,
    output wire [ID_WIDTH-1:0]       s0_axi_bid,
    output wire [1:0]                s0_axi_bresp,
    output wire                      s0_axi_bvalid,
    input  wire                      s0_axi_bready,
    input  wire [ID_WIDTH-1:0]       s0_axi_arid,
    input  wire [ADDR_WIDTH-1:0]     s0_axi_araddr,
    input  wire [7:0]                s0_axi_arlen,
    input  wire [2:0]                s0_axi_arsize,
    input  wire [1:0]                s0_axi_arburst,
    input  wire                      s0_axi_arvalid,
    output wire                      s0_axi_arready,
    output wire [ID_WIDTH-1:0]       s0_axi_rid,
    output wire [DATA_WIDTH-1:0]     s0_axi_rdata,
    output wire [1:0]                s0_axi_rresp,
    output wire                      s0_axi_rlast,
    output wire                      s0_axi_rvalid,
    input  wire                      s0_axi_rready,

    input  wire [ID_WIDTH-1:0]       s1_axi_awid,
    input  wire [ADDR_WIDTH-1:0]     s1_axi_awaddr,
    input  wire [7:0]                s1_axi_awlen,
    input  wire [2:0]                s1_axi_awsize,
    input  wire [1:0]                s1_axi_awburst,
    input  wire                      s1_axi_awvalid,
    output wire                      s1_axi_awready,
    input  wire [DATA_WIDTH-1:0]     s1_axi_wdata,
    input  wire [DATA_WIDTH/8-1:0]   s1_axi_wstrb,
    input  wire                      s1_axi_wlast,
    input  wire                      s1_axi_wvalid,
    output wire                      s1_axi_wready,
    output wire [ID_WIDTH-1:0]       s1_axi_bid,
    output wire [1:0]                s1_axi_bresp,
    output wire                      s1_axi_bvalid,
    input  wire                      s1_axi_bready,
    input  wire [ID_WIDTH-1:0]       s1_axi_arid,
    input  wire [ADDR_WIDTH-1:0]     s1_axi_araddr,
    input  wire [7:0]                s1_axi_arlen,
    input  wire [2:0]                s1_axi_arsize,
    input  wire [1:0]                s1_axi_arburst,
    input  wire                      s1_axi_arvalid,
    output wire                      s1_axi_arready,
    output wire [ID_WIDTH-1:0]       s1_axi_rid,
    output wire [DATA_WIDTH-1:0]     s1_axi_rdata,
    output wire [1:0]                s1_axi_rresp,
    output wire                      s1_axi_rlast,
    output wire                      s1_axi_rvalid,
    input  wire                      s1_axi_rready,

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

    wire [DATA_WIDTH-1:0] e_rdata;
    wire [1:0]            e_rresp, e_bresp, e_arready, e_rvalid, e_awready, e_wready, e_bvalid;
    wire                  e_rlast;

    assign {s1_axi_arready, s0_axi_arready} = e_arready;
    assign {s1_axi_awready, s0_axi_awready} = e_awready;
    assign {s1_axi_wready, s0_axi_wready} = e_wready;
    assign {s1_axi_rvalid, s0_axi_rvalid} = e_rvalid;
    assign {s1_axi_bvalid, s0_axi_bvalid} = e_bvalid;
    assign s0_axi_rdata = e_rdata;
    assign s1_axi_rdata = e_rdata;
    assign s0_axi_rresp = e_rresp;
    assign s1_axi_rresp = e_rresp;
    assign s0_axi_rlast = e_rlast;
    assign s1_axi_rlast = e_rlast;
    assign s0_axi_bresp = e_bresp;
    assign s1_axi_bresp = e_bresp;
    assign s0_axi_bid = {ID_WIDTH{1'b0}};
    assign s1_axi_bid = {ID_WIDTH{1'b0}};
    assign s0_axi_rid = {ID_WIDTH{1'b0}};
    assign s1_axi_rid = {ID_WIDTH{1'b0}};

    dma_arb #(.DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH), .ID_WIDTH(ID_WIDTH)) u_dma_arb (
        .clk(clk), .rst(rst), .master_disable(master_disable), .idle(idle),
        .s_araddr({s1_axi_araddr, s0_axi_araddr}), .s_arlen({s1_axi_arlen, s0_axi_arlen}),
        .s_arsize({s1_axi_arsize, s0_axi_arsize}),
        .s_arvalid({s1_axi_arvalid, s0_axi_arvalid}), .s_arready(e_arready),
        .s_rdata(e_rdata), .s_rresp(e_rresp), .s_rlast(e_rlast), .s_rvalid(e_rvalid),
        .s_rready({s1_axi_rready, s0_axi_rready}),
        .s_awaddr({s1_axi_awaddr, s0_axi_awaddr}), .s_awlen({s1_axi_awlen, s0_axi_awlen}),
        .s_awsize({s1_axi_awsize, s0_axi_awsize}),
        .s_awvalid({s1_axi_awvalid, s0_axi_awvalid}), .s_awready(e_awready),
        .s_wdata({s1_axi_wdata, s0_axi_wdata}), .s_wstrb({s1_axi_wstrb, s0_axi_wstrb}),
        .s_wlast({s1_axi_wlast, s0_axi_wlast}), .s_wvalid({s1_axi_wvalid, s0_axi_wvalid}),
        .s_wready(e_wready), .s_bresp(e_bresp), .s_bvalid(e_bvalid),
        .s_bready({s1_axi_bready, s0_axi_bready}),
        .m_axi_awid(m_axi_awid), .m_axi_awaddr(m_axi_awaddr), .m_axi_awlen(m_axi_awlen),
        .m_axi_awsize(m_axi_awsize), .m_axi_awburst(m_axi_awburst),
        .m_axi_awvalid(m_axi_awvalid), .m_axi_awready(m_axi_awready),
        .m_axi_wdata(m_axi_wdata), .m_axi_wstrb(m_axi_wstrb), .m_axi_wlast(m_axi_wlast),
        .m_axi_wvalid(m_axi_wvalid), .m_axi_wready(m_axi_wready),
        .m_axi_bid(m_axi_bid), .m_axi_bresp(m_axi_bresp), .m_axi_bvalid(m_axi_bvalid),
        .m_axi_bready(m_axi_bready),
        .m_axi_arid(m_axi_arid), .m_axi_araddr(m_axi_araddr), .m_axi_arlen(m_axi_arlen),
        .m_axi_arsize(m_axi_arsize), .m_axi_arburst(m_axi_arburst),
        .m_axi_arvalid(m_axi_arvalid), .m_axi_arready(m_axi_arready),
        .m_axi_rid(m_axi_rid), .m_axi_rdata(m_axi_rdata), .m_axi_rresp(m_axi_rresp),
        .m_axi_rlast(m_axi_rlast), .m_axi_rvalid(m_axi_rvalid), .m_axi_rready(m_axi_rready)
    );

    wire unused_bits = &{1'b0, s0_axi_awid, s1_axi_awid, s0_axi_arid, s1_axi_arid,
                         s0_axi_awburst, s1_axi_awburst, s0_axi_arburst, s1_axi_arburst};

endmodule

`resetall
