// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// Simulation-only MAC TX capture: stores every frame of an AXI stream into its line memory (a C
// buffer Python maps, see mem_base below) and a frame table into `table_mem`, which Python
// (pystack/rtl/backdoor.py, FrameSink) reads by backdoor instead of being woken per beat.
//
// Layout: each captured frame starts at a new line of the memory (byte 0 of the frame in bits
// [7:0] of its first line) and runs over consecutive lines, modulo 2^MEM_LINES_LOG2 (the memory is a
// ring). When its last beat arrives its 32-bit table entry, in the layout frame_source plays
// ([13:0] length in bytes, [14] tuser of the last beat, [31:15] start line), goes to entry
// (wr_entries_reg mod 2^TABLE_LOG2) of `table_mem`, 16 entries per 512-bit line, entry k of line
// j in bits [32k+31:32k] (the table is a ring too). Frames longer than 16383 bytes keep their
// first 16383 bytes, length 16383 and flag set. The stream is taken as packed: every beat but
// the last is full, the last beat's length is the position of its highest tkeep bit plus one.
//
// Ring ownership: wr_entries_reg and wr_lines_reg count entries and lines committed since
// clear; Python writes `taken_entries` and `taken_lines` (backdoor) after reading them, which
// frees the space. A frame that finds the table or the memory full is still accepted but not
// stored, and counted in stat_dropped: the sink never stalls for lack of space.
//
// Control: ctl_stall = 0 keeps tready high; n > 0 drops tready on about n/256 of the cycles
// (xorshift32 generator). ctl_clear (one-cycle pulse) restarts capture at line 0 / entry 0,
// zeroes the counters and discards the rest of a frame in progress (and a beat taken in that
// cycle). rst does the same. stat_frames counts frames stored since clear, stat_beats beats
// accepted since clear (the discarded tail of a frame cut by clear not included).
//
// Time: time_mem[k] holds the clock cycle (since rst, as host_mem's log and msi_catcher count)
// in which table entry k's frame took its last beat.
module frame_sink #(
    // Stream width in bits: 32..512, a power of two.
    parameter integer DATA_WIDTH = 64,
    // Memory line width in bits: a power of two, DATA_WIDTH..4096.
    parameter integer LINE_WIDTH = 512,
    // Memory size: 2^MEM_LINES_LOG2 lines; 1..17 (the table's start-line field has 17 bits), and
    // at least one maximum frame (16384 bytes).
    parameter integer MEM_LINES_LOG2 = 14,
    // Table size: 2^TABLE_LOG2 frame entries, 16 per table line; 5..16.
    parameter integer TABLE_LOG2 = 12
) (
    input  wire                    clk,
    input  wire                    rst,

    input  wire [DATA_WIDTH-1:0]   s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]   s_axis_tkeep,
    input  wire                    s_axis_tvalid,
    output wire                    s_axis_tready,
    input  wire                    s_axis_tlast,
    input  wire                    s_axis_tuser,

    input  wire [7:0]              ctl_stall,
    input  wire                    ctl_clear,

    output wire [31:0]             stat_frames,
    output wire [31:0]             stat_dropped,
    output wire [31:0]             stat_beats
);

    localparam integer KEEP_WIDTH = DATA_WIDTH / 8;
    localparam integer BEAT_SHIFT = $clog2(KEEP_WIDTH);
    localparam integer LINE_SHIFT = $clog2(LINE_WIDTH / 8);
    localparam integer WORDS = LINE_WIDTH / DATA_WIDTH;
    localparam integer WORD_BITS = WORDS > 1 ? $clog2(WORDS) : 1;
    localparam integer MEM_LINES = 1 << MEM_LINES_LOG2;
    localparam integer TABLE_LINES = (1 << TABLE_LOG2) / 16;
    localparam integer LAST_WORD_I = WORDS - 1;
    localparam [WORD_BITS-1:0] LAST_WORD = LAST_WORD_I[WORD_BITS-1:0];
    localparam [14:0] BEAT_BYTES = KEEP_WIDTH[14:0];
    localparam [14:0] FULL = 15'd16384;        // byte offsets saturate here
    localparam [14:0] LAST_OFF = FULL - BEAT_BYTES;  // offset of the last beat kept
    // Top bit of a table-line index (kept in range when TABLE_LOG2 is bad, so that Icarus
    // reaches the parameter check's message instead of a part-select error).
    localparam integer TBL_HI = TABLE_LOG2 > 4 ? TABLE_LOG2 - 1 : 4;
    localparam [31:0] PRNG_SEED = 32'h2545F491;

    generate
        if (DATA_WIDTH < 32 || DATA_WIDTH > 512 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0)
        begin : g_bad_data
            `HILNIC_PARAM_FAIL("frame_sink: DATA_WIDTH must be 32..512 and a power of two")
        end
        if (LINE_WIDTH < DATA_WIDTH || LINE_WIDTH > 4096 || (LINE_WIDTH & (LINE_WIDTH - 1)) != 0)
        begin : g_bad_line
            `HILNIC_PARAM_FAIL("frame_sink: LINE_WIDTH must be a power of two, DATA_WIDTH..4096")
        end
        if (MEM_LINES_LOG2 > 17 || (LINE_WIDTH / 8) * (1 << MEM_LINES_LOG2) < 16384)
        begin : g_bad_lines
            `HILNIC_PARAM_FAIL("frame_sink: memory must hold 16384 bytes, MEM_LINES_LOG2 <= 17")
        end
        if (TABLE_LOG2 < 5 || TABLE_LOG2 > 16) begin : g_bad_table
            `HILNIC_PARAM_FAIL("frame_sink: TABLE_LOG2 must be 5..16")
        end
    endgenerate

    // ---- backdoor-visible memories and ring pointers ---------------------------------------
    // The frame lines: a C buffer that the RTL writes by DPI-C (Verilator) or a system task
    // (Icarus) and Python maps directly, as in host_mem.v; mem_base holds its address,
    // mem_lines and mem_line_bytes its shape.
    reg [63:0]           mem_base;
    reg [31:0]           mem_lines, mem_line_bytes;
