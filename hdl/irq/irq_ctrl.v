// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"
`include "hilnic_regmap.vh"

// MSI-X interrupt controller: 82576-style cause and mask registers (EICR, EICS, EIMS, EIMC,
// EIAC, EIAM, GPIE, ICR, IMS, IMC), the queue-to-vector map (IVAR, IVAR_MISC), per-vector
// moderation (EITR), the MSI-X table and PBA, and the message writer. A vector fires as one
// posted 32-bit memory write of its message data to its message address (hdl/DATAPATH.md,
// "Interrupts").
//
// A vector v owes a message when EICR[v] & EIMS[v] and no message has gone for the cause yet
// (a new cause or an EIMS re-arm makes it owed again). It fires once its moderation counter has
// run out, MSI-X is enabled and neither the vector nor the function is masked; a masked vector
// shows its owed message in the PBA and fires when unmasked. Rings past the 16 that IVAR
// describes raise no interrupt (poll them).
//
// For timing the message writer is two stages: the cycle a vector fires (its EICR, EIMS and
// moderation state change then) registers its address and data; the next cycle checks the
// address against the window and offers the write, or counts a refused one. A refusal (or an
// error response) reaches ICR.MSIERR a cycle after it is seen. Each vector's moderation
// counter keeps a "has run out" flag beside it, so firing does not compare 24 bits first.
module irq_ctrl #(
    // Receive and transmit rings (IVAR entries exist for the first 16 of each).
    parameter integer NUM_RX_QUEUES = 16,
    parameter integer NUM_TX_QUEUES = 16,
    // MSI-X vectors, 1..25 (the 82576 PF has 10).
    parameter integer NUM_VECTORS = 10,
    // Register address width (BAR0).
    parameter integer ADDR_WIDTH = 17,
    // DMA line width in bits and DMA address width.
    parameter integer DMA_DATA_WIDTH = 512,
    parameter integer DMA_ADDR_WIDTH = 48,
    // Clock period in ps (EITR counts microseconds).
    parameter integer CLOCK_PS = 6400
) (
    input  wire                          clk,
    input  wire                          rst,

    input  wire [ADDR_WIDTH-1:0]         s_axil_awaddr,
    input  wire                          s_axil_awvalid,
    output wire                          s_axil_awready,
    input  wire [31:0]                   s_axil_wdata,
    input  wire [3:0]                    s_axil_wstrb,
    input  wire                          s_axil_wvalid,
    output wire                          s_axil_wready,
    output reg  [1:0]                    s_axil_bresp,
    output reg                           s_axil_bvalid,
    input  wire                          s_axil_bready,
    input  wire [ADDR_WIDTH-1:0]         s_axil_araddr,
    input  wire                          s_axil_arvalid,
    output wire                          s_axil_arready,
    output reg  [31:0]                   s_axil_rdata,
    output reg  [1:0]                    s_axil_rresp,
    output reg                           s_axil_rvalid,
    input  wire                          s_axil_rready,
    // An access this block refused (for HN_BADACC).
    output wire                          bad_access,

    // Causes: a frame delivered on an RX ring (after its write-back landed), a TX head
    // write-back landed, a queue stopped, the link input.
    input  wire                          ev_rx_valid,
    input  wire [7:0]                    ev_rx_queue,
    input  wire                          ev_tx_valid,
    input  wire [7:0]                    ev_tx_queue,
    input  wire                          ev_qstop,
    input  wire                          link_up,

    // Message writes: single-beat AXI4 writes (AW and W offered together).
    output reg  [DMA_ADDR_WIDTH-1:0]     m_axi_awaddr,
    output wire [7:0]                    m_axi_awlen,
    output wire [2:0]                    m_axi_awsize,
    output reg                           m_axi_awvalid,
    input  wire                          m_axi_awready,
    output reg  [DMA_DATA_WIDTH-1:0]     m_axi_wdata,
    output reg  [DMA_DATA_WIDTH/8-1:0]   m_axi_wstrb,
    output wire                          m_axi_wlast,
    output reg                           m_axi_wvalid,
    input  wire                          m_axi_wready,
    input  wire [1:0]                    m_axi_bresp,
    input  wire                          m_axi_bvalid,
    output wire                          m_axi_bready
);

    function automatic integer gcd(input integer a, input integer b);
        integer x, y, t;
        begin
            x = a;
            y = b;
            while (y != 0) begin
                t = x % y;
                x = y;
                y = t;
            end
            gcd = x;
        end
    endfunction

    localparam integer NV = NUM_VECTORS;
    localparam integer LB = DMA_DATA_WIDTH / 8;
    localparam integer LBW = $clog2(LB);
    localparam integer VW = `HN_IVAR_INT_ALLOC0_WIDTH;  // vector number in an IVAR entry
    localparam integer VIW = NV > 1 ? $clog2(NV) : 1;  // index width of per-vector state
    // Moderation in cycles is ceil(us * 1e6 / CLOCK_PS). Written as us * ITR_NUM / ITR_DEN
    // with the fraction reduced, and the division as a multiply by ITR_M = ceil(2^ITR_S /
    // ITR_DEN) and a shift, it needs no divider: exact whenever x * (ITR_M * ITR_DEN - 2^ITR_S)
    // < 2^ITR_S, which ITR_S = (bits of x) + (bits of ITR_DEN) guarantees for every interval.
    // At 6400 ps the fraction is 625/4: a constant multiply and a shift (the divider it
    // replaces was the design's longest path, 82 LUT levels).
    localparam integer ITR_G = gcd(1000000, CLOCK_PS);
    localparam integer ITR_NUM = 1000000 / ITR_G, ITR_DEN = CLOCK_PS / ITR_G;
    localparam integer ITR_XW = `HN_EITR_INTERVAL_WIDTH + $clog2(ITR_NUM + 1) + 1;
    localparam integer ITR_S = ITR_XW + $clog2(ITR_DEN + 1);
    localparam [63:0] ITR_M = ((64'd1 << ITR_S) + 64'(ITR_DEN) - 64'd1) / 64'(ITR_DEN);
    localparam [1:0] RESP_OKAY = 2'b00, RESP_SLVERR = 2'b10, RESP_DECERR = 2'b11;
    localparam integer ICR_LSC = `HN_ICR_LSC_LSB, ICR_MSIERR = `HN_ICR_MSIERR_LSB,
                     ICR_QSTOP = `HN_ICR_QSTOP_LSB;

    generate
        if (NV < 1 || NV > 25) begin : g_bad_vectors
            `HILNIC_PARAM_FAIL("irq_ctrl: NUM_VECTORS must be 1..25")
        end
        if (NUM_RX_QUEUES < 1 || NUM_RX_QUEUES > 128 || NUM_TX_QUEUES < 1 ||
            NUM_TX_QUEUES > 128) begin : g_bad_queues
            `HILNIC_PARAM_FAIL("irq_ctrl: queue counts must be 1..128")
        end
        if (CLOCK_PS < 1000 || CLOCK_PS > 100000) begin : g_bad_clock
            `HILNIC_PARAM_FAIL("irq_ctrl: CLOCK_PS must be 1000..100000")
        end
        if (DMA_DATA_WIDTH < 128 || (DMA_DATA_WIDTH & (DMA_DATA_WIDTH - 1)) != 0)
        begin : g_bad_width
            `HILNIC_PARAM_FAIL("irq_ctrl: DMA_DATA_WIDTH must be a power of two >= 128")
        end
        if (DMA_ADDR_WIDTH < 32 || DMA_ADDR_WIDTH > 64) begin : g_bad_addr
            `HILNIC_PARAM_FAIL("irq_ctrl: DMA_ADDR_WIDTH must be 32..64")
        end
    endgenerate

    // ---- registers --------------------------------------------------------------------------
    reg [31:0]    icr_reg, ims_reg, gpie_reg, ivar_misc_reg;
    reg [NV-1:0]  eicr_reg, eims_reg, eiac_reg, eiam_reg, sent_reg;
    reg [`HN_EITR_INTERVAL_WIDTH-1:0] eitr_reg [0:NV-1];
    reg [31:0]    ivar_reg [0:7];
    reg [31:0]    tadd_reg [0:NV-1];
    reg [31:0]    tuadd_reg [0:NV-1];
    reg [31:0]    tmsg_reg [0:NV-1];
    reg [NV-1:0]  tmask_reg;
    reg [1:0]     msixctl_reg;
    reg [63:0]    wbase_reg, wlimit_reg;
    reg [31:0]    msierr_reg, msisent_reg;
    reg [23:0]    itr_cnt_reg [0:NV-1];  // cycles until the vector may fire again
    reg [NV-1:0]  itr_zero_reg;           // itr_cnt_reg[v] == 0
    reg           link_reg;

    // ---- address decode ---------------------------------------------------------------------
    localparam [3:0] R_NONE = 4'd0, R_SIMPLE = 4'd1, R_EITR = 4'd2, R_IVAR = 4'd3,
                     R_TADD = 4'd4, R_TUADD = 4'd5, R_TMSG = 4'd6, R_TVCTRL = 4'd7,
                     R_PBA = 4'd8, R_COUNTER = 4'd9;
    localparam integer A_EITR = `HN_REG_EITR, A_IVAR = `HN_REG_IVAR, A_TBL = `HN_REG_MSIXTADD;

    /* verilator lint_off UNUSEDSIGNAL */
    // Register kind and index (vector or IVAR number) of a word address.
    function automatic [8:0] decode(input [ADDR_WIDTH-1:0] a);
        integer off, ai;
        begin
            decode = {R_NONE, 5'd0};
            off = 0;
            ai = {{(32-ADDR_WIDTH){1'b0}}, a};
            case (a)
                `HN_REG_ICR, `HN_REG_IMS, `HN_REG_IMC, `HN_REG_GPIE, `HN_REG_EICS,
                `HN_REG_EIMS, `HN_REG_EIMC, `HN_REG_EIAC, `HN_REG_EIAM, `HN_REG_EICR,
                `HN_REG_IVAR_MISC, `HN_REG_HN_MSIXCTL, `HN_REG_HN_MSIWBASE,
                `HN_REG_HN_MSIWBASE + 4, `HN_REG_HN_MSIWLIMIT, `HN_REG_HN_MSIWLIMIT + 4:
                    decode = {R_SIMPLE, 5'd0};
                `HN_REG_HN_MSIERR, `HN_REG_HN_MSISENT: decode = {R_COUNTER, 5'd0};
                `HN_REG_MSIXPBA: decode = {R_PBA, 5'd0};
                default: begin
                    if (ai >= A_EITR && ai < A_EITR + 4 * NV) begin
                        off = (ai - A_EITR) / 4;
                        decode = {R_EITR, off[4:0]};
                    end else if (ai >= A_IVAR && ai < A_IVAR + 32) begin
                        off = (ai - A_IVAR) / 4;
                        decode = {R_IVAR, off[4:0]};
                    end else if (ai >= A_TBL && ai < A_TBL + 16 * NV) begin
                        off = (ai - A_TBL) / 16;
                        case (a[3:2])
                            2'd0: decode = {R_TADD, off[4:0]};
                            2'd1: decode = {R_TUADD, off[4:0]};
                            2'd2: decode = {R_TMSG, off[4:0]};
                            default: decode = {R_TVCTRL, off[4:0]};
                        endcase
                    end
                end
            endcase
        end
    endfunction

    // ---- write channel: AW and W together, one response at a time ---------------------------
    wire                  wr_en = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
    wire [ADDR_WIDTH-1:0] wr_addr = {s_axil_awaddr[ADDR_WIDTH-1:2], 2'b00};
    wire [8:0]            wr_dec = decode(wr_addr);
    wire [3:0]            wr_kind = wr_dec[8:5];
    wire [4:0]            wr_idx = wr_dec[4:0];
    wire [VIW-1:0]        wr_i = wr_idx[VIW-1:0];
    wire                  wr_ok = wr_kind != R_NONE && wr_kind != R_COUNTER && wr_kind != R_PBA;
    wire [31:0]           wd = s_axil_wdata;  // strobes: registers take whole words
    assign s_axil_awready = wr_en;
    assign s_axil_wready = wr_en;

    wire                  rd_en = s_axil_arvalid && !s_axil_rvalid;
    wire [ADDR_WIDTH-1:0] rd_addr = {s_axil_araddr[ADDR_WIDTH-1:2], 2'b00};
    wire [8:0]            rd_dec = decode(rd_addr);
    wire [3:0]            rd_kind = rd_dec[8:5];
    wire [4:0]            rd_idx = rd_dec[4:0];
    wire [VIW-1:0]        rd_i = rd_idx[VIW-1:0];
    assign s_axil_arready = rd_en;
    assign bad_access = (wr_en && !wr_ok) || (rd_en && rd_kind == R_NONE);

    // ---- causes -----------------------------------------------------------------------------
    // Queue -> vector entry for RX (tx = 0) or TX (tx = 1) queue q, from its IVAR word. The word
    // is an argument, not read from ivar_reg inside: Icarus re-evaluates a continuous
    // assignment only when its arguments change, so a function reading the array would miss
    // IVAR writes.
    function automatic [7:0] ivar_entry(input [31:0] word, input [7:0] q, input tx);
        ivar_entry = word[{q[3], tx, 3'b000} +: 8];
    endfunction

    function automatic [NV-1:0] vec_bit(input [7:0] entry);
        begin
            vec_bit = {NV{1'b0}};
            if (entry[`HN_IVAR_INT_ALLOC_VAL0_LSB] && {3'd0, entry[VW-1:0]} < NV[7:0])
                vec_bit[entry[VIW-1:0]] = 1'b1;
        end
    endfunction
    /* verilator lint_on UNUSEDSIGNAL */

    wire [7:0]    rx_entry = ivar_entry(ivar_reg[ev_rx_queue[2:0]], ev_rx_queue, 1'b0);
    wire [7:0]    tx_entry = ivar_entry(ivar_reg[ev_tx_queue[2:0]], ev_tx_queue, 1'b1);
    wire [NV-1:0] rx_cause = ev_rx_valid && ev_rx_queue < 8'd16 ? vec_bit(rx_entry) : {NV{1'b0}};
    wire [NV-1:0] tx_cause = ev_tx_valid && ev_tx_queue < 8'd16 ? vec_bit(tx_entry) : {NV{1'b0}};

    reg  [31:0] icr_set;  // other causes raised this cycle (below, after the message writer)
    wire [31:0] icr_new = icr_set & ~icr_reg & ims_reg;
    wire [7:0]    misc_entry =  // IVAR_MISC's entry for the other causes
        ivar_misc_reg[`HN_IVAR_MISC_INT_ALLOC_VAL_LSB:`HN_IVAR_MISC_INT_ALLOC_LSB];
    wire [NV-1:0] other_cause = icr_new != 32'd0 ? vec_bit(misc_entry) : {NV{1'b0}};
    wire [NV-1:0] hw_cause = rx_cause | tx_cause | other_cause;

    // ---- firing -----------------------------------------------------------------------------
    reg [NV-1:0] ready_vec;  // owed and out of moderation
    integer rv;
    always @* begin
        for (rv = 0; rv < NV; rv = rv + 1)
            ready_vec[rv] = eicr_reg[rv] && eims_reg[rv] && !sent_reg[rv] && itr_zero_reg[rv];
    end
    wire         fn_masked = !msixctl_reg[`HN_MSIXCTL_ENABLE_LSB] ||
                             msixctl_reg[`HN_MSIXCTL_FUNCTION_MASK_LSB];
    wire [NV-1:0] fire_ok = ready_vec & ~tmask_reg & {NV{!fn_masked}};
    wire [NV-1:0] pba = ready_vec & (tmask_reg | {NV{fn_masked}});

    // The lowest-numbered vector that may fire goes first.
    reg          pick_found;
    reg [VW-1:0] pick;
    integer pv;
    always @* begin
        pick_found = 1'b0;
        pick = {VW{1'b0}};
        for (pv = NV - 1; pv >= 0; pv = pv - 1)
            if (fire_ok[pv]) begin
                pick_found = 1'b1;
                pick = pv[VW-1:0];
            end
    end

    wire [VIW-1:0] pick_i = pick[VIW-1:0];
    wire [63:0] msg_addr = {tuadd_reg[pick_i], tadd_reg[pick_i] & `HN_MSIXTADD_ADDR_MASK};
    reg         busy_reg;   // a message write is offered or awaits its response
    reg         l_valid_reg;  // stage 2: a vector fired last cycle
    reg  [63:0] l_addr_reg;
    reg  [31:0] l_data_reg;
    reg         msierr_ev_reg;  // a refused message or an error response, last cycle
    wire        launch = pick_found && !busy_reg && !l_valid_reg;
    // In the window: base <= addr and addr + 4 <= limit (a 64-bit sum, so addr + 4 may wrap to
    // 0), and below 2^DMA_ADDR_WIDTH. addr is a multiple of 4, so addr + 4 <= limit is
    // addr + 3 < limit, which needs no adder, unless addr + 4 wraps (only possible, and then
    // true, with 64 address bits).
    wire        msg_in_window = l_addr_reg >= wbase_reg &&
                                ({l_addr_reg[63:2], 2'b11} < wlimit_reg ||
                                 (DMA_ADDR_WIDTH == 64 && &l_addr_reg[63:2])) &&
                                (l_addr_reg >> DMA_ADDR_WIDTH) == 64'd0;
    wire [LBW-3:0] lane = l_addr_reg[LBW-1:2];

    // Moderation reload in cycles: ceil(interval_us * 1e6 / CLOCK_PS) (see ITR_M above).
    function automatic [23:0] itr_cycles(input [`HN_EITR_INTERVAL_WIDTH-1:0] us);
        reg [ITR_XW-1:0] x;
        reg [ITR_XW+63:0] c;
        begin
            x = ITR_XW'(us) * ITR_XW'(ITR_NUM) + ITR_XW'(ITR_DEN - 1);
            c = ((ITR_XW+64)'(x) * (ITR_XW+64)'(ITR_M)) >> ITR_S;
            itr_cycles = c > (ITR_XW+64)'(24'hFFFFFF) ? 24'hFFFFFF : c[23:0];
        end
    endfunction

    assign m_axi_awlen = 8'd0;
    assign m_axi_awsize = LBW[2:0];
    assign m_axi_wlast = 1'b1;
    assign m_axi_bready = 1'b1;

    // ---- read data --------------------------------------------------------------------------
    reg [31:0] rd_data;
    always @* begin
        rd_data = 32'd0;
        case (rd_kind)
            R_SIMPLE: case (rd_addr)
                `HN_REG_ICR: rd_data = icr_reg;
                `HN_REG_IMS: rd_data = ims_reg;
                `HN_REG_GPIE: rd_data = gpie_reg;
                `HN_REG_EIMS: rd_data = 32'(eims_reg);
                `HN_REG_EIAC: rd_data = 32'(eiac_reg);
                `HN_REG_EIAM: rd_data = 32'(eiam_reg);
                `HN_REG_EICR: rd_data = 32'(eicr_reg);
                `HN_REG_IVAR_MISC: rd_data = ivar_misc_reg;
                `HN_REG_HN_MSIXCTL: rd_data = {30'd0, msixctl_reg};
                `HN_REG_HN_MSIWBASE: rd_data = wbase_reg[31:0];
                `HN_REG_HN_MSIWBASE + 4: rd_data = wbase_reg[63:32];
                `HN_REG_HN_MSIWLIMIT: rd_data = wlimit_reg[31:0];
                `HN_REG_HN_MSIWLIMIT + 4: rd_data = wlimit_reg[63:32];
                default: rd_data = 32'd0;  // IMC, EICS, EIMC read 0
            endcase
            R_COUNTER: rd_data = rd_addr == `HN_REG_HN_MSIERR ? msierr_reg : msisent_reg;
            R_PBA: rd_data = 32'(pba);
            R_EITR: rd_data = 32'(eitr_reg[rd_i]) << `HN_EITR_INTERVAL_LSB;
            R_IVAR: rd_data = ivar_reg[rd_idx[2:0]];
            R_TADD: rd_data = tadd_reg[rd_i] & `HN_MSIXTADD_ADDR_MASK;
            R_TUADD: rd_data = tuadd_reg[rd_i];
            R_TMSG: rd_data = tmsg_reg[rd_i];
            R_TVCTRL: rd_data = 32'(tmask_reg[rd_i]) << `HN_MSIXTVCTRL_MASK_LSB;
            default: rd_data = 32'd0;
        endcase
    end

    // ---- state ------------------------------------------------------------------------------
    wire          w_simple = wr_en && wr_kind == R_SIMPLE;
    wire [NV-1:0] wr_bits = wd[NV-1:0];
    wire          wr_eics = w_simple && wr_addr == `HN_REG_EICS;
    wire          wr_eims = w_simple && wr_addr == `HN_REG_EIMS;
    wire          wr_eimc = w_simple && wr_addr == `HN_REG_EIMC;
    wire          wr_eicr = w_simple && wr_addr == `HN_REG_EICR;
    localparam [NV-1:0] ONE = 1;
    wire [NV-1:0] fired = launch ? ONE << pick_i : {NV{1'b0}};
    wire          auto_mask = gpie_reg[`HN_GPIE_EIAME_LSB];

    always @* begin
        icr_set = 32'd0;
        icr_set[ICR_LSC] = link_up != link_reg;
        icr_set[ICR_QSTOP] = ev_qstop;
        icr_set[ICR_MSIERR] = msierr_ev_reg;
    end

    integer v;
    always @(posedge clk) begin
        link_reg <= link_up;
        icr_reg <= (icr_reg | icr_set) & ~(w_simple && wr_addr == `HN_REG_ICR ? wd : 32'd0);
        if (w_simple && wr_addr == `HN_REG_IMS) ims_reg <= ims_reg | wd;
        if (w_simple && wr_addr == `HN_REG_IMC) ims_reg <= ims_reg & ~wd;

        // EICR: causes and software sets in, write-1-clear and auto-clear out. A new cause,
        // a software set or a re-arm makes the vector owe a message again.
        eicr_reg <= (eicr_reg | hw_cause | (wr_eics ? wr_bits : {NV{1'b0}}))
                    & ~(wr_eicr ? wr_bits : {NV{1'b0}}) & ~(fired & eiac_reg);
        eims_reg <= (eims_reg | (wr_eims ? wr_bits : {NV{1'b0}}))
                    & ~(wr_eimc ? wr_bits : {NV{1'b0}})
                    & ~(auto_mask ? fired & eiam_reg : {NV{1'b0}});
        sent_reg <= (sent_reg | fired)
                    & ~(hw_cause | (wr_eics ? wr_bits : {NV{1'b0}})
                        | (wr_eims ? wr_bits : {NV{1'b0}}));

        for (v = 0; v < NV; v = v + 1) begin
            if (fired[v]) itr_cnt_reg[v] <= itr_cycles(eitr_reg[v]);
            else if (itr_cnt_reg[v] != 24'd0) itr_cnt_reg[v] <= itr_cnt_reg[v] - 24'd1;
            // The reload is 0 exactly when the interval is 0 (itr_cycles rounds up).
            if (fired[v]) itr_zero_reg[v] <= eitr_reg[v] == {`HN_EITR_INTERVAL_WIDTH{1'b0}};
            else itr_zero_reg[v] <= itr_cnt_reg[v] <= 24'd1;
        end

        // Register writes.
        if (wr_en) begin
            s_axil_bvalid <= 1'b1;
            s_axil_bresp <= wr_ok ? RESP_OKAY
                            : (wr_kind == R_COUNTER || wr_kind == R_PBA) ? RESP_SLVERR
                            : RESP_DECERR;
            case (wr_kind)
                R_SIMPLE: case (wr_addr)
                    `HN_REG_GPIE: gpie_reg <= wd;
                    `HN_REG_EIAC: eiac_reg <= wr_bits;
                    `HN_REG_EIAM: eiam_reg <= wr_bits;
                    `HN_REG_IVAR_MISC: ivar_misc_reg <= wd & `HN_IVAR_MISC_WMASK;
                    `HN_REG_HN_MSIXCTL:
                        msixctl_reg <= wd[`HN_MSIXCTL_FUNCTION_MASK_LSB:`HN_MSIXCTL_ENABLE_LSB];
                    `HN_REG_HN_MSIWBASE: wbase_reg[31:0] <= wd;
                    `HN_REG_HN_MSIWBASE + 4: wbase_reg[63:32] <= wd;
                    `HN_REG_HN_MSIWLIMIT: wlimit_reg[31:0] <= wd;
                    `HN_REG_HN_MSIWLIMIT + 4: wlimit_reg[63:32] <= wd;
                    default: ;
                endcase
                R_EITR: eitr_reg[wr_i] <= wd[`HN_EITR_INTERVAL_MSB:`HN_EITR_INTERVAL_LSB];
                R_IVAR: ivar_reg[wr_idx[2:0]] <= wd & `HN_IVAR_WMASK;
                R_TADD: tadd_reg[wr_i] <= wd;
                R_TUADD: tuadd_reg[wr_i] <= wd;
                R_TMSG: tmsg_reg[wr_i] <= wd;
                R_TVCTRL: tmask_reg[wr_i] <= wd[`HN_MSIXTVCTRL_MASK_LSB];
                default: ;
            endcase
        end else if (s_axil_bready) begin
            s_axil_bvalid <= 1'b0;
        end

        if (rd_en) begin
            s_axil_rvalid <= 1'b1;
            s_axil_rdata <= rd_data;
            s_axil_rresp <= rd_kind == R_NONE ? RESP_DECERR : RESP_OKAY;
        end else if (s_axil_rready) begin
            s_axil_rvalid <= 1'b0;
        end

        // Message writer: one message in flight; a refused address writes nothing. Stage 1
        // (the firing cycle) takes the vector's address and data, stage 2 checks the window.
        l_valid_reg <= launch;
        if (launch) begin
            l_addr_reg <= msg_addr;
            l_data_reg <= tmsg_reg[pick_i];
        end
        msierr_ev_reg <= (l_valid_reg && !msg_in_window) ||
                         (busy_reg && m_axi_bvalid && m_axi_bresp[1]);
        if (msierr_ev_reg) msierr_reg <= msierr_reg + 32'd1;
        if (l_valid_reg && msg_in_window) begin
            busy_reg <= 1'b1;
            m_axi_awaddr <= {l_addr_reg[DMA_ADDR_WIDTH-1:LBW], {LBW{1'b0}}};
            m_axi_awvalid <= 1'b1;
            m_axi_wvalid <= 1'b1;
            m_axi_wdata <= {{(DMA_DATA_WIDTH-32){1'b0}}, l_data_reg} << (32 * lane);
            m_axi_wstrb <= {{(LB-4){1'b0}}, 4'hf} << (4 * lane);
        end
        if (busy_reg) begin
            if (m_axi_awready) m_axi_awvalid <= 1'b0;
            if (m_axi_wready) m_axi_wvalid <= 1'b0;
            if (m_axi_bvalid) begin
                busy_reg <= 1'b0;
                if (!m_axi_bresp[1]) msisent_reg <= msisent_reg + 32'd1;
            end
        end

        if (rst) begin
            s_axil_bvalid <= 1'b0;
            s_axil_bresp <= RESP_OKAY;
            s_axil_rvalid <= 1'b0;
            s_axil_rdata <= 32'd0;
            s_axil_rresp <= RESP_OKAY;
            icr_reg <= 32'd0;
            ims_reg <= 32'd0;
            gpie_reg <= 32'd0;
            ivar_misc_reg <= 32'd0;
            eicr_reg <= {NV{1'b0}};
            eims_reg <= {NV{1'b0}};
            eiac_reg <= {NV{1'b0}};
            eiam_reg <= {NV{1'b0}};
            sent_reg <= {NV{1'b0}};
            tmask_reg <= {NV{1'b1}};
            msixctl_reg <= 2'd0;
            wbase_reg <= 64'd0;
            wlimit_reg <= 64'd0;
            msierr_reg <= 32'd0;
            msisent_reg <= 32'd0;
            busy_reg <= 1'b0;
            l_valid_reg <= 1'b0;
            msierr_ev_reg <= 1'b0;
            itr_zero_reg <= {NV{1'b1}};
            m_axi_awvalid <= 1'b0;
            m_axi_wvalid <= 1'b0;
            link_reg <= link_up;
            for (v = 0; v < NV; v = v + 1) begin
                eitr_reg[v] <= {`HN_EITR_INTERVAL_WIDTH{1'b0}};
                itr_cnt_reg[v] <= 24'd0;
                tadd_reg[v] <= 32'd0;
                tuadd_reg[v] <= 32'd0;
                tmsg_reg[v] <= 32'd0;
            end
            for (v = 0; v < 8; v = v + 1) ivar_reg[v] <= 32'd0;
        end
    end

    wire unused_bits = &{1'b0, s_axil_wstrb, l_addr_reg[1:0], s_axil_awaddr[1:0],
                         s_axil_araddr[1:0], m_axi_bresp[0], wr_idx, rd_idx, pick};

endmodule

`resetall
