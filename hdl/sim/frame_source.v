// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// Simulation-only bulk frame player: MAC RX traffic without waking Python per beat.
//
// Python (pystack/rtl/backdoor.py, FrameSource) writes frames into `mem` and a frame table into
// `table_mem` by backdoor, one VPI call per line, then pulses ctl_start and waits for stat_busy
// to fall: one wake-up per batch instead of one per beat.
//
// Memory: `mem[i]` is a LINE_WIDTH-bit line; byte 0 of a line is bits [7:0].
// Table: 2^TABLE_LOG2 entries stored 16 per 512-bit line of `table_mem`; entry k of line j is
// frame 16j+k in bits [32k+31:32k]:
//   [13:0]  frame length in bytes, 1..16383 (0 is played as 1)
//   [14]    MAC error: the frame's last beat carries tuser = 1
//   [31:15] start line in `mem` (taken modulo 2^MEM_LINES_LOG2); the frame's bytes run from
//           byte 0 of that line on, over consecutive lines
//
// Control (sampled on the ctl_start pulse; a pulse while busy replaces the plan, the frame on
// the wire finishes first):
//   ctl_first      first table entry played
//   ctl_count      frames to play; 0 plays nothing
//   ctl_table_len  entries in use: the index wraps from ctl_table_len-1 back to 0, so ctl_count
//                  may exceed it (0 means all 2^TABLE_LOG2 entries)
//   ctl_rate       offered rate in 1/256 byte per cycle; DATA_WIDTH/8*256 is line rate. A frame
//                  costs (len + 20) * 256 credits (20: preamble and inter-frame gap). Credit
//                  (signed) starts at 0 on ctl_start and grows by ctl_rate each cycle, capped at
//                  one 16383-byte frame's cost so an idle or stalled period cannot bank an
//                  unbounded burst; a frame may start when credit >= 0 and then subtracts its
//                  cost. 0 = as fast as m_axis_tready allows, no gap.
//
// Output: a packed AXI stream (tkeep all ones but on the last beat, low bytes valid; bytes
// beyond the frame read as zero), one beat per cycle, back-to-back frames with no idle cycle
// when the rate allows. stat_busy is high from the start pulse until the last frame's last beat
// has been accepted.
module frame_source #(
    // Stream width in bits: 32..512, a power of two.
    parameter integer DATA_WIDTH = 64,
    // Memory line width in bits: a power of two, DATA_WIDTH..4096.
    parameter integer LINE_WIDTH = 512,
    // Memory size: 2^MEM_LINES_LOG2 lines; 1..17 (the table's start-line field has 17 bits).
    parameter integer MEM_LINES_LOG2 = 14,
    // Table size: 2^TABLE_LOG2 frame entries, 16 per table line; 5..16.
    parameter integer TABLE_LOG2 = 12
) (
    input  wire                    clk,
    input  wire                    rst,

    output wire [DATA_WIDTH-1:0]   m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]   m_axis_tkeep,
    output wire                    m_axis_tvalid,
    input  wire                    m_axis_tready,
    output wire                    m_axis_tlast,
    output wire                    m_axis_tuser,

    input  wire                    ctl_start,
    input  wire [TABLE_LOG2-1:0]   ctl_first,
    input  wire [31:0]             ctl_count,
    input  wire [TABLE_LOG2:0]     ctl_table_len,
    input  wire [15:0]             ctl_rate,

    output wire                    stat_busy,
    output wire [31:0]             stat_sent,
    output wire [31:0]             stat_stall_cycles
);

    localparam integer KEEP_WIDTH = DATA_WIDTH / 8;
    localparam integer WORDS = LINE_WIDTH / DATA_WIDTH;
    localparam integer WORD_BITS = WORDS > 1 ? $clog2(WORDS) : 1;
    localparam integer MEM_LINES = 1 << MEM_LINES_LOG2;
    localparam integer TABLE_LINES = (1 << TABLE_LOG2) / 16;
    localparam integer LAST_WORD_I = WORDS - 1;
    localparam [WORD_BITS-1:0] LAST_WORD = LAST_WORD_I[WORD_BITS-1:0];
    localparam [13:0] BEAT_BYTES = KEEP_WIDTH[13:0];
    // Top bit of a table-line index (kept in range when TABLE_LOG2 is bad, so that Icarus
    // reaches the parameter check's message instead of a part-select error).
    localparam integer TBL_HI = TABLE_LOG2 > 4 ? TABLE_LOG2 - 1 : 4;
    localparam signed [31:0] MAX_CREDIT = (16383 + 20) * 256;

    generate
        if (DATA_WIDTH < 32 || DATA_WIDTH > 512 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0)
        begin : g_bad_data
            `HILNIC_PARAM_FAIL("frame_source: DATA_WIDTH must be 32..512 and a power of two")
        end
        if (LINE_WIDTH < DATA_WIDTH || LINE_WIDTH > 4096 || (LINE_WIDTH & (LINE_WIDTH - 1)) != 0)
        begin : g_bad_line
            `HILNIC_PARAM_FAIL("frame_source: LINE_WIDTH must be a power of two, DATA_WIDTH..4096")
        end
        if (MEM_LINES_LOG2 < 1 || MEM_LINES_LOG2 > 17) begin : g_bad_lines
            `HILNIC_PARAM_FAIL("frame_source: MEM_LINES_LOG2 must be 1..17")
        end
        if (TABLE_LOG2 < 5 || TABLE_LOG2 > 16) begin : g_bad_table
            `HILNIC_PARAM_FAIL("frame_source: TABLE_LOG2 must be 5..16")
        end
    endgenerate

    // ---- backdoor-visible memories (Python writes them) ------------------------------------
    reg [LINE_WIDTH-1:0] mem [0:MEM_LINES-1];
    reg [511:0]          table_mem [0:TABLE_LINES-1];

    integer n;
    initial begin
        for (n = 0; n < MEM_LINES; n = n + 1) mem[n] = {LINE_WIDTH{1'b0}};
        for (n = 0; n < TABLE_LINES; n = n + 1) table_mem[n] = 512'd0;
    end

    // ---- state ------------------------------------------------------------------------------
    reg [31:0]               left_reg;      // frames still to start
    reg [TABLE_LOG2-1:0]     idx_reg;       // next table entry
    reg [TABLE_LOG2:0]       tlen_reg;
    reg [15:0]               rate_reg;
    reg signed [31:0]        credit_reg;
    reg                      in_frame_reg;  // a frame has beats still to load
    reg [MEM_LINES_LOG2-1:0] line_reg;
    reg [WORD_BITS-1:0]      word_reg;
    reg [13:0]               bytes_reg;     // bytes left, the next beat's included
    reg                      err_reg;
    reg [DATA_WIDTH-1:0]     tdata_reg;
    reg [KEEP_WIDTH-1:0]     tkeep_reg;
    reg                      tvalid_reg, tlast_reg, tuser_reg;
    reg [31:0]               sent_reg, stall_reg;
    reg                      busy_reg;      // one register: a glitch-free trigger for Python

    assign m_axis_tdata = tdata_reg;
    assign m_axis_tkeep = tkeep_reg;
    assign m_axis_tvalid = tvalid_reg;
    assign m_axis_tlast = tlast_reg;
    assign m_axis_tuser = tuser_reg;
    assign stat_busy = busy_reg;
    assign stat_sent = sent_reg;
    assign stat_stall_cycles = stall_reg;

    // ---- next table entry -------------------------------------------------------------------
    wire [511:0]              tbl_line = table_mem[idx_reg[TBL_HI:4]];
    wire [31:0]               entry = tbl_line[{idx_reg[3:0], 5'd0} +: 32];
    wire [13:0]               e_len = entry[13:0] == 14'd0 ? 14'd1 : entry[13:0];
    wire                      e_err = entry[14];
    wire [MEM_LINES_LOG2-1:0] e_line = entry[15 +: MEM_LINES_LOG2];
    wire signed [31:0]        e_cost = $signed({10'd0, e_len + 14'd20, 8'd0});
    wire [TABLE_LOG2:0]       idx_inc = {1'b0, idx_reg} + {{TABLE_LOG2{1'b0}}, 1'b1};
    wire [TABLE_LOG2-1:0]     idx_next = idx_inc == tlen_reg ? {TABLE_LOG2{1'b0}}
                                                             : idx_inc[TABLE_LOG2-1:0];

    // ---- beat selection ---------------------------------------------------------------------
    wire can_load = !tvalid_reg || m_axis_tready;
    wire credit_ok = rate_reg == 16'd0 || !credit_reg[31];
    wire start_frame = can_load && !in_frame_reg && left_reg != 32'd0 && credit_ok;
    wire load = can_load && (in_frame_reg || start_frame);

    wire [MEM_LINES_LOG2-1:0] src_line = in_frame_reg ? line_reg : e_line;
    wire [WORD_BITS-1:0]      src_word = in_frame_reg ? word_reg : {WORD_BITS{1'b0}};
    wire [13:0]               src_bytes = in_frame_reg ? bytes_reg : e_len;
    wire                      src_err = in_frame_reg ? err_reg : e_err;
    wire [LINE_WIDTH-1:0]     src_line_data = mem[src_line];
    wire                      beat_last = src_bytes <= BEAT_BYTES;
    wire [KEEP_WIDTH-1:0]     beat_keep = beat_last ? {KEEP_WIDTH{1'b1}} >> (BEAT_BYTES - src_bytes)
                                                    : {KEEP_WIDTH{1'b1}};
    reg  [DATA_WIDTH-1:0]     beat_data;
    integer b;

    always @* begin
        beat_data = src_line_data[src_word * DATA_WIDTH +: DATA_WIDTH];
        for (b = 0; b < KEEP_WIDTH; b = b + 1)
            if (!beat_keep[b]) beat_data[8*b +: 8] = 8'd0;
    end

    // ---- credit: grows by the rate, capped, pays for each frame started ---------------------
    wire signed [31:0] credit_add = credit_reg + $signed({16'd0, rate_reg});
    wire signed [31:0] credit_cap = credit_add > MAX_CREDIT ? MAX_CREDIT : credit_add;
    wire signed [31:0] credit_next = start_frame ? credit_cap - e_cost : credit_cap;

    // stat_busy from next-state values, so it falls exactly when the last beat is accepted.
    wire [31:0] left_after = ctl_start ? ctl_count : left_reg - {31'd0, start_frame};
    wire        in_frame_after = load ? !beat_last : in_frame_reg;
    wire        tvalid_after = can_load ? load : tvalid_reg;

    always @(posedge clk) begin
        busy_reg <= left_after != 32'd0 || in_frame_after || tvalid_after;
        if (can_load) begin
            tvalid_reg <= load;
            if (load) begin
                tdata_reg <= beat_data;
                tkeep_reg <= beat_keep;
                tlast_reg <= beat_last;
                tuser_reg <= beat_last && src_err;
                in_frame_reg <= !beat_last;
                bytes_reg <= src_bytes - BEAT_BYTES;
                err_reg <= src_err;
                if (src_word == LAST_WORD) begin
                    line_reg <= src_line + {{(MEM_LINES_LOG2-1){1'b0}}, 1'b1};
                    word_reg <= {WORD_BITS{1'b0}};
                end else begin
                    line_reg <= src_line;
                    word_reg <= src_word + {{(WORD_BITS-1){1'b0}}, 1'b1};
                end
            end
        end
        if (start_frame) begin
            left_reg <= left_reg - 32'd1;
            idx_reg <= idx_next;
        end
        credit_reg <= credit_next;
        if (tvalid_reg && m_axis_tready && tlast_reg) sent_reg <= sent_reg + 32'd1;
        if (tvalid_reg && !m_axis_tready) stall_reg <= stall_reg + 32'd1;

        if (ctl_start) begin
            left_reg <= ctl_count;
            idx_reg <= ctl_first;
            tlen_reg <= ctl_table_len;
            rate_reg <= ctl_rate;
            credit_reg <= 32'sd0;
        end

        if (rst) begin
            left_reg <= 32'd0;
            busy_reg <= 1'b0;
            idx_reg <= {TABLE_LOG2{1'b0}};
            tlen_reg <= {(TABLE_LOG2+1){1'b0}};
            rate_reg <= 16'd0;
            credit_reg <= 32'sd0;
            in_frame_reg <= 1'b0;
            tvalid_reg <= 1'b0;
            tlast_reg <= 1'b0;
            tuser_reg <= 1'b0;
            sent_reg <= 32'd0;
            stall_reg <= 32'd0;
        end
    end

    // Start-line bits above the memory size are ignored (the line index wraps).
    wire unused_entry = &{1'b0, entry};

endmodule

`resetall
