// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// Receive header parser: watches a frame stream and reports, once per frame, the fields RSS
// needs (addresses, ports, L3/L4 kind, fragment, VLAN tag count) or why it cannot.
//
// It captures the first 86 bytes of each frame (Ethernet + two VLAN tags + a 60-byte IPv4
// header + 4 port bytes) at full stream rate, then parses that snapshot in the next cycle while
// the following frame is already being captured, so back-to-back frames of any length (even
// one-beat runts) never stall. The rules are those of pystack/rss/parse.py; the tests check
// this module against them frame by frame.
//
// The stream must be packed (tkeep all ones except on the last beat), as a MAC delivers it.
module rx_parser #(
    // Stream data width in bits, a multiple of 8.
    parameter integer DATA_WIDTH = 64,
    // Frame length counter width; the count saturates at 2^LEN_WIDTH - 1.
    parameter integer LEN_WIDTH = 16
) (
    input  wire                    clk,
    input  wire                    rst,

    // Stream tap: the parser only observes transfers (tvalid && tready).
    input  wire [DATA_WIDTH-1:0]   s_axis_tdata,
    input  wire [DATA_WIDTH/8-1:0] s_axis_tkeep,
    input  wire                    s_axis_tvalid,
    input  wire                    s_axis_tready,
    input  wire                    s_axis_tlast,

    // One result per frame, two cycles after the frame's last transfer.
    output reg                     out_valid,
    output reg  [LEN_WIDTH-1:0]    out_len,
    output reg  [1:0]              out_vlan_tags,
    output reg  [1:0]              out_l3,        // 0 other, 1 IPv4, 2 IPv6
    output reg  [1:0]              out_l4,        // 0 other, 1 TCP, 2 UDP
    output reg                     out_fragment,  // IPv4 MF set or offset non-zero
    output reg  [127:0]            out_src,       // left-aligned: IPv4 in [127:96]
    output reg  [127:0]            out_dst,
    output reg  [15:0]             out_sport,
    output reg  [15:0]             out_dport,
    output reg  [2:0]              out_err        // pystack.rss.ParseError
);

    localparam integer KEEP_WIDTH = DATA_WIDTH / 8;
    localparam integer HDR_BYTES = 86;
    localparam integer HDR_BEATS = (HDR_BYTES + KEEP_WIDTH - 1) / KEEP_WIDTH;
    localparam integer HDR_BITS = HDR_BEATS * DATA_WIDTH;
    localparam integer BEAT_WIDTH = $clog2(HDR_BEATS + 1);
    localparam integer MIN_FRAME_BYTES = 60;

    localparam [1:0] L3_OTHER = 2'd0, L3_IPV4 = 2'd1, L3_IPV6 = 2'd2;
    localparam [1:0] L4_OTHER = 2'd0, L4_TCP = 2'd1, L4_UDP = 2'd2;
    localparam [2:0] ERR_NONE = 3'd0, ERR_RUNT = 3'd1, ERR_L3_TRUNC = 3'd2, ERR_L3_BAD = 3'd3,
                     ERR_L4_TRUNC = 3'd4;

    generate
        if (DATA_WIDTH < 8 || DATA_WIDTH % 8 != 0) begin : g_bad_width
            `HILNIC_PARAM_FAIL("rx_parser: DATA_WIDTH must be a positive multiple of 8")
        end
        if (LEN_WIDTH < 7 || LEN_WIDTH > 32) begin : g_bad_len
            `HILNIC_PARAM_FAIL("rx_parser: LEN_WIDTH must be between 7 and 32")
        end
    endgenerate

    // ---- capture ----------------------------------------------------------------------------
    reg [HDR_BITS-1:0]   hdr_reg, hdr_next;
    reg [BEAT_WIDTH-1:0] beat_reg;
    reg [LEN_WIDTH-1:0]  len_reg, len_next;
    reg [HDR_BITS-1:0]   snap_buf_reg;
    reg [LEN_WIDTH-1:0]  snap_len_reg;
    reg                  snap_valid_reg;

    wire beat = s_axis_tvalid && s_axis_tready;

    reg [DATA_WIDTH-1:0] data_masked;
    reg [LEN_WIDTH:0]    len_sum;
    integer k;

    always @* begin
        data_masked = s_axis_tdata;
        len_sum = {1'b0, len_reg};
        for (k = 0; k < KEEP_WIDTH; k = k + 1) begin
            if (!s_axis_tkeep[k]) begin
                data_masked[k*8 +: 8] = 8'd0;
            end
            len_sum = len_sum + {{LEN_WIDTH{1'b0}}, s_axis_tkeep[k]};
        end
        len_next = len_sum[LEN_WIDTH] ? {LEN_WIDTH{1'b1}} : len_sum[LEN_WIDTH-1:0];
        hdr_next = hdr_reg;
        for (k = 0; k < HDR_BEATS; k = k + 1) begin
            if (beat_reg == k[BEAT_WIDTH-1:0]) begin
                hdr_next[k*DATA_WIDTH +: DATA_WIDTH] = data_masked;
            end
        end
    end

    always @(posedge clk) begin
        snap_valid_reg <= 1'b0;
        if (beat) begin
            if (s_axis_tlast) begin
                snap_buf_reg <= hdr_next;
                snap_len_reg <= len_next;
                snap_valid_reg <= 1'b1;
                hdr_reg <= {HDR_BITS{1'b0}};
                beat_reg <= {BEAT_WIDTH{1'b0}};
                len_reg <= {LEN_WIDTH{1'b0}};
            end else begin
                hdr_reg <= hdr_next;
                len_reg <= len_next;
                if (beat_reg != HDR_BEATS[BEAT_WIDTH-1:0]) begin
                    beat_reg <= beat_reg + 1'b1;
                end
            end
        end
        if (rst) begin
            hdr_reg <= {HDR_BITS{1'b0}};
            beat_reg <= {BEAT_WIDTH{1'b0}};
            len_reg <= {LEN_WIDTH{1'b0}};
            snap_valid_reg <= 1'b0;
        end
    end

    // ---- parse the snapshot ----------------------------------------------------------------
    reg [1:0]   p_tags, p_l3, p_l4;
    reg         p_frag;
    reg [127:0] p_src, p_dst;
    reg [15:0]  p_sport, p_dport;
    reg [2:0]   p_err;
    reg [15:0]  etype, ip_len, frag_field;
    reg [7:0]   next_proto, ver_ihl;
    reg [3:0]   ihl;
    reg         want_ports;
    integer     l3off, l4off, l4room, hlen, flen;
    // Its own loop index, set on every path: one index shared with the capture block would have
    // two drivers, and one assigned only in the IPv6 branch would make synthesis infer a latch.
    integer     b;

    function automatic is_tpid(input [15:0] t);
        is_tpid = (t == 16'h8100) || (t == 16'h88a8);
    endfunction

    function automatic [1:0] l4_kind(input [7:0] proto);
        l4_kind = (proto == 8'd6) ? L4_TCP : (proto == 8'd17) ? L4_UDP : L4_OTHER;
    endfunction

    // Byte n of the snapshot (n < HDR_BYTES by construction of the offsets below).
    `define SNAP_BYTE(n) snap_buf_reg[(n)*8 +: 8]
    `define SNAP_U16(n) {snap_buf_reg[(n)*8 +: 8], snap_buf_reg[((n)+1)*8 +: 8]}

    always @* begin
        p_tags = 2'd0;
        p_l3 = L3_OTHER;
        p_l4 = L4_OTHER;
        p_frag = 1'b0;
        p_src = 128'd0;
        p_dst = 128'd0;
        p_sport = 16'd0;
        p_dport = 16'd0;
        p_err = ERR_NONE;
        ip_len = 16'd0;
        frag_field = 16'd0;
        next_proto = 8'd0;
        ihl = 4'd0;
        ver_ihl = 8'd0;
        hlen = 0;
        l4off = 0;
        l4room = 0;
        want_ports = 1'b0;
        b = 0;
        flen = {{(32-LEN_WIDTH){1'b0}}, snap_len_reg};

        etype = `SNAP_U16(12);
        if (is_tpid(etype)) begin
            p_tags = 2'd1;
            etype = `SNAP_U16(16);
            if (is_tpid(etype)) begin
                p_tags = 2'd2;
                etype = `SNAP_U16(20);
            end
        end
        l3off = 14 + 4 * {30'd0, p_tags};

        if (flen < MIN_FRAME_BYTES) begin
            p_tags = 2'd0;
            p_err = ERR_RUNT;
        end else if (etype == 16'h0800) begin
            p_l3 = L3_IPV4;
            ver_ihl = `SNAP_BYTE(l3off);
            ihl = ver_ihl[3:0];
            hlen = 4 * {28'd0, ihl};
            ip_len = `SNAP_U16(l3off + 2);
            if (flen < l3off + 20) begin
                p_err = ERR_L3_TRUNC;
            end else if (ver_ihl[7:4] != 4'd4 || ihl < 4'd5) begin
                p_err = ERR_L3_BAD;
            end else if (flen < l3off + hlen) begin
                p_err = ERR_L3_TRUNC;
            end else if ({16'd0, ip_len} < hlen) begin
                p_err = ERR_L3_BAD;
            end else begin
                frag_field = `SNAP_U16(l3off + 6);
                p_frag = ((frag_field & 16'h3fff) != 16'd0);
                next_proto = `SNAP_BYTE(l3off + 9);
                p_l4 = l4_kind(next_proto);
                p_src[127:96] = {`SNAP_BYTE(l3off + 12), `SNAP_BYTE(l3off + 13),
                                 `SNAP_BYTE(l3off + 14), `SNAP_BYTE(l3off + 15)};
                p_dst[127:96] = {`SNAP_BYTE(l3off + 16), `SNAP_BYTE(l3off + 17),
                                 `SNAP_BYTE(l3off + 18), `SNAP_BYTE(l3off + 19)};
                l4off = l3off + hlen;
                l4room = {16'd0, ip_len} - hlen;
                want_ports = p_l4 != L4_OTHER && !p_frag;
            end
        end else if (etype == 16'h86dd) begin
            p_l3 = L3_IPV6;
            ip_len = `SNAP_U16(l3off + 4);
            next_proto = `SNAP_BYTE(l3off + 6);
            ver_ihl = `SNAP_BYTE(l3off);
            if (flen < l3off + 40) begin
                p_err = ERR_L3_TRUNC;
            end else if (ver_ihl[7:4] != 4'd6) begin
                p_err = ERR_L3_BAD;
            end else begin
                p_l4 = l4_kind(next_proto);
                for (b = 0; b < 16; b = b + 1) begin
                    p_src[127-8*b -: 8] = `SNAP_BYTE(l3off + 8 + b);
                    p_dst[127-8*b -: 8] = `SNAP_BYTE(l3off + 24 + b);
                end
                l4off = l3off + 40;
                l4room = {16'd0, ip_len};
                want_ports = p_l4 != L4_OTHER;
            end
        end

        // Ports must lie inside both the frame and the IP datagram.
        if (want_ports) begin
            if (flen < l4off + 4 || l4room < 4) begin
                p_err = ERR_L4_TRUNC;
            end else begin
                p_sport = `SNAP_U16(l4off);
                p_dport = `SNAP_U16(l4off + 2);
            end
        end
    end

    `undef SNAP_BYTE
    `undef SNAP_U16

    always @(posedge clk) begin
        out_valid <= snap_valid_reg;
        if (snap_valid_reg) begin
            out_len <= snap_len_reg;
            out_vlan_tags <= p_tags;
            out_l3 <= p_l3;
            out_l4 <= p_l4;
            out_fragment <= p_frag;
            out_src <= p_src;
            out_dst <= p_dst;
            out_sport <= p_sport;
            out_dport <= p_dport;
            out_err <= p_err;
        end
        if (rst) begin
            out_valid <= 1'b0;
        end
    end

endmodule

`resetall
