// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none

// Simulation-only top for the tx_dma bench (tb/tx_dma): tx_dma with its DMA master
// completed to a full AXI4 port (fixed IDs and INCR bursts, as dma_arb adds them in nic_top), so
// cocotbext-axi's AxiRam binds it by prefix. Everything else is tx_dma's own ports.
module tx_dma_tb_top #(
    parameter integer NUM_QUEUES = 4,
    parameter integer DMA_DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 48,
    parameter integer RING_IDX_WIDTH = 6,
    localparam integer CBW = $clog2(DMA_DATA_WIDTH/8+1)
) (
    input  wire                                   clk,
    input  wire                                   rst,

    input  wire                                   tx_enable,
    input  wire [NUM_QUEUES*64-1:0]               tq_base,
    input  wire [NUM_QUEUES*(RING_IDX_WIDTH+1)-1:0] tq_size,
    input  wire [NUM_QUEUES*RING_IDX_WIDTH-1:0]   tq_tail,
    input  wire [NUM_QUEUES-1:0]                  tq_enable,
    input  wire [NUM_QUEUES*64-1:0]               tq_wb_addr,
    input  wire [NUM_QUEUES-1:0]                  tq_wb_enable,
    output wire [NUM_QUEUES*RING_IDX_WIDTH-1:0]   tq_head,
    output wire [NUM_QUEUES-1:0]                  tq_stopped,
    output wire [NUM_QUEUES*2-1:0]                tq_reason,

    output wire [DMA_DATA_WIDTH-1:0]              m_chunk_data,
    output wire [CBW-1:0]                         m_chunk_bytes,
    output wire                                   m_chunk_last,
    output wire                                   m_chunk_abort,
    output wire [7:0]                             m_chunk_queue,
    output wire                                   m_chunk_valid,
    input  wire                                   m_chunk_ready,

    output wire                                   ev_dmae,
    output wire [7:0]                             ev_dmae_queue,
    output wire                                   ev_cfgerr,
    output wire                                   ev_done,
    output wire [7:0]                             ev_done_queue,

    output wire [3:0]                             m_axi_awid,
    output wire [ADDR_WIDTH-1:0]                  m_axi_awaddr,
    output wire [7:0]                             m_axi_awlen,
    output wire [2:0]                             m_axi_awsize,
    output wire [1:0]                             m_axi_awburst,
    output wire                                   m_axi_awvalid,
    input  wire                                   m_axi_awready,
    output wire [DMA_DATA_WIDTH-1:0]              m_axi_wdata,
    output wire [DMA_DATA_WIDTH/8-1:0]            m_axi_wstrb,
    output wire                                   m_axi_wlast,
    output wire                                   m_axi_wvalid,
    input  wire                                   m_axi_wready,
    input  wire [3:0]                             m_axi_bid,
    input  wire [1:0]                             m_axi_bresp,
    input  wire                                   m_axi_bvalid,
    output wire                                   m_axi_bready,
    output wire [3:0]                             m_axi_arid,
    output wire [ADDR_WIDTH-1:0]                  m_axi_araddr,
    output wire [7:0]                             m_axi_arlen,
    output wire [2:0]                             m_axi_arsize,
    output wire [1:0]                             m_axi_arburst,
    output wire                                   m_axi_arvalid,
    input  wire                                   m_axi_arready,
    input  wire [3:0]                             m_axi_rid,
    input  wire [DMA_DATA_WIDTH-1:0]              m_axi_rdata,
    input  wire [1:0]                             m_axi_rresp,
    input  wire                                   m_axi_rlast,
    input  wire                                   m_axi_rvalid,
    output wire                                   m_axi_rready
);

    assign m_axi_awid = 4'd0;
    assign m_axi_arid = 4'd0;
    assign m_axi_awburst = 2'b01;
    assign m_axi_arburst = 2'b01;

    tx_dma #(
        .NUM_QUEUES(NUM_QUEUES), .DMA_DATA_WIDTH(DMA_DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH),
        .RING_IDX_WIDTH(RING_IDX_WIDTH)
    ) u_tx_dma (
        .clk(clk), .rst(rst), .tx_enable(tx_enable),
        .tq_base(tq_base), .tq_size(tq_size), .tq_tail(tq_tail), .tq_enable(tq_enable),
        .tq_wb_addr(tq_wb_addr), .tq_wb_enable(tq_wb_enable), .tq_head(tq_head),
        .tq_stopped(tq_stopped), .tq_reason(tq_reason),
        .m_chunk_data(m_chunk_data), .m_chunk_bytes(m_chunk_bytes),
        .m_chunk_last(m_chunk_last), .m_chunk_abort(m_chunk_abort),
        .m_chunk_queue(m_chunk_queue), .m_chunk_valid(m_chunk_valid),
        .m_chunk_ready(m_chunk_ready),
        .ev_dmae(ev_dmae), .ev_dmae_queue(ev_dmae_queue), .ev_cfgerr(ev_cfgerr),
        .ev_done(ev_done), .ev_done_queue(ev_done_queue),
        .m_axi_araddr(m_axi_araddr), .m_axi_arlen(m_axi_arlen), .m_axi_arsize(m_axi_arsize),
        .m_axi_arvalid(m_axi_arvalid), .m_axi_arready(m_axi_arready),
        .m_axi_rdata(m_axi_rdata), .m_axi_rresp(m_axi_rresp), .m_axi_rlast(m_axi_rlast),
        .m_axi_rvalid(m_axi_rvalid), .m_axi_rready(m_axi_rready),
        .m_axi_awaddr(m_axi_awaddr), .m_axi_awlen(m_axi_awlen), .m_axi_awsize(m_axi_awsize),
        .m_axi_awvalid(m_axi_awvalid), .m_axi_awready(m_axi_awready),
        .m_axi_wdata(m_axi_wdata), .m_axi_wstrb(m_axi_wstrb), .m_axi_wlast(m_axi_wlast),
        .m_axi_wvalid(m_axi_wvalid), .m_axi_wready(m_axi_wready),
        .m_axi_bresp(m_axi_bresp), .m_axi_bvalid(m_axi_bvalid), .m_axi_bready(m_axi_bready)
    );

    wire unused_bits = &{1'b0, m_axi_bid, m_axi_rid};

endmodule

`resetall
