// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// RSS receive classifier: for every frame on the stream, the Toeplitz hash over the tuple the
// MRQC enables allow, the RETA index (hash & 127), the queue RETA names, the 82576 hash type and
// packet type, and a parse error code. Results leave in frame order on m_axis_res_*, one per
// frame, a few cycles after the frame's last beat; the frame itself passes through unchanged.
//
// Pipeline (one frame per cycle at every stage, so back-to-back minimum frames never stall):
//   rx_parser capture -> rx_parser parse (two stages) -> type and tuple select -> rss_toeplitz ->
//   RETA -> result FIFO.
// The select has its own register stage in front of the Toeplitz tree: the two together are
// about twice the logic depth a 156.25 MHz clock allows.
// Input is held off (s_axis_tready low) only when the result FIFO could overflow, i.e. when
// RESULT_DEPTH frames are in flight and the result consumer has not taken any.
module rx_classifier #(
    // Stream data width in bits, a multiple of 8.
    parameter integer DATA_WIDTH = 64,
    // Number of receive queues; RETA entries at or above it fall back to the default queue.
    parameter integer NUM_QUEUES = 16,
    // Result FIFO depth (frames in flight without a result taken), a power of two >= 4.
    parameter integer RESULT_DEPTH = 8,
    // Frame length field width (saturating).
    parameter integer LEN_WIDTH = 16
) (
    input  wire                      clk,
    input  wire                      rst,

    // Configuration (from rss_regs): key byte 0 in the MSBs, RETA entry n in [8n+7:8n].
    input  wire [319:0]              cfg_key,
    input  wire [31:0]               cfg_mrqc,
    input  wire [1023:0]             cfg_reta,
    input  wire [7:0]                cfg_default_queue,

    // Frame stream in (from the MAC) and out (to the DMA engine), unchanged.
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

    // One result per frame, in frame order.
    output wire [31:0]               m_axis_res_hash,
    output wire [3:0]                m_axis_res_hash_type,  // pystack.rss.HashType
    output wire [6:0]                m_axis_res_reta_index,
    output wire [QUEUE_WIDTH-1:0]    m_axis_res_queue,
    output wire [2:0]                m_axis_res_error,      // pystack.rss.ParseError
    output wire                      m_axis_res_parse_error,
    output wire [11:0]               m_axis_res_packet_type,
    output wire [1:0]                m_axis_res_vlan_tags,
    output wire [LEN_WIDTH-1:0]      m_axis_res_len,
    output wire                      m_axis_res_tvalid,
    input  wire                      m_axis_res_tready,

    // One pulse per result written, for the statistics counters.
    output reg                       stat_valid,
    output reg                       stat_hashed,
    output reg  [2:0]                stat_error
);

    localparam integer QUEUE_WIDTH = NUM_QUEUES > 1 ? $clog2(NUM_QUEUES) : 1;
    localparam integer FIFO_AW = $clog2(RESULT_DEPTH);
    localparam integer TUPLE_BYTES = 36;
    localparam integer USER_WIDTH = 4 + 3 + 12 + 2 + LEN_WIDTH;
    localparam integer RES_WIDTH = 32 + 4 + 7 + QUEUE_WIDTH + 3 + 12 + 2 + LEN_WIDTH;

    localparam [1:0] L3_IPV4 = 2'd1, L3_IPV6 = 2'd2;
    localparam [1:0] L4_TCP = 2'd1, L4_UDP = 2'd2;
    localparam [3:0] HT_NONE = 4'd0, HT_IPV4_TCP = 4'd1, HT_IPV4 = 4'd2, HT_IPV6_TCP = 4'd3,
                     HT_IPV6 = 4'd5, HT_IPV4_UDP = 4'd7, HT_IPV6_UDP = 4'd8;
    localparam [2:0] ERR_NONE = 3'd0, ERR_RETA_RANGE = 3'd5;

    generate
        if (NUM_QUEUES < 1 || NUM_QUEUES > 256) begin : g_bad_queues
            `HILNIC_PARAM_FAIL("rx_classifier: NUM_QUEUES must be between 1 and 256")
        end
        if (RESULT_DEPTH < 4 || (RESULT_DEPTH & (RESULT_DEPTH - 1)) != 0) begin : g_bad_depth
            `HILNIC_PARAM_FAIL("rx_classifier: RESULT_DEPTH must be a power of two >= 4")
        end
    endgenerate

    // ---- stream passthrough, held off when results could not be stored ------------------------
    reg  [FIFO_AW:0] pending_reg;  // frames accepted whose result has not been taken
    wire             room = pending_reg != RESULT_DEPTH[FIFO_AW:0];
    wire             res_pop = m_axis_res_tvalid && m_axis_res_tready;
    wire             frame_in = s_axis_tvalid && s_axis_tready && s_axis_tlast;

    assign s_axis_tready = m_axis_tready && room;
    assign m_axis_tvalid = s_axis_tvalid && room;
    assign m_axis_tdata = s_axis_tdata;
    assign m_axis_tkeep = s_axis_tkeep;
    assign m_axis_tlast = s_axis_tlast;

    always @(posedge clk) begin
        pending_reg <= pending_reg + {{FIFO_AW{1'b0}}, frame_in} - {{FIFO_AW{1'b0}}, res_pop};
        if (rst) begin
            pending_reg <= {(FIFO_AW + 1){1'b0}};
        end
    end

    // ---- parse ------------------------------------------------------------------------------
    wire                 p_valid, p_frag;
    wire [LEN_WIDTH-1:0] p_len;
    wire [1:0]           p_tags, p_l3, p_l4;
    wire [127:0]         p_src, p_dst;
    wire [15:0]          p_sport, p_dport;
    wire [2:0]           p_err;

    rx_parser #(
        .DATA_WIDTH(DATA_WIDTH),
        .LEN_WIDTH(LEN_WIDTH)
    ) u_parser (
        .clk(clk),
        .rst(rst),
        .s_axis_tdata(s_axis_tdata),
        .s_axis_tkeep(s_axis_tkeep),
        .s_axis_tvalid(s_axis_tvalid),
        .s_axis_tready(s_axis_tready),
        .s_axis_tlast(s_axis_tlast),
        .out_valid(p_valid),
        .out_len(p_len),
        .out_vlan_tags(p_tags),
        .out_l3(p_l3),
        .out_l4(p_l4),
        .out_fragment(p_frag),
        .out_src(p_src),
        .out_dst(p_dst),
        .out_sport(p_sport),
        .out_dport(p_dport),
        .out_err(p_err)
    );

    // ---- hash type select (MRQC) and tuple build ---------------------------------------------
    reg [3:0]               sel_type;
    reg [11:0]              sel_ptype;
    reg [TUPLE_BYTES*8-1:0] sel_tuple;
    wire                    rss_on = cfg_mrqc[2:0] == 3'd2;
    wire                    ports_ok = p_err == ERR_NONE && !p_frag;

    always @* begin
        sel_type = HT_NONE;
        if (p_err == ERR_NONE && rss_on) begin
            if (p_l3 == L3_IPV4) begin
                if (ports_ok && p_l4 == L4_TCP && cfg_mrqc[16]) sel_type = HT_IPV4_TCP;
                else if (ports_ok && p_l4 == L4_UDP && cfg_mrqc[22]) sel_type = HT_IPV4_UDP;
                else if (cfg_mrqc[17]) sel_type = HT_IPV4;
            end else if (p_l3 == L3_IPV6) begin
                if (ports_ok && p_l4 == L4_TCP && cfg_mrqc[21]) sel_type = HT_IPV6_TCP;
                else if (ports_ok && p_l4 == L4_UDP && cfg_mrqc[23]) sel_type = HT_IPV6_UDP;
                else if (cfg_mrqc[20]) sel_type = HT_IPV6;
            end
        end

        sel_ptype = 12'd0;
        if (p_err == ERR_NONE) begin
            sel_ptype[0] = p_l3 == L3_IPV4;
            sel_ptype[2] = p_l3 == L3_IPV6;
            sel_ptype[4] = !p_frag && p_l4 == L4_TCP;
            sel_ptype[5] = !p_frag && p_l4 == L4_UDP;
        end

        sel_tuple = {TUPLE_BYTES*8{1'b0}};
        case (sel_type)
            HT_IPV4:     sel_tuple[287:224] = {p_src[127:96], p_dst[127:96]};
            HT_IPV4_TCP,
            HT_IPV4_UDP: sel_tuple[287:192] = {p_src[127:96], p_dst[127:96], p_sport, p_dport};
            HT_IPV6:     sel_tuple[287:32] = {p_src, p_dst};
            HT_IPV6_TCP,
            HT_IPV6_UDP: sel_tuple = {p_src, p_dst, p_sport, p_dport};
            default:     sel_tuple = {TUPLE_BYTES*8{1'b0}};
        endcase
    end

    // ---- select stage -----------------------------------------------------------------------
    reg [TUPLE_BYTES*8-1:0] t_tuple_reg;
    reg [USER_WIDTH-1:0]    t_user_reg;
    reg                     t_valid_reg;

    always @(posedge clk) begin
        t_valid_reg <= p_valid;
        if (p_valid) begin
            t_tuple_reg <= sel_tuple;
            t_user_reg <= {sel_type, p_err, sel_ptype, p_tags, p_len};
        end
        if (rst) begin
            t_valid_reg <= 1'b0;
        end
    end

    // ---- Toeplitz ---------------------------------------------------------------------------
    wire [31:0]           h_hash;
    wire                  h_valid;
    wire [USER_WIDTH-1:0] h_user;

    rss_toeplitz #(
        .TUPLE_BYTES(TUPLE_BYTES),
        .KEY_BYTES(40),
        .USER_WIDTH(USER_WIDTH)
    ) u_toeplitz (
        .clk(clk),
        .rst(rst),
        .key(cfg_key),
        .in_tuple(t_tuple_reg),
        .in_user(t_user_reg),
        .in_valid(t_valid_reg),
        .out_hash(h_hash),
        .out_user(h_user),
        .out_valid(h_valid)
    );

    wire [3:0]           h_type = h_user[USER_WIDTH-1 -: 4];
    wire [2:0]           h_err = h_user[USER_WIDTH-5 -: 3];
    wire [11:0]          h_ptype = h_user[USER_WIDTH-8 -: 12];
    wire [1:0]           h_tags = h_user[LEN_WIDTH+1 -: 2];
    wire [LEN_WIDTH-1:0] h_len = h_user[LEN_WIDTH-1:0];

    // ---- RETA lookup ------------------------------------------------------------------------
    wire       hashed = h_type != HT_NONE;
    wire [6:0] reta_index = hashed ? h_hash[6:0] : 7'd0;
    wire [7:0] reta_entry = cfg_reta[{3'd0, reta_index} * 8 +: 8];
    wire       entry_ok = {1'b0, reta_entry} < NUM_QUEUES[8:0];
    wire       defq_ok = {1'b0, cfg_default_queue} < NUM_QUEUES[8:0];
    wire [7:0] queue_full = (hashed && entry_ok) ? reta_entry
                          : (defq_ok ? cfg_default_queue : 8'd0);
    wire [2:0] final_err = (hashed && !entry_ok) ? ERR_RETA_RANGE : h_err;

    // Reserved MRQC bits, and queue bits above QUEUE_WIDTH (always zero once range-checked).
    wire unused_bits = &{1'b0, cfg_mrqc[31:24], cfg_mrqc[19:18], cfg_mrqc[15:3], queue_full};

    reg [RES_WIDTH-1:0] r_word;
    reg                 r_valid;

    always @(posedge clk) begin
        r_valid <= h_valid;
        stat_valid <= h_valid;
        if (h_valid) begin
            r_word <= {h_hash & {32{hashed}}, h_type, reta_index, queue_full[QUEUE_WIDTH-1:0],
                       final_err, h_ptype, h_tags, h_len};
            stat_hashed <= hashed;
            stat_error <= final_err;
        end
        if (rst) begin
            r_valid <= 1'b0;
            stat_valid <= 1'b0;
        end
    end

    // ---- result FIFO ------------------------------------------------------------------------
    reg [RES_WIDTH-1:0] fifo_mem [0:RESULT_DEPTH-1];
    reg [FIFO_AW:0]     wr_ptr, rd_ptr;

    always @(posedge clk) begin
        if (r_valid) begin
            fifo_mem[wr_ptr[FIFO_AW-1:0]] <= r_word;
            wr_ptr <= wr_ptr + 1'b1;
        end
        if (res_pop) begin
            rd_ptr <= rd_ptr + 1'b1;
        end
        if (rst) begin
            wr_ptr <= {(FIFO_AW + 1){1'b0}};
            rd_ptr <= {(FIFO_AW + 1){1'b0}};
        end
    end

    wire [RES_WIDTH-1:0] res_word = fifo_mem[rd_ptr[FIFO_AW-1:0]];

    assign m_axis_res_tvalid = wr_ptr != rd_ptr;
    assign {m_axis_res_hash, m_axis_res_hash_type, m_axis_res_reta_index, m_axis_res_queue,
            m_axis_res_error, m_axis_res_packet_type, m_axis_res_vlan_tags,
            m_axis_res_len} = res_word;
    assign m_axis_res_parse_error = m_axis_res_error != ERR_NONE;

endmodule

`resetall
