// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none
`include "hilnic_check.vh"

// Simulation-only host memory: an AXI4 slave over a line array that Python reaches by backdoor,
// with a DMA guard (an IOMMU-like region check) and an access log. Never synthesized.
//
// Why: Python must not be woken per beat on the hot path. The NIC's DMA masters talk AXI to this
// model at one beat per cycle; the driver reads and writes the same bytes in place: the lines
// are a C buffer (see mem_base below) that pystack/rtl/backdoor.py's HostMemory maps with ctypes.
//
// AXI behaviour
// - Memory is 2^MEM_LINES_LOG2 lines of DATA_WIDTH bits from address 0; line i holds the bytes
//   at address i * DATA_WIDTH/8 on, byte 0 of the line in bits [7:0]. A beat at or above the end
//   answers DECERR and does nothing.
// - Every burst is treated as INCR (FIXED and WRAP too): beat n+1 is at the beat address aligned
//   down to 2^size plus 2^size. Sizes above the bus width count as the bus width. Narrow and
//   unaligned beats use the byte lanes of their address, as AXI specifies; write strobes outside
//   those lanes are ignored. wlast is not looked at: awlen decides where a burst ends.
// - Sustained one W beat and one R beat per cycle; a 1-beat write has bvalid the cycle after its
//   W beat is taken, a 1-beat read rvalid the cycle after the one after AR (AR is queued one
//   cycle). Responses come in order. B carries the worst response of the burst's beats; R beats
//   carry their own rresp. A beat that is not performed reads as zeros.
// - Response order of badness: DECERR > SLVERR > OKAY (the larger code wins).
//
// Backdoor state (written by Python through VPI; rst leaves all of it alone)
// - guard_enable: when 1, each write beat is checked over the bytes its strobes select and each
//   read beat over its whole 2^size bytes (address aligned down). Bytes must all lie inside one
//   region [region_base[r], region_limit[r]) (limit exclusive; limit == 0 marks an unused slot).
//   For a write the checked span runs from the lowest to the highest strobed byte. A beat that
//   fails is a violation: not performed, answered DECERR (like an IOMMU fault), counted in
//   guard_count (stat_guard_violations, per beat), and the first one's beat address is kept in
//   guard_first_addr with guard_first_valid set. Python clears guard_count/guard_first_valid.
// - err_base, err_limit, err_resp: error injection. Any beat touching [err_base, err_limit)
//   (for writes: its strobed span) answers err_resp (2 SLVERR, 3 DECERR) and is not performed.
//   err_limit <= err_base disables the window.
//
// Access log: one 128-bit entry per transaction, appended when its last beat is performed, to
// log_mem[log_count % LOG_DEPTH] (circular); log_count counts entries written since reset. A
// write and a read finishing in the same cycle log write first.
//   [47:0]   first beat address (AxADDR, low 48 bits)
//   [55:48]  AxLEN
//   [58:56]  AxSIZE (as given)
//   [59]     1 = write, 0 = read
//   [61:60]  response (worst of the beats)
//   [63:62]  0
//   [127:64] clock cycles since reset when the last beat was performed
// rst clears the log count, the cycle counter, stat_writes/stat_reads and the AXI state only.
module host_mem #(
    // AXI data width in bits, also the memory line width: 128..1024, a power of two.
    parameter integer DATA_WIDTH = 512,
    // AXI address width in bits: above MEM_LINES_LOG2 + log2(DATA_WIDTH/8), at most 64.
    parameter integer ADDR_WIDTH = 48,
    // AXI ID width in bits, 1..16.
    parameter integer ID_WIDTH = 4,
    // Memory size: 2^MEM_LINES_LOG2 lines of DATA_WIDTH bits from address 0; 1..24.
    parameter integer MEM_LINES_LOG2 = 17,
    // DMA guard region slots, 1..1024.
    parameter integer NUM_REGIONS = 64,
    // Access log entries kept (circular): a power of two, 2..65536.
    parameter integer LOG_DEPTH = 4096
) (
    input  wire                    clk,
    input  wire                    rst,

    input  wire [ID_WIDTH-1:0]     s_axi_awid,
    input  wire [ADDR_WIDTH-1:0]   s_axi_awaddr,
    input  wire [7:0]              s_axi_awlen,
    input  wire [2:0]              s_axi_awsize,
    input  wire [1:0]              s_axi_awburst,
    input  wire                    s_axi_awvalid,
    output wire                    s_axi_awready,
    input  wire [DATA_WIDTH-1:0]   s_axi_wdata,
    input  wire [STRB_WIDTH-1:0]   s_axi_wstrb,
    input  wire                    s_axi_wlast,
    input  wire                    s_axi_wvalid,
    output wire                    s_axi_wready,
    output wire [ID_WIDTH-1:0]     s_axi_bid,
    output wire [1:0]              s_axi_bresp,
    output wire                    s_axi_bvalid,
    input  wire                    s_axi_bready,
    input  wire [ID_WIDTH-1:0]     s_axi_arid,
    input  wire [ADDR_WIDTH-1:0]   s_axi_araddr,
    input  wire [7:0]              s_axi_arlen,
    input  wire [2:0]              s_axi_arsize,
    input  wire [1:0]              s_axi_arburst,
    input  wire                    s_axi_arvalid,
    output wire                    s_axi_arready,
    output wire [ID_WIDTH-1:0]     s_axi_rid,
    output wire [DATA_WIDTH-1:0]   s_axi_rdata,
    output wire [1:0]              s_axi_rresp,
    output wire                    s_axi_rlast,
    output wire                    s_axi_rvalid,
    input  wire                    s_axi_rready,

    output wire [31:0]             stat_guard_violations,
    output wire [31:0]             stat_writes,
    output wire [31:0]             stat_reads
);

    localparam integer STRB_WIDTH = DATA_WIDTH / 8;
    localparam integer OFF_BITS = $clog2(STRB_WIDTH);
    localparam integer MEM_ADDR_BITS = MEM_LINES_LOG2 + OFF_BITS;
    localparam integer MEM_LINES = 1 << MEM_LINES_LOG2;
    localparam integer LOG_BITS = $clog2(LOG_DEPTH);
    localparam [2:0] MAX_SIZE = OFF_BITS[2:0];
    localparam [1:0] RESP_OKAY = 2'b00, RESP_SLVERR = 2'b10, RESP_DECERR = 2'b11;

    generate
        if (DATA_WIDTH < 128 || DATA_WIDTH > 1024 || (DATA_WIDTH & (DATA_WIDTH - 1)) != 0)
        begin : g_bad_data
            `HILNIC_PARAM_FAIL("host_mem: DATA_WIDTH must be 128..1024 and a power of two")
        end
        if (MEM_LINES_LOG2 < 1 || MEM_LINES_LOG2 > 24) begin : g_bad_lines
            `HILNIC_PARAM_FAIL("host_mem: MEM_LINES_LOG2 must be 1..24")
        end
        if (ADDR_WIDTH <= MEM_ADDR_BITS || ADDR_WIDTH > 64) begin : g_bad_addr
            `HILNIC_PARAM_FAIL("host_mem: ADDR_WIDTH must exceed the memory's address bits, max 64")
        end
        if (ID_WIDTH < 1 || ID_WIDTH > 16) begin : g_bad_id
            `HILNIC_PARAM_FAIL("host_mem: ID_WIDTH must be 1..16")
        end
        if (NUM_REGIONS < 1 || NUM_REGIONS > 1024) begin : g_bad_regions
            `HILNIC_PARAM_FAIL("host_mem: NUM_REGIONS must be 1..1024")
        end
        if (LOG_DEPTH < 2 || LOG_DEPTH > 65536 || (LOG_DEPTH & (LOG_DEPTH - 1)) != 0)
        begin : g_bad_log
            `HILNIC_PARAM_FAIL("host_mem: LOG_DEPTH must be 2..65536 and a power of two")
        end
    endgenerate

    // ---- backdoor-visible state (no reset: Python owns it) ----------------------------------
    // The lines: a C buffer (hdl/sim/sim_mem_dpi.cpp under Verilator, reached by DPI-C;
    // sim_mem_vpi.c under Icarus, reached by system tasks) that Python maps with ctypes, so a
    // backdoor access is a slice, not one VPI call per line. mem_base holds its address,
    // mem_lines and mem_line_bytes its shape (Python reads all three once).
    reg [63:0]           mem_base;
    reg [31:0]           mem_lines, mem_line_bytes;
    initial begin
        mem_lines = MEM_LINES;
        mem_line_bytes = STRB_WIDTH;
    end
`ifdef VERILATOR
    import "DPI-C" function longint hn_sim_mem_open(input int lines, input int line_bytes);
    import "DPI-C" function void hn_sim_mem_read(input longint base, input int line,
        input int line_bytes, output bit [DATA_WIDTH-1:0] data);
    import "DPI-C" function void hn_sim_mem_write(input longint base, input int line,
        input int line_bytes, input bit [DATA_WIDTH-1:0] data, input bit [STRB_WIDTH-1:0] strb);
    initial mem_base = hn_sim_mem_open(MEM_LINES, STRB_WIDTH);
