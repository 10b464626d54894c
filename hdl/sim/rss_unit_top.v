// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none

// Simulation-only top for the RSS classifier unit: rss_regs + rx_classifier with every bus on a
// top-level port, so cocotb binds only ports (Verilator overwrites VPI writes to internal nets).
module rss_unit_top #(
    parameter integer DATA_WIDTH = 64,
    parameter integer NUM_QUEUES = 16,
    parameter integer RESULT_DEPTH = 8,
    parameter integer ADDR_WIDTH = 17
) (
    input  wire                      clk,
    input  wire                      rst,

    input  wire [ADDR_WIDTH-1:0]     s_axil_awaddr,
    input  wire [2:0]                s_axil_awprot,
    input  wire                      s_axil_awvalid,
    output wire                      s_axil_awready,
    input  wire [31:0]               s_axil_wdata,
    input  wire [3:0]                s_axil_wstrb,
    input  wire                      s_axil_wvalid,
    output wire                      s_axil_wready,
    output wire [1:0]                s_axil_bresp,
    output wire                      s_axil_bvalid,
    input  wire                      s_axil_bready,
    input  wire [ADDR_WIDTH-1:0]     s_axil_araddr,
    input  wire [2:0]                s_axil_arprot,
    input  wire                      s_axil_arvalid,
    output wire                      s_axil_arready,
    output wire [31:0]               s_axil_rdata,
    output wire [1:0]                s_axil_rresp,
    output wire                      s_axil_rvalid,
    input  wire                      s_axil_rready,

    input  wire [DATA_WIDTH-1:0]     s_axis_tdata,
    input  wire [DATA_WIDTH/8-1:0]   s_axis_tkeep,
    input  wire                      s_axis_tvalid,
    output wire                      s_axis_tready,
    input  wire                      s_axis_tlast,
    output wire [DATA_WIDTH-1:0]     m_axis_tdata,
    output wire [DATA_WIDTH/8-1:0]   m_axis_tkeep,
    output wire                      m_axis_tvalid,
    input  wire                      m_axis_tready,
    output wire                      m_axis_tlast,

    output wire [31:0]               m_axis_res_hash,
    output wire [3:0]                m_axis_res_hash_type,
    output wire [6:0]                m_axis_res_reta_index,
    output wire [QUEUE_WIDTH-1:0]    m_axis_res_queue,
    output wire [2:0]                m_axis_res_error,
    output wire                      m_axis_res_parse_error,
    output wire [11:0]               m_axis_res_packet_type,
    output wire [1:0]                m_axis_res_vlan_tags,
    output wire [15:0]               m_axis_res_len,
    output wire                      m_axis_res_tvalid,
    input  wire                      m_axis_res_tready
);

    localparam integer QUEUE_WIDTH = NUM_QUEUES > 1 ? $clog2(NUM_QUEUES) : 1;

    wire [319:0]  cfg_key;
    wire [31:0]   cfg_mrqc;
    wire [1023:0] cfg_reta;
    wire [7:0]    cfg_default_queue;
    wire          stat_valid, stat_hashed;
    wire [2:0]    stat_error;
    wire          regs_wbusy, regs_rbusy;  // one master here: its handshake is enough

    rss_regs #(.ADDR_WIDTH(ADDR_WIDTH)) u_regs (
        .clk(clk), .rst(rst),
        .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot),
        .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
        .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb),
        .s_axil_wvalid(s_axil_wvalid), .s_axil_wready(s_axil_wready),
        .s_axil_bresp(s_axil_bresp), .s_axil_bvalid(s_axil_bvalid),
        .s_axil_bready(s_axil_bready),
        .s_axil_araddr(s_axil_araddr), .s_axil_arprot(s_axil_arprot),
        .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp),
        .s_axil_rvalid(s_axil_rvalid), .s_axil_rready(s_axil_rready),
        .wr_busy(regs_wbusy), .rd_busy(regs_rbusy),
        .cfg_key(cfg_key), .cfg_mrqc(cfg_mrqc), .cfg_reta(cfg_reta),
        .cfg_default_queue(cfg_default_queue),
        .stat_valid(stat_valid), .stat_hashed(stat_hashed), .stat_error(stat_error),
        .ext_bad_access(2'b00)
    );

    rx_classifier #(
        .DATA_WIDTH(DATA_WIDTH),
        .NUM_QUEUES(NUM_QUEUES),
        .RESULT_DEPTH(RESULT_DEPTH)
    ) u_classifier (
        .clk(clk), .rst(rst),
        .cfg_key(cfg_key), .cfg_mrqc(cfg_mrqc), .cfg_reta(cfg_reta),
        .cfg_default_queue(cfg_default_queue),
        .s_axis_tdata(s_axis_tdata), .s_axis_tkeep(s_axis_tkeep),
        .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .s_axis_tlast(s_axis_tlast),
        .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(m_axis_tkeep),
        .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
        .m_axis_tlast(m_axis_tlast),
        .m_axis_res_hash(m_axis_res_hash), .m_axis_res_hash_type(m_axis_res_hash_type),
        .m_axis_res_reta_index(m_axis_res_reta_index), .m_axis_res_queue(m_axis_res_queue),
        .m_axis_res_error(m_axis_res_error), .m_axis_res_parse_error(m_axis_res_parse_error),
        .m_axis_res_packet_type(m_axis_res_packet_type),
        .m_axis_res_vlan_tags(m_axis_res_vlan_tags), .m_axis_res_len(m_axis_res_len),
        .m_axis_res_tvalid(m_axis_res_tvalid), .m_axis_res_tready(m_axis_res_tready),
        .stat_valid(stat_valid), .stat_hashed(stat_hashed), .stat_error(stat_error)
    );

    wire unused_busy = &{1'b0, regs_wbusy, regs_rbusy};

endmodule

`resetall
