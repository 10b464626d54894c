// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"
`include "hilnic_regmap.vh"

// TX DMA engine: walks the enabled rings round robin, up to TX_BURST frames per turn, reads each
// frame's descriptors and buffers, hands the bytes to tx_packer as chunks, and reports
// completion by one head write-back at the end of the turn (hdl/DATAPATH.md). One write-back per
// frame, each waiting for its B response, made TX slower than RX at 10G line rate.
//
// Head write-back rather than DD bits: the driver learns every ring's progress from one memory
// line instead of scanning descriptors, which is what a Python driver reaching memory through a
// simulator backdoor needs. Like rx_dma, each ring caches the DMA line of its next descriptors.
//
// A frame starts only when the NIC owns its whole descriptor chain, through EOP: before its
// first byte the engine walks the chain (reading lines past the cached one if it must). A chain
// that runs past the tail ends the queue's turn, and the queue is skipped until its tail moves,
// so a driver that posts half a frame never holds the MAC stream in the middle of a frame nor
// the other queues behind it.
module tx_dma #(
    // Transmit rings.
    parameter integer NUM_QUEUES = 16,
    // DMA line width in bits (power of two, >= 128).
    parameter integer DMA_DATA_WIDTH = 512,
    // DMA address width.
    parameter integer ADDR_WIDTH = 48,
    // Ring index width.
    parameter integer RING_IDX_WIDTH = 12
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

    // Chunks to tx_packer.
    output wire [DMA_DATA_WIDTH-1:0]              m_chunk_data,
    output wire [$clog2(DMA_DATA_WIDTH/8+1)-1:0]  m_chunk_bytes,
    output wire                                   m_chunk_last,
    output wire                                   m_chunk_abort,
    output wire [7:0]                             m_chunk_queue,
    output wire                                   m_chunk_valid,
    input  wire                                   m_chunk_ready,

    // A DMA error or a bad descriptor stopped a queue (ev_cfgerr with ev_dmae: the latter).
    output reg                                    ev_dmae,
    output reg  [7:0]                             ev_dmae_queue,
    output reg                                    ev_cfgerr,
    // A turn finished and its completion is visible: the head write-back landed (or, without
    // write-back, the turn ended). The interrupt cause of a TX ring.
    output reg                                    ev_done,
    output reg  [7:0]                             ev_done_queue,

    output reg  [ADDR_WIDTH-1:0]                  m_axi_araddr,
    output reg  [7:0]                             m_axi_arlen,
    output wire [2:0]                             m_axi_arsize,
    output reg                                    m_axi_arvalid,
    input  wire                                   m_axi_arready,
    input  wire [DMA_DATA_WIDTH-1:0]              m_axi_rdata,
    input  wire [1:0]                             m_axi_rresp,
    input  wire                                   m_axi_rlast,
    input  wire                                   m_axi_rvalid,
    output wire                                   m_axi_rready,
    output reg  [ADDR_WIDTH-1:0]                  m_axi_awaddr,
    output wire [7:0]                             m_axi_awlen,
    output wire [2:0]                             m_axi_awsize,
    output reg                                    m_axi_awvalid,
    input  wire                                   m_axi_awready,
    output reg  [DMA_DATA_WIDTH-1:0]              m_axi_wdata,
    output reg  [DMA_DATA_WIDTH/8-1:0]            m_axi_wstrb,
    output wire                                   m_axi_wlast,
    output reg                                    m_axi_wvalid,
    input  wire                                   m_axi_wready,
    input  wire [1:0]                             m_axi_bresp,
    input  wire                                   m_axi_bvalid,
    output wire                                   m_axi_bready
);

    localparam integer NQ = NUM_QUEUES;
    localparam integer QW = NQ > 1 ? $clog2(NQ) : 1;
    localparam integer RIW = RING_IDX_WIDTH;
    localparam integer LB = DMA_DATA_WIDTH / 8;
    localparam integer LBW = $clog2(LB);
    localparam integer BW = $clog2(LB + 1);
    localparam integer DPL = LB / 16;
    localparam integer DPLW = DPL > 1 ? $clog2(DPL) : 1;
    localparam [1:0] WHY_SLVERR = `HN_QSTOP_REASON_SLVERR, WHY_DECERR = `HN_QSTOP_REASON_DECERR,
                     WHY_BADDESC = `HN_QSTOP_REASON_BADDESC, WHY_NONE = `HN_QSTOP_REASON_NONE;
    localparam integer LB_M1_I = LB - 1;
    localparam [16:0] LB_M1 = LB_M1_I[16:0];
    // Frames per ring per turn (hdl/regs/hilnic.rdl's hn_tx_burst_frames, as the model's).
    localparam integer TX_BURST_M1_I = `HN_TX_BURST_FRAMES - 1;
    localparam [4:0] TX_BURST_M1 = TX_BURST_M1_I[4:0];

    generate
        if (DMA_DATA_WIDTH < 128 || (DMA_DATA_WIDTH & (DMA_DATA_WIDTH - 1)) != 0)
        begin : g_bad_width
            `HILNIC_PARAM_FAIL("tx_dma: DMA_DATA_WIDTH must be a power of two >= 128")
        end
        if (NQ < 1 || NQ > 128) begin : g_bad_queues
            `HILNIC_PARAM_FAIL("tx_dma: NUM_QUEUES must be 1..128")
        end
        if (`HN_TX_BURST_FRAMES < 1 || `HN_TX_BURST_FRAMES > 32) begin : g_bad_burst
            `HILNIC_PARAM_FAIL("tx_dma: hn_tx_burst_frames (hilnic.rdl) must be 1..32")
        end
    endgenerate

    reg [RIW-1:0]            head_reg [0:NQ-1];
    reg                      stopped_reg [0:NQ-1];
    reg [1:0]                reason_reg [0:NQ-1];
    reg [DMA_DATA_WIDTH-1:0] dline_reg [0:NQ-1];
    reg [DPLW:0]             dcnt_reg [0:NQ-1];
    reg                      wait_reg [0:NQ-1];       // its head frame's chain is incomplete ...
    reg [RIW-1:0]            wait_tail_reg [0:NQ-1];  // ... up to this tail

    genvar gq;
    generate
        for (gq = 0; gq < NQ; gq = gq + 1) begin : g_state
            assign tq_head[RIW*gq +: RIW] = head_reg[gq];
            assign tq_stopped[gq] = stopped_reg[gq];
            assign tq_reason[2*gq +: 2] = reason_reg[gq];
        end
    endgenerate

    `include "hilnic_ring.vh"

    // ---- queue choice: the next ready ring after the last one served --------------------------
    reg [QW-1:0] rr_reg;
    reg          pick_found;
    reg [QW-1:0] pick_q;
    integer j, c, rr;
    always @* begin
        pick_found = 1'b0;
        pick_q = {QW{1'b0}};
        rr = {{(32-QW){1'b0}}, rr_reg};
        for (j = NQ; j > 0; j = j - 1) begin
            c = (rr + j) % NQ;
            if (tx_enable && tq_enable[c] && !stopped_reg[c] &&
                tq_tail[RIW*c +: RIW] != head_reg[c] &&
                !(wait_reg[c] && tq_tail[RIW*c +: RIW] == wait_tail_reg[c])) begin
                pick_found = 1'b1;
                pick_q = c[QW-1:0];
            end
        end
    end

    // ---- the frame in hand -----------------------------------------------------------------
    localparam [3:0] S_IDLE = 4'd0, S_DESC = 4'd1, S_FETCH = 4'd2, S_FETCH_R = 4'd3,
                     S_RD_AR = 4'd4, S_RD_R = 4'd5, S_NEXT = 4'd6, S_WB = 4'd7, S_WB_B = 4'd8,
                     S_ABORT = 4'd9, S_EMPTY = 4'd10, S_SCAN = 4'd11, S_SCAN_FETCH = 4'd12,
                     S_SCAN_FETCH_R = 4'd13, S_END = 4'd14;
    reg [3:0]            state_reg;
    reg [QW-1:0]         q_reg;
    reg [63:0]           buf_addr_reg;   // next byte to read
    reg [15:0]           buf_left_reg;   // bytes of the buffer not yet read
    reg                  eop_reg;
    reg                  started_reg;    // a chunk of this frame went to the packer
    reg                  rd_err_reg;
    reg [1:0]            why_reg;
    reg [8:0]            beats_left_reg;
    reg                  aw_done_reg, w_done_reg;
    reg [4:0]            turn_reg;       // frames finished in this turn
    // The walk of the frame's chain before its first byte.
    reg                  chain_ok_reg;   // the frame in hand has its EOP among owned descriptors
    reg [RIW:0]          scan_k_reg;     // descriptors from the head walked so far
    reg [RIW-1:0]        scan_idx_reg;   // ... the ring index of the next one
    reg [DMA_DATA_WIDTH-1:0] scan_line_reg;  // a line read past the cached one
    reg                  scan_fresh_reg; // scan_line_reg holds the line of scan_idx_reg

    wire [RIW-1:0] q_head = head_reg[q_reg];
    wire [RIW:0]   q_size = tq_size[(RIW+1)*q_reg +: RIW+1];
    wire [RIW-1:0] q_tail = tq_tail[RIW*q_reg +: RIW];
    wire [63:0]    q_base = tq_base[64*q_reg +: 64];
    wire [63:0]    q_wb = tq_wb_addr[64*q_reg +: 64];
    wire [DPLW:0]  q_dcnt = dcnt_reg[q_reg];
    wire [RIW:0]   q_owned = ring_owned(q_head, q_tail, q_size);
    wire           q_live = tx_enable && tq_enable[q_reg] && !stopped_reg[q_reg];

    wire [DPLW-1:0] head_lane = DPL > 1 ? q_head[DPLW-1:0] : {DPLW{1'b0}};
    wire [63:0]    desc_addr = q_base + {{(64-RIW-4){1'b0}}, q_head, 4'd0};
    wire [63:0]    line_addr = {desc_addr[63:LBW], {LBW{1'b0}}};
    wire [127:0]   desc = dline_reg[q_reg][128*head_lane +: 128];
    wire [63:0]    d_addr = desc[`HN_TXD_ADDR_HI_MSB:`HN_TXD_ADDR_LO_LSB];
    wire [15:0]    d_len = desc[`HN_TXD_LENGTH_MSB:`HN_TXD_LENGTH_LSB];
    wire           d_eop = desc[`HN_TXD_EOP_LSB];
    // A buffer address at or above 2^ADDR_WIDTH is a bad descriptor, not silently truncated.
    wire           d_bad = (d_addr >> ADDR_WIDTH) != 64'd0;
    wire [DPLW:0] fetch_count = ring_fetch_count({1'b0, head_lane}, q_owned);
    wire [RIW-1:0] head_next = ring_next(q_head, q_size);

    // The descriptor the chain walk is at: from the cached line while inside it, else from
    // scan_line_reg, read when the walk leaves the cache and again at each new line.
    wire [DPLW-1:0] scan_lane = DPL > 1 ? scan_idx_reg[DPLW-1:0] : {DPLW{1'b0}};
    wire           scan_cached = scan_k_reg < {{(RIW-DPLW){1'b0}}, q_dcnt};
    wire [127:0]   scan_desc = scan_cached ? dline_reg[q_reg][128*scan_lane +: 128]
                                           : scan_line_reg[128*scan_lane +: 128];
    wire           scan_fetch = !scan_cached && !scan_fresh_reg &&
                                (scan_k_reg == {{(RIW-DPLW){1'b0}}, q_dcnt} ||
                                 scan_lane == {DPLW{1'b0}});
    wire [63:0]    scan_desc_addr = q_base + {{(64-RIW-4){1'b0}}, scan_idx_reg, 4'd0};
    wire [63:0]    scan_line_addr = {scan_desc_addr[63:LBW], {LBW{1'b0}}};

    // Read burst for the rest of the buffer: whole lines from the current one, cut at 4 KiB.
    wire [LBW-1:0] off = buf_addr_reg[LBW-1:0];
    wire [16:0]    span = {1'b0, buf_left_reg} + {{(17-LBW){1'b0}}, off};
    wire [16:0]    span_lines = (span + LB_M1) >> LBW;
    wire [12:0]    to_4k = 13'd4096 - {1'b0, buf_addr_reg[11:LBW], {LBW{1'b0}}};
    wire [12:0]    lines_to_4k = to_4k >> LBW;
    wire [16:0]    burst_lines = span_lines < {4'd0, lines_to_4k} ? span_lines
                                                                   : {4'd0, lines_to_4k};
    wire [8:0]     burst_beats = burst_lines > 17'd256 ? 9'd256 : burst_lines[8:0];

    // The chunk of the current read beat: from `off` (first beat) up to the buffer's end, and
    // whether it ends the buffer. Registered (they began TX's deepest path, through the
    // packer's MAX_FRAME cut into its accumulator): set in S_RD_AR from the buffer's position,
    // and with each beat for the next one (whole lines from then on); 0 outside S_RD_R, so it
    // is the chunk's byte count as it stands.
    localparam [16:0] LB17 = LB[16:0];
    reg  [BW-1:0]  beat_bytes_reg;
    reg            buffer_done_reg;
    wire [16:0]    beat_avail = LB17 - {{(17-LBW){1'b0}}, off};
    wire [16:0]    beat_first = {1'b0, buf_left_reg} < beat_avail ? {1'b0, buf_left_reg}
                                                                  : beat_avail;
    wire [15:0]    left_after = buf_left_reg - {{(16-BW){1'b0}}, beat_bytes_reg};
    wire [16:0]    beat_next = {1'b0, left_after} < LB17 ? {1'b0, left_after} : LB17;
    wire           r_ok = !m_axi_rresp[1] && !rd_err_reg;
    wire           in_read = state_reg == S_RD_R;
    wire           buffer_done = buffer_done_reg;

    assign m_chunk_data = m_axi_rdata >> (8 * off);  // meaningless where m_chunk_bytes is 0
    assign m_chunk_bytes = beat_bytes_reg;
    assign m_chunk_last = in_read ? eop_reg && buffer_done : 1'b1;
    assign m_chunk_abort = state_reg == S_ABORT;
    assign m_chunk_queue = {{(8-QW){1'b0}}, q_reg};
    assign m_chunk_valid = (in_read && m_axi_rvalid && r_ok) || state_reg == S_EMPTY ||
                           (state_reg == S_ABORT && started_reg);
    // Beats of a failed burst are drained without going to the packer.
    assign m_axi_rready = state_reg == S_FETCH_R || state_reg == S_SCAN_FETCH_R ||
                          (in_read && (!r_ok || m_chunk_ready));
    assign m_axi_arsize = LBW[2:0];
    assign m_axi_awlen = 8'd0;
    assign m_axi_awsize = LBW[2:0];
    assign m_axi_wlast = 1'b1;
    assign m_axi_bready = 1'b1;

    wire [1:0] r_why = m_axi_rresp == 2'b11 ? WHY_DECERR : WHY_SLVERR;
    wire [1:0] b_why = m_axi_bresp == 2'b11 ? WHY_DECERR : WHY_SLVERR;
    wire [LBW-3:0] wb_lane = q_wb[LBW-1:2];

    // The end of a turn that sent frames: the head write-back (then its response), or without
    // write-back the completion event at once. S_NEXT and S_END (a turn cut short) share it.
    task automatic end_turn(input [RIW-1:0] head);
        begin
            if (tq_wb_enable[q_reg]) begin
                m_axi_awaddr <= {q_wb[ADDR_WIDTH-1:LBW], {LBW{1'b0}}};
                m_axi_awvalid <= 1'b1;
                m_axi_wvalid <= 1'b1;
                m_axi_wdata <= {{(DMA_DATA_WIDTH-32){1'b0}}, {{(32-RIW){1'b0}}, head}}
                               << (32 * wb_lane);
                m_axi_wstrb <= {{(LB-4){1'b0}}, 4'hf} << (4 * wb_lane);
                aw_done_reg <= 1'b0;
                w_done_reg <= 1'b0;
                state_reg <= S_WB;
            end else begin
                ev_done <= 1'b1;
                ev_done_queue <= {{(8-QW){1'b0}}, q_reg};
                state_reg <= S_IDLE;
            end
        end
    endtask

    integer n;
    always @(posedge clk) begin
        ev_dmae <= 1'b0;
        ev_cfgerr <= 1'b0;
        ev_done <= 1'b0;
        case (state_reg)
            S_IDLE: if (pick_found) begin
                q_reg <= pick_q;
                rr_reg <= pick_q;
                started_reg <= 1'b0;
                chain_ok_reg <= 1'b0;
                turn_reg <= 5'd0;
                state_reg <= S_DESC;
            end
            S_DESC: begin
                if (!q_live) begin
                    // Disabled mid-frame: end what is on the wire as aborted.
                    why_reg <= WHY_NONE;
                    state_reg <= S_ABORT;
                end else if (q_owned == 0) begin
                    // Only a tail taken back could do this (nic_regs refuses that): end the turn.
                    state_reg <= chain_ok_reg ? S_DESC : S_END;
                end else if (q_dcnt == 0) begin
                    m_axi_araddr <= line_addr[ADDR_WIDTH-1:0];
                    m_axi_arlen <= 8'd0;
                    m_axi_arvalid <= 1'b1;
                    state_reg <= S_FETCH;
                end else if (!chain_ok_reg && !d_eop) begin
                    // A frame of several descriptors: walk to its EOP before sending a byte.
                    scan_k_reg <= {{RIW{1'b0}}, 1'b1};
                    scan_idx_reg <= head_next;
                    scan_fresh_reg <= 1'b0;
                    state_reg <= S_SCAN;
                end else if (d_bad) begin
                    // Like a DMA error: the frame handed on so far ends aborted, the queue stops.
                    why_reg <= WHY_BADDESC;
                    state_reg <= S_ABORT;
                end else begin
                    chain_ok_reg <= 1'b1;
                    wait_reg[q_reg] <= 1'b0;
                    buf_addr_reg <= d_addr;
                    buf_left_reg <= d_len;
                    eop_reg <= d_eop;
                    rd_err_reg <= 1'b0;
                    if (d_len == 0) state_reg <= d_eop ? S_EMPTY : S_NEXT;
                    else state_reg <= S_RD_AR;
                end
            end
            S_SCAN: begin
                if (scan_k_reg >= q_owned) begin
                    // The chain runs past the tail: skip this queue until its tail moves.
                    wait_reg[q_reg] <= 1'b1;
                    wait_tail_reg[q_reg] <= q_tail;
                    state_reg <= S_END;
                end else if (scan_fetch) begin
                    m_axi_araddr <= scan_line_addr[ADDR_WIDTH-1:0];
                    m_axi_arlen <= 8'd0;
                    m_axi_arvalid <= 1'b1;
                    state_reg <= S_SCAN_FETCH;
                end else if (scan_desc[`HN_TXD_EOP_LSB]) begin
                    chain_ok_reg <= 1'b1;
                    state_reg <= S_DESC;
                end else begin
                    scan_k_reg <= scan_k_reg + 1'b1;
                    scan_idx_reg <= ring_next(scan_idx_reg, q_size);
                    scan_fresh_reg <= 1'b0;
                end
            end
            S_SCAN_FETCH: if (m_axi_arready) begin
                m_axi_arvalid <= 1'b0;
                state_reg <= S_SCAN_FETCH_R;
            end
            S_SCAN_FETCH_R: if (m_axi_rvalid) begin
                if (m_axi_rresp[1]) begin
                    why_reg <= r_why;
                    state_reg <= S_ABORT;  // nothing of this frame was sent: a silent stop
                end else begin
                    scan_line_reg <= m_axi_rdata;
                    scan_fresh_reg <= 1'b1;
                    state_reg <= S_SCAN;
                end
            end
            S_END: begin
                // The turn ends before a frame that cannot start: report the frames it sent.
                if (turn_reg == 5'd0) begin
                    state_reg <= S_IDLE;
                end else begin
                    end_turn(q_head);
                end
            end
            S_FETCH: if (m_axi_arready) begin
                m_axi_arvalid <= 1'b0;
                state_reg <= S_FETCH_R;
            end
            S_FETCH_R: if (m_axi_rvalid) begin
                if (m_axi_rresp[1]) begin
                    why_reg <= r_why;
                    state_reg <= S_ABORT;
                end else begin
                    dline_reg[q_reg] <= m_axi_rdata;
                    dcnt_reg[q_reg] <= fetch_count;
                    state_reg <= S_DESC;
                end
            end
            S_RD_AR: begin
                beat_bytes_reg <= beat_first[BW-1:0];
                buffer_done_reg <= {1'b0, buf_left_reg} <= beat_avail;
                m_axi_araddr <= {buf_addr_reg[ADDR_WIDTH-1:LBW], {LBW{1'b0}}};
                m_axi_arlen <= burst_beats[7:0] - 8'd1;
                m_axi_arvalid <= 1'b1;
                beats_left_reg <= burst_beats;
                state_reg <= S_RD_R;
            end
            S_RD_R: begin
                if (m_axi_arready) m_axi_arvalid <= 1'b0;
                if (m_axi_rvalid && m_axi_rready) begin
                    if (!r_ok) begin
                        if (!rd_err_reg) why_reg <= r_why;
                        rd_err_reg <= 1'b1;
                    end
                    buf_addr_reg <= {buf_addr_reg[63:LBW] + 1'b1, {LBW{1'b0}}};
                    buf_left_reg <= left_after;
                    beat_bytes_reg <= beats_left_reg == 9'd1 ? {BW{1'b0}} : beat_next[BW-1:0];
                    buffer_done_reg <= {1'b0, left_after} <= LB17;
                    if (r_ok) started_reg <= 1'b1;
                    beats_left_reg <= beats_left_reg - 1'b1;
                    if (beats_left_reg == 9'd1) begin
                        if (rd_err_reg || !r_ok) state_reg <= S_ABORT;
                        else if (buffer_done) state_reg <= S_NEXT;
                        else state_reg <= S_RD_AR;
                    end
                end
            end
            S_EMPTY: if (m_chunk_ready) begin
                state_reg <= S_NEXT;
            end
            S_NEXT: begin
                head_reg[q_reg] <= head_next;
                dcnt_reg[q_reg] <= q_dcnt - 1'b1;
                if (!eop_reg) begin
                    state_reg <= S_DESC;
                end else if (q_live && head_next != q_tail && turn_reg != TX_BURST_M1) begin
                    turn_reg <= turn_reg + 5'd1;  // the next frame of this turn
                    started_reg <= 1'b0;
                    chain_ok_reg <= 1'b0;
                    state_reg <= S_DESC;
                end else begin
                    end_turn(head_next);
                end
            end
            S_WB: begin
                if (m_axi_awready) begin
                    m_axi_awvalid <= 1'b0;
                    aw_done_reg <= 1'b1;
                end
                if (m_axi_wready) begin
                    m_axi_wvalid <= 1'b0;
                    w_done_reg <= 1'b1;
                end
                if ((aw_done_reg || m_axi_awready) && (w_done_reg || m_axi_wready))
                    state_reg <= S_WB_B;
            end
            S_WB_B: if (m_axi_bvalid) begin
                if (m_axi_bresp[1]) begin
                    stopped_reg[q_reg] <= 1'b1;
                    reason_reg[q_reg] <= b_why;
                    ev_dmae <= 1'b1;
                    ev_dmae_queue <= {{(8-QW){1'b0}}, q_reg};
                end else begin
                    ev_done <= 1'b1;
                    ev_done_queue <= {{(8-QW){1'b0}}, q_reg};
                end
                state_reg <= S_IDLE;
            end
            S_ABORT: if (!started_reg || m_chunk_ready) begin
                if (why_reg != WHY_NONE) begin
                    stopped_reg[q_reg] <= 1'b1;
                    reason_reg[q_reg] <= why_reg;
                    ev_cfgerr <= why_reg == WHY_BADDESC;
                    ev_dmae <= 1'b1;
                    ev_dmae_queue <= {{(8-QW){1'b0}}, q_reg};
                end
                state_reg <= S_IDLE;
            end
            default: state_reg <= S_IDLE;
        endcase

        // A disabled ring forgets its state (the one in hand finishes its step first).
        for (n = 0; n < NQ; n = n + 1) begin
            if (!tq_enable[n] && !(state_reg != S_IDLE && q_reg == n[QW-1:0])) begin
                head_reg[n] <= {RIW{1'b0}};
                dcnt_reg[n] <= {(DPLW+1){1'b0}};
                stopped_reg[n] <= 1'b0;
                reason_reg[n] <= WHY_NONE;
                wait_reg[n] <= 1'b0;
            end
        end

        if (rst) begin
            state_reg <= S_IDLE;
            beat_bytes_reg <= {BW{1'b0}};
            rr_reg <= {QW{1'b0}};
            m_axi_arvalid <= 1'b0;
            m_axi_awvalid <= 1'b0;
            m_axi_wvalid <= 1'b0;
            ev_dmae <= 1'b0;
            ev_cfgerr <= 1'b0;
            ev_done <= 1'b0;
            for (n = 0; n < NQ; n = n + 1) begin
                head_reg[n] <= {RIW{1'b0}};
                dcnt_reg[n] <= {(DPLW+1){1'b0}};
                stopped_reg[n] <= 1'b0;
                reason_reg[n] <= WHY_NONE;
                wait_reg[n] <= 1'b0;
                wait_tail_reg[n] <= {RIW{1'b0}};
            end
        end
    end

    wire unused_bits = &{1'b0, m_axi_rlast, desc, desc_addr, line_addr, q_wb, span, span_lines, to_4k,
                         burst_lines, beat_avail, beat_first, beat_next, q_owned,
                         scan_desc, scan_desc_addr, scan_line_addr};

endmodule

`resetall
