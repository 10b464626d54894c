// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none

// Simulation top for the whole NIC: nic_top with host memory on its DMA master, the bulk frame
// source and an external stream (selected by src_select) on MAC RX, and the frame sink on MAC
// TX. Every control and status signal is a top-level port (Verilator keeps VPI writes only to
// ports and to arrays HDL never drives), and Python reaches the memories by backdoor
// (pystack/rtl/backdoor.py), so a batch of frames costs Python a handful of calls, not one per beat.
module nic_sim_top #(
    parameter integer NUM_RX_QUEUES = 16,
    parameter integer NUM_TX_QUEUES = 16,
    parameter integer NUM_VECTORS = 10,
    parameter integer DATA_WIDTH = 64,
    parameter integer DMA_DATA_WIDTH = 512,
    parameter integer DMA_ADDR_WIDTH = 48,
    parameter integer MAX_RING_DESC = 4096,
    parameter integer MAX_FRAME = 9018,
    parameter integer RX_FIFO_LINES = 512,
    // Host memory: 2^HOST_MEM_LINES_LOG2 DMA lines from address 0 (16 MiB by default).
    parameter integer HOST_MEM_LINES_LOG2 = 18,
    // Frame source and sink memories (lines of 512 bits) and tables (frames).
    parameter integer SRC_MEM_LINES_LOG2 = 14,
    parameter integer SRC_TABLE_LOG2 = 12,
    parameter integer SNK_MEM_LINES_LOG2 = 14,
    parameter integer SNK_TABLE_LOG2 = 12,
    parameter integer ADDR_WIDTH = 17,
    // The clock period (pystack.nic.device.CLOCK_NS, passed in by the runner), used when the
    // top makes its own clock (HILNIC_HDL_CLOCK), unused otherwise.
    /* verilator lint_off UNUSEDPARAM */
    parameter integer CLOCK_PS = 6400
    /* verilator lint_on UNUSEDPARAM */
) (
`ifdef HILNIC_HDL_CLOCK
    output reg                         clk,
`else
    input  wire                        clk,
`endif
    input  wire                        rst,
    input  wire                        link_up,

    input  wire [ADDR_WIDTH-1:0]       s_axil_awaddr,
    input  wire [2:0]                  s_axil_awprot,
    input  wire                        s_axil_awvalid,
    output wire                        s_axil_awready,
    input  wire [31:0]                 s_axil_wdata,
    input  wire [3:0]                  s_axil_wstrb,
    input  wire                        s_axil_wvalid,
    output wire                        s_axil_wready,
    output wire [1:0]                  s_axil_bresp,
    output wire                        s_axil_bvalid,
    input  wire                        s_axil_bready,
    input  wire [ADDR_WIDTH-1:0]       s_axil_araddr,
    input  wire [2:0]                  s_axil_arprot,
    input  wire                        s_axil_arvalid,
    output wire                        s_axil_arready,
    output wire [31:0]                 s_axil_rdata,
    output wire [1:0]                  s_axil_rresp,
    output wire                        s_axil_rvalid,
    input  wire                        s_axil_rready,

    // MAC RX: 1 = the frame source plays, 0 = these ports (a Python bus model) drive it.
    input  wire                        src_select,
    input  wire [DATA_WIDTH-1:0]       s_axis_mac_rx_tdata,
    input  wire [DATA_WIDTH/8-1:0]     s_axis_mac_rx_tkeep,
    input  wire                        s_axis_mac_rx_tvalid,
    output wire                        s_axis_mac_rx_tready,
    input  wire                        s_axis_mac_rx_tlast,
    input  wire                        s_axis_mac_rx_tuser,

    // MAC TX as it leaves the NIC (into the sink), for monitors.
    output wire [DATA_WIDTH-1:0]       mac_tx_tdata,
    output wire [DATA_WIDTH/8-1:0]     mac_tx_tkeep,
    output wire                        mac_tx_tvalid,
    output wire                        mac_tx_tready,
    output wire                        mac_tx_tlast,
    output wire                        mac_tx_tuser,

    input  wire                        src_ctl_start,
    input  wire [SRC_TABLE_LOG2-1:0]   src_ctl_first,
    input  wire [31:0]                 src_ctl_count,
    input  wire [SRC_TABLE_LOG2:0]     src_ctl_table_len,
    input  wire [15:0]                 src_ctl_rate,
    output wire                        src_stat_busy,
    output wire [31:0]                 src_stat_sent,
    output wire [31:0]                 src_stat_stall_cycles,

    input  wire [7:0]                  snk_ctl_stall,
    input  wire                        snk_ctl_clear,
    output wire [31:0]                 snk_stat_frames,
    output wire [31:0]                 snk_stat_dropped,
    output wire [31:0]                 snk_stat_beats,

    output wire [31:0]                 mem_stat_guard_violations,
    output wire [31:0]                 mem_stat_writes,
    output wire [31:0]                 mem_stat_reads,

    // MSI-X messages: writes into [msi_win_base, msi_win_limit) are interrupts; msi_count
    // changes once per message (entries in u_msi.log_mem).
    input  wire [63:0]                 msi_win_base,
    input  wire [63:0]                 msi_win_limit,
    output wire [31:0]                 msi_count
);

    localparam integer ID_WIDTH = 4;
    localparam integer DW = DMA_DATA_WIDTH;
    localparam integer AW = DMA_ADDR_WIDTH;
    localparam integer MB = DATA_WIDTH / 8;

    wire [ID_WIDTH-1:0] awid, bid, arid, rid;
    wire [AW-1:0]       awaddr, araddr;
    wire [7:0]          awlen, arlen;
    wire [2:0]          awsize, arsize;
    wire [1:0]          awburst, arburst, bresp, rresp;
    wire                awvalid, awready, wlast, wvalid, wready, bvalid, bready;
    wire                arvalid, arready, rlast, rvalid, rready;
    wire [DW-1:0]       wdata, rdata;
    wire [DW/8-1:0]     wstrb;

    wire [DATA_WIDTH-1:0] src_tdata;
    wire [MB-1:0]         src_tkeep;
    wire                  src_tvalid, src_tready, src_tlast, src_tuser;
    wire                  rx_tready;

    assign src_tready = src_select && rx_tready;
    assign s_axis_mac_rx_tready = !src_select && rx_tready;

    nic_top #(
        .NUM_RX_QUEUES(NUM_RX_QUEUES), .NUM_TX_QUEUES(NUM_TX_QUEUES),
        .NUM_VECTORS(NUM_VECTORS), .DATA_WIDTH(DATA_WIDTH), .DMA_DATA_WIDTH(DW),
        .DMA_ADDR_WIDTH(AW), .DMA_ID_WIDTH(ID_WIDTH), .MAX_RING_DESC(MAX_RING_DESC),
        .MAX_FRAME(MAX_FRAME), .RX_FIFO_LINES(RX_FIFO_LINES), .ADDR_WIDTH(ADDR_WIDTH)
    ) u_nic (
        .clk(clk), .rst(rst), .link_up(link_up),
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
        .m_axi_awid(awid), .m_axi_awaddr(awaddr), .m_axi_awlen(awlen), .m_axi_awsize(awsize),
        .m_axi_awburst(awburst), .m_axi_awvalid(awvalid), .m_axi_awready(awready),
        .m_axi_wdata(wdata), .m_axi_wstrb(wstrb), .m_axi_wlast(wlast),
        .m_axi_wvalid(wvalid), .m_axi_wready(wready),
        .m_axi_bid(bid), .m_axi_bresp(bresp), .m_axi_bvalid(bvalid), .m_axi_bready(bready),
        .m_axi_arid(arid), .m_axi_araddr(araddr), .m_axi_arlen(arlen), .m_axi_arsize(arsize),
        .m_axi_arburst(arburst), .m_axi_arvalid(arvalid), .m_axi_arready(arready),
        .m_axi_rid(rid), .m_axi_rdata(rdata), .m_axi_rresp(rresp), .m_axi_rlast(rlast),
        .m_axi_rvalid(rvalid), .m_axi_rready(rready),
        .s_axis_mac_rx_tdata(src_select ? src_tdata : s_axis_mac_rx_tdata),
        .s_axis_mac_rx_tkeep(src_select ? src_tkeep : s_axis_mac_rx_tkeep),
        .s_axis_mac_rx_tvalid(src_select ? src_tvalid : s_axis_mac_rx_tvalid),
        .s_axis_mac_rx_tready(rx_tready),
        .s_axis_mac_rx_tlast(src_select ? src_tlast : s_axis_mac_rx_tlast),
        .s_axis_mac_rx_tuser(src_select ? src_tuser : s_axis_mac_rx_tuser),
        .m_axis_mac_tx_tdata(mac_tx_tdata), .m_axis_mac_tx_tkeep(mac_tx_tkeep),
        .m_axis_mac_tx_tvalid(mac_tx_tvalid), .m_axis_mac_tx_tready(mac_tx_tready),
        .m_axis_mac_tx_tlast(mac_tx_tlast), .m_axis_mac_tx_tuser(mac_tx_tuser)
    );

    host_mem #(
        .DATA_WIDTH(DW), .ADDR_WIDTH(AW), .ID_WIDTH(ID_WIDTH),
        .MEM_LINES_LOG2(HOST_MEM_LINES_LOG2)
    ) u_host_mem (
        .clk(clk), .rst(rst),
        .s_axi_awid(awid), .s_axi_awaddr(awaddr), .s_axi_awlen(awlen), .s_axi_awsize(awsize),
        .s_axi_awburst(awburst), .s_axi_awvalid(awvalid), .s_axi_awready(awready),
        .s_axi_wdata(wdata), .s_axi_wstrb(wstrb), .s_axi_wlast(wlast),
        .s_axi_wvalid(wvalid), .s_axi_wready(wready),
        .s_axi_bid(bid), .s_axi_bresp(bresp), .s_axi_bvalid(bvalid), .s_axi_bready(bready),
        .s_axi_arid(arid), .s_axi_araddr(araddr), .s_axi_arlen(arlen), .s_axi_arsize(arsize),
        .s_axi_arburst(arburst), .s_axi_arvalid(arvalid), .s_axi_arready(arready),
        .s_axi_rid(rid), .s_axi_rdata(rdata), .s_axi_rresp(rresp), .s_axi_rlast(rlast),
        .s_axi_rvalid(rvalid), .s_axi_rready(rready),
        .stat_guard_violations(mem_stat_guard_violations), .stat_writes(mem_stat_writes),
        .stat_reads(mem_stat_reads)
    );

    msi_catcher #(.DATA_WIDTH(DW), .ADDR_WIDTH(AW)) u_msi (
        .clk(clk), .rst(rst), .win_base(msi_win_base), .win_limit(msi_win_limit),
        .awaddr(awaddr), .awlen(awlen), .awvalid(awvalid), .awready(awready),
        .wdata(wdata), .wstrb(wstrb), .wlast(wlast), .wvalid(wvalid), .wready(wready),
        .count(msi_count)
    );

    frame_source #(
        .DATA_WIDTH(DATA_WIDTH), .MEM_LINES_LOG2(SRC_MEM_LINES_LOG2),
        .TABLE_LOG2(SRC_TABLE_LOG2)
    ) u_source (
        .clk(clk), .rst(rst),
        .m_axis_tdata(src_tdata), .m_axis_tkeep(src_tkeep), .m_axis_tvalid(src_tvalid),
        .m_axis_tready(src_tready), .m_axis_tlast(src_tlast), .m_axis_tuser(src_tuser),
        .ctl_start(src_ctl_start), .ctl_first(src_ctl_first), .ctl_count(src_ctl_count),
        .ctl_table_len(src_ctl_table_len), .ctl_rate(src_ctl_rate),
        .stat_busy(src_stat_busy), .stat_sent(src_stat_sent),
        .stat_stall_cycles(src_stat_stall_cycles)
    );

    frame_sink #(
        .DATA_WIDTH(DATA_WIDTH), .MEM_LINES_LOG2(SNK_MEM_LINES_LOG2),
        .TABLE_LOG2(SNK_TABLE_LOG2)
    ) u_sink (
        .clk(clk), .rst(rst),
        .s_axis_tdata(mac_tx_tdata), .s_axis_tkeep(mac_tx_tkeep),
        .s_axis_tvalid(mac_tx_tvalid), .s_axis_tready(mac_tx_tready),
        .s_axis_tlast(mac_tx_tlast), .s_axis_tuser(mac_tx_tuser),
        .ctl_stall(snk_ctl_stall), .ctl_clear(snk_ctl_clear),
        .stat_frames(snk_stat_frames), .stat_dropped(snk_stat_dropped),
        .stat_beats(snk_stat_beats)
    );

`ifdef HILNIC_WAVES
    // Waveform dump within a time window (plusargs), only in waves builds (pystack/simrun.py).
    wave_dump u_wave_dump (.clk(clk));
`endif

`ifdef HILNIC_HDL_CLOCK
    // Simulation only: the clock from the simulator's own scheduler (Verilator --timing,
    // Icarus), so no VPI call and no Python is needed per edge. High first, as cocotb's Clock.
    localparam real HALF_NS = CLOCK_PS / 2000.0;
    initial clk = 1'b1;
    always #(HALF_NS) clk = ~clk;
`endif
endmodule

`resetall
