// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"
`include "hilnic_regmap.vh"

// RX DMA engine: takes each stored frame with its classifier result, decides its fate by the
// rules of hdl/DATAPATH.md (in their order), and delivers it: descriptor, data, write-back, head.
//
// One frame at a time, because frames must land in ring order and a frame's write-backs must
// follow its data; the cost per small frame is a handful of cycles, under the 10.5 cycles a
// 64-byte frame takes on a 10G wire. Each queue caches the DMA line its next descriptors sit in,
// so a line fetch serves up to DMA_BYTES/16 frames. Every drop decision is taken before the
// first write, so a frame is either delivered whole or not written at all: before writing a byte
// the engine checks every descriptor the frame needs (64-byte aligned, below 2^ADDR_WIDTH),
// reading the lines past the cached one if it must. Only a DMA error in the middle of a frame
// leaves a part behind, and that stops the queue.
//
// The write address and data channels are independent (AXI lets a slave take data first): an
// address stays offered until taken, whatever the data channel does, and the next burst's
// address waits for it.
module rx_dma #(
    // Receive rings.
    parameter integer NUM_QUEUES = 16,
    // DMA line width in bits (power of two, >= 128: a line holds whole descriptors).
    parameter integer DMA_DATA_WIDTH = 512,
    // DMA address width.
    parameter integer ADDR_WIDTH = 48,
    // Ring index width (rings of at most 2^RING_IDX_WIDTH descriptors).
    parameter integer RING_IDX_WIDTH = 12,
    // Queue field width of the classifier result.
    parameter integer QUEUE_WIDTH = 4
) (
    input  wire                                   clk,
    input  wire                                   rst,

    // Ring configuration (nic_regs) and state (to nic_regs), queue n at slice n.
    input  wire [NUM_QUEUES*64-1:0]               rq_base,
    input  wire [NUM_QUEUES*(RING_IDX_WIDTH+1)-1:0] rq_size,
    input  wire [NUM_QUEUES*7-1:0]                rq_bsize,
    input  wire [NUM_QUEUES*RING_IDX_WIDTH-1:0]   rq_tail,
    input  wire [NUM_QUEUES-1:0]                  rq_enable,
    output wire [NUM_QUEUES*RING_IDX_WIDTH-1:0]   rq_head,
    output wire [NUM_QUEUES-1:0]                  rq_stopped,
    output wire [NUM_QUEUES*2-1:0]                rq_reason,

    // Frames from rx_fifo.
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

    // One outcome per frame (nic_regs counts them).
    output reg                                    ev_valid,
    output reg  [2:0]                             ev_kind,
    output reg  [7:0]                             ev_queue,
    output reg  [15:0]                            ev_bytes,
    output reg                                    ev_cfgerr,

    // DMA master (one transaction in flight per channel; dma_arb adds the IDs).
    output reg  [ADDR_WIDTH-1:0]                  m_axi_araddr,
    output wire [7:0]                             m_axi_arlen,
    output wire [2:0]                             m_axi_arsize,
    output reg                                    m_axi_arvalid,
    input  wire                                   m_axi_arready,
    input  wire [DMA_DATA_WIDTH-1:0]              m_axi_rdata,
    input  wire [1:0]                             m_axi_rresp,
    input  wire                                   m_axi_rlast,
    input  wire                                   m_axi_rvalid,
    output wire                                   m_axi_rready,
    output reg  [ADDR_WIDTH-1:0]                  m_axi_awaddr,
    output reg  [7:0]                             m_axi_awlen,
    output wire [2:0]                             m_axi_awsize,
    output reg                                    m_axi_awvalid,
    input  wire                                   m_axi_awready,
    output wire [DMA_DATA_WIDTH-1:0]              m_axi_wdata,
    output wire [DMA_DATA_WIDTH/8-1:0]            m_axi_wstrb,
    output wire                                   m_axi_wlast,
    output reg                                    m_axi_wvalid,
    input  wire                                   m_axi_wready,
    input  wire [1:0]                             m_axi_bresp,
    input  wire                                   m_axi_bvalid,
    output wire                                   m_axi_bready
);

    localparam integer NQ = NUM_QUEUES;
    localparam integer RIW = RING_IDX_WIDTH;
    localparam integer LB = DMA_DATA_WIDTH / 8;          // bytes per line
    localparam integer LBW = $clog2(LB);
    localparam integer DPL = LB / 16;                    // descriptors per line
    localparam integer DPLW = DPL > 1 ? $clog2(DPL) : 1;
    localparam [15:0] MIN16 = 16'd60;
    localparam integer MAX_BUFFERS = 16;                 // MAX_FRAME <= 16383 and >= 1 KiB each

    localparam [2:0] K_DELIVER = `HN_RX_OUTCOME_DELIVER, K_CRCERR = `HN_RX_OUTCOME_CRCERR,
                     K_RUNT = `HN_RX_OUTCOME_RUNT, K_OVERSIZE = `HN_RX_OUTCOME_OVERSIZE,
                     K_NODESC = `HN_RX_OUTCOME_NODESC, K_DMAERR = `HN_RX_OUTCOME_DMAERR;
    localparam [1:0] WHY_SLVERR = `HN_QSTOP_REASON_SLVERR, WHY_DECERR = `HN_QSTOP_REASON_DECERR,
                     WHY_BADDESC = `HN_QSTOP_REASON_BADDESC, WHY_NONE = `HN_QSTOP_REASON_NONE;

    generate
        if (DMA_DATA_WIDTH < 128 || (DMA_DATA_WIDTH & (DMA_DATA_WIDTH - 1)) != 0)
        begin : g_bad_width
            `HILNIC_PARAM_FAIL("rx_dma: DMA_DATA_WIDTH must be a power of two >= 128")
        end
        if (NQ < 1 || NQ > 128) begin : g_bad_queues
            `HILNIC_PARAM_FAIL("rx_dma: NUM_QUEUES must be 1..128")
        end
        if (ADDR_WIDTH < 32 || ADDR_WIDTH > 64) begin : g_bad_addr
            `HILNIC_PARAM_FAIL("rx_dma: ADDR_WIDTH must be 32..64")
        end
    endgenerate

    // ---- per-queue state ---------------------------------------------------------------------
    reg [RIW-1:0]            head_reg [0:NQ-1];
    reg                      stopped_reg [0:NQ-1];
    reg [1:0]                reason_reg [0:NQ-1];
    reg [DMA_DATA_WIDTH-1:0] dline_reg [0:NQ-1];   // the line holding the next descriptors
    reg [DPLW:0]             dcnt_reg [0:NQ-1];    // of which this many, from head on, are valid

    genvar gq;
    generate
        for (gq = 0; gq < NQ; gq = gq + 1) begin : g_state
            assign rq_head[RIW*gq +: RIW] = head_reg[gq];
            assign rq_stopped[gq] = stopped_reg[gq];
            assign rq_reason[2*gq +: 2] = reason_reg[gq];
        end
    endgenerate

    // ---- the frame in hand -------------------------------------------------------------------
    localparam [3:0] S_IDLE = 4'd0, S_DROP = 4'd1, S_DESC = 4'd2, S_FETCH = 4'd3,
                     S_FETCH_R = 4'd4, S_DATA_AW = 4'd5, S_DATA_W = 4'd6, S_DATA_B = 4'd7,
                     S_WB = 4'd8, S_WB_B = 4'd9, S_CHECK = 4'd10, S_CHK_FETCH = 4'd11,
                     S_CHK_FETCH_R = 4'd12;
    reg [3:0]  state_reg;
    reg [QUEUE_WIDTH-1:0] q_reg;
    reg [15:0] lines_left_reg;   // lines of this frame still in the packet buffer
    reg [15:0] bytes_left_reg;   // bytes of this frame not yet written
    reg [15:0] len_reg;
    reg [63:0] wb_lo_reg;        // write-back dwords 0-1: type fields and hash
    reg [ADDR_WIDTH-1:0] buf_addr_reg;
    reg [15:0] buf_lines_reg;    // lines of the current buffer not yet sent
    reg [15:0] buf_bytes_reg;    // bytes going into the current buffer
    reg [8:0]  burst_left_reg;   // beats of the current burst not yet sent
    reg [3:0]  outstanding_reg;  // data bursts waiting for their response
    reg [1:0]  err_reg;          // worst response seen for the current buffer
    reg        aw_done_reg, w_done_reg;
    reg [DMA_DATA_WIDTH-1:0] wb_data_reg;
    reg [DMA_DATA_WIDTH/8-1:0] wb_strb_reg;
    // The check of the frame's descriptors before its first write.
    reg [5:0]  need_reg;         // descriptors the frame needs
    reg        checked_reg;      // all of them checked good
    reg [5:0]  chk_k_reg;        // the one being checked: need_reg counts from the head
    reg [RIW-1:0] chk_idx_reg;   // ... and its ring index
    reg [DMA_DATA_WIDTH-1:0] chk_line_reg;  // a line read past the cached one
    reg        chk_fresh_reg;    // chk_line_reg holds the line of chk_idx_reg

    wire [RIW-1:0] q_head = head_reg[q_reg];
    wire [RIW:0]   q_size = rq_size[(RIW+1)*q_reg +: RIW+1];
    wire [RIW-1:0] q_tail = rq_tail[RIW*q_reg +: RIW];
    wire [63:0]    q_base = rq_base[64*q_reg +: 64];
    wire [16:0]    q_bsize_bytes = {rq_bsize[7*q_reg +: 7], 10'd0};
    wire [DPLW:0]  q_dcnt = dcnt_reg[q_reg];

    `include "hilnic_ring.vh"

    // Buffers a frame of `len` bytes needs with buffers of `kib` KiB (no divider, no wide
    // multiply): len > 1024 * kib * b exactly when ceil(len / 1024) > kib * b, so each test is a
    // 7-bit value times a constant against the frame's length in whole KiB.
    function automatic [5:0] buffers(input [15:0] len, input [6:0] kib);
        reg [13:0] len_kib;
        integer b;
        begin
            len_kib = {8'd0, len[15:10]} + {13'd0, |len[9:0]};
            buffers = 6'd1;
            for (b = 1; b < MAX_BUFFERS + 1; b = b + 1)
                if (len_kib > {7'd0, kib} * 14'(b)) buffers = b[5:0] + 6'd1;
        end
    endfunction

    // The decision for the head frame, from its flags and its queue's state.
    wire [QUEUE_WIDTH-1:0] f_q = frame_queue;
    wire [RIW:0]   f_owned = ring_owned(head_reg[f_q], rq_tail[RIW*f_q +: RIW],
                                   rq_size[(RIW+1)*f_q +: RIW+1]);
    wire [6:0]     f_kib = rq_bsize[7*f_q +: 7];
    wire           f_ready = rq_enable[f_q] && !stopped_reg[f_q];
    // The buffer count is worked out a cycle ahead, while the frame waits at the head (most
    // often while the one before it is being written), and used only while it still holds: the
    // same head frame as last cycle and the same buffer size. A frame reaching an idle engine
    // waits that one cycle.
    reg  [5:0]     pre_need_reg;
    reg  [6:0]     pre_kib_reg;
    reg            pre_head_reg;  // the head frame was there last cycle and not popped
    wire           pre_ok = pre_head_reg && f_kib == pre_kib_reg;
    wire [5:0]     f_need = pre_need_reg;
    reg  [2:0]     f_kind;
    always @* begin
        if (frame_mac_error) f_kind = K_CRCERR;
        else if (frame_len < MIN16) f_kind = K_RUNT;
        else if (frame_oversize) f_kind = K_OVERSIZE;
        else if (!f_ready || {{(31-RIW){1'b0}}, f_owned} < {26'd0, f_need}) f_kind = K_NODESC;
        else f_kind = K_DELIVER;
    end

    // Write-back of the current buffer: dwords 2-3 (status, length) over the kept dwords 0-1.
    wire           last_buf = {1'b0, bytes_left_reg} <= q_bsize_bytes;
    wire [127:0]   wb_desc = {64'd0, wb_lo_reg} | (128'(1'b1) << `HN_RXD_WB_DD_LSB) |
                             (128'(last_buf) << `HN_RXD_WB_EOP_LSB) |
                             (128'(buf_bytes_reg) << `HN_RXD_WB_LENGTH_LSB);
    wire [DPLW-1:0] head_lane = DPL > 1 ? q_head[DPLW-1:0] : {DPLW{1'b0}};
    wire [63:0]    desc_addr = q_base + {{(64-RIW-4){1'b0}}, q_head, 4'd0};
    wire [63:0]    line_addr = {desc_addr[63:LBW], {LBW{1'b0}}};
    wire [63:0]    cached_buf = dline_reg[q_reg][128*head_lane +: 64];

    // The descriptor being checked: from the queue's cached line while inside it, else from
    // chk_line_reg, read when the walk leaves the cache and again at each new line.
    wire [DPLW-1:0] chk_lane = DPL > 1 ? chk_idx_reg[DPLW-1:0] : {DPLW{1'b0}};
    wire           chk_cached = {1'b0, chk_k_reg} < {{(6-DPLW){1'b0}}, q_dcnt};
    wire [63:0]    chk_buf = chk_cached ? dline_reg[q_reg][128*chk_lane +: 64]
                                        : chk_line_reg[128*chk_lane +: 64];
    wire           chk_fetch = !chk_cached && !chk_fresh_reg &&
                               ({1'b0, chk_k_reg} == {{(6-DPLW){1'b0}}, q_dcnt} ||
                                chk_lane == {DPLW{1'b0}});
    wire [63:0]    chk_desc_addr = q_base + {{(64-RIW-4){1'b0}}, chk_idx_reg, 4'd0};
    wire [63:0]    chk_line_addr = {chk_desc_addr[63:LBW], {LBW{1'b0}}};
    // A buffer must be 64-byte aligned and lie below 2^ADDR_WIDTH (not silently truncated).
    function automatic bad_buffer(input [63:0] addr);
        begin
            bad_buffer = addr[5:0] != 6'd0 || (addr >> ADDR_WIDTH) != 64'd0;
        end
    endfunction
    wire           chk_bad = bad_buffer(chk_buf);
    wire           head_bad = bad_buffer(cached_buf);

    // Strobes for the data beat: whole lines, except the frame's last line.
    wire           last_line = lines_left_reg == 16'd1;
    wire [LBW-1:0] tail_bytes = len_reg[LBW-1:0];
    reg  [LB-1:0]  data_strb;
    integer i;
    always @* begin  // the loop runs always, so synthesis sees `i` assigned on every path
        for (i = 0; i < LB; i = i + 1)
            data_strb[i] = !(last_line && tail_bytes != 0) || i < tail_bytes;
    end

    // Burst length: the buffer's remaining lines, cut at the next 4 KiB boundary and at 256.
    wire [12:0] to_4k = 13'd4096 - {1'b0, buf_addr_reg[11:0]};
    wire [12:0] lines_to_4k = to_4k >> LBW;
    wire [15:0] burst_lines = buf_lines_reg < {3'd0, lines_to_4k} ? buf_lines_reg
                                                           : {3'd0, lines_to_4k};
    wire [8:0]  burst_beats = burst_lines > 16'd256 ? 9'd256 : burst_lines[8:0];

    assign frame_pop = state_reg == S_IDLE && frame_valid && pre_ok;
    assign line_pop = (state_reg == S_DROP && lines_left_reg != 0) ||
                      (m_axi_wvalid && m_axi_wready && state_reg == S_DATA_W);
    // Data beats come straight from the packet buffer's head line; a write-back from its register.
    wire in_data = state_reg == S_DATA_W;
    assign m_axi_wdata = in_data ? line_data : wb_data_reg;
    assign m_axi_wstrb = in_data ? data_strb : wb_strb_reg;
    assign m_axi_wlast = in_data ? burst_left_reg == 9'd1 : 1'b1;
    assign m_axi_arlen = 8'd0;
    assign m_axi_arsize = LBW[2:0];
    assign m_axi_awsize = LBW[2:0];
    assign m_axi_rready = state_reg == S_FETCH_R || state_reg == S_CHK_FETCH_R;
    assign m_axi_bready = 1'b1;

    wire [1:0] b_worst = m_axi_bresp > err_reg ? m_axi_bresp : err_reg;
    wire [1:0] r_why = m_axi_rresp == 2'b11 ? WHY_DECERR : WHY_SLVERR;
    wire [1:0] b_why = b_worst == 2'b11 ? WHY_DECERR : WHY_SLVERR;
    wire [RIW-1:0] head_next = ring_next(q_head, q_size);
    wire [RIW:0]  q_owned = ring_owned(q_head, q_tail, q_size);
    wire [DPLW:0] fetch_count = ring_fetch_count({1'b0, head_lane}, q_owned);
    // A data burst's address goes out once the previous one has been taken.
    wire          aw_free = !m_axi_awvalid || m_axi_awready;
    wire          issue_aw = state_reg == S_DATA_AW && aw_free;

    // Stop the queue in hand and drop the rest of the frame.
    task automatic stop_queue(input [1:0] why);
        begin
            stopped_reg[q_reg] <= 1'b1;
            reason_reg[q_reg] <= why;
            ev_valid <= 1'b1;
            ev_kind <= K_DMAERR;
            ev_queue <= {{(8-QUEUE_WIDTH){1'b0}}, q_reg};
            state_reg <= S_DROP;
        end
    endtask

    integer n;
    always @(posedge clk) begin
        if (frame_valid) pre_need_reg <= buffers(frame_len, f_kib);
        pre_kib_reg <= f_kib;
        pre_head_reg <= frame_valid && !frame_pop && !rst;
        ev_valid <= 1'b0;
        ev_cfgerr <= 1'b0;
        // An address leaves when taken, in whatever state (its data may have gone first).
        if (m_axi_awready) m_axi_awvalid <= 1'b0;

        case (state_reg)
            S_IDLE: if (frame_valid && pre_ok) begin
                q_reg <= f_q;
                lines_left_reg <= frame_lines;
                bytes_left_reg <= frame_len;
                len_reg <= frame_len;
                wb_lo_reg <= (64'(frame_hash) << `HN_RXD_WB_RSS_HASH_LSB) |
                             (64'(frame_vlan_tags) << `HN_RXD_WB_VLAN_TAGS_LSB) |
                             (64'(frame_error) << `HN_RXD_WB_PARSE_ERROR_LSB) |
                             (64'(frame_packet_type) << `HN_RXD_WB_PACKET_TYPE_LSB) |
                             (64'(frame_hash_type) << `HN_RXD_WB_HASH_TYPE_LSB);
                ev_kind <= f_kind;
                ev_queue <= {{(8-QUEUE_WIDTH){1'b0}}, f_q};
                ev_bytes <= frame_len;
                need_reg <= f_need;
                checked_reg <= 1'b0;
                if (f_kind == K_DELIVER) begin
                    state_reg <= S_DESC;
                end else begin
                    ev_valid <= 1'b1;
                    state_reg <= S_DROP;
                end
            end
            S_DROP: if (lines_left_reg == 0 || (lines_left_reg == 1 && line_valid)) begin
                state_reg <= S_IDLE;
                lines_left_reg <= 16'd0;
            end else if (line_valid) begin
                lines_left_reg <= lines_left_reg - 1'b1;
            end
            S_DESC: begin
                if (q_dcnt == 0) begin
                    state_reg <= S_FETCH;
                    m_axi_araddr <= line_addr[ADDR_WIDTH-1:0];
                    m_axi_arvalid <= 1'b1;
                end else if (!checked_reg && head_bad) begin
                    ev_cfgerr <= 1'b1;
                    stop_queue(WHY_BADDESC);
                end else if (!checked_reg && need_reg != 6'd1) begin
                    chk_k_reg <= 6'd1;  // the head's descriptor is good: the others next
                    chk_idx_reg <= head_next;
                    chk_fresh_reg <= 1'b0;
                    state_reg <= S_CHECK;
                end else begin
                    checked_reg <= 1'b1;
                    buf_addr_reg <= cached_buf[ADDR_WIDTH-1:0];
                    buf_bytes_reg <= last_buf ? bytes_left_reg : q_bsize_bytes[15:0];
                    buf_lines_reg <= ((last_buf ? bytes_left_reg : q_bsize_bytes[15:0])
                                      + LB[15:0] - 16'd1) >> LBW;
                    err_reg <= 2'b00;
                    state_reg <= S_DATA_AW;
                end
            end
            S_CHECK: begin
                if (chk_fetch) begin
                    m_axi_araddr <= chk_line_addr[ADDR_WIDTH-1:0];
                    m_axi_arvalid <= 1'b1;
                    state_reg <= S_CHK_FETCH;
                end else if (chk_bad) begin
                    ev_cfgerr <= 1'b1;
                    stop_queue(WHY_BADDESC);
                end else if (chk_k_reg + 6'd1 == need_reg) begin
                    checked_reg <= 1'b1;
                    state_reg <= S_DESC;
                end else begin
                    chk_k_reg <= chk_k_reg + 6'd1;
                    chk_idx_reg <= ring_next(chk_idx_reg, q_size);
                    chk_fresh_reg <= 1'b0;
                end
            end
            S_CHK_FETCH: if (m_axi_arready) begin
                m_axi_arvalid <= 1'b0;
                state_reg <= S_CHK_FETCH_R;
            end
            S_CHK_FETCH_R: if (m_axi_rvalid) begin
                if (m_axi_rresp[1]) begin
                    stop_queue(r_why);
                end else begin
                    chk_line_reg <= m_axi_rdata;
                    chk_fresh_reg <= 1'b1;
                    state_reg <= S_CHECK;
                end
            end
            S_FETCH: if (m_axi_arready) begin
                m_axi_arvalid <= 1'b0;
                state_reg <= S_FETCH_R;
            end
            S_FETCH_R: if (m_axi_rvalid) begin
                if (m_axi_rresp[1]) begin
                    stop_queue(r_why);
                end else begin
                    dline_reg[q_reg] <= m_axi_rdata;
                    dcnt_reg[q_reg] <= fetch_count;
                    state_reg <= S_DESC;
                end
            end
            S_DATA_AW: if (aw_free) begin
                m_axi_awaddr <= buf_addr_reg;
                m_axi_awlen <= burst_beats[7:0] - 8'd1;
                m_axi_awvalid <= 1'b1;
                m_axi_wvalid <= 1'b1;
                burst_left_reg <= burst_beats;
                buf_addr_reg <= buf_addr_reg + ({{(ADDR_WIDTH-9){1'b0}}, burst_beats} << LBW);
                buf_lines_reg <= buf_lines_reg - {7'd0, burst_beats};
                outstanding_reg <= outstanding_reg + 1'b1;
                state_reg <= S_DATA_W;
            end
            S_DATA_W: begin
                if (m_axi_wready) begin
                    lines_left_reg <= lines_left_reg - 1'b1;
                    burst_left_reg <= burst_left_reg - 1'b1;
                    if (burst_left_reg == 9'd1) begin
                        m_axi_wvalid <= 1'b0;
                        state_reg <= buf_lines_reg != 0 ? S_DATA_AW : S_DATA_B;
                    end
                end
            end
            S_DATA_B: if (outstanding_reg == 0 || (outstanding_reg == 1 && m_axi_bvalid)) begin
                if (b_worst[1]) begin
                    stop_queue(b_why);
                end else begin
                    m_axi_awaddr <= line_addr[ADDR_WIDTH-1:0];
                    m_axi_awlen <= 8'd0;
                    m_axi_awvalid <= 1'b1;
                    m_axi_wvalid <= 1'b1;
                    wb_data_reg <= {{(DMA_DATA_WIDTH-128){1'b0}}, wb_desc} << (128 * head_lane);
                    wb_strb_reg <= {{(LB-16){1'b0}}, 16'hffff} << (16 * head_lane);
                    aw_done_reg <= 1'b0;
                    w_done_reg <= 1'b0;
                    err_reg <= 2'b00;
                    state_reg <= S_WB;
                end
            end
            S_WB: begin
                if (m_axi_awready) aw_done_reg <= 1'b1;
                if (m_axi_wready) begin
                    m_axi_wvalid <= 1'b0;
                    w_done_reg <= 1'b1;
                end
                if ((aw_done_reg || m_axi_awready) && (w_done_reg || m_axi_wready)) begin
                    outstanding_reg <= outstanding_reg + 1'b1;
                    state_reg <= S_WB_B;
                end
            end
            S_WB_B: if (outstanding_reg == 0 || (outstanding_reg == 1 && m_axi_bvalid)) begin
                if (b_worst[1]) begin
                    stop_queue(b_why);
                end else begin
                    head_reg[q_reg] <= head_next;
                    dcnt_reg[q_reg] <= q_dcnt - 1'b1;
                    bytes_left_reg <= bytes_left_reg - buf_bytes_reg;
                    if (last_buf) begin
                        ev_valid <= 1'b1;
                        ev_kind <= K_DELIVER;
                        state_reg <= S_IDLE;
                    end else begin
                        state_reg <= S_DESC;
                    end
                end
            end
            default: state_reg <= S_IDLE;
        endcase

        // Responses: bursts complete in order; keep the worst one of the buffer in hand.
        if (m_axi_bvalid) begin
            outstanding_reg <= outstanding_reg - 1'b1
                + {3'd0, issue_aw}
                + {3'd0, state_reg == S_WB && (aw_done_reg || m_axi_awready)
                                          && (w_done_reg || m_axi_wready)};
            err_reg <= b_worst;
        end

        // A disabled queue forgets its ring: head to 0, cache empty, error cleared.
        for (n = 0; n < NQ; n = n + 1) begin
            if (!rq_enable[n] && !(state_reg != S_IDLE && q_reg == n[QUEUE_WIDTH-1:0])) begin
                head_reg[n] <= {RIW{1'b0}};
                dcnt_reg[n] <= {(DPLW+1){1'b0}};
                stopped_reg[n] <= 1'b0;
                reason_reg[n] <= WHY_NONE;
            end
        end

        if (rst) begin
            state_reg <= S_IDLE;
            m_axi_arvalid <= 1'b0;
            m_axi_awvalid <= 1'b0;
            m_axi_wvalid <= 1'b0;
            outstanding_reg <= 4'd0;
            err_reg <= 2'b00;
            ev_valid <= 1'b0;
            ev_cfgerr <= 1'b0;
            for (n = 0; n < NQ; n = n + 1) begin
                head_reg[n] <= {RIW{1'b0}};
                dcnt_reg[n] <= {(DPLW+1){1'b0}};
                stopped_reg[n] <= 1'b0;
                reason_reg[n] <= WHY_NONE;
            end
        end
    end

    // Address bits above ADDR_WIDTH and below a line, and the wide intermediates.
    wire unused_bits = &{1'b0, m_axi_rlast, desc_addr, cached_buf, line_addr, len_reg, to_4k,
                         burst_lines, q_bsize_bytes, q_owned, chk_desc_addr, chk_line_addr,
                         chk_buf};

endmodule

`resetall
