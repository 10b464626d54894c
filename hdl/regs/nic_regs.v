// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"
`include "hilnic_regmap.vh"

// Device and per-queue registers behind an AXI-Lite slave: control, the RX and TX ring
// registers, their status, and every datapath counter (hdl/regs/REGISTERS.md, hdl/DATAPATH.md).
//
// The engines own the ring heads and their error state; this block owns what the driver
// programs and counts the engines' one-cycle events, so the engines stay free of bus logic.
// Refused accesses (unmapped: DECERR; read-only or a tail outside the ring: SLVERR) leave state
// alone and pulse bad_access for HN_BADACC.
//
// Register rules (the same in pystack/nic/model.py): RW registers keep all 32 bits written,
// except xDBAL ([6:0] read 0) and CTRL.RST (self-clearing); xXDCTL keeps its other bits and its
// ENABLE reads the queue's enable state. A queue's ring geometry (base, length, RX buffer size)
// is sampled when ENABLE goes 0 -> 1 and is what the engines use until the queue is disabled;
// rewriting the registers meanwhile changes only what they read back. A tail write must name a
// descriptor of the ring: the sampled one while enabled, else xDLEN / 16 when xDLEN is a usable
// length (none when it is not). While a queue is enabled a tail write must not take back
// descriptors the NIC owns (leave fewer than tail - head now): the engines cache descriptors
// they own, so a driver that took one back would have its old buffer used.
//
// Device reset (hdl/DATAPATH.md): CTRL.RST asks for a reset and reads 1 until it has happened.
// It first stops DMA mastering (as CTRL.GIO_MASTER_DISABLE does) and waits for `quiesced` (no
// DMA transaction outstanding, no frame half-sent on MAC TX), so the reset never cuts a bus
// transaction; then one cycle of soft_reset. STATUS.GIO_MASTER_ENABLE reads 0 once mastering
// is off and nothing is outstanding.
module nic_regs #(
    // Receive and transmit rings (82576: 16 each), 1..128.
    parameter integer NUM_RX_QUEUES = 16,
    parameter integer NUM_TX_QUEUES = 16,
    // Ring index width: rings hold at most 2^RING_IDX_WIDTH descriptors.
    parameter integer RING_IDX_WIDTH = 12,
    // Largest frame in bytes, reported in HN_CAPS2.
    parameter integer MAX_FRAME = 9018,
    // DMA and MAC beat sizes in bytes, reported in HN_CAPS2.
    parameter integer DMA_BYTES = 64,
    parameter integer MAC_BYTES = 8,
    // MSI-X vectors, reported in HN_CAPS.
    parameter integer NUM_VECTORS = 0,
    // AXI-Lite address width.
    parameter integer ADDR_WIDTH = `HN_ADDR_WIDTH
) (
    input  wire                                   clk,
    input  wire                                   rst,
    // One-cycle device reset (CTRL.RST): this block resets itself with it, the top resets the
    // rest of the NIC with it.
    output reg                                    soft_reset,
    // Stop offering DMA (CTRL.GIO_MASTER_DISABLE or a pending reset); the reset is pending.
    output wire                                   master_disable,
    output wire                                   reset_pending,
    // No DMA outstanding and MAC TX between frames: a reset may be taken now.
    input  wire                                   quiesced,

    input  wire [ADDR_WIDTH-1:0]                  s_axil_awaddr,
    input  wire                                   s_axil_awvalid,
    output wire                                   s_axil_awready,
    input  wire [31:0]                            s_axil_wdata,
    input  wire [3:0]                             s_axil_wstrb,
    input  wire                                   s_axil_wvalid,
    output wire                                   s_axil_wready,
    output reg  [1:0]                             s_axil_bresp,
    output reg                                    s_axil_bvalid,
    input  wire                                   s_axil_bready,
    input  wire [ADDR_WIDTH-1:0]                  s_axil_araddr,
    input  wire                                   s_axil_arvalid,
    output wire                                   s_axil_arready,
    output reg  [31:0]                            s_axil_rdata,
    output reg  [1:0]                             s_axil_rresp,
    output reg                                    s_axil_rvalid,
    input  wire                                   s_axil_rready,
    output wire                                   bad_access,
    // A write or a read is in the pipeline or awaits its response (for nic_top's decoder).
    output wire                                   wr_busy,
    output wire                                   rd_busy,

    input  wire                                   link_up,
    output wire                                   rx_enable,
    output wire                                   loopback,
    output wire                                   tx_enable,

    // RX rings: base, size in descriptors, buffer size in KiB, tail, enable (queue n at slice n).
    output wire [NUM_RX_QUEUES*64-1:0]            rq_base,
    output wire [NUM_RX_QUEUES*(RING_IDX_WIDTH+1)-1:0] rq_size,
    output wire [NUM_RX_QUEUES*7-1:0]             rq_bsize,
    output wire [NUM_RX_QUEUES*RING_IDX_WIDTH-1:0] rq_tail,
    output wire [NUM_RX_QUEUES-1:0]               rq_enable,
    input  wire [NUM_RX_QUEUES*RING_IDX_WIDTH-1:0] rq_head,
    input  wire [NUM_RX_QUEUES-1:0]               rq_stopped,
    input  wire [NUM_RX_QUEUES*2-1:0]             rq_reason,

    output wire [NUM_TX_QUEUES*64-1:0]            tq_base,
    output wire [NUM_TX_QUEUES*(RING_IDX_WIDTH+1)-1:0] tq_size,
    output wire [NUM_TX_QUEUES*RING_IDX_WIDTH-1:0] tq_tail,
    output wire [NUM_TX_QUEUES-1:0]               tq_enable,
    output wire [NUM_TX_QUEUES*64-1:0]            tq_wb_addr,
    output wire [NUM_TX_QUEUES-1:0]               tq_wb_enable,
    input  wire [NUM_TX_QUEUES*RING_IDX_WIDTH-1:0] tq_head,
    input  wire [NUM_TX_QUEUES-1:0]               tq_stopped,
    input  wire [NUM_TX_QUEUES*2-1:0]             tq_reason,

    // Events: frames seen and missed before classification (0-2 per cycle each).
    input  wire [1:0]                             ev_tpr,
    input  wire [1:0]                             ev_mpc,
    // One RX outcome per frame (rx_dma): kind, queue, bytes.
    input  wire                                   ev_rx_valid,
    input  wire [2:0]                             ev_rx_kind,
    input  wire [7:0]                             ev_rx_queue,
    input  wire [15:0]                            ev_rx_bytes,
    input  wire                                   ev_rx_cfgerr,
    // TX frame ends (tx_packer) and TX DMA errors (tx_dma).
    input  wire                                   ev_tx_valid,
    input  wire                                   ev_tx_bad,
    input  wire [7:0]                             ev_tx_queue,
    input  wire [15:0]                            ev_tx_bytes,
    input  wire                                   ev_tx_dmae,
    input  wire [7:0]                             ev_tx_dmae_queue,
    input  wire                                   ev_tx_cfgerr
);

    // RX outcome kinds (rx_dma).
    localparam [2:0] RX_DELIVER = `HN_RX_OUTCOME_DELIVER, RX_CRCERR = `HN_RX_OUTCOME_CRCERR,
                     RX_RUNT = `HN_RX_OUTCOME_RUNT, RX_OVERSIZE = `HN_RX_OUTCOME_OVERSIZE,
                     RX_NODESC = `HN_RX_OUTCOME_NODESC, RX_DMAERR = `HN_RX_OUTCOME_DMAERR;
    localparam [1:0] RESP_OKAY = 2'b00, RESP_SLVERR = 2'b10, RESP_DECERR = 2'b11;
    localparam integer RIW = RING_IDX_WIDTH;
    localparam integer NRQ = NUM_RX_QUEUES;
    localparam integer NTQ = NUM_TX_QUEUES;
    localparam integer ENABLE_BIT = `HN_RXDCTL_ENABLE_LSB;  // RXDCTL and TXDCTL alike
    localparam integer CTRL_GIO_MD_BIT = `HN_CTRL_GIO_MASTER_DISABLE_LSB;
    localparam integer CTRL_RST_BIT = `HN_CTRL_RST_LSB;
    localparam integer STATUS_GIO_ME_BIT = `HN_STATUS_GIO_MASTER_ENABLE_LSB;
    localparam integer RQW = NRQ > 1 ? $clog2(NRQ) : 1;  // queue index widths
    localparam integer TQW = NTQ > 1 ? $clog2(NTQ) : 1;

    generate
        if (NRQ < 1 || NRQ > 128 || NTQ < 1 || NTQ > 128) begin : g_bad_queues
            `HILNIC_PARAM_FAIL("nic_regs: NUM_RX_QUEUES and NUM_TX_QUEUES must be 1..128")
        end
        if (RIW < 3 || RIW > 15) begin : g_bad_ring
            `HILNIC_PARAM_FAIL("nic_regs: RING_IDX_WIDTH must be 3..15 (rings of 8..32768)")
        end
        if (`HN_RXDCTL_ENABLE_LSB != `HN_TXDCTL_ENABLE_LSB) begin : g_bad_map
            `HILNIC_PARAM_FAIL("nic_regs: RXDCTL.ENABLE and TXDCTL.ENABLE must share a bit")
        end
        if (ADDR_WIDTH < `HN_ADDR_WIDTH || ADDR_WIDTH > 32) begin : g_bad_addr
            `HILNIC_PARAM_FAIL("nic_regs: ADDR_WIDTH must be 17..32")
        end
    endgenerate

    localparam [ADDR_WIDTH-1:0] A_CTRL = `HN_REG_CTRL, A_STATUS = `HN_REG_STATUS,
        A_RCTL = `HN_REG_RCTL, A_TCTL = `HN_REG_TCTL, A_CRCERRS = `HN_REG_CRCERRS,
        A_MPC = `HN_REG_MPC, A_GPRC = `HN_REG_GPRC, A_GPTC = `HN_REG_GPTC,
        A_GORCL = `HN_REG_GORCL, A_GOTCL = `HN_REG_GOTCL, A_RUC = `HN_REG_RUC,
        A_TPR = `HN_REG_TPR, A_CAPS = `HN_REG_HN_CAPS, A_CAPS2 = `HN_REG_HN_CAPS2,
        A_CFGERR = `HN_REG_HN_CFGERR;
    localparam [ADDR_WIDTH-1:0] RXQ_BASE = `HN_RXQ_BASE, TXQ_BASE = `HN_TXQ_BASE;
    localparam integer RXQ_SPAN_I = NRQ * `HN_QUEUE_STRIDE;
    localparam integer TXQ_SPAN_I = NTQ * `HN_QUEUE_STRIDE;
    localparam [ADDR_WIDTH-1:0] RXQ_SPAN = RXQ_SPAN_I[ADDR_WIDTH-1:0];
    localparam [ADDR_WIDTH-1:0] TXQ_SPAN = TXQ_SPAN_I[ADDR_WIDTH-1:0];
    // Register offsets inside a queue block (RX and TX blocks share the common ones).
    localparam [5:0] Q_BAL = `HN_QOFF_RDBAL, Q_BAH = `HN_QOFF_RDBAH, Q_LEN = `HN_QOFF_RDLEN,
        Q_SRRCTL = `HN_QOFF_SRRCTL, Q_HEAD = `HN_QOFF_RDH, Q_STAT = `HN_QOFF_HN_RQSTAT,
        Q_TAIL = `HN_QOFF_RDT, Q_PC = `HN_QOFF_HN_RQPC, Q_BC = `HN_QOFF_HN_RQBC,
        Q_OVR = `HN_QOFF_HN_RQOVR, Q_CTL = `HN_QOFF_RXDCTL, Q_DMAE = `HN_QOFF_HN_RQDMAE,
        Q_DPC = `HN_QOFF_RQDPC, Q_TERR = `HN_QOFF_HN_TQERR, Q_TDMAE = `HN_QOFF_HN_TQDMAE,
        Q_WBAL = `HN_QOFF_TDWBAL, Q_WBAH = `HN_QOFF_TDWBAH;

    // ---- state ------------------------------------------------------------------------------
    reg [31:0] ctrl_reg, rctl_reg, tctl_reg;
    reg        reset_pending_reg;  // CTRL.RST written, waiting for quiesced
    reg [31:0] crcerrs_reg, mpc_reg, gprc_reg, gptc_reg, gorc_reg, gotc_reg, ruc_reg, tpr_reg;
    reg [31:0] cfgerr_reg;

    reg [31:0] rq_bal_reg [0:NRQ-1];
    reg [31:0] rq_bah_reg [0:NRQ-1];
    reg [31:0] rq_len_reg [0:NRQ-1];
    reg [31:0] rq_srrctl_reg [0:NRQ-1];
    reg [31:0] rq_ctl_reg [0:NRQ-1];       // RXDCTL without ENABLE
    reg [63:0] rq_lbase_reg [0:NRQ-1];     // geometry sampled at enable
    reg [RIW:0] rq_lsize_reg [0:NRQ-1];
    reg [6:0]  rq_lbsize_reg [0:NRQ-1];
    reg [RIW-1:0] rq_tail_reg [0:NRQ-1];
    reg        rq_en_reg [0:NRQ-1];
    reg        rq_badcfg_reg [0:NRQ-1];
    reg [31:0] rq_pc_reg [0:NRQ-1];
    reg [31:0] rq_bc_reg [0:NRQ-1];
    reg [31:0] rq_ovr_reg [0:NRQ-1];
    reg [31:0] rq_dmae_reg [0:NRQ-1];
    reg [31:0] rq_dpc_reg [0:NRQ-1];

    reg [31:0] tq_bal_reg [0:NTQ-1];
    reg [31:0] tq_bah_reg [0:NTQ-1];
    reg [31:0] tq_len_reg [0:NTQ-1];
    reg [31:0] tq_ctl_reg [0:NTQ-1];       // TXDCTL without ENABLE
    reg [63:0] tq_lbase_reg [0:NTQ-1];     // geometry sampled at enable
    reg [RIW:0] tq_lsize_reg [0:NTQ-1];
    reg [RIW-1:0] tq_tail_reg [0:NTQ-1];
    reg        tq_en_reg [0:NTQ-1];
    reg        tq_badcfg_reg [0:NTQ-1];
    reg [31:0] tq_wbal_reg [0:NTQ-1];
    reg [31:0] tq_wbah_reg [0:NTQ-1];
    reg [31:0] tq_pc_reg [0:NTQ-1];
    reg [31:0] tq_bc_reg [0:NTQ-1];
    reg [31:0] tq_err_reg [0:NTQ-1];
    reg [31:0] tq_dmae_reg [0:NTQ-1];

    assign rx_enable = rctl_reg[`HN_RCTL_EN_LSB];
    assign loopback = rctl_reg[`HN_RCTL_LBM_MSB:`HN_RCTL_LBM_LSB] == `HN_LOOPBACK_MAC;
    assign tx_enable = tctl_reg[`HN_TCTL_EN_LSB];

    // A ring length is usable when it is a non-zero multiple of 128 bytes within the limit.
    function automatic len_ok(input [31:0] len);
        begin
            len_ok = len[6:0] == 7'd0 && len != 32'd0 && {4'd0, len[31:4]} <= (32'd1 << RIW);
        end
    endfunction


    genvar gq;
    generate
        for (gq = 0; gq < NRQ; gq = gq + 1) begin : g_rxq
            assign rq_base[64*gq +: 64] = rq_lbase_reg[gq];
            assign rq_size[(RIW+1)*gq +: RIW+1] = rq_lsize_reg[gq];
            assign rq_bsize[7*gq +: 7] = rq_lbsize_reg[gq];
            assign rq_tail[RIW*gq +: RIW] = rq_tail_reg[gq];
            assign rq_enable[gq] = rq_en_reg[gq];
        end
        for (gq = 0; gq < NTQ; gq = gq + 1) begin : g_txq
            assign tq_base[64*gq +: 64] = tq_lbase_reg[gq];
            assign tq_size[(RIW+1)*gq +: RIW+1] = tq_lsize_reg[gq];
            assign tq_tail[RIW*gq +: RIW] = tq_tail_reg[gq];
            assign tq_enable[gq] = tq_en_reg[gq];
            assign tq_wb_addr[64*gq +: 64] = {tq_wbah_reg[gq],
                                              tq_wbal_reg[gq] & `HN_TDWBAL_ADDR_MASK};
            assign tq_wb_enable[gq] = tq_wbal_reg[gq][`HN_TDWBAL_ENABLE_LSB];
        end
    endgenerate

    // ---- decode -----------------------------------------------------------------------------
    // Kind of register an address names: the queue index and the offset inside its block come
    // from the address itself.
    localparam [2:0] K_NONE = 3'd0, K_GLOBAL_RW = 3'd1, K_GLOBAL_RO = 3'd2, K_RXQ = 3'd3,
                     K_TXQ = 3'd4;

    function automatic [2:0] kind(input [ADDR_WIDTH-1:0] a);
        begin
            kind = K_NONE;
            if (a == A_CTRL || a == A_RCTL || a == A_TCTL) kind = K_GLOBAL_RW;
            if (a == A_STATUS || a == A_CRCERRS || a == A_MPC || a == A_GPRC || a == A_GPTC ||
                a == A_GORCL || a == A_GOTCL || a == A_RUC || a == A_TPR || a == A_CAPS ||
                a == A_CAPS2 || a == A_CFGERR) kind = K_GLOBAL_RO;
            if (a - RXQ_BASE < RXQ_SPAN) kind = K_RXQ;
            if (a - TXQ_BASE < TXQ_SPAN) kind = K_TXQ;
        end
    endfunction

    // Whether a queue-block offset names a register, and whether it is writable.
    function automatic rxq_mapped(input [5:0] off);
        begin
            rxq_mapped = off == Q_BAL || off == Q_BAH || off == Q_LEN || off == Q_SRRCTL ||
                         off == Q_HEAD || off == Q_STAT || off == Q_TAIL || off == Q_PC ||
                         off == Q_BC || off == Q_OVR || off == Q_CTL || off == Q_DMAE ||
                         off == Q_DPC;
        end
    endfunction

    function automatic rxq_writable(input [5:0] off);
        begin
            rxq_writable = off == Q_BAL || off == Q_BAH || off == Q_LEN || off == Q_SRRCTL ||
                           off == Q_TAIL || off == Q_CTL;
        end
    endfunction

    function automatic txq_mapped(input [5:0] off);
        begin
            txq_mapped = off == Q_BAL || off == Q_BAH || off == Q_LEN || off == Q_HEAD ||
                         off == Q_STAT || off == Q_TAIL || off == Q_PC || off == Q_BC ||
                         off == Q_TERR || off == Q_CTL || off == Q_TDMAE || off == Q_WBAL ||
                         off == Q_WBAH;
        end
    endfunction

    function automatic txq_writable(input [5:0] off);
        begin
            txq_writable = off == Q_BAL || off == Q_BAH || off == Q_LEN || off == Q_TAIL ||
                           off == Q_CTL || off == Q_WBAL || off == Q_WBAH;
        end
    endfunction

    // ---- bus pipeline -----------------------------------------------------------------------
    // Neither channel goes from the bus through the address decode, a register mux and a ring
    // check in one cycle (that was 15-19 LUT levels; 156.25 MHz on an ECP5 allows about 7):
    //   write: take AW and W and decode the address -> W1: merge the strobes into the old value
    //          and, for a tail, count the descriptors the NIC owns before and after -> W2: check,
    //          answer and write. B comes three cycles after AW and W are taken (was one).
    //   read:  take AR and decode the address -> R1: the register into s_axil_rdata. R comes two
    //          cycles after AR is taken (was one).
    // One access per channel at a time, as before; wr_busy and rd_busy cover the pipeline, so
    // nic_top's decoder offers nothing to another block meanwhile. Registers change only through
    // writes (and the engines' head inputs, sampled once, in W1), so a write checked in W1 and
    // done in W2 is the write done atomically at W1; a device reset in between cancels it (the
    // reset would have cleared it), and it is still answered.

    // ---- write: take and decode ---------------------------------------------------------------
    reg                   w1_valid, w2_valid;
    reg                   w1_live, w2_live;  // not cancelled by a device reset
    assign wr_busy = w1_valid || w2_valid || s_axil_bvalid;
    wire                  aw_take = s_axil_awvalid && s_axil_wvalid && !wr_busy;
    wire [ADDR_WIDTH-1:0] aw_addr = {s_axil_awaddr[ADDR_WIDTH-1:2], 2'b00};
    wire [2:0]            aw_kind = kind(aw_addr);
    wire [ADDR_WIDTH-1:0] aw_rx_off = aw_addr - RXQ_BASE;
    wire [ADDR_WIDTH-1:0] aw_tx_off = aw_addr - TXQ_BASE;
    wire [5:0]            aw_roff = aw_rx_off[5:0];
    wire [5:0]            aw_toff = aw_tx_off[5:0];
    // What the address alone answers (a tail's value is checked in W2).
    reg [1:0] aw_resp;
    always @* begin
        case (aw_kind)
            K_GLOBAL_RW: aw_resp = RESP_OKAY;
            K_GLOBAL_RO: aw_resp = RESP_SLVERR;
            K_RXQ: aw_resp = !rxq_mapped(aw_roff) ? RESP_DECERR :
                             !rxq_writable(aw_roff) ? RESP_SLVERR : RESP_OKAY;
            K_TXQ: aw_resp = !txq_mapped(aw_toff) ? RESP_DECERR :
                             !txq_writable(aw_toff) ? RESP_SLVERR : RESP_OKAY;
            default: aw_resp = RESP_DECERR;
        endcase
    end
    // Byte strobes expanded to a bit mask.
    wire [31:0]           aw_mask = {{8{s_axil_wstrb[3]}}, {8{s_axil_wstrb[2]}},
                                     {8{s_axil_wstrb[1]}}, {8{s_axil_wstrb[0]}}};

    reg [2:0]      w1_kind;
    reg [RQW-1:0]  w1_rq;
    reg [TQW-1:0]  w1_tq;
    reg [5:0]      w1_roff, w1_toff;
    reg            w1_ctrl, w1_rctl, w1_tctl, w1_tail;
    reg [1:0]      w1_resp;
    reg [31:0]     w1_data, w1_mask;

    // ---- write W1: the merged value and the ring check's operands ----------------------------
    reg [31:0] w1_old;  // the register before the write, so a partial write merges
    always @* begin
        w1_old = 32'd0;
        if (w1_kind == K_RXQ) begin
            case (w1_roff)
                Q_BAL: w1_old = rq_bal_reg[w1_rq];
                Q_BAH: w1_old = rq_bah_reg[w1_rq];
                Q_LEN: w1_old = rq_len_reg[w1_rq];
                Q_SRRCTL: w1_old = rq_srrctl_reg[w1_rq];
                Q_TAIL: w1_old = {{(32-RIW){1'b0}}, rq_tail_reg[w1_rq]};
                Q_CTL: w1_old = rq_ctl_reg[w1_rq] | ({31'd0, rq_en_reg[w1_rq]} << ENABLE_BIT);
                default: w1_old = 32'd0;
            endcase
        end else if (w1_kind == K_TXQ) begin
            case (w1_toff)
                Q_BAL: w1_old = tq_bal_reg[w1_tq];
                Q_BAH: w1_old = tq_bah_reg[w1_tq];
                Q_LEN: w1_old = tq_len_reg[w1_tq];
                Q_TAIL: w1_old = {{(32-RIW){1'b0}}, tq_tail_reg[w1_tq]};
                Q_CTL: w1_old = tq_ctl_reg[w1_tq] | ({31'd0, tq_en_reg[w1_tq]} << ENABLE_BIT);
                Q_WBAL: w1_old = tq_wbal_reg[w1_tq];
                Q_WBAH: w1_old = tq_wbah_reg[w1_tq];
                default: w1_old = 32'd0;
            endcase
        end else begin
            if (w1_ctrl) w1_old = ctrl_reg;
            if (w1_rctl) w1_old = rctl_reg;
            if (w1_tctl) w1_old = tctl_reg;
        end
    end
    wire [31:0] w1_value = (w1_old & ~w1_mask) | w1_data;

    // A tail must name a descriptor of the ring: the one sampled at enable while the queue is
    // enabled, else the one xDLEN describes (none when xDLEN is not a usable length) ...
    wire         w1_rx = w1_kind == K_RXQ;
    wire [RIW:0] w1_rq_size = rq_en_reg[w1_rq] ? rq_lsize_reg[w1_rq]
                            : len_ok(rq_len_reg[w1_rq]) ? rq_len_reg[w1_rq][RIW+4:4]
                            : {(RIW+1){1'b0}};
    wire [RIW:0] w1_tq_size = tq_en_reg[w1_tq] ? tq_lsize_reg[w1_tq]
                            : len_ok(tq_len_reg[w1_tq]) ? tq_len_reg[w1_tq][RIW+4:4]
                            : {(RIW+1){1'b0}};
    wire [RIW:0]   w1_size = w1_rx ? w1_rq_size : w1_tq_size;
    wire           w1_en = w1_rx ? rq_en_reg[w1_rq] : tq_en_reg[w1_tq];
    wire [RIW-1:0] w1_head = w1_rx ? rq_head[RIW*w1_rq +: RIW] : tq_head[RIW*w1_tq +: RIW];
    wire [RIW-1:0] w1_old_tail = w1_rx ? rq_tail_reg[w1_rq] : tq_tail_reg[w1_tq];
    // The written tail (w1_value when the offset is the tail's, without the offset mux).
    wire [31:0]    w1_new_tail = {w1_data[31:RIW],
                                  (w1_old_tail & ~w1_mask[RIW-1:0]) | w1_data[RIW-1:0]};
    // ... and, while the queue is enabled, must not take back descriptors the NIC owns.
    function automatic [RIW:0] owned(input [RIW-1:0] head, input [RIW-1:0] tail,
                                     input [RIW:0] size);
        begin
            owned = tail >= head ? {1'b0, tail} - {1'b0, head}
                                 : {1'b0, tail} + size - {1'b0, head};
        end
    endfunction
    // An enable needs a usable ring (and, RX, a buffer size).
    wire w1_cfg_good = w1_rx ? len_ok(rq_len_reg[w1_rq]) &&
        rq_srrctl_reg[w1_rq][`HN_SRRCTL_BSIZEPACKET_MSB:`HN_SRRCTL_BSIZEPACKET_LSB] != 7'd0
                             : len_ok(tq_len_reg[w1_tq]);

    reg [2:0]      w2_kind;
    reg [RQW-1:0]  w2_rq;
    reg [TQW-1:0]  w2_tq;
    reg [5:0]      w2_roff, w2_toff;
    reg            w2_ctrl, w2_rctl, w2_tctl, w2_tail;
    reg [1:0]      w2_resp;
    reg [31:0]     w2_value;
    reg            w2_over, w2_en, w2_cfg_good;
    reg [RIW:0]    w2_own_new, w2_own_cur;

    // ---- write W2: check, answer, write ------------------------------------------------------
    wire       w2_tail_bad = w2_tail && (w2_over || (w2_en && w2_own_new < w2_own_cur));
    wire [1:0] wr_resp = w2_resp == RESP_OKAY && w2_tail_bad ? RESP_SLVERR : w2_resp;
    wire       wr_ok = w2_valid && w2_live && wr_resp == RESP_OKAY;
    wire       wr_refused = w2_valid && w2_live && wr_resp != RESP_OKAY;
    // The write being done, under the names the register updates below use.
    wire [2:0]     wr_kind = w2_kind;
    wire [RQW-1:0] wr_rq = w2_rq;
    wire [TQW-1:0] wr_tq = w2_tq;
    wire [5:0]     wr_roff = w2_roff;
    wire [5:0]     wr_toff = w2_toff;
    wire [31:0]    wr_value = w2_value;

    assign s_axil_awready = aw_take;
    assign s_axil_wready = aw_take;

    // ---- read: take and decode --------------------------------------------------------------
    reg                   r1_valid;
    assign rd_busy = r1_valid || s_axil_rvalid;
    wire                  ar_take = s_axil_arvalid && !rd_busy;
    wire [ADDR_WIDTH-1:0] ar_addr = {s_axil_araddr[ADDR_WIDTH-1:2], 2'b00};
    wire [2:0]            ar_kind = kind(ar_addr);
    wire [ADDR_WIDTH-1:0] ar_rx_off = ar_addr - RXQ_BASE;
    wire [ADDR_WIDTH-1:0] ar_tx_off = ar_addr - TXQ_BASE;
    wire [5:0]            ar_roff = ar_rx_off[5:0];
    wire [5:0]            ar_toff = ar_tx_off[5:0];
    wire                  ar_mapped = ar_kind == K_GLOBAL_RW || ar_kind == K_GLOBAL_RO ||
                                      (ar_kind == K_RXQ && rxq_mapped(ar_roff)) ||
                                      (ar_kind == K_TXQ && txq_mapped(ar_toff));
    // The global registers by number, so R1 selects on four bits rather than the address.
    localparam [3:0] G_CTRL = 4'd0, G_STATUS = 4'd1, G_RCTL = 4'd2, G_TCTL = 4'd3,
                     G_CRCERRS = 4'd4, G_MPC = 4'd5, G_GPRC = 4'd6, G_GPTC = 4'd7,
                     G_GORCL = 4'd8, G_GOTCL = 4'd9, G_RUC = 4'd10, G_TPR = 4'd11,
                     G_CAPS = 4'd12, G_CAPS2 = 4'd13, G_CFGERR = 4'd14, G_NONE = 4'd15;
    reg [3:0] ar_glob;
    always @* begin
        case (ar_addr)
            A_CTRL: ar_glob = G_CTRL;
            A_STATUS: ar_glob = G_STATUS;
            A_RCTL: ar_glob = G_RCTL;
            A_TCTL: ar_glob = G_TCTL;
            A_CRCERRS: ar_glob = G_CRCERRS;
            A_MPC: ar_glob = G_MPC;
            A_GPRC: ar_glob = G_GPRC;
            A_GPTC: ar_glob = G_GPTC;
            A_GORCL: ar_glob = G_GORCL;
            A_GOTCL: ar_glob = G_GOTCL;
            A_RUC: ar_glob = G_RUC;
            A_TPR: ar_glob = G_TPR;
            A_CAPS: ar_glob = G_CAPS;
            A_CAPS2: ar_glob = G_CAPS2;
            A_CFGERR: ar_glob = G_CFGERR;
            default: ar_glob = G_NONE;
        endcase
    end
    assign s_axil_arready = ar_take;

    reg [2:0]     r1_kind;
    reg [RQW-1:0] r1_rq;
    reg [TQW-1:0] r1_tq;
    reg [5:0]     r1_roff, r1_toff;
    reg [3:0]     r1_glob;
    reg           r1_mapped;

    // ---- read R1: select ----------------------------------------------------------------------
    // Queue status word (HN_RQSTAT and HN_TQSTAT share the layout): running, stopped, reason.
    function automatic [31:0] qstat(input en, input stopped, input [1:0] reason, input badcfg);
        reg [1:0] why;
        begin
            why = stopped ? reason : badcfg ? `HN_QSTOP_REASON_BADDESC : `HN_QSTOP_REASON_NONE;
            qstat = (32'(why) << `HN_RQSTAT_REASON_LSB) |
                    (32'(stopped || badcfg) << `HN_RQSTAT_STOPPED_LSB) |
                    (32'(en && !stopped) << `HN_RQSTAT_RUNNING_LSB);
        end
    endfunction

    // STATUS.GIO_MASTER_ENABLE, registered: `quiesced` comes from the DMA arbiter's state
    // through nic_top, too far to go on through the read mux in the same cycle.
    reg gio_me_reg;

    reg [31:0] rd_data;
    always @* begin
        rd_data = 32'd0;
        if (r1_kind == K_RXQ) begin
            case (r1_roff)
                Q_BAL: rd_data = rq_bal_reg[r1_rq] & `HN_RDBAL_ADDR_MASK;
                Q_BAH: rd_data = rq_bah_reg[r1_rq];
                Q_LEN: rd_data = rq_len_reg[r1_rq];
                Q_SRRCTL: rd_data = rq_srrctl_reg[r1_rq];
                Q_HEAD: rd_data = {{(32-RIW){1'b0}}, rq_head[RIW*r1_rq +: RIW]};
                Q_STAT: rd_data = qstat(rq_en_reg[r1_rq], rq_stopped[r1_rq],
                                        rq_reason[2*r1_rq +: 2], rq_badcfg_reg[r1_rq]);
                Q_TAIL: rd_data = {{(32-RIW){1'b0}}, rq_tail_reg[r1_rq]};
                Q_PC: rd_data = rq_pc_reg[r1_rq];
                Q_BC: rd_data = rq_bc_reg[r1_rq];
                Q_OVR: rd_data = rq_ovr_reg[r1_rq];
                Q_CTL: rd_data = rq_ctl_reg[r1_rq] | ({31'd0, rq_en_reg[r1_rq]} << ENABLE_BIT);
                Q_DMAE: rd_data = rq_dmae_reg[r1_rq];
                Q_DPC: rd_data = rq_dpc_reg[r1_rq];
                default: rd_data = 32'd0;
            endcase
        end else if (r1_kind == K_TXQ) begin
            case (r1_toff)
                Q_BAL: rd_data = tq_bal_reg[r1_tq] & `HN_TDBAL_ADDR_MASK;
                Q_BAH: rd_data = tq_bah_reg[r1_tq];
                Q_LEN: rd_data = tq_len_reg[r1_tq];
                Q_HEAD: rd_data = {{(32-RIW){1'b0}}, tq_head[RIW*r1_tq +: RIW]};
                Q_STAT: rd_data = qstat(tq_en_reg[r1_tq], tq_stopped[r1_tq],
                                        tq_reason[2*r1_tq +: 2], tq_badcfg_reg[r1_tq]);
                Q_TAIL: rd_data = {{(32-RIW){1'b0}}, tq_tail_reg[r1_tq]};
                Q_PC: rd_data = tq_pc_reg[r1_tq];
                Q_BC: rd_data = tq_bc_reg[r1_tq];
                Q_TERR: rd_data = tq_err_reg[r1_tq];
                Q_CTL: rd_data = tq_ctl_reg[r1_tq] | ({31'd0, tq_en_reg[r1_tq]} << ENABLE_BIT);
                Q_TDMAE: rd_data = tq_dmae_reg[r1_tq];
                Q_WBAL: rd_data = tq_wbal_reg[r1_tq];
                Q_WBAH: rd_data = tq_wbah_reg[r1_tq];
                default: rd_data = 32'd0;
            endcase
        end else begin
            case (r1_glob)
                G_CTRL: rd_data = ctrl_reg | ({31'd0, reset_pending_reg} << CTRL_RST_BIT);
                G_STATUS: rd_data = ({31'd0, gio_me_reg} << STATUS_GIO_ME_BIT) |
                                    ({31'd0, link_up} << `HN_STATUS_LU_LSB);
                G_RCTL: rd_data = rctl_reg;
                G_TCTL: rd_data = tctl_reg;
                G_CRCERRS: rd_data = crcerrs_reg;
                G_MPC: rd_data = mpc_reg;
                G_GPRC: rd_data = gprc_reg;
                G_GPTC: rd_data = gptc_reg;
                G_GORCL: rd_data = gorc_reg;
                G_GOTCL: rd_data = gotc_reg;
                G_RUC: rd_data = ruc_reg;
                G_TPR: rd_data = tpr_reg;
                G_CAPS: rd_data = (32'(NRQ[7:0]) << `HN_CAPS_RXQ_LSB) |
                                  (32'(NTQ[7:0]) << `HN_CAPS_TXQ_LSB) |
                                  (32'(NUM_VECTORS[7:0]) << `HN_CAPS_VECTORS_LSB) |
                                  (32'(RIW[7:0]) << `HN_CAPS_LOG2_RING_LSB);
                G_CAPS2: rd_data = (32'(MAX_FRAME[15:0]) << `HN_CAPS2_MAX_FRAME_LSB) |
                                   (32'(DMA_BYTES[7:0]) << `HN_CAPS2_DMA_BYTES_LSB) |
                                   (32'(MAC_BYTES[7:0]) << `HN_CAPS2_MAC_BYTES_LSB);
                G_CFGERR: rd_data = cfgerr_reg;
                default: rd_data = 32'd0;
            endcase
        end
    end

    // A refused access, one cycle after it is answered or decoded (registered: it feeds
    // rss_regs' HN_BADACC counter).
    reg bad_access_reg;
    assign bad_access = bad_access_reg;

    // ---- enables: a 0->1 ENABLE write is checked; a 1->0 write clears the tail ---------------
    wire wr_ctl_rx = wr_ok && wr_kind == K_RXQ && wr_roff == Q_CTL;
    wire wr_ctl_tx = wr_ok && wr_kind == K_TXQ && wr_toff == Q_CTL;
    wire want_en = wr_value[ENABLE_BIT];
    wire rx_cfg_good = w2_cfg_good;
    wire tx_cfg_good = w2_cfg_good;
    wire rx_refused = wr_ctl_rx && want_en && !rq_en_reg[wr_rq] && !rx_cfg_good;
    wire tx_refused = wr_ctl_tx && want_en && !tq_en_reg[wr_tq] && !tx_cfg_good;
    wire rx_enabling = wr_ctl_rx && want_en && !rq_en_reg[wr_rq] && rx_cfg_good;
    wire tx_enabling = wr_ctl_tx && want_en && !tq_en_reg[wr_tq] && tx_cfg_good;

    wire [RQW-1:0] evq = ev_rx_queue[RQW-1:0];
    wire [TQW-1:0] etq = ev_tx_queue[TQW-1:0];
    wire [TQW-1:0] edq = ev_tx_dmae_queue[TQW-1:0];

    // ---- device reset: quiesce, then one cycle of soft_reset ------------------------------
    assign reset_pending = reset_pending_reg;
    assign master_disable = reset_pending_reg || ctrl_reg[CTRL_GIO_MD_BIT];

    integer n;
    always @(posedge clk) begin
        soft_reset <= reset_pending_reg && quiesced;
        if (wr_ok && wr_kind == K_GLOBAL_RW && w2_ctrl && wr_value[CTRL_RST_BIT])
            reset_pending_reg <= 1'b1;

        // ---- write pipeline ----
        w1_valid <= aw_take;
        w1_live <= 1'b1;
        if (aw_take) begin
            w1_kind <= aw_kind;
            w1_rq <= aw_rx_off[6 +: RQW];
            w1_tq <= aw_tx_off[6 +: TQW];
            w1_roff <= aw_roff;
            w1_toff <= aw_toff;
            w1_ctrl <= aw_addr == A_CTRL;
            w1_rctl <= aw_addr == A_RCTL;
            w1_tctl <= aw_addr == A_TCTL;
            w1_tail <= (aw_kind == K_RXQ && aw_roff == Q_TAIL) ||
                       (aw_kind == K_TXQ && aw_toff == Q_TAIL);
            w1_resp <= aw_resp;
            w1_data <= s_axil_wdata & aw_mask;
            w1_mask <= aw_mask;
        end
        w2_valid <= w1_valid;
        w2_live <= w1_live;
        if (w1_valid) begin
            w2_kind <= w1_kind;
            w2_rq <= w1_rq;
            w2_tq <= w1_tq;
            w2_roff <= w1_roff;
            w2_toff <= w1_toff;
            w2_ctrl <= w1_ctrl;
            w2_rctl <= w1_rctl;
            w2_tctl <= w1_tctl;
            w2_tail <= w1_tail;
            w2_resp <= w1_resp;
            w2_value <= w1_value;
            w2_over <= w1_new_tail >= {{(31-RIW){1'b0}}, w1_size};
            w2_en <= w1_en;
            w2_own_new <= owned(w1_head, w1_new_tail[RIW-1:0], w1_size);
            w2_own_cur <= owned(w1_head, w1_old_tail, w1_size);
            w2_cfg_good <= w1_cfg_good;
        end
        if (w2_valid) begin
            s_axil_bvalid <= 1'b1;
            s_axil_bresp <= wr_resp;
        end else if (s_axil_bready) begin
            s_axil_bvalid <= 1'b0;
        end

        // ---- read pipeline ----
        r1_valid <= ar_take;
        if (ar_take) begin
            r1_kind <= ar_kind;
            r1_rq <= ar_rx_off[6 +: RQW];
            r1_tq <= ar_tx_off[6 +: TQW];
            r1_roff <= ar_roff;
            r1_toff <= ar_toff;
            r1_glob <= ar_glob;
            r1_mapped <= ar_mapped;
        end
        if (r1_valid) begin
            s_axil_rvalid <= 1'b1;
            s_axil_rdata <= rd_data;
            s_axil_rresp <= r1_mapped ? RESP_OKAY : RESP_DECERR;
        end else if (s_axil_rready) begin
            s_axil_rvalid <= 1'b0;
        end
        bad_access_reg <= wr_refused || (r1_valid && !r1_mapped);
        gio_me_reg <= !(master_disable && quiesced);

        if (wr_ok) begin
            if (wr_kind == K_GLOBAL_RW) begin
                if (w2_ctrl) ctrl_reg <= wr_value & ~(32'd1 << CTRL_RST_BIT);
                if (w2_rctl) rctl_reg <= wr_value;
                if (w2_tctl) tctl_reg <= wr_value;
            end
            if (wr_kind == K_RXQ) begin
                case (wr_roff)
                    Q_BAL: rq_bal_reg[wr_rq] <= wr_value;
                    Q_BAH: rq_bah_reg[wr_rq] <= wr_value;
                    Q_LEN: rq_len_reg[wr_rq] <= wr_value;
                    Q_SRRCTL: rq_srrctl_reg[wr_rq] <= wr_value;
                    Q_TAIL: rq_tail_reg[wr_rq] <= wr_value[RIW-1:0];
                    Q_CTL: begin
                        rq_ctl_reg[wr_rq] <= wr_value & ~(32'd1 << ENABLE_BIT);
                        rq_en_reg[wr_rq] <= want_en && (rq_en_reg[wr_rq] || rx_cfg_good);
                        rq_badcfg_reg[wr_rq] <= rx_refused;
                        if (!want_en) rq_tail_reg[wr_rq] <= {RIW{1'b0}};
                        if (rx_enabling) begin
                            rq_lbase_reg[wr_rq] <= {rq_bah_reg[wr_rq],
                                                    rq_bal_reg[wr_rq] & `HN_RDBAL_ADDR_MASK};
                            rq_lsize_reg[wr_rq] <= rq_len_reg[wr_rq][RIW+4:4];
                            rq_lbsize_reg[wr_rq] <= rq_srrctl_reg[wr_rq][
                                `HN_SRRCTL_BSIZEPACKET_MSB:`HN_SRRCTL_BSIZEPACKET_LSB];
                        end
                    end
                    default: ;
                endcase
            end
            if (wr_kind == K_TXQ) begin
                case (wr_toff)
                    Q_BAL: tq_bal_reg[wr_tq] <= wr_value;
                    Q_BAH: tq_bah_reg[wr_tq] <= wr_value;
                    Q_LEN: tq_len_reg[wr_tq] <= wr_value;
                    Q_TAIL: tq_tail_reg[wr_tq] <= wr_value[RIW-1:0];
                    Q_WBAL: tq_wbal_reg[wr_tq] <= wr_value;
                    Q_WBAH: tq_wbah_reg[wr_tq] <= wr_value;
                    Q_CTL: begin
                        tq_ctl_reg[wr_tq] <= wr_value & ~(32'd1 << ENABLE_BIT);
                        tq_en_reg[wr_tq] <= want_en && (tq_en_reg[wr_tq] || tx_cfg_good);
                        tq_badcfg_reg[wr_tq] <= tx_refused;
                        if (!want_en) tq_tail_reg[wr_tq] <= {RIW{1'b0}};
                        if (tx_enabling) begin
                            tq_lbase_reg[wr_tq] <= {tq_bah_reg[wr_tq],
                                                    tq_bal_reg[wr_tq] & `HN_TDBAL_ADDR_MASK};
                            tq_lsize_reg[wr_tq] <= tq_len_reg[wr_tq][RIW+4:4];
                        end
                    end
                    default: ;
                endcase
            end
        end

        // ---- counters ----
        tpr_reg <= tpr_reg + {30'd0, ev_tpr};
        mpc_reg <= mpc_reg + {30'd0, ev_mpc};
        cfgerr_reg <= cfgerr_reg + {31'd0, rx_refused} + {31'd0, tx_refused} +
                      {31'd0, ev_rx_cfgerr} + {31'd0, ev_tx_cfgerr};
        if (ev_rx_valid) begin
            case (ev_rx_kind)
                RX_DELIVER: begin
                    gprc_reg <= gprc_reg + 32'd1;
                    gorc_reg <= gorc_reg + {16'd0, ev_rx_bytes};
                    rq_pc_reg[evq] <= rq_pc_reg[evq] + 32'd1;
                    rq_bc_reg[evq] <= rq_bc_reg[evq] + {16'd0, ev_rx_bytes};
                end
                RX_CRCERR: crcerrs_reg <= crcerrs_reg + 32'd1;
                RX_RUNT: ruc_reg <= ruc_reg + 32'd1;
                RX_OVERSIZE: rq_ovr_reg[evq] <= rq_ovr_reg[evq] + 32'd1;
                RX_NODESC: rq_dpc_reg[evq] <= rq_dpc_reg[evq] + 32'd1;
                RX_DMAERR: rq_dmae_reg[evq] <= rq_dmae_reg[evq] + 32'd1;
                default: ;
            endcase
        end
        if (ev_tx_valid) begin
            if (ev_tx_bad) begin
                tq_err_reg[etq] <= tq_err_reg[etq] + 32'd1;
            end else begin
                gptc_reg <= gptc_reg + 32'd1;
                gotc_reg <= gotc_reg + {16'd0, ev_tx_bytes};
                tq_pc_reg[etq] <= tq_pc_reg[etq] + 32'd1;
                tq_bc_reg[etq] <= tq_bc_reg[etq] + {16'd0, ev_tx_bytes};
            end
        end
        if (ev_tx_dmae) tq_dmae_reg[edq] <= tq_dmae_reg[edq] + 32'd1;

        if (rst) begin
            w1_valid <= 1'b0;
            w2_valid <= 1'b0;
            r1_valid <= 1'b0;
            bad_access_reg <= 1'b0;
            s_axil_bvalid <= 1'b0;
            s_axil_bresp <= RESP_OKAY;
            s_axil_rvalid <= 1'b0;
            s_axil_rdata <= 32'd0;
            s_axil_rresp <= RESP_OKAY;
        end
        // A device reset (CTRL.RST) clears everything but the bus handshake, so the write that
        // asked for it still gets its response.
        if (rst || soft_reset) begin
            w1_live <= 1'b0;  // a write in the pipeline is answered, not done
            w2_live <= 1'b0;
            gio_me_reg <= 1'b1;
            soft_reset <= 1'b0;
            reset_pending_reg <= 1'b0;
            ctrl_reg <= 32'd0;
            rctl_reg <= 32'd0;
            tctl_reg <= 32'd0;
            crcerrs_reg <= 32'd0;
            mpc_reg <= 32'd0;
            gprc_reg <= 32'd0;
            gptc_reg <= 32'd0;
            gorc_reg <= 32'd0;
            gotc_reg <= 32'd0;
            ruc_reg <= 32'd0;
            tpr_reg <= 32'd0;
            cfgerr_reg <= 32'd0;
            for (n = 0; n < NRQ; n = n + 1) begin
                rq_bal_reg[n] <= 32'd0;
                rq_bah_reg[n] <= 32'd0;
                rq_len_reg[n] <= 32'd0;
                rq_srrctl_reg[n] <= `HN_SRRCTL_RESET;
                rq_ctl_reg[n] <= 32'd0;
                rq_lbase_reg[n] <= 64'd0;
                rq_lsize_reg[n] <= {(RIW+1){1'b0}};
                rq_lbsize_reg[n] <= 7'd0;
                rq_tail_reg[n] <= {RIW{1'b0}};
                rq_en_reg[n] <= 1'b0;
                rq_badcfg_reg[n] <= 1'b0;
                rq_pc_reg[n] <= 32'd0;
                rq_bc_reg[n] <= 32'd0;
                rq_ovr_reg[n] <= 32'd0;
                rq_dmae_reg[n] <= 32'd0;
                rq_dpc_reg[n] <= 32'd0;
            end
            for (n = 0; n < NTQ; n = n + 1) begin
                tq_bal_reg[n] <= 32'd0;
                tq_bah_reg[n] <= 32'd0;
                tq_len_reg[n] <= 32'd0;
                tq_ctl_reg[n] <= 32'd0;
                tq_lbase_reg[n] <= 64'd0;
                tq_lsize_reg[n] <= {(RIW+1){1'b0}};
                tq_tail_reg[n] <= {RIW{1'b0}};
                tq_en_reg[n] <= 1'b0;
                tq_badcfg_reg[n] <= 1'b0;
                tq_wbal_reg[n] <= 32'd0;
                tq_wbah_reg[n] <= 32'd0;
                tq_pc_reg[n] <= 32'd0;
                tq_bc_reg[n] <= 32'd0;
                tq_err_reg[n] <= 32'd0;
                tq_dmae_reg[n] <= 32'd0;
            end
        end
    end

    wire unused_bits = &{1'b0, s_axil_awaddr[1:0], rq_len_reg[0], tq_len_reg[0],
                         s_axil_araddr[1:0], aw_rx_off, aw_tx_off, ar_rx_off, ar_tx_off,
                         w1_new_tail, ev_rx_queue, ev_tx_queue,
                         ev_tx_dmae_queue};

endmodule

`resetall
