// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// Receive header parser: watches a frame stream and reports, once per frame, the fields RSS
// needs (addresses, ports, L3/L4 kind, fragment, VLAN tag count) or why it cannot.
//
// It captures the first 86 bytes of each frame (Ethernet + two VLAN tags + a 60-byte IPv4
// header + 4 port bytes) at full stream rate, then parses that snapshot in the next two cycles
// (tags and EtherType, then L3 and L4 at fixed offsets) while the following frame is already
// being captured, so back-to-back frames of any length (even one-beat runts) never stall. The rules are those of pystack/rss/parse.py; the tests check
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

    // One result per frame, three cycles after the frame's last transfer.
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

    // ---- parse, stage A: VLAN tags, EtherType, the L3 header aligned ------------------------
    // The tag and EtherType tests at the three places the EtherType can be are made side by
    // side; the snapshot is then shifted so the L3 header starts at byte 0 of a_l3_reg, and
    // the frame's bytes from the L3 header on are counted. Stage B parses at fixed offsets.
    localparam integer L3_BYTES = HDR_BYTES - 22;  // from the latest L3 start (two tags)

    // Byte n of the snapshot (n < HDR_BYTES by construction of the offsets below).
    `define SNAP_BYTE(n) snap_buf_reg[(n)*8 +: 8]
    `define SNAP_U16(n) {snap_buf_reg[(n)*8 +: 8], snap_buf_reg[((n)+1)*8 +: 8]}

    function automatic is_tpid(input [15:0] t);
        is_tpid = (t == 16'h8100) || (t == 16'h88a8);
    endfunction

    wire tpid12 = is_tpid(`SNAP_U16(12));
    wire tpid16 = is_tpid(`SNAP_U16(16));
    wire [1:0] a_tags = tpid12 ? (tpid16 ? 2'd2 : 2'd1) : 2'd0;
    wire a_v4 = tpid12 ? (tpid16 ? `SNAP_U16(20) == 16'h0800 : `SNAP_U16(16) == 16'h0800)
                       : `SNAP_U16(12) == 16'h0800;
    wire a_v6 = tpid12 ? (tpid16 ? `SNAP_U16(20) == 16'h86dd : `SNAP_U16(16) == 16'h86dd)
                       : `SNAP_U16(12) == 16'h86dd;
    wire [L3_BYTES*8-1:0] l3_at14 = snap_buf_reg[14*8 +: L3_BYTES*8];
    wire [L3_BYTES*8-1:0] l3_at18 = snap_buf_reg[18*8 +: L3_BYTES*8];
    wire [L3_BYTES*8-1:0] l3_at22 = snap_buf_reg[22*8 +: L3_BYTES*8];
    // Bytes from the L3 header to the frame's end (meaningful when the frame is no runt).
    wire [LEN_WIDTH-1:0] room14 = snap_len_reg - LEN_WIDTH'(14);
    wire [LEN_WIDTH-1:0] room18 = snap_len_reg - LEN_WIDTH'(18);
    wire [LEN_WIDTH-1:0] room22 = snap_len_reg - LEN_WIDTH'(22);

    `undef SNAP_BYTE
    `undef SNAP_U16

    // The MAC addresses, and the beat padding past HDR_BYTES, are captured but not parsed.
    wire unused_bits = &{1'b0, snap_buf_reg[12*8-1:0], snap_buf_reg >> (HDR_BYTES * 8)};

    reg                  a_valid_reg, a_runt_reg, a_v4_reg, a_v6_reg;
    reg [1:0]            a_tags_reg;
    reg [L3_BYTES*8-1:0] a_l3_reg;
    reg [LEN_WIDTH-1:0]  a_len_reg, a_room_reg;

    always @(posedge clk) begin
        a_valid_reg <= snap_valid_reg;
        if (snap_valid_reg) begin
            a_len_reg <= snap_len_reg;
            a_runt_reg <= snap_len_reg < LEN_WIDTH'(MIN_FRAME_BYTES);
            a_tags_reg <= a_tags;
            a_v4_reg <= a_v4;
            a_v6_reg <= a_v6;
            a_l3_reg <= tpid12 ? (tpid16 ? l3_at22 : l3_at18) : l3_at14;
            a_room_reg <= tpid12 ? (tpid16 ? room22 : room18) : room14;
        end
        if (rst) begin
            a_valid_reg <= 1'b0;
        end
    end

    // ---- parse, stage B: the L3 and L4 rules at fixed offsets -------------------------------
    reg [1:0]   p_tags, p_l3, p_l4;
    reg         p_frag;
    reg [127:0] p_src, p_dst;
    reg [15:0]  p_sport, p_dport;
    reg [2:0]   p_err;
    reg [15:0]  ip_len, frag_field;
    reg [7:0]   next_proto, ver_ihl;
    reg [3:0]   ihl;
    reg [5:0]   hlen;     // IPv4 header bytes, 4 x IHL
    reg [6:0]   hlen4;    // hlen + 4: the end of the ports after an IPv4 header
    reg [31:0]  v4_ports;  // the 4 bytes after the IPv4 header
    reg         want_ports;
    // Its own loop index, set on every path: one index shared with another block would have
    // two drivers, and one assigned only in the IPv6 branch would make synthesis infer a latch.
    integer     b;

    function automatic [1:0] l4_kind(input [7:0] proto);
        l4_kind = (proto == 8'd6) ? L4_TCP : (proto == 8'd17) ? L4_UDP : L4_OTHER;
    endfunction

    // Byte n of the L3 header.
    `define L3_BYTE(n) a_l3_reg[(n)*8 +: 8]
    `define L3_U16(n) {a_l3_reg[(n)*8 +: 8], a_l3_reg[((n)+1)*8 +: 8]}

    always @* begin
        p_tags = a_tags_reg;
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
        ver_ihl = `L3_BYTE(0);
        ihl = ver_ihl[3:0];
        hlen = {ihl, 2'b00};
        hlen4 = {ihl + 4'd1 == 4'd0, ihl + 4'd1, 2'b00};
        v4_ports = 32'd0;
        for (b = 5; b < 16; b = b + 1) begin
            if (ihl == b[3:0]) v4_ports = a_l3_reg[b*4*8 +: 32];
        end
        want_ports = 1'b0;

        if (a_runt_reg) begin
            p_tags = 2'd0;
            p_err = ERR_RUNT;
        end else if (a_v4_reg) begin
            p_l3 = L3_IPV4;
            ip_len = `L3_U16(2);
            if (a_room_reg < LEN_WIDTH'(20)) begin
                p_err = ERR_L3_TRUNC;
            end else if (ver_ihl[7:4] != 4'd4 || ihl < 4'd5) begin
                p_err = ERR_L3_BAD;
            end else if (a_room_reg < LEN_WIDTH'(hlen)) begin
                p_err = ERR_L3_TRUNC;
            end else if (ip_len < {10'd0, hlen}) begin
                p_err = ERR_L3_BAD;
            end else begin
                frag_field = `L3_U16(6);
                p_frag = ((frag_field & 16'h3fff) != 16'd0);
                next_proto = `L3_BYTE(9);
                p_l4 = l4_kind(next_proto);
                p_src[127:96] = {`L3_BYTE(12), `L3_BYTE(13), `L3_BYTE(14), `L3_BYTE(15)};
                p_dst[127:96] = {`L3_BYTE(16), `L3_BYTE(17), `L3_BYTE(18), `L3_BYTE(19)};
                want_ports = p_l4 != L4_OTHER && !p_frag;
                // Ports inside both the frame and the datagram (ip_len >= hlen here).
                if (want_ports) begin
                    if (a_room_reg < LEN_WIDTH'(hlen4) || ip_len < {9'd0, hlen4}) begin
                        p_err = ERR_L4_TRUNC;
                    end else begin
                        p_sport = {v4_ports[7:0], v4_ports[15:8]};
                        p_dport = {v4_ports[23:16], v4_ports[31:24]};
                    end
                end
            end
        end else if (a_v6_reg) begin
            p_l3 = L3_IPV6;
            ip_len = `L3_U16(4);
            next_proto = `L3_BYTE(6);
            if (a_room_reg < LEN_WIDTH'(40)) begin
                p_err = ERR_L3_TRUNC;
            end else if (ver_ihl[7:4] != 4'd6) begin
                p_err = ERR_L3_BAD;
            end else begin
                p_l4 = l4_kind(next_proto);
                for (b = 0; b < 16; b = b + 1) begin
                    p_src[127-8*b -: 8] = `L3_BYTE(8 + b);
                    p_dst[127-8*b -: 8] = `L3_BYTE(24 + b);
                end
                want_ports = p_l4 != L4_OTHER;
                if (want_ports) begin
                    if (a_room_reg < LEN_WIDTH'(44) || ip_len < 16'd4) begin
                        p_err = ERR_L4_TRUNC;
                    end else begin
                        p_sport = `L3_U16(40);
                        p_dport = `L3_U16(42);
                    end
                end
            end
        end
    end

    `undef L3_BYTE
    `undef L3_U16

    always @(posedge clk) begin
        out_valid <= a_valid_reg;
        if (a_valid_reg) begin
            out_len <= a_len_reg;
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
