// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// TX byte packer: turns the DMA engine's chunks (any byte count, from buffers at any byte
// alignment) into a packed MAC stream, and applies the frame rules of hdl/DATAPATH.md: pad to
// 60 bytes, cut at MAX_FRAME and flag the frame (tuser), drop an empty frame, end a frame the
// DMA engine aborted with tuser.
//
// Kept apart from tx_dma so the engine deals only in buffers and the wire rules live in one
// place. The accumulator holds one DMA line plus one MAC beat, so a chunk is taken whenever at
// most one beat is pending, which keeps the wire busy back to back.
module tx_packer #(
    // MAC stream width in bits (power of two, 8..DMA_DATA_WIDTH).
    parameter integer DATA_WIDTH = 64,
    // DMA line width in bits.
    parameter integer DMA_DATA_WIDTH = 512,
    // Largest frame sent, in bytes.
    parameter integer MAX_FRAME = 9018
) (
    input  wire                            clk,
    input  wire                            rst,

    // Chunks: data from byte 0 up, `bytes` of it valid; `last` ends the frame, `abort` with it
    // means the DMA engine failed.
    input  wire [DMA_DATA_WIDTH-1:0]       s_chunk_data,
    input  wire [$clog2(DMA_DATA_WIDTH/8+1)-1:0] s_chunk_bytes,
    input  wire                            s_chunk_last,
    input  wire                            s_chunk_abort,
    input  wire [7:0]                      s_chunk_queue,
    input  wire                            s_chunk_valid,
    output wire                            s_chunk_ready,

    output wire [DATA_WIDTH-1:0]           m_axis_tdata,
    output reg  [DATA_WIDTH/8-1:0]         m_axis_tkeep,
    output wire                            m_axis_tvalid,
    input  wire                            m_axis_tready,
    output wire                            m_axis_tlast,
    output wire                            m_axis_tuser,

    // One event per frame that is not aborted: sent (bad = 0) or bad (cut or empty).
    output reg                             ev_valid,
    output reg                             ev_bad,
    output reg  [7:0]                      ev_queue,
    output reg  [15:0]                     ev_bytes
);

    localparam integer MB = DATA_WIDTH / 8;
    localparam integer LB = DMA_DATA_WIDTH / 8;
    localparam integer CAP = LB + MB;
    localparam integer CW = $clog2(CAP + 1);
    localparam integer BW = $clog2(LB + 1);
    localparam [15:0] MIN16 = 16'd60, MAX16 = MAX_FRAME[15:0], MB16 = MB[15:0];
    localparam [CW-1:0] MBC = MB[CW-1:0];
    localparam integer OW = CW > 6 ? CW : 6;
    localparam [OW-1:0] MBO = MB[OW-1:0];

    generate
        if (MB < 1 || LB % MB != 0 || (MB & (MB - 1)) != 0) begin : g_bad_width
            `HILNIC_PARAM_FAIL("tx_packer: DMA_DATA_WIDTH must be a power-of-two multiple of DATA_WIDTH")
        end
        if (MAX_FRAME < 64 || MAX_FRAME > 16383) begin : g_bad_max
            `HILNIC_PARAM_FAIL("tx_packer: MAX_FRAME must be 64..16383")
        end
    endgenerate

    reg [CAP*8-1:0] acc_reg;
    reg [CW-1:0]    cnt_reg;
    reg [15:0]      sent_reg;
    reg             ending_reg, abort_reg, cut_reg;
    reg [7:0]       queue_reg;

    // Bytes still owed to the wire once the frame has ended: its data, then padding to 60.
    // Worked out in OW bits, not 16 (at most max(CAP, 60)): these compares decide tlast, which
    // tx_fifo adds into its count in the same cycle.
    wire        short_frame = sent_reg[15:6] == 10'd0 && sent_reg[5:0] < MIN16[5:0];
    wire [5:0]  pad6 = MIN16[5:0] - sent_reg[5:0];
    wire [OW-1:0] pad_left = !abort_reg && short_frame ? OW'(pad6) : {OW{1'b0}};
    wire [OW-1:0] cnt_o = OW'(cnt_reg);
    wire [OW-1:0] owed_o = cnt_o > pad_left ? cnt_o : pad_left;
    wire [15:0] owed = 16'(owed_o);
    wire        empty_frame = ending_reg && !abort_reg && sent_reg == 0 && cnt_reg == 0;
    wire        silent_abort = ending_reg && abort_reg && sent_reg == 0 && cnt_reg == 0;
    wire        abort_tail = ending_reg && abort_reg && sent_reg != 0 && cnt_reg == 0;

    // A chunk is taken while at most one beat is pending; what of it fits under MAX_FRAME.
    // room_reg is MAX_FRAME - (sent_reg + cnt_reg) while chunks come (a beat leaving moves
    // bytes from cnt to sent; only chunks add), kept rather than recomputed: the sum, the
    // subtraction and the compare with the chunk in one cycle were most of TX's deepest path.
    // A chunk is at most a line, so only a room under a line can cut it.
    assign s_chunk_ready = !ending_reg && cnt_reg <= MBC;
    wire in_fire = s_chunk_valid && s_chunk_ready;
    reg  [15:0] room_reg;
    wire        room_ge_line = |room_reg[15:BW-1];
    wire [BW-1:0] room_low = {1'b0, room_reg[BW-2:0]};
    wire        cut = !room_ge_line && s_chunk_bytes > room_low;
    wire [BW-1:0] take_b = cut ? room_low : s_chunk_bytes;
    wire [15:0] chunk16 = {{(16-BW){1'b0}}, s_chunk_bytes};
    wire [15:0] take = {{(16-BW){1'b0}}, take_b};
    wire        take_some = s_chunk_bytes != {BW{1'b0}} && room_reg != 16'd0;

    // A full beat inside a frame leaves only once a byte after it is known to follow (more than
    // a beat held, or a chunk bringing bytes in this cycle): until then it may be the frame's
    // last, and a frame must end on its last data beat, never on an empty one (tkeep = 0), even
    // when the chunk that ends the frame carries no byte.
    wire        out_full = cnt_reg > MBC ||
                           (cnt_reg == MBC && in_fire && take_some);
    wire        out_end = ending_reg && !empty_frame && !silent_abort &&
                          (abort_tail || owed_o <= MBO);
    wire        out_pad = ending_reg && !empty_frame && !silent_abort && !abort_tail &&
                          owed_o > MBO;  // a whole beat of data or padding before the last
    assign m_axis_tvalid = out_full || out_end || out_pad;
    assign m_axis_tlast = out_end;
    assign m_axis_tuser = out_end && (abort_reg || cut_reg);
    assign m_axis_tdata = acc_reg[DATA_WIDTH-1:0];
    wire [15:0] out_bytes = !out_end ? MB16 : abort_tail ? 16'd1 : owed;

    integer i;
    always @* begin
        for (i = 0; i < MB; i = i + 1) m_axis_tkeep[i] = i < out_bytes;
    end

    wire out_fire = m_axis_tvalid && m_axis_tready;

    // After this cycle's beat leaves: what remains, and where a new chunk goes. A chunk is
    // taken only with at most a beat pending, so with a beat leaving it goes to byte 0, else
    // to byte cnt_reg: the shift does not wait for out_fire. Its bytes past `take` are zeroed
    // (lanes past the chunk, and past the room when the frame is cut).
    wire [CW-1:0]   cnt_left = out_fire ? (cnt_reg > MBC ? cnt_reg - MBC : {CW{1'b0}})
                                        : cnt_reg;
    wire [CAP*8-1:0] acc_left = out_fire ? acc_reg >> DATA_WIDTH : acc_reg;
    reg  [DMA_DATA_WIDTH-1:0] chunk_masked;
    always @* begin
        for (i = 0; i < LB; i = i + 1)
            chunk_masked[8*i +: 8] = i < s_chunk_bytes && (room_ge_line || i < room_low)
                                     ? s_chunk_data[8*i +: 8] : 8'd0;
    end
    wire [CAP*8-1:0] chunk_wide = {{(MB*8){1'b0}}, chunk_masked};
    wire [CAP*8-1:0] acc_in = out_fire ? acc_left | chunk_wide
                                       : acc_reg | (chunk_wide << (8 * cnt_reg));

    always @(posedge clk) begin
        ev_valid <= 1'b0;
        if (out_fire && out_end) begin
            ev_valid <= !abort_reg;
            ev_bad <= cut_reg;
            ev_queue <= queue_reg;
            ev_bytes <= sent_reg + out_bytes;
            acc_reg <= {CAP*8{1'b0}};
            cnt_reg <= {CW{1'b0}};
            sent_reg <= 16'd0;
            room_reg <= MAX16;
            ending_reg <= 1'b0;
            abort_reg <= 1'b0;
            cut_reg <= 1'b0;
        end else if (empty_frame || silent_abort) begin
            room_reg <= MAX16;
            ev_valid <= empty_frame;
            ev_bad <= 1'b1;
            ev_queue <= queue_reg;
            ev_bytes <= 16'd0;
            ending_reg <= 1'b0;
            abort_reg <= 1'b0;
            cut_reg <= 1'b0;
        end else begin
            if (out_fire) sent_reg <= sent_reg + out_bytes;
            acc_reg <= in_fire ? acc_in : acc_left;
            cnt_reg <= cnt_left + (in_fire ? take[CW-1:0] : {CW{1'b0}});
            if (in_fire) begin
                queue_reg <= s_chunk_queue;
                ending_reg <= s_chunk_last;
                abort_reg <= s_chunk_abort;
                cut_reg <= cut_reg || cut;
                room_reg <= room_reg - take;
            end
        end
        if (rst) begin
            acc_reg <= {CAP*8{1'b0}};
            cnt_reg <= {CW{1'b0}};
            sent_reg <= 16'd0;
            room_reg <= MAX16;
            ending_reg <= 1'b0;
            abort_reg <= 1'b0;
            cut_reg <= 1'b0;
            queue_reg <= 8'd0;
            ev_valid <= 1'b0;
        end
    end

    wire unused_bits = &{1'b0, take, chunk16, out_bytes};

endmodule

`resetall
