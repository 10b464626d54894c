// SPDX-License-Identifier: MIT
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
//
// The XOR is written as a balanced tree (pairs of AND terms, then groups of four), not as one
// running XOR per tuple bit: a running XOR is a 288-deep chain (or, written with `if`, a chain
// of 288 muxes) that the FPGA mapper neither balances well nor maps quickly (ABC9: 461 s against
// 40 s here), while the tree maps to one LUT4 per two AND terms and one per four terms above.
// It is computed in the clocked block and only when in_valid, so simulators evaluate it once
// per tuple, not every clock.
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

    // Level 0: term j XORs the AND terms of tuple bits 2j and 2j+1 (one LUT4 each: two key
    // bits, two tuple bits). Then each pass XORs groups of four terms in place (term j = terms
    // 4j..4j+3, one LUT4 per output bit) until one is left: 144 -> 36 -> 9 -> 3 -> 1, five LUT
    // levels for the 36-byte tuple. A binary tree maps one or two levels deeper.
    function automatic [31:0] toeplitz(input [KEY_BITS-1:0] k, input [TUPLE_BITS-1:0] t);
        reg [16*TUPLE_BITS-1:0] terms;
        integer i, n;
        begin
            for (i = 0; i < TUPLE_BITS / 2; i = i + 1) begin
                terms[32*i +: 32] = (k[KEY_BITS-1-2*i -: 32] & {32{t[TUPLE_BITS-1-2*i]}}) ^
                                    (k[KEY_BITS-2-2*i -: 32] & {32{t[TUPLE_BITS-2-2*i]}});
            end
            for (n = TUPLE_BITS / 2; n > 1; n = (n + 3) / 4) begin
                for (i = 0; i < (TUPLE_BITS / 2 + 3) / 4; i = i + 1) begin
                    if (4 * i < n) begin
                        terms[32*i +: 32] = terms[128*i +: 32]
                            ^ (4 * i + 1 < n ? terms[128*i+32 +: 32] : 32'd0)
                            ^ (4 * i + 2 < n ? terms[128*i+64 +: 32] : 32'd0)
                            ^ (4 * i + 3 < n ? terms[128*i+96 +: 32] : 32'd0);
                    end
                end
            end
            toeplitz = terms[31:0];
        end
    endfunction

    always @(posedge clk) begin
        out_valid <= in_valid;
        if (in_valid) begin
            out_hash <= toeplitz(key, in_tuple);
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
