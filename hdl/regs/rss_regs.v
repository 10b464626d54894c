// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"
`include "hilnic_regmap.vh"

// RSS configuration and statistics registers (MRQC, RSSRK, RETA, default queue, classifier
// counters) behind an AXI-Lite slave, at the 82576 offsets given in hdl/regs/REGISTERS.md.
//
// An unmapped address answers DECERR and a write to a counter SLVERR; both leave state alone
// and count in HN_BADACC, so a driver bug shows up as a number rather than as silence.
module rss_regs #(
    // AXI-Lite address width (BAR0 size 2^ADDR_WIDTH bytes); must hold the RSS block.
    parameter integer ADDR_WIDTH = `HN_ADDR_WIDTH
) (
    input  wire                  clk,
    input  wire                  rst,

    input  wire [ADDR_WIDTH-1:0] s_axil_awaddr,
    input  wire [2:0]            s_axil_awprot,
    input  wire                  s_axil_awvalid,
    output wire                  s_axil_awready,
    input  wire [31:0]           s_axil_wdata,
    input  wire [3:0]            s_axil_wstrb,
    input  wire                  s_axil_wvalid,
    output wire                  s_axil_wready,
    output reg  [1:0]            s_axil_bresp,
    output reg                   s_axil_bvalid,
    input  wire                  s_axil_bready,
    input  wire [ADDR_WIDTH-1:0] s_axil_araddr,
    input  wire [2:0]            s_axil_arprot,
    input  wire                  s_axil_arvalid,
    output wire                  s_axil_arready,
    output reg  [31:0]           s_axil_rdata,
    output reg  [1:0]            s_axil_rresp,
    output reg                   s_axil_rvalid,
    input  wire                  s_axil_rready,
    // A write or a read awaits its response (for nic_top's decoder).
    output wire                  wr_busy,
    output wire                  rd_busy,

    // Configuration out: key byte 0 in the MSBs, RETA entry n in [8n+7:8n].
    output wire [319:0]          cfg_key,
    output reg  [31:0]           cfg_mrqc,
    output wire [1023:0]         cfg_reta,
    output reg  [7:0]            cfg_default_queue,

    // Classifier result events (rx_classifier stat_*).
    input  wire                  stat_valid,
    input  wire                  stat_hashed,
    input  wire [2:0]            stat_error,

    // Refused accesses to the other register blocks (one bit per block), counted in HN_BADACC
    // with this one's.
    input  wire [1:0]            ext_bad_access
);

    localparam [1:0] RESP_OKAY = 2'b00, RESP_SLVERR = 2'b10, RESP_DECERR = 2'b11;

    // Array sizes from the register map: key bytes, RETA entries, error counters.
    localparam integer KEY_BYTES = 4 * `HN_REG_RSSRK_COUNT;
    localparam integer RETA_ENTRIES = 4 * `HN_REG_RETA_COUNT;
    localparam integer NUM_ERR = `HN_REG_HN_RSSERR_COUNT;

    generate
        if (ADDR_WIDTH < `HN_ADDR_WIDTH || ADDR_WIDTH > 32) begin : g_bad_addr
            `HILNIC_PARAM_FAIL("rss_regs: ADDR_WIDTH must be 17..32 to hold the RSS registers")
        end
        if (KEY_BYTES != 40 || RETA_ENTRIES != 128) begin : g_bad_map
            `HILNIC_PARAM_FAIL("rss_regs: hilnic.rdl must give RSSRK 40 bytes and RETA 128 entries")
        end
    endgenerate

    // Register addresses at this slave's width, from the generated map.
    localparam [ADDR_WIDTH-1:0] A_MRQC = `HN_REG_MRQC;
    localparam [ADDR_WIDTH-1:0] A_DEFQ = `HN_REG_HN_RSSDEFQ;
    localparam [ADDR_WIDTH-1:0] A_FRAMES = `HN_REG_HN_RSSFRAMES;
    localparam [ADDR_WIDTH-1:0] A_HASHED = `HN_REG_HN_RSSHASHED;
    localparam [ADDR_WIDTH-1:0] A_ERR = `HN_REG_HN_RSSERR;
    localparam [ADDR_WIDTH-1:0] A_BADACC = `HN_REG_HN_BADACC;
    localparam [ADDR_WIDTH-1:0] A_RETA = `HN_REG_RETA;
    localparam [ADDR_WIDTH-1:0] A_RSSRK = `HN_REG_RSSRK;
    localparam [ADDR_WIDTH-1:0] ERR_SPAN = 4 * `HN_REG_HN_RSSERR_COUNT;
    localparam [ADDR_WIDTH-1:0] RETA_SPAN = 4 * `HN_REG_RETA_COUNT;
    localparam [ADDR_WIDTH-1:0] RSSRK_SPAN = 4 * `HN_REG_RSSRK_COUNT;

    reg [7:0]  key_reg [0:KEY_BYTES-1];
    reg [7:0]  reta_reg [0:RETA_ENTRIES-1];
    reg [31:0] frames_reg, hashed_reg, badacc_reg;
    reg [31:0] err_reg [0:NUM_ERR-1];  // error code n + 1

    genvar gi;
    generate
        for (gi = 0; gi < KEY_BYTES; gi = gi + 1) begin : g_key
            assign cfg_key[319 - 8*gi -: 8] = key_reg[gi];
        end
        for (gi = 0; gi < RETA_ENTRIES; gi = gi + 1) begin : g_reta
            assign cfg_reta[8*gi +: 8] = reta_reg[gi];
        end
    endgenerate

    // ---- decode: which register an address names, and the index inside an array -------------
    localparam [2:0] R_NONE = 3'd0, R_MRQC = 3'd1, R_DEFQ = 3'd2, R_RETA = 3'd3, R_RSSRK = 3'd4,
                     R_COUNTER = 3'd5;

    function automatic [2:0] decode(input [ADDR_WIDTH-1:0] a);
        begin
            decode = R_NONE;
            if (a == A_MRQC) decode = R_MRQC;
            if (a == A_DEFQ) decode = R_DEFQ;
            if (a - A_RETA < RETA_SPAN) decode = R_RETA;
            if (a - A_RSSRK < RSSRK_SPAN) decode = R_RSSRK;
            if (a == A_FRAMES || a == A_HASHED || a == A_BADACC || a - A_ERR < ERR_SPAN)
                decode = R_COUNTER;
        end
    endfunction

    // ---- write channel: AW and W taken together, one response at a time ----------------------
    wire                  wr_en = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
    wire [ADDR_WIDTH-1:0] wr_addr = {s_axil_awaddr[ADDR_WIDTH-1:2], 2'b00};
    wire [2:0]            wr_reg = decode(wr_addr);
    wire [ADDR_WIDTH-1:0] wr_reta_off = wr_addr - A_RETA;
    wire [ADDR_WIDTH-1:0] wr_key_off = wr_addr - A_RSSRK;
    wire                  wr_ok = wr_reg != R_NONE && wr_reg != R_COUNTER;
    assign s_axil_awready = wr_en;
    assign s_axil_wready = wr_en;

    // ---- read channel: take and decode, then select (R comes two cycles after AR) -------------
    // The decode of the address and the 128-entry RETA mux do not fit one cycle at 156.25 MHz
    // together; the register stage between them costs the read one cycle.
    reg                   r1_valid;
    assign rd_busy = r1_valid || s_axil_rvalid;
    assign wr_busy = s_axil_bvalid;
    wire                  rd_en = s_axil_arvalid && !rd_busy;
    wire [ADDR_WIDTH-1:0] rd_addr = {s_axil_araddr[ADDR_WIDTH-1:2], 2'b00};
    wire [2:0]            rd_reg = decode(rd_addr);
    wire [ADDR_WIDTH-1:0] rd_reta_off = rd_addr - A_RETA;
    wire [ADDR_WIDTH-1:0] rd_key_off = rd_addr - A_RSSRK;
    wire [ADDR_WIDTH-1:0] rd_err_off = rd_addr - A_ERR;
    // Counters by number: HN_RSSERR n as n, then HN_RSSFRAMES, HN_RSSHASHED, HN_BADACC as 8-10.
    wire [3:0]            rd_cnt = rd_addr == A_FRAMES ? 4'd8 : rd_addr == A_HASHED ? 4'd9 :
                                   rd_addr == A_BADACC ? 4'd10 : {1'b0, rd_err_off[4:2]};
    assign s_axil_arready = rd_en;

    reg [2:0] r1_reg;
    reg [4:0] r1_reta_word;  // RETA entries 4n..4n+3
    reg [3:0] r1_key_word;   // key bytes 4n..4n+3
    reg [3:0] r1_cnt;

    // The key word from cfg_key (byte 0 in the MSBs), padded to 16 words: indexing key_reg
    // with the word number's spare codes would make Yosys add flip-flops for key bytes that
    // do not exist (the registered index turns the read into a synchronous memory port).
    wire [511:0] key_pad = {cfg_key, 192'd0};
    wire [31:0]  key_word = key_pad[511 - 32*r1_key_word -: 32];

    reg [31:0] rd_data;
    always @* begin
        rd_data = 32'd0;
        case (r1_reg)
            R_MRQC:  rd_data = cfg_mrqc;
            R_DEFQ:  rd_data = {24'd0, cfg_default_queue};
            R_RETA:  rd_data = cfg_reta[32*r1_reta_word +: 32];
            R_RSSRK: rd_data = {key_word[7:0], key_word[15:8], key_word[23:16], key_word[31:24]};
            R_COUNTER: begin
                case (r1_cnt)
                    4'd8: rd_data = frames_reg;
                    4'd9: rd_data = hashed_reg;
                    4'd10: rd_data = badacc_reg;
                    default: rd_data = err_reg[r1_cnt[2:0]];
                endcase
            end
            default: rd_data = 32'd0;
        endcase
    end

    // ---- state ------------------------------------------------------------------------------
    wire bad_wr = wr_en && !wr_ok;
    wire bad_rd = r1_valid && r1_reg == R_NONE;
    reg  [3:0] bad_q;
    wire [6:0] wr_reta_base = {wr_reta_off[6:2], 2'b00};
    wire [5:0] wr_key_base = {wr_key_off[5:2], 2'b00};
    integer b, n;

    always @(posedge clk) begin
        if (wr_en) begin
            s_axil_bvalid <= 1'b1;
            s_axil_bresp <= wr_ok ? RESP_OKAY : wr_reg == R_COUNTER ? RESP_SLVERR : RESP_DECERR;
            for (b = 0; b < 4; b = b + 1) begin
                if (s_axil_wstrb[b]) begin
                    case (wr_reg)
                        R_MRQC:  cfg_mrqc[8*b +: 8] <= s_axil_wdata[8*b +: 8];
                        R_DEFQ:  if (b == 0) cfg_default_queue <=
                            s_axil_wdata[`HN_RSSDEFQ_QUEUE_MSB:`HN_RSSDEFQ_QUEUE_LSB];
                        R_RETA:  reta_reg[wr_reta_base + b[6:0]] <= s_axil_wdata[8*b +: 8];
                        R_RSSRK: key_reg[wr_key_base + b[5:0]] <= s_axil_wdata[8*b +: 8];
                        default: ;
                    endcase
                end
            end
        end else if (s_axil_bready) begin
            s_axil_bvalid <= 1'b0;
        end

        r1_valid <= rd_en;
        if (rd_en) begin
            r1_reg <= rd_reg;
            r1_reta_word <= rd_reta_off[6:2];
            r1_key_word <= rd_key_off[5:2];
            r1_cnt <= rd_cnt;
        end
        if (r1_valid) begin
            s_axil_rvalid <= 1'b1;
            s_axil_rdata <= rd_data;
            s_axil_rresp <= r1_reg == R_NONE ? RESP_DECERR : RESP_OKAY;
        end else if (s_axil_rready) begin
            s_axil_rvalid <= 1'b0;
        end

        // Refusals are counted a cycle after they happen: the decode (here, and in the other
        // blocks for ext_bad_access) and the 32-bit add do not fit one cycle together.
        bad_q <= {bad_wr, bad_rd, ext_bad_access};
        badacc_reg <= badacc_reg + {31'd0, bad_q[3]} + {31'd0, bad_q[2]} + {31'd0, bad_q[1]}
                      + {31'd0, bad_q[0]};

        if (stat_valid) begin
            frames_reg <= frames_reg + 32'd1;
            hashed_reg <= hashed_reg + {31'd0, stat_hashed};
            if (stat_error != 3'd0) err_reg[stat_error - 3'd1] <= err_reg[stat_error - 3'd1] + 32'd1;
        end

        if (rst) begin
            s_axil_bvalid <= 1'b0;
            s_axil_bresp <= RESP_OKAY;
            s_axil_rvalid <= 1'b0;
            s_axil_rdata <= 32'd0;
            s_axil_rresp <= RESP_OKAY;
            r1_valid <= 1'b0;
            cfg_mrqc <= 32'd0;
            cfg_default_queue <= 8'd0;
            frames_reg <= 32'd0;
            hashed_reg <= 32'd0;
            badacc_reg <= 32'd0;
            bad_q <= 4'd0;
            for (n = 0; n < NUM_ERR; n = n + 1) err_reg[n] <= 32'd0;
            for (n = 0; n < RETA_ENTRIES; n = n + 1) reta_reg[n] <= 8'd0;
            for (n = 0; n < KEY_BYTES; n = n + 1) key_reg[n] <= 8'd0;
        end
    end

    // Protection bits carry nothing here; of the offsets only the index bits matter (the range
    // check in decode() has already used the rest).
    wire unused_bits = &{1'b0, s_axil_awprot, s_axil_arprot, s_axil_awaddr[1:0],
                         s_axil_araddr[1:0], wr_reta_off, wr_key_off, rd_reta_off, rd_key_off,
                         rd_err_off};

endmodule

`resetall
