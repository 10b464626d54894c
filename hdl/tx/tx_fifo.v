// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// TX store-and-forward FIFO between tx_packer and the MAC: a frame goes out only once all of it
// is here, and then beat after beat with no idle cycle inside it.
//
// Why: a MAC cannot pause in the middle of a frame (an idle cycle there is an underrun on the
// wire), but the packer's bytes come from DMA reads, one per buffer, each with its own latency,
// so a frame of several buffers arrives with gaps. Holding each frame until its last beat is
// stored is what a real NIC's transmit packet buffer does in store-and-forward mode. Frames of
// one buffer are delayed by their own length; throughput is unchanged, since a frame is read out
// while the next is written in.
//
// `hold` (a device reset is pending) lets the frame on the wire finish but starts no new one,
// so once MAC TX is between frames it stays there until the reset.
//
// The memory is read synchronously into an output register, so it maps onto block RAM.
// `beats_ready` counts the stored beats that belong to whole frames and are not yet read, so
// the reader never needs to look at tlast before it has read the beat.
module tx_fifo #(
    // Stream width in bits, a multiple of 8.
    parameter integer DATA_WIDTH = 64,
    // Depth in beats: a power of two, larger than the largest frame in beats.
    parameter integer DEPTH = 2048,
    // Largest frame in bytes (the packer cuts longer ones and may add one abort byte).
    parameter integer MAX_FRAME = 9018
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire                    hold,    // start no new frame

    input  wire [DATA_WIDTH-1:0]   s_axis_tdata,
    input  wire [DATA_WIDTH/8-1:0] s_axis_tkeep,
    input  wire                    s_axis_tvalid,
    output wire                    s_axis_tready,
    input  wire                    s_axis_tlast,
    input  wire                    s_axis_tuser,

    output wire [DATA_WIDTH-1:0]   m_axis_tdata,
    output wire [DATA_WIDTH/8-1:0] m_axis_tkeep,
    output wire                    m_axis_tvalid,
    input  wire                    m_axis_tready,
    output wire                    m_axis_tlast,
    output wire                    m_axis_tuser
);

    localparam integer KW = DATA_WIDTH / 8;
    localparam integer EW = DATA_WIDTH + KW + 2;   // entry: {tuser, tlast, tkeep, tdata}
    localparam integer AW = $clog2(DEPTH);
    localparam integer FRAME_BEATS = (MAX_FRAME + KW - 1) / KW + 1;

    generate
        if (DATA_WIDTH < 8 || DATA_WIDTH % 8 != 0) begin : g_bad_width
            `HILNIC_PARAM_FAIL("tx_fifo: DATA_WIDTH must be a multiple of 8")
        end
        if (DEPTH < 4 || (DEPTH & (DEPTH - 1)) != 0) begin : g_bad_depth
            `HILNIC_PARAM_FAIL("tx_fifo: DEPTH must be a power of two >= 4")
        end
        if (DEPTH <= FRAME_BEATS) begin : g_too_small
            `HILNIC_PARAM_FAIL("tx_fifo: DEPTH must exceed the largest frame in beats")
        end
    endgenerate

    reg [EW-1:0] mem [0:DEPTH-1];
    reg [AW:0]   wr_ptr_reg, rd_ptr_reg;
    reg [AW:0]   beats_ready_reg;   // beats of whole frames stored and not yet read
    reg [AW:0]   frame_beats_reg;   // beats of the frame being written, so far
    reg [EW-1:0] out_reg;
    reg          out_valid_reg;
    reg          loaded_reg;        // out_reg holds a beat (the last one read)

    wire [AW:0] used = wr_ptr_reg - rd_ptr_reg;
    assign s_axis_tready = used != DEPTH[AW:0];
    wire in_fire = s_axis_tvalid && s_axis_tready;
    // The next beat read starts a frame when the last one read ended one (or none was read).
    wire between = !loaded_reg || out_reg[EW-2];
    wire load = beats_ready_reg != 0 && (!out_valid_reg || m_axis_tready) && !(hold && between);

    assign m_axis_tvalid = out_valid_reg;
    assign {m_axis_tuser, m_axis_tlast, m_axis_tkeep, m_axis_tdata} = out_reg;

    always @(posedge clk) begin
        if (in_fire) begin
            mem[wr_ptr_reg[AW-1:0]] <= {s_axis_tuser, s_axis_tlast, s_axis_tkeep, s_axis_tdata};
            wr_ptr_reg <= wr_ptr_reg + 1'b1;
            frame_beats_reg <= s_axis_tlast ? {(AW+1){1'b0}} : frame_beats_reg + 1'b1;
        end
        beats_ready_reg <= beats_ready_reg
                           + (in_fire && s_axis_tlast ? frame_beats_reg + 1'b1 : {(AW+1){1'b0}})
                           - {{AW{1'b0}}, load};
        if (load) begin
            out_reg <= mem[rd_ptr_reg[AW-1:0]];
            rd_ptr_reg <= rd_ptr_reg + 1'b1;
            out_valid_reg <= 1'b1;
            loaded_reg <= 1'b1;
        end else if (m_axis_tready) begin
            out_valid_reg <= 1'b0;
        end
        if (rst) begin
            wr_ptr_reg <= {(AW+1){1'b0}};
            rd_ptr_reg <= {(AW+1){1'b0}};
            beats_ready_reg <= {(AW+1){1'b0}};
            frame_beats_reg <= {(AW+1){1'b0}};
            out_valid_reg <= 1'b0;
            loaded_reg <= 1'b0;
        end
    end

endmodule

`resetall
