// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
`default_nettype none

// Simulation only: writes the design's waveform (FST) within a simulated time window, so a long
// run leaves a small file. Instantiated by nic_sim_top under `ifdef HILNIC_WAVES` (simrun defines
// it for waves builds only, so the normal build and its speed are untouched).
//
// Why in HDL: a clocked compare needs no delays, so it works without Verilator's --timing
// (which slows the model and changes its sampling semantics), and both simulators implement
// $dumpfile/$dumpvars. Closing differs: Icarus does $dumpoff; Verilator 5.048 parses $dumpoff
// but drops it, so the Verilator branch closes the tracer its $dumpvars opened. The
// simulator's own tracer (cocotb's --trace, cocotb_iverilog_dump) stays off, so this is the
// only writer of the file.
//
// Plusargs (all optional):
//   +waves_file=<path>      output file (default waves.fst in the simulator's working folder)
//   +waves_start_ns=<n>     first clock edge at or after n ns opens the dump (initial snapshot)
//   +waves_stop_ns=<n>      the last clock edge before n ns (one period estimated from the two
//                           latest edges) closes it; nothing is recorded after n ns
// Without +waves_start_ns the dump opens at time 0; without +waves_stop_ns it runs to the end.
module wave_dump (
    input wire clk
);

    reg [8*512-1:0] file_name;
    reg [63:0]      start_ns, stop_ns;
    reg             has_start, has_stop;
    reg             dumping, done, seen_edge;
    realtime        start_t, stop_t, last_edge;

    initial begin
        if ($value$plusargs("waves_file=%s", file_name) == 0) file_name = "waves.fst";
        has_start = $value$plusargs("waves_start_ns=%d", start_ns) != 0;
        has_stop = $value$plusargs("waves_stop_ns=%d", stop_ns) != 0;
        start_t = has_start ? $itor(start_ns) : 0.0;
        stop_t = has_stop ? $itor(stop_ns) : 0.0;
        last_edge = 0.0;
        done = 1'b0;
        seen_edge = 1'b0;
        dumping = !has_start;
        if (!has_start) begin
            $dumpfile(file_name);
            $dumpvars;
        end
    end

    always @(posedge clk) begin
        if (!dumping && !done && $realtime >= start_t) begin
            $dumpfile(file_name);
            $dumpvars;
            dumping <= 1'b1;
        end
        // Close at the last edge whose successor (one period on) would fall past the stop time.
        if (dumping && has_stop && (seen_edge ? 2.0 * $realtime - last_edge : $realtime) > stop_t)
        begin
`ifdef VERILATOR
            // $dumpoff is accepted but dropped by Verilator 5.048: close its $dumpvars tracer
            // the way the generated model does at teardown (nothing is written after this).
            $c("vlSymsp->_traceDumpClose();");
`else
            $dumpoff;
            $dumpflush;
`endif
            dumping <= 1'b0;
            done <= 1'b1;
        end
        last_edge <= $realtime;
        seen_edge <= 1'b1;
    end

endmodule

`resetall