`ifdef VERILATOR
    import "DPI-C" function longint hn_sim_mem_open(input int lines, input int line_bytes);
    import "DPI-C" function void hn_sink_mem_write(input longint base, input int line,
        input int line_bytes, input bit [LINE_WIDTH-1:0] data);
    initial mem_base = hn_sim_mem_open(MEM_LINES, LINE_WIDTH / 8);
`else
    initial $hn_sim_mem_open(mem_base, MEM_LINES, LINE_WIDTH / 8);
`endif
    reg [511:0]          table_mem [0:TABLE_LINES-1];
    // When each stored frame's last beat was taken, in clock cycles since rst (entry k's in
    // time_mem[k]): Python stamps a frame to the clock however late it collects it.
    reg [63:0]           time_mem [0:(1<<TABLE_LOG2)-1];
    reg [63:0]           cycle_reg;
    reg [31:0]           taken_entries, taken_lines;  // written by Python, cleared by clear

    integer n;
    initial begin
        mem_lines = MEM_LINES;
        mem_line_bytes = LINE_WIDTH / 8;
        for (n = 0; n < TABLE_LINES; n = n + 1) table_mem[n] = 512'd0;
        taken_entries = 32'd0;
        taken_lines = 32'd0;
    end

    // ---- state ------------------------------------------------------------------------------
    reg [31:0]           wr_entries_reg, wr_lines_reg;  // committed since clear
    reg                  in_frame_reg;    // a frame's first beat has been taken, not its last
    reg                  discard_reg;     // rest of the current frame is thrown away (clear)
    reg                  drop_reg;        // current frame ran out of memory
    reg [14:0]           off_reg;         // byte offset of the next beat, saturating at 16384
    reg [LINE_WIDTH-1:0] line_buf_reg;    // the line being filled
    reg [31:0]           dropped_reg, beats_reg;
    reg [31:0]           prng_reg;
    reg                  ready_reg;

    assign s_axis_tready = ready_reg;
    assign stat_frames = wr_entries_reg;
    assign stat_dropped = dropped_reg;
    assign stat_beats = beats_reg;

    wire fire = s_axis_tvalid && ready_reg;

    // ---- where this beat goes ---------------------------------------------------------------
    wire [14:0]               beat_off = in_frame_reg ? off_reg : 15'd0;
    wire [14:0]               beat_off_inc = beat_off + BEAT_BYTES;
    wire [14:0]               off_next = beat_off_inc > FULL ? FULL : beat_off_inc;
    wire [13:0]               line_in_frame = beat_off[13:0] >> LINE_SHIFT;
    wire [WORD_BITS-1:0]      word;
    wire [31:0]               abs_line = wr_lines_reg + {18'd0, line_in_frame};
    wire [MEM_LINES_LOG2-1:0] mem_line = abs_line[MEM_LINES_LOG2-1:0];
    wire [31:0]               lines_used = wr_lines_reg - taken_lines;
    wire                      line_fits = lines_used + {18'd0, line_in_frame} < MEM_LINES;
    wire                      new_line = word == {WORD_BITS{1'b0}};
    wire                      room = !new_line || line_fits;
    wire                      beat_kept = !beat_off[14] && !discard_reg && !drop_reg && room;
    wire                      line_done = word == LAST_WORD || s_axis_tlast;

    generate
        if (WORDS == 1) begin : g_one_word
            assign word = 1'b0;
        end else begin : g_words
            assign word = beat_off[WORD_BITS+BEAT_SHIFT-1:BEAT_SHIFT];
        end
    endgenerate

    // Bytes on the last beat, the merged line.
    reg [14:0]           last_bytes;
    reg [LINE_WIDTH-1:0] line_new;
    reg [DATA_WIDTH-1:0] beat_data;
    integer b;

    always @* begin
        last_bytes = 15'd0;
        beat_data = s_axis_tdata;
        for (b = 0; b < KEEP_WIDTH; b = b + 1) begin
            if (s_axis_tkeep[b]) last_bytes = b[14:0] + 15'd1;
            else beat_data[8*b +: 8] = 8'd0;
        end
        line_new = new_line ? {LINE_WIDTH{1'b0}} : line_buf_reg;
        line_new[word * DATA_WIDTH +: DATA_WIDTH] = beat_data;
    end

    // ---- frame end: length, flag, lines used, table entry -----------------------------------
    wire [15:0]  total = {1'b0, beat_off} + {1'b0, last_bytes};
    wire         oversize = total > 16'd16383;
    wire [13:0]  frame_len = oversize ? 14'h3FFF : total[13:0];
    wire         frame_flag = s_axis_tuser || oversize;
    wire [14:0]  last_kept_off = beat_off[14] ? LAST_OFF : beat_off;
    wire [13:0]  frame_lines = (last_kept_off[13:0] >> LINE_SHIFT) + 14'd1;
    wire [16:0]  start_line = {{(17-MEM_LINES_LOG2){1'b0}}, wr_lines_reg[MEM_LINES_LOG2-1:0]};
    wire [31:0]  table_entry = {start_line, frame_flag, frame_len};
    wire [31:0]  entries_used = wr_entries_reg - taken_entries;
    wire         table_full = entries_used[31:TABLE_LOG2] != 0;
    wire [TABLE_LOG2-1:0] tslot = wr_entries_reg[TABLE_LOG2-1:0];
    wire [511:0] tbl_old = table_mem[tslot[TBL_HI:4]];
    reg  [511:0] tbl_new;

    always @* begin
        tbl_new = tbl_old;
        tbl_new[{tslot[3:0], 5'd0} +: 32] = table_entry;
    end

    wire frame_end = fire && s_axis_tlast;
    wire ends_dropped = frame_end && !discard_reg
                        && (drop_reg || (!beat_off[14] && !room) || table_full);
    wire ends_stored = frame_end && !discard_reg && !ends_dropped;

    // xorshift32: a full-period linear generator, decorrelated from cycle to cycle.
    wire [31:0] prng_a = prng_reg ^ (prng_reg << 13);
    wire [31:0] prng_b = prng_a ^ (prng_a >> 17);
    wire [31:0] prng_next = prng_b ^ (prng_b << 5);

    always @(posedge clk) begin
        prng_reg <= prng_next;
        ready_reg <= !(prng_next[7:0] < ctl_stall);

        if (fire) begin
            if (!discard_reg) beats_reg <= beats_reg + 32'd1;
            in_frame_reg <= !s_axis_tlast;
            off_reg <= off_next;
            if (beat_kept) begin
`ifdef VERILATOR
                if (line_done) hn_sink_mem_write(mem_base, 32'(mem_line), LINE_WIDTH / 8, line_new);
`else
                if (line_done)
                    $hn_sink_mem_write(mem_base, 32'(mem_line), LINE_WIDTH / 8, line_new);
`endif
                else line_buf_reg <= line_new;
            end
            if (!discard_reg && !beat_off[14] && new_line && !line_fits) drop_reg <= 1'b1;
            if (s_axis_tlast) begin
                discard_reg <= 1'b0;
                drop_reg <= 1'b0;
            end
        end
        if (ends_stored) begin
            table_mem[tslot[TBL_HI:4]] <= tbl_new;
            time_mem[tslot] <= cycle_reg;
            wr_entries_reg <= wr_entries_reg + 32'd1;
            wr_lines_reg <= wr_lines_reg + {18'd0, frame_lines};
        end
        if (ends_dropped) dropped_reg <= dropped_reg + 32'd1;

        if (ctl_clear || rst) begin
            wr_entries_reg <= 32'd0;
            wr_lines_reg <= 32'd0;
            taken_entries <= 32'd0;
            taken_lines <= 32'd0;
            dropped_reg <= 32'd0;
            beats_reg <= 32'd0;
            drop_reg <= 1'b0;
            // A frame still open after this cycle is thrown away to its end.
            discard_reg <= fire ? !s_axis_tlast : in_frame_reg;
        end
        cycle_reg <= cycle_reg + 64'd1;
        if (rst) begin
            cycle_reg <= 64'd0;
            in_frame_reg <= 1'b0;
            discard_reg <= 1'b0;
            off_reg <= 15'd0;
            prng_reg <= PRNG_SEED;
            ready_reg <= 1'b0;
        end
    end

    // The lines and times are read only by Python; of the counters only the bits named above
    // matter.
    wire unused_bits = &{1'b0, abs_line, last_kept_off, entries_used, mem_lines,
                         mem_line_bytes, time_mem[0]};

endmodule

`resetall
