// SPDX-License-Identifier: MIT
// Simulation-only line memories in C for Verilator (hdl/sim/host_mem.v under `ifdef VERILATOR`).
//
// Why: Python reached host memory by VPI, one call and one 512-bit string conversion per line,
// which was a third of the Python time of a `make sim` run. Here the memory is one C buffer:
// the RTL reads and writes lines through DPI-C, and Python (cocotb runs in this process) maps
// the same bytes with ctypes from the address the buffer reports, so a backdoor access is a
// memcpy. Byte 0 of a line is bits [7:0] of the Verilog vector, as in the reg array it replaces
// (svBitVecVal words are little-endian 32-bit chunks; x86 and ARM hosts are little-endian).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "svdpi.h"

extern "C" {

// A zeroed buffer of `lines` x `line_bytes`; its address, which the RTL keeps in a register
// that Python reads once.
long long hn_sim_mem_open(int lines, int line_bytes) {
    void* p = std::calloc(static_cast<size_t>(lines), static_cast<size_t>(line_bytes));
    if (p == nullptr) {
        std::fprintf(stderr, "hn_sim_mem_open: cannot allocate %d x %d bytes\n", lines,
                     line_bytes);
        std::abort();
    }
    return static_cast<long long>(reinterpret_cast<uintptr_t>(p));
}

void hn_sim_mem_read(long long base, int line, int line_bytes, svBitVecVal* data) {
    const auto* src = reinterpret_cast<const uint8_t*>(static_cast<uintptr_t>(base));
    std::memcpy(data, src + static_cast<size_t>(line) * line_bytes, line_bytes);
}

// Bytes whose strobe bit is set, the others untouched.
void hn_sim_mem_write(long long base, int line, int line_bytes, const svBitVecVal* data,
                      const svBitVecVal* strb) {
    auto* dst = reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(base)) +
                static_cast<size_t>(line) * line_bytes;
    const auto* src = reinterpret_cast<const uint8_t*>(data);
    for (int b = 0; b < line_bytes; b++) {
        if ((strb[b / 32] >> (b % 32)) & 1U) dst[b] = src[b];
    }
}

}  // extern "C"

extern "C" {

// frame_sink's lines: whole-line writes (its own name, so its line width may differ from
// host_mem's in the same build).
void hn_sink_mem_write(long long base, int line, int line_bytes, const svBitVecVal* data) {
    auto* dst = reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(base)) +
                static_cast<size_t>(line) * line_bytes;
    std::memcpy(dst, data, line_bytes);
}

}  // extern "C"
