`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// Toeplitz hash of one tuple per clock, one cycle of latency.
//
// Toeplitz is linear over GF(2): the hash is the XOR, over every set tuple bit i (MSB of byte 0
// is i = 0), of the 32-bit key window that starts at key bit i. Each window sits at a fixed place
// in the key, so the whole hash is one AND/XOR tree with no muxes and any tuple rate is
// sustained. Shorter tuples (IPv4, 2-tuples) are zero-padded at the end, which leaves the hash
// unchanged.
module rss_toeplitz #(
    // Tuple length in bytes: 36 covers an IPv6 4-tuple (16 + 16 + 2 + 2).
    parameter integer TUPLE_BYTES = 36,
    // Key length in bytes; must be at least TUPLE_BYTES + 4 (40 on the 82576).
    parameter integer KEY_BYTES = 40,
    // Width of the side band carried alongside the tuple with the same latency.
    parameter integer USER_WIDTH = 1
) (
    input  wire                     clk,
    input  wire                     rst,
    // Key, byte 0 in the most significant bits (the order the hash consumes it).
    input  wire [KEY_BYTES*8-1:0]   key,
    // Tuple in, byte 0 in the most significant bits (network order).
    input  wire [TUPLE_BYTES*8-1:0] in_tuple,
    input  wire [USER_WIDTH-1:0]    in_user,
    input  wire                     in_valid,
    // Hash out, the cycle after in_valid.
    output reg  [31:0]              out_hash,
    output reg  [USER_WIDTH-1:0]    out_user,
    output reg                      out_valid
);

    localparam integer TUPLE_BITS = TUPLE_BYTES * 8;
    localparam integer KEY_BITS = KEY_BYTES * 8;

    generate
        if (TUPLE_BYTES < 1) begin : g_bad_tuple
            `HILNIC_PARAM_FAIL("rss_toeplitz: TUPLE_BYTES must be at least 1")
        end
        if (KEY_BYTES < TUPLE_BYTES + 4) begin : g_bad_key
            `HILNIC_PARAM_FAIL("rss_toeplitz: KEY_BYTES must be at least TUPLE_BYTES + 4")
        end
        if (USER_WIDTH < 1) begin : g_bad_user
            `HILNIC_PARAM_FAIL("rss_toeplitz: USER_WIDTH must be at least 1")
        end
    endgenerate

    reg [31:0] hash_next;
    integer i;

    always @* begin
        hash_next = 32'd0;
        for (i = 0; i < TUPLE_BITS; i = i + 1) begin
            if (in_tuple[TUPLE_BITS-1-i]) begin
                hash_next = hash_next ^ key[KEY_BITS-1-i -: 32];
            end
        end
    end

    always @(posedge clk) begin
        out_valid <= in_valid;
        if (in_valid) begin
            out_hash <= hash_next;
            out_user <= in_user;
        end
        if (rst) begin
            out_valid <= 1'b0;
            out_hash <= 32'd0;
            out_user <= {USER_WIDTH{1'b0}};
        end
    end

endmodule

`resetall
