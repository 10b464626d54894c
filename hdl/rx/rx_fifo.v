// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// RX packet buffer: packs MAC beats into DMA lines, stores whole frames, and pairs each frame
// with its classifier result, so the DMA engine sees (result, length, flags, lines) per frame.
//
// Store and forward is what lets the DMA engine know a frame's queue (the classifier answers
// after the last beat) and its true length before it takes a single descriptor. A frame longer
// than MAX_FRAME stops being stored at MAX_FRAME bytes and is flagged; the engine drops it.
// `room` tells rx_admit whether a largest frame still fits, so nothing here ever overflows.
module rx_fifo #(
    // MAC stream width in bits (power of two, 8..DMA_DATA_WIDTH).
    parameter integer DATA_WIDTH = 64,
    // DMA line width in bits (power of two).
    parameter integer DMA_DATA_WIDTH = 512,
    // Packet buffer size in lines (power of two), also the most frames it holds.
    parameter integer DEPTH = 512,
    // Largest frame stored, in bytes.
    parameter integer MAX_FRAME = 9018,
    // Queue field width of the classifier result.
    parameter integer QUEUE_WIDTH = 4
) (
    input  wire                      clk,
    input  wire                      rst,

    input  wire [DATA_WIDTH-1:0]     s_axis_tdata,
    input  wire [DATA_WIDTH/8-1:0]   s_axis_tkeep,
    input  wire                      s_axis_tvalid,
    output wire                      s_axis_tready,
    input  wire                      s_axis_tlast,
    input  wire                      s_axis_tuser,

    // Classifier results, one per frame in frame order (never refused: sized with the frames).
    input  wire [31:0]               s_res_hash,
    input  wire [3:0]                s_res_hash_type,
    input  wire [QUEUE_WIDTH-1:0]    s_res_queue,
    input  wire [2:0]                s_res_error,
    input  wire [11:0]               s_res_packet_type,
    input  wire [1:0]                s_res_vlan_tags,
    input  wire                      s_res_valid,
    output wire                      s_res_ready,

    output wire                      room,

    // Head frame: result, length (saturating), oversize and MAC-error flags, lines stored.
    output wire                      frame_valid,
    input  wire                      frame_pop,
    output wire [31:0]               frame_hash,
    output wire [3:0]                frame_hash_type,
    output wire [QUEUE_WIDTH-1:0]    frame_queue,
    output wire [2:0]                frame_error,
    output wire [11:0]               frame_packet_type,
    output wire [1:0]                frame_vlan_tags,
    output wire [15:0]               frame_len,
    output wire                      frame_oversize,
    output wire                      frame_mac_error,
    output wire [15:0]               frame_lines,

    // Head line of the data buffer (show-ahead).
    output wire [DMA_DATA_WIDTH-1:0] line_data,
    output wire                      line_valid,
    input  wire                      line_pop
);

    localparam integer MAC_BYTES = DATA_WIDTH / 8;
    localparam integer DMA_BYTES = DMA_DATA_WIDTH / 8;
    localparam integer RATIO = DMA_BYTES / MAC_BYTES;
    localparam integer LANE_W = RATIO > 1 ? $clog2(RATIO) : 1;
    localparam integer AW = $clog2(DEPTH);
    localparam integer MAX_LINES = (MAX_FRAME + DMA_BYTES - 1) / DMA_BYTES;
    localparam integer RES_W = 32 + 4 + QUEUE_WIDTH + 3 + 12 + 2;
    localparam integer META_W = 16 + 16 + 2;
    localparam integer LAST_LANE_I = RATIO - 1;
    localparam integer ROOM_LINES_I = MAX_LINES + 2;
    localparam integer ROOM_FRAMES_I = DEPTH - 2;
    localparam [16:0] MAX17 = MAX_FRAME[16:0];
    localparam [LANE_W-1:0] LAST_LANE = LAST_LANE_I[LANE_W-1:0];
    localparam [AW:0] ROOM_LINES = ROOM_LINES_I[AW:0], ROOM_FRAMES = ROOM_FRAMES_I[AW:0];

    generate
        if (RATIO < 1 || (RATIO & (RATIO - 1)) != 0 || DMA_BYTES * RATIO == 0) begin : g_bad_ratio
            `HILNIC_PARAM_FAIL("rx_fifo: DMA_DATA_WIDTH must be a power-of-two multiple of DATA_WIDTH")
        end
        if ((DEPTH & (DEPTH - 1)) != 0 || DEPTH < 2 * MAX_LINES + 4) begin : g_bad_depth
            `HILNIC_PARAM_FAIL("rx_fifo: DEPTH must be a power of two holding two largest frames")
        end
    endgenerate

    // ---- gearbox: MAC beats -> lines -------------------------------------------------------
    reg [DMA_DATA_WIDTH-1:0] acc_reg;
    reg [LANE_W-1:0]         lane_reg;
    reg [15:0]               len_reg;     // bytes of the current frame so far (saturating)
    reg [15:0]               lines_reg;   // lines of the current frame stored so far
    reg                      over_reg;    // the current frame passed MAX_FRAME

    // Bytes in this beat: full except the last, whose tkeep is packed from byte 0.
    integer k;
    reg [$clog2(MAC_BYTES+1)-1:0] beat_bytes;
    always @* begin
        beat_bytes = 0;
        for (k = 0; k < MAC_BYTES; k = k + 1)
            if (s_axis_tkeep[k]) beat_bytes = beat_bytes + 1'b1;
        if (!s_axis_tlast) beat_bytes = MAC_BYTES[$clog2(MAC_BYTES+1)-1:0];
    end

    wire        beat = s_axis_tvalid && s_axis_tready;
    wire [16:0] len_sum = {1'b0, len_reg} + {{(17-$clog2(MAC_BYTES+1)){1'b0}}, beat_bytes};
    wire [15:0] len_next = len_sum[16] ? 16'hffff : len_sum[15:0];
    wire        over_next = over_reg || len_sum > MAX17;
    wire        line_full = RATIO == 1 || lane_reg == LAST_LANE;
    // A line is stored when it holds a byte: an empty last beat (tkeep = 0, allowed by
    // AXI-Stream) on an empty line adds none, so a frame is ceil(len / DMA_BYTES) lines.
    wire        line_has_data = lane_reg != {LANE_W{1'b0}} || beat_bytes != 0;
    wire        push_line = beat && !over_next && (line_full || s_axis_tlast) && line_has_data;
    wire        push_meta = beat && s_axis_tlast;

    reg [DMA_DATA_WIDTH-1:0] line_in;
    always @* begin
        line_in = acc_reg;
        line_in[lane_reg * DATA_WIDTH +: DATA_WIDTH] = s_axis_tdata;
    end

    // ---- storage ----------------------------------------------------------------------------
    // A read that collides with the write is never used (the bypass registers below), so
    // Yosys need not emulate either order on the block RAMs.
    (* no_rw_check *)
    reg [DMA_DATA_WIDTH-1:0] data_mem [0:DEPTH-1];
    (* no_rw_check *)
    reg [META_W-1:0]         meta_mem [0:DEPTH-1];
    (* no_rw_check *)
    reg [RES_W-1:0]          res_mem [0:DEPTH-1];
    reg [AW:0] data_wr_reg, data_rd_reg, meta_wr_reg, meta_rd_reg, res_wr_reg, res_rd_reg;

    wire [AW:0] data_used = data_wr_reg - data_rd_reg;
    wire [AW:0] meta_used = meta_wr_reg - meta_rd_reg;

    // Two lines of slack: the previous frame's last line may still be on its way in.
    //   room = DEPTH - data_used >= ROOM_LINES && meta_used < ROOM_FRAMES
    // is a register holding exactly that for this cycle's pointers: computed from them in the
    // same cycle, the differences and compares began the deepest RX path (room -> rx_admit ->
    // classifier -> this block's frame length). Each count moves by -1, 0 or +1 a cycle, so
    // the three outcomes are compared ahead and this cycle's pushes and pops pick one.
    localparam [AW:0] DATA_MAX = DEPTH[AW:0] - ROOM_LINES;  // most lines used that leave room
    reg         room_reg;
    assign room = room_reg;
    wire        data_up = push_line && !(line_pop && line_valid);
    wire        data_dn = !push_line && line_pop && line_valid;
    wire        meta_up = push_meta && !(frame_pop && frame_valid);
    wire        meta_dn = !push_meta && frame_pop && frame_valid;
    wire        data_ok_up = data_used < DATA_MAX;
    wire        data_ok_eq = data_used <= DATA_MAX;
    wire        data_ok_dn = data_used <= DATA_MAX + 1'b1;
    wire        meta_ok_up = meta_used < ROOM_FRAMES - 1'b1;
    wire        meta_ok_eq = meta_used < ROOM_FRAMES;
    wire        meta_ok_dn = meta_used <= ROOM_FRAMES;
    wire        room_next = (data_up ? data_ok_up : data_dn ? data_ok_dn : data_ok_eq) &&
                            (meta_up ? meta_ok_up : meta_dn ? meta_ok_dn : meta_ok_eq);
    assign s_axis_tready = 1'b1;
    assign s_res_ready = 1'b1;

    // Not empty: the pointers differ (the same as a non-zero count, without the subtraction).
    assign line_valid = data_wr_reg != data_rd_reg;
    // The head line, read synchronously from the address it will have next cycle. A line
    // written this cycle where that address points is taken from a bypass register instead
    // (the memory is read-first, and a block RAM's other port is undefined on a collision).
    // Both candidate addresses and their collision tests come from registers, so a pop, which
    // arrives late (the DMA write handshake), only picks between them.
    reg  [AW:0] data_rd1_reg;  // data_rd_reg + 1
    wire        line_take = line_pop && line_valid;
    wire [AW-1:0] rd_addr_next = line_take ? data_rd1_reg[AW-1:0] : data_rd_reg[AW-1:0];
    wire        hit_same = data_wr_reg[AW-1:0] == data_rd_reg[AW-1:0];
    wire        hit_next = data_wr_reg[AW-1:0] == data_rd1_reg[AW-1:0];
    reg  [DMA_DATA_WIDTH-1:0] rd_line_reg, byp_line_reg;
    reg         byp_reg;
    assign line_data = byp_reg ? byp_line_reg : rd_line_reg;

    wire res_valid = res_wr_reg != res_rd_reg;
    assign frame_valid = meta_wr_reg != meta_rd_reg && res_valid;
    // lines_reg + push_line, with the add done before push_line is known.
    wire [15:0] lines_plus1 = lines_reg + 16'd1;
    wire [15:0] lines_done = push_line ? lines_plus1 : lines_reg;

    // The head frame's length and flags, and its classifier result, read the same way as the
    // head line (a frame pop comes late too: through rx_dma's decision).
    wire [META_W-1:0] meta_in = {lines_done, len_next, over_next, s_axis_tuser};
    wire [RES_W-1:0]  res_in = {s_res_hash, s_res_hash_type, s_res_queue, s_res_error,
                                s_res_packet_type, s_res_vlan_tags};
    reg  [AW:0]   meta_rd1_reg, res_rd1_reg;  // meta_rd_reg + 1, res_rd_reg + 1
    wire          frame_take = frame_pop && frame_valid;
    wire [AW-1:0] meta_addr_next = frame_take ? meta_rd1_reg[AW-1:0] : meta_rd_reg[AW-1:0];
    wire [AW-1:0] res_addr_next = frame_take ? res_rd1_reg[AW-1:0] : res_rd_reg[AW-1:0];
    wire          meta_hit_same = meta_wr_reg[AW-1:0] == meta_rd_reg[AW-1:0];
    wire          meta_hit_next = meta_wr_reg[AW-1:0] == meta_rd1_reg[AW-1:0];
    wire          res_hit_same = res_wr_reg[AW-1:0] == res_rd_reg[AW-1:0];
    wire          res_hit_next = res_wr_reg[AW-1:0] == res_rd1_reg[AW-1:0];
    reg  [META_W-1:0] meta_q_reg, meta_byp_q_reg;
    reg  [RES_W-1:0]  res_q_reg, res_byp_q_reg;
    reg               meta_byp_reg, res_byp_reg;
    wire [META_W-1:0] meta_head = meta_byp_reg ? meta_byp_q_reg : meta_q_reg;
    wire [RES_W-1:0]  res_head = res_byp_reg ? res_byp_q_reg : res_q_reg;
    assign {frame_lines, frame_len, frame_oversize, frame_mac_error} = meta_head;
    assign {frame_hash, frame_hash_type, frame_queue, frame_error, frame_packet_type,
            frame_vlan_tags} = res_head;


    always @(posedge clk) begin
        room_reg <= room_next;
        if (beat) begin
            acc_reg <= s_axis_tlast || line_full ? {DMA_DATA_WIDTH{1'b0}} : line_in;
            lane_reg <= s_axis_tlast || line_full ? {LANE_W{1'b0}} : lane_reg + 1'b1;
            len_reg <= s_axis_tlast ? 16'd0 : len_next;
            lines_reg <= s_axis_tlast ? 16'd0 : lines_done;
            over_reg <= s_axis_tlast ? 1'b0 : over_next;
        end
        if (push_line) begin
            data_mem[data_wr_reg[AW-1:0]] <= line_in;
            data_wr_reg <= data_wr_reg + 1'b1;
        end
        rd_line_reg <= data_mem[rd_addr_next];
        byp_line_reg <= line_in;
        byp_reg <= push_line && (line_take ? hit_next : hit_same);
        if (push_meta) begin
            meta_mem[meta_wr_reg[AW-1:0]] <= meta_in;
            meta_wr_reg <= meta_wr_reg + 1'b1;
        end
        if (s_res_valid) begin
            res_mem[res_wr_reg[AW-1:0]] <= res_in;
            res_wr_reg <= res_wr_reg + 1'b1;
        end
        meta_q_reg <= meta_mem[meta_addr_next];
        meta_byp_q_reg <= meta_in;
        meta_byp_reg <= push_meta && (frame_take ? meta_hit_next : meta_hit_same);
        res_q_reg <= res_mem[res_addr_next];
        res_byp_q_reg <= res_in;
        res_byp_reg <= s_res_valid && (frame_take ? res_hit_next : res_hit_same);
        if (line_take) begin
            data_rd_reg <= data_rd1_reg;
            data_rd1_reg <= data_rd1_reg + 1'b1;
        end
        if (frame_take) begin
            meta_rd_reg <= meta_rd1_reg;
            meta_rd1_reg <= meta_rd1_reg + 1'b1;
            res_rd_reg <= res_rd1_reg;
            res_rd1_reg <= res_rd1_reg + 1'b1;
        end
        if (rst) begin
            room_reg <= 1'b1;  // empty (DEPTH holds two largest frames)
            acc_reg <= {DMA_DATA_WIDTH{1'b0}};
            lane_reg <= {LANE_W{1'b0}};
            len_reg <= 16'd0;
            lines_reg <= 16'd0;
            over_reg <= 1'b0;
            data_wr_reg <= {(AW+1){1'b0}};
            data_rd_reg <= {(AW+1){1'b0}};
            data_rd1_reg <= {{AW{1'b0}}, 1'b1};
            byp_reg <= 1'b0;
            meta_wr_reg <= {(AW+1){1'b0}};
            meta_rd_reg <= {(AW+1){1'b0}};
            meta_rd1_reg <= {{AW{1'b0}}, 1'b1};
            meta_byp_reg <= 1'b0;
            res_wr_reg <= {(AW+1){1'b0}};
            res_rd_reg <= {(AW+1){1'b0}};
            res_rd1_reg <= {{AW{1'b0}}, 1'b1};
            res_byp_reg <= 1'b0;
        end
    end

endmodule

`resetall