`else
    initial $hn_sim_mem_open(mem_base, MEM_LINES, STRB_WIDTH);
`endif
    reg                  guard_enable;
    reg [ADDR_WIDTH-1:0] region_base [0:NUM_REGIONS-1];
    reg [ADDR_WIDTH-1:0] region_limit [0:NUM_REGIONS-1];
    reg [ADDR_WIDTH-1:0] err_base, err_limit;
    reg [1:0]            err_resp;
    reg [31:0]           guard_count;
    reg [ADDR_WIDTH-1:0] guard_first_addr;
    reg                  guard_first_valid;
    reg [127:0]          log_mem [0:LOG_DEPTH-1];
    reg [31:0]           log_count;

    integer n;
    initial begin
        for (n = 0; n < NUM_REGIONS; n = n + 1) begin
            region_base[n] = {ADDR_WIDTH{1'b0}};
            region_limit[n] = {ADDR_WIDTH{1'b0}};
        end
        for (n = 0; n < LOG_DEPTH; n = n + 1) log_mem[n] = 128'd0;
        guard_enable = 1'b0;
        err_base = {ADDR_WIDTH{1'b0}};
        err_limit = {ADDR_WIDTH{1'b0}};
        err_resp = RESP_SLVERR;
        guard_count = 32'd0;
        guard_first_addr = {ADDR_WIDTH{1'b0}};
        guard_first_valid = 1'b0;
        log_count = 32'd0;
    end

    function automatic [1:0] worst(input [1:0] a, input [1:0] b);
        worst = a > b ? a : b;
    endfunction

    // ---- address FIFOs: 4 deep, so a new burst is ready the cycle the previous one ends -----
    reg [ADDR_WIDTH-1:0] aw_addr_mem [0:3];
    reg [7:0]            aw_len_mem [0:3];
    reg [2:0]            aw_size_mem [0:3];
    reg [ID_WIDTH-1:0]   aw_id_mem [0:3];
    reg [2:0]            aw_wr_ptr_reg, aw_rd_ptr_reg;
    reg [ADDR_WIDTH-1:0] ar_addr_mem [0:3];
    reg [7:0]            ar_len_mem [0:3];
    reg [2:0]            ar_size_mem [0:3];
    reg [ID_WIDTH-1:0]   ar_id_mem [0:3];
    reg [2:0]            ar_wr_ptr_reg, ar_rd_ptr_reg;

    wire aw_empty = aw_wr_ptr_reg == aw_rd_ptr_reg;
    wire ar_empty = ar_wr_ptr_reg == ar_rd_ptr_reg;
    assign s_axi_awready = aw_wr_ptr_reg != (aw_rd_ptr_reg ^ 3'b100);
    assign s_axi_arready = ar_wr_ptr_reg != (ar_rd_ptr_reg ^ 3'b100);
    wire aw_fire = s_axi_awvalid && s_axi_awready;
    wire ar_fire = s_axi_arvalid && s_axi_arready;

    // ---- response FIFOs (B and R), 4 deep ---------------------------------------------------
    reg [ID_WIDTH-1:0]   b_id_mem [0:3];
    reg [1:0]            b_resp_mem [0:3];
    reg [2:0]            b_wr_ptr_reg, b_rd_ptr_reg;
    reg [ID_WIDTH-1:0]   r_id_mem [0:3];
    reg [DATA_WIDTH-1:0] r_data_mem [0:3];
    reg [1:0]            r_resp_mem [0:3];
    reg                  r_last_mem [0:3];
    reg [2:0]            r_wr_ptr_reg, r_rd_ptr_reg;

    wire b_full = b_wr_ptr_reg == (b_rd_ptr_reg ^ 3'b100);
    wire r_full = r_wr_ptr_reg == (r_rd_ptr_reg ^ 3'b100);
    assign s_axi_bvalid = b_wr_ptr_reg != b_rd_ptr_reg;
    assign s_axi_bid = b_id_mem[b_rd_ptr_reg[1:0]];
    assign s_axi_bresp = b_resp_mem[b_rd_ptr_reg[1:0]];
    assign s_axi_rvalid = r_wr_ptr_reg != r_rd_ptr_reg;
    assign s_axi_rid = r_id_mem[r_rd_ptr_reg[1:0]];
    assign s_axi_rdata = r_data_mem[r_rd_ptr_reg[1:0]];
    assign s_axi_rresp = r_resp_mem[r_rd_ptr_reg[1:0]];
    assign s_axi_rlast = r_last_mem[r_rd_ptr_reg[1:0]];

    // ---- write burst: the active burst, or the AW FIFO head when none is active -------------
    reg                  wr_active_reg;
    reg [ADDR_WIDTH-1:0] wr_addr_reg, wr_start_reg;
    reg [7:0]            wr_left_reg, wr_len_reg;
    reg [2:0]            wr_size_reg;
    reg [ID_WIDTH-1:0]   wr_id_reg;
    reg [1:0]            wr_resp_reg;

    wire [1:0]            aw_head = aw_rd_ptr_reg[1:0];
    wire                  wr_cur_valid = wr_active_reg || !aw_empty;
    wire [ADDR_WIDTH-1:0] wr_cur_addr = wr_active_reg ? wr_addr_reg : aw_addr_mem[aw_head];
    wire [ADDR_WIDTH-1:0] wr_cur_start = wr_active_reg ? wr_start_reg : aw_addr_mem[aw_head];
    wire [7:0]            wr_cur_left = wr_active_reg ? wr_left_reg : aw_len_mem[aw_head];
    wire [7:0]            wr_cur_len = wr_active_reg ? wr_len_reg : aw_len_mem[aw_head];
    wire [2:0]            wr_cur_size = wr_active_reg ? wr_size_reg : aw_size_mem[aw_head];
    wire [ID_WIDTH-1:0]   wr_cur_id = wr_active_reg ? wr_id_reg : aw_id_mem[aw_head];
    wire [1:0]            wr_cur_resp = wr_active_reg ? wr_resp_reg : RESP_OKAY;
    wire [2:0]            wr_size;
    wire [ADDR_WIDTH-1:0] wr_size_mask = {ADDR_WIDTH{1'b1}} << wr_size;
    wire [ADDR_WIDTH-1:0] wr_next_addr = (wr_cur_addr & wr_size_mask)
                                         + ({{(ADDR_WIDTH-1){1'b0}}, 1'b1} << wr_size);
    wire [OFF_BITS-1:0]   wr_off = wr_cur_addr[OFF_BITS-1:0];
    wire [OFF_BITS-1:0]   wr_lane_mask = wr_size_mask[OFF_BITS-1:0];
    wire [MEM_LINES_LOG2-1:0] wr_line = wr_cur_addr[MEM_ADDR_BITS-1:OFF_BITS];
    wire                  wr_range_bad = |wr_cur_addr[ADDR_WIDTH-1:MEM_ADDR_BITS];

    assign s_axi_wready = wr_cur_valid && !b_full;
    wire w_fire = s_axi_wvalid && s_axi_wready;
    wire wr_last_beat = wr_cur_left == 8'd0;

    // Strobes inside the beat's lanes and their span [wr_lo, wr_hi).
    reg [STRB_WIDTH-1:0]   wr_strb;
    reg [OFF_BITS-1:0]     wr_first_byte, wr_last_byte;
    integer wi;

    always @* begin
        wr_strb = {STRB_WIDTH{1'b0}};
        wr_first_byte = {OFF_BITS{1'b0}};
        wr_last_byte = {OFF_BITS{1'b0}};
        for (wi = 0; wi < STRB_WIDTH; wi = wi + 1) begin
            if (s_axi_wstrb[wi] && wi[OFF_BITS-1:0] >= wr_off
                    && (wi[OFF_BITS-1:0] & wr_lane_mask) == (wr_off & wr_lane_mask))
                wr_strb[wi] = 1'b1;
        end
        for (wi = STRB_WIDTH - 1; wi >= 0; wi = wi - 1)
            if (wr_strb[wi]) wr_first_byte = wi[OFF_BITS-1:0];
        for (wi = 0; wi < STRB_WIDTH; wi = wi + 1)
            if (wr_strb[wi]) wr_last_byte = wi[OFF_BITS-1:0];
    end

    wire                  wr_any = |wr_strb;
    wire [ADDR_WIDTH-1:0] wr_lo = {wr_cur_addr[ADDR_WIDTH-1:OFF_BITS], wr_first_byte};
    wire [ADDR_WIDTH:0]   wr_hi = {1'b0, wr_cur_addr[ADDR_WIDTH-1:OFF_BITS], wr_last_byte}
                                  + {{ADDR_WIDTH{1'b0}}, 1'b1};

    // Everything that reads what Python writes by backdoor (the guard regions, the error
    // window) is evaluated inside the clocked block, and only for a beat that moves. Logic
    // reading a VPI-writable signal combinationally is re-run by Verilator on every clock edge;
    // the 64-region scan alone cost more than the rest of the NIC. (A function call in a
    // clocked block also keeps Icarus from watching every region slot.)
    function automatic in_regions(input [ADDR_WIDTH-1:0] lo, input [ADDR_WIDTH:0] hi);
        integer r;
        begin
            in_regions = 1'b0;
            for (r = 0; r < NUM_REGIONS; r = r + 1)
                if (region_limit[r] != {ADDR_WIDTH{1'b0}} && region_base[r] <= lo
                        && hi <= {1'b0, region_limit[r]})
                    in_regions = 1'b1;
        end
    endfunction

    // {guard violation, response} for one beat touching [lo, hi).
    function automatic [2:0] beat_check(input range_bad, input any,
                                        input [ADDR_WIDTH-1:0] lo, input [ADDR_WIDTH:0] hi);
        reg viol, err_hit;
        begin
            viol = guard_enable && any && !in_regions(lo, hi);
            err_hit = any && lo < err_limit && hi > {1'b0, err_base};
            beat_check = {viol, (range_bad || viol) ? RESP_DECERR
                                : err_hit ? err_resp : RESP_OKAY};
        end
    endfunction


    wire       wr_done = w_fire && wr_last_beat;

    // ---- read burst -------------------------------------------------------------------------
    reg                  rd_active_reg;
    reg [ADDR_WIDTH-1:0] rd_addr_reg, rd_start_reg;
    reg [7:0]            rd_left_reg, rd_len_reg;
    reg [2:0]            rd_size_reg;
    reg [ID_WIDTH-1:0]   rd_id_reg;
    reg [1:0]            rd_resp_reg;

    wire [1:0]            ar_head = ar_rd_ptr_reg[1:0];
    wire                  rd_cur_valid = rd_active_reg || !ar_empty;
    wire [ADDR_WIDTH-1:0] rd_cur_addr = rd_active_reg ? rd_addr_reg : ar_addr_mem[ar_head];
    wire [ADDR_WIDTH-1:0] rd_cur_start = rd_active_reg ? rd_start_reg : ar_addr_mem[ar_head];
    wire [7:0]            rd_cur_left = rd_active_reg ? rd_left_reg : ar_len_mem[ar_head];
    wire [7:0]            rd_cur_len = rd_active_reg ? rd_len_reg : ar_len_mem[ar_head];
    wire [2:0]            rd_cur_size = rd_active_reg ? rd_size_reg : ar_size_mem[ar_head];
    wire [ID_WIDTH-1:0]   rd_cur_id = rd_active_reg ? rd_id_reg : ar_id_mem[ar_head];
    wire [1:0]            rd_cur_resp = rd_active_reg ? rd_resp_reg : RESP_OKAY;
    wire [2:0]            rd_size;
    wire [ADDR_WIDTH-1:0] rd_size_mask = {ADDR_WIDTH{1'b1}} << rd_size;
    wire [ADDR_WIDTH-1:0] rd_lo = rd_cur_addr & rd_size_mask;
    wire [ADDR_WIDTH-1:0] rd_next_addr = rd_lo + ({{(ADDR_WIDTH-1){1'b0}}, 1'b1} << rd_size);
    wire [ADDR_WIDTH:0]   rd_hi = {1'b0, rd_lo} + ({{ADDR_WIDTH{1'b0}}, 1'b1} << rd_size);
    wire [MEM_LINES_LOG2-1:0] rd_line = rd_cur_addr[MEM_ADDR_BITS-1:OFF_BITS];
    wire                  rd_range_bad = |rd_cur_addr[ADDR_WIDTH-1:MEM_ADDR_BITS];

    wire rd_issue = rd_cur_valid && !r_full;

    // Sizes above the bus width count as the bus width (nothing to clamp at 1024 bits).
    generate
        if (OFF_BITS == 7) begin : g_size_full
            assign wr_size = wr_cur_size;
            assign rd_size = rd_cur_size;
        end else begin : g_size_clamp
            assign wr_size = wr_cur_size > MAX_SIZE ? MAX_SIZE : wr_cur_size;
            assign rd_size = rd_cur_size > MAX_SIZE ? MAX_SIZE : rd_cur_size;
        end
    endgenerate
    wire rd_last_beat = rd_cur_left == 8'd0;

    wire       rd_done = rd_issue && rd_last_beat;

    // ---- log entries and counters -----------------------------------------------------------
    reg [63:0] cycle_reg;
    reg [31:0] writes_reg, reads_reg;

    function automatic [127:0] log_entry(input [1:0] resp, input write, input [2:0] size,
                                         input [7:0] len, input [ADDR_WIDTH-1:0] start);
        log_entry = {cycle_reg, 2'b00, resp, write, size, len, 48'(start)};
    endfunction
    wire [LOG_BITS-1:0] log_wr_slot = log_count[LOG_BITS-1:0];
    wire [LOG_BITS-1:0] log_rd_slot = log_count[LOG_BITS-1:0] + {{(LOG_BITS-1){1'b0}}, wr_done};

    assign stat_guard_violations = guard_count;
    assign stat_writes = writes_reg;
    assign stat_reads = reads_reg;

    // Per-beat check results: blocking temporaries of the clocked block below.
    reg [2:0] wr_chk, rd_chk;
    reg [1:0] wr_done_resp, rd_done_resp;

    /* verilator lint_off BLKSEQ */
    reg [DATA_WIDTH-1:0] rd_line_data;  // the line read this cycle
    always @(posedge clk) begin
        // The read comes first: a line written in the same cycle reads its old value, as the
        // reg array's non-blocking write gives.
        rd_line_data = {DATA_WIDTH{1'b0}};
        if (rd_issue) begin
`ifdef VERILATOR
            hn_sim_mem_read(mem_base, 32'(rd_line), STRB_WIDTH, rd_line_data);
`else
            $hn_sim_mem_read(mem_base, 32'(rd_line), STRB_WIDTH, rd_line_data);
`endif
        end
        wr_chk = w_fire ? beat_check(wr_range_bad, wr_any, wr_lo, wr_hi) : 3'd0;
        wr_done_resp = worst(wr_cur_resp, wr_chk[1:0]);
        rd_chk = rd_issue ? beat_check(rd_range_bad, 1'b1, rd_lo, rd_hi) : 3'd0;
        rd_done_resp = worst(rd_cur_resp, rd_chk[1:0]);

        // address FIFOs
        if (aw_fire) begin
            aw_addr_mem[aw_wr_ptr_reg[1:0]] <= s_axi_awaddr;
            aw_len_mem[aw_wr_ptr_reg[1:0]] <= s_axi_awlen;
            aw_size_mem[aw_wr_ptr_reg[1:0]] <= s_axi_awsize;
            aw_id_mem[aw_wr_ptr_reg[1:0]] <= s_axi_awid;
            aw_wr_ptr_reg <= aw_wr_ptr_reg + 3'd1;
        end
        if (ar_fire) begin
            ar_addr_mem[ar_wr_ptr_reg[1:0]] <= s_axi_araddr;
            ar_len_mem[ar_wr_ptr_reg[1:0]] <= s_axi_arlen;
            ar_size_mem[ar_wr_ptr_reg[1:0]] <= s_axi_arsize;
            ar_id_mem[ar_wr_ptr_reg[1:0]] <= s_axi_arid;
            ar_wr_ptr_reg <= ar_wr_ptr_reg + 3'd1;
        end

        // write beats
        if (w_fire) begin
            if (!wr_active_reg) begin
                aw_rd_ptr_reg <= aw_rd_ptr_reg + 3'd1;
                wr_start_reg <= wr_cur_start;
                wr_len_reg <= wr_cur_len;
                wr_size_reg <= wr_cur_size;
                wr_id_reg <= wr_cur_id;
            end
            if (wr_chk[1:0] == RESP_OKAY && !wr_range_bad && wr_any) begin
`ifdef VERILATOR
                hn_sim_mem_write(mem_base, 32'(wr_line), STRB_WIDTH, s_axi_wdata, wr_strb);
`else
                $hn_sim_mem_write(mem_base, 32'(wr_line), STRB_WIDTH, s_axi_wdata, wr_strb);
`endif
            end
            wr_addr_reg <= wr_next_addr;
            wr_left_reg <= wr_cur_left - 8'd1;
            wr_resp_reg <= wr_done_resp;
            wr_active_reg <= !wr_last_beat;
            if (wr_last_beat) begin
                b_id_mem[b_wr_ptr_reg[1:0]] <= wr_cur_id;
                b_resp_mem[b_wr_ptr_reg[1:0]] <= wr_done_resp;
                b_wr_ptr_reg <= b_wr_ptr_reg + 3'd1;
                log_mem[log_wr_slot] <= log_entry(wr_done_resp, 1'b1, wr_cur_size, wr_cur_len,
                                                  wr_cur_start);
                writes_reg <= writes_reg + 32'd1;
            end
        end
        if (s_axi_bvalid && s_axi_bready) b_rd_ptr_reg <= b_rd_ptr_reg + 3'd1;

        // read beats
        if (rd_issue) begin
            if (!rd_active_reg) begin
                ar_rd_ptr_reg <= ar_rd_ptr_reg + 3'd1;
                rd_start_reg <= rd_cur_start;
                rd_len_reg <= rd_cur_len;
                rd_size_reg <= rd_cur_size;
                rd_id_reg <= rd_cur_id;
            end
            rd_addr_reg <= rd_next_addr;
            rd_left_reg <= rd_cur_left - 8'd1;
            rd_resp_reg <= rd_done_resp;
            rd_active_reg <= !rd_last_beat;
            r_id_mem[r_wr_ptr_reg[1:0]] <= rd_cur_id;
            r_data_mem[r_wr_ptr_reg[1:0]] <= rd_chk[1:0] == RESP_OKAY && !rd_range_bad
                                             ? rd_line_data : {DATA_WIDTH{1'b0}};
            r_resp_mem[r_wr_ptr_reg[1:0]] <= rd_chk[1:0];
            r_last_mem[r_wr_ptr_reg[1:0]] <= rd_last_beat;
            r_wr_ptr_reg <= r_wr_ptr_reg + 3'd1;
            if (rd_last_beat) begin
                log_mem[log_rd_slot] <= log_entry(rd_done_resp, 1'b0, rd_cur_size, rd_cur_len,
                                                  rd_cur_start);
                reads_reg <= reads_reg + 32'd1;
            end
        end
        if (s_axi_rvalid && s_axi_rready) r_rd_ptr_reg <= r_rd_ptr_reg + 3'd1;

        // guard bookkeeping (write first when both fault in one cycle)
        if (wr_chk[2]) begin
            if (!guard_first_valid) begin
                guard_first_valid <= 1'b1;
                guard_first_addr <= wr_cur_addr;
            end
        end else if (rd_chk[2] && !guard_first_valid) begin
            guard_first_valid <= 1'b1;
            guard_first_addr <= rd_cur_addr;
        end
        // Assigned only when counting, so a backdoor clear is never overwritten by a stale sum.
        if (wr_chk[2] || rd_chk[2])
            guard_count <= guard_count + {31'd0, wr_chk[2]} + {31'd0, rd_chk[2]};

        if (wr_done || rd_done) log_count <= log_count + {31'd0, wr_done} + {31'd0, rd_done};
        cycle_reg <= cycle_reg + 64'd1;

        if (rst) begin
            aw_wr_ptr_reg <= 3'd0;
            aw_rd_ptr_reg <= 3'd0;
            ar_wr_ptr_reg <= 3'd0;
            ar_rd_ptr_reg <= 3'd0;
            b_wr_ptr_reg <= 3'd0;
            b_rd_ptr_reg <= 3'd0;
            r_wr_ptr_reg <= 3'd0;
            r_rd_ptr_reg <= 3'd0;
            wr_active_reg <= 1'b0;
            rd_active_reg <= 1'b0;
            writes_reg <= 32'd0;
            reads_reg <= 32'd0;
            log_count <= 32'd0;
            cycle_reg <= 64'd0;
        end
    end

    /* verilator lint_on BLKSEQ */

    // wlast is redundant with awlen; every burst type is handled as INCR.
    wire unused_inputs = &{1'b0, s_axi_wlast, s_axi_awburst, s_axi_arburst};
    // Read only by Python through VPI.
    wire unused_backdoor = &{1'b0, guard_first_addr, log_mem[0], mem_lines, mem_line_bytes};

endmodule

`resetall
