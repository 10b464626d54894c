// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none

// Simulation-only top for the rx_dma bench (tb/rx_dma): rx_dma with its DMA master
// completed to a full AXI4 port (fixed IDs and INCR bursts, as dma_arb adds them in nic_top), so
// cocotbext-axi's AxiRam binds it by prefix. Everything else is rx_dma's own ports.
//
// w_after_aw = 1 holds write data back until its address is accepted, as dma_arb does in
// nic_top; 0 lets the memory take data first, as AXI allows (the bench's known-bug test).
module rx_dma_tb_top #(
    parameter integer NUM_QUEUES = 4,
    parameter integer DMA_DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 48,
    parameter integer RING_IDX_WIDTH = 6,
    parameter integer QUEUE_WIDTH = 2
) (
    input  wire                                   clk,
    input  wire                                   rst,
    input  wire                                   w_after_aw,

    input  wire [NUM_QUEUES*64-1:0]               rq_base,
    input  wire [NUM_QUEUES*(RING_IDX_WIDTH+1)-1:0] rq_size,
    input  wire [NUM_QUEUES*7-1:0]                rq_bsize,
    input  wire [NUM_QUEUES*RING_IDX_WIDTH-1:0]   rq_tail,
    input  wire [NUM_QUEUES-1:0]                  rq_enable,
    output wire [NUM_QUEUES*RING_IDX_WIDTH-1:0]   rq_head,
    output wire [NUM_QUEUES-1:0]                  rq_stopped,
    output wire [NUM_QUEUES*2-1:0]                rq_reason,

    input  wire                                   frame_valid,
    output wire                                   frame_pop,
    input  wire [31:0]                            frame_hash,
    input  wire [3:0]                             frame_hash_type,
    input  wire [QUEUE_WIDTH-1:0]                 frame_queue,
    input  wire [2:0]                             frame_error,
    input  wire [11:0]                            frame_packet_type,
    input  wire [1:0]                             frame_vlan_tags,
    input  wire [15:0]                            frame_len,
    input  wire                                   frame_oversize,
    input  wire                                   frame_mac_error,
    input  wire [15:0]                            frame_lines,
    input  wire [DMA_DATA_WIDTH-1:0]              line_data,
    input  wire                                   line_valid,
    output wire                                   line_pop,

    output wire                                   ev_valid,
    output wire [2:0]                             ev_kind,
    output wire [7:0]                             ev_queue,
    output wire [15:0]                            ev_bytes,
    output wire                                   ev_cfgerr,

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

    wire                        dma_wvalid, dma_wready;
    reg  [3:0]                  aw_ahead_reg;  // addresses accepted, their data not yet done
    wire                        aw_fire = m_axi_awvalid && m_axi_awready;
    wire                        w_open = !w_after_aw || aw_ahead_reg != 4'd0 || aw_fire;
    assign m_axi_wvalid = dma_wvalid && w_open;
    assign dma_wready = m_axi_wready && w_open;

    always @(posedge clk) begin
        if (rst || !w_after_aw) begin
            aw_ahead_reg <= 4'd0;
        end else begin
            aw_ahead_reg <= aw_ahead_reg + {3'd0, aw_fire}
                            - {3'd0, m_axi_wvalid && m_axi_wready && m_axi_wlast};
        end
    end

    assign m_axi_awid = 4'd0;
    assign m_axi_arid = 4'd0;
    assign m_axi_awburst = 2'b01;
    assign m_axi_arburst = 2'b01;

    rx_dma #(
        .NUM_QUEUES(NUM_QUEUES), .DMA_DATA_WIDTH(DMA_DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH),
        .RING_IDX_WIDTH(RING_IDX_WIDTH), .QUEUE_WIDTH(QUEUE_WIDTH)
    ) u_rx_dma (
        .clk(clk), .rst(rst),
        .rq_base(rq_base), .rq_size(rq_size), .rq_bsize(rq_bsize), .rq_tail(rq_tail),
        .rq_enable(rq_enable), .rq_head(rq_head), .rq_stopped(rq_stopped),
        .rq_reason(rq_reason),
        .frame_valid(frame_valid), .frame_pop(frame_pop), .frame_hash(frame_hash),
        .frame_hash_type(frame_hash_type), .frame_queue(frame_queue),
        .frame_error(frame_error), .frame_packet_type(frame_packet_type),
        .frame_vlan_tags(frame_vlan_tags), .frame_len(frame_len),
        .frame_oversize(frame_oversize), .frame_mac_error(frame_mac_error),
        .frame_lines(frame_lines), .line_data(line_data), .line_valid(line_valid),
        .line_pop(line_pop),
        .ev_valid(ev_valid), .ev_kind(ev_kind), .ev_queue(ev_queue), .ev_bytes(ev_bytes),
        .ev_cfgerr(ev_cfgerr),
        .m_axi_araddr(m_axi_araddr), .m_axi_arlen(m_axi_arlen), .m_axi_arsize(m_axi_arsize),
        .m_axi_arvalid(m_axi_arvalid), .m_axi_arready(m_axi_arready),
        .m_axi_rdata(m_axi_rdata), .m_axi_rresp(m_axi_rresp), .m_axi_rlast(m_axi_rlast),
        .m_axi_rvalid(m_axi_rvalid), .m_axi_rready(m_axi_rready),
        .m_axi_awaddr(m_axi_awaddr), .m_axi_awlen(m_axi_awlen), .m_axi_awsize(m_axi_awsize),
        .m_axi_awvalid(m_axi_awvalid), .m_axi_awready(m_axi_awready),
        .m_axi_wdata(m_axi_wdata), .m_axi_wstrb(m_axi_wstrb), .m_axi_wlast(m_axi_wlast),
        .m_axi_wvalid(dma_wvalid), .m_axi_wready(dma_wready),
        .m_axi_bresp(m_axi_bresp), .m_axi_bvalid(m_axi_bvalid), .m_axi_bready(m_axi_bready)
    );

    // IDs come back as sent (one ID); nothing to route.
    wire unused_bits = &{1'b0, m_axi_bid, m_axi_rid};

endmodule

`resetall
