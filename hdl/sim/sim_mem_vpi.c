// SPDX-License-Identifier: MIT
// Simulation-only line memories in C for Icarus: the VPI twin of hdl/sim/sim_mem_dpi.cpp.
//
// Why: the same C buffers under both simulators, so Python maps host memory and the frame
// sink's lines with ctypes instead of one VPI call and string conversion per line. Icarus has no
// DPI-C, so the RTL calls these as system tasks (hdl/sim/host_mem.v, frame_sink.v); vvp loads
// this module with `-m sim_mem_vpi` (pystack/simrun.py builds it with iverilog-vpi).
//
//   $hn_sim_mem_open(base, lines, line_bytes)        base (64-bit reg) <- a zeroed buffer
//   $hn_sim_mem_read(base, line, line_bytes, data)   data (reg) <- the line, at once
//   $hn_sim_mem_write(base, line, line_bytes, data, strb)   bytes whose strobe bit is set
//   $hn_sink_mem_write(base, line, line_bytes, data)        the whole line
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpi_user.h"

#define MAX_ARGS 5

// The call's arguments, in order; returns how many there are.
static int args(vpiHandle out[MAX_ARGS]) {
    vpiHandle call = vpi_handle(vpiSysTfCall, NULL);
    vpiHandle it = vpi_iterate(vpiArgument, call);
    int n = 0;
    vpiHandle h;
    while (it != NULL && (h = vpi_scan(it)) != NULL) {
        if (n < MAX_ARGS) out[n] = h;
        n++;
    }
    return n;
}

static uint64_t get_u64(vpiHandle h) {
    s_vpi_value v;
    v.format = vpiVectorVal;
    vpi_get_value(h, &v);
    uint64_t lo = (uint32_t)v.value.vector[0].aval;
    uint64_t hi = vpi_get(vpiSize, h) > 32 ? (uint32_t)v.value.vector[1].aval : 0;
    return lo | hi << 32;
}

static uint8_t* line_at(vpiHandle a[MAX_ARGS]) {
    uint64_t base = get_u64(a[0]);
    uint64_t line = get_u64(a[1]);
    uint64_t line_bytes = get_u64(a[2]);
    return (uint8_t*)(uintptr_t)base + line * line_bytes;
}

static PLI_INT32 open_calltf(PLI_BYTE8* user) {
    (void)user;
    vpiHandle a[MAX_ARGS];
    if (args(a) != 3) {
        vpi_printf("$hn_sim_mem_open: expects (base, lines, line_bytes)\n");
        vpi_control(vpiFinish, 1);
        return 0;
    }
    uint64_t lines = get_u64(a[1]), line_bytes = get_u64(a[2]);
    void* p = calloc(lines, line_bytes);
    if (p == NULL) {
        vpi_printf("$hn_sim_mem_open: cannot allocate %llu x %llu bytes\n",
                   (unsigned long long)lines, (unsigned long long)line_bytes);
        vpi_control(vpiFinish, 1);
        return 0;
    }
    uint64_t addr = (uint64_t)(uintptr_t)p;
    s_vpi_vecval vec[2] = {{(PLI_INT32)(uint32_t)addr, 0}, {(PLI_INT32)(uint32_t)(addr >> 32), 0}};
    s_vpi_value v;
    v.format = vpiVectorVal;
    v.value.vector = vec;
    vpi_put_value(a[0], &v, NULL, vpiNoDelay);
    return 0;
}

static PLI_INT32 read_calltf(PLI_BYTE8* user) {
    (void)user;
    vpiHandle a[MAX_ARGS];
    if (args(a) != 4) return 0;
    const uint8_t* src = line_at(a);
    int bytes = (int)get_u64(a[2]);
    int words = (bytes + 3) / 4;
    s_vpi_vecval* vec = (s_vpi_vecval*)calloc((size_t)words, sizeof(s_vpi_vecval));
    for (int w = 0; w < words; w++) {
        uint32_t x;
        memcpy(&x, src + 4 * w, 4);
        vec[w].aval = (PLI_INT32)x;
        vec[w].bval = 0;
    }
    s_vpi_value v;
    v.format = vpiVectorVal;
    v.value.vector = vec;
    vpi_put_value(a[3], &v, NULL, vpiNoDelay);
    free(vec);
    return 0;
}

static void write_line(vpiHandle a[MAX_ARGS], int strobed) {
    uint8_t* dst = line_at(a);
    int bytes = (int)get_u64(a[2]);
    s_vpi_value d;
    d.format = vpiVectorVal;
    vpi_get_value(a[3], &d);
    const s_vpi_vecval* data = d.value.vector;  // valid until the next vpi_get_value
    uint8_t line[1024];
    for (int b = 0; b < bytes && b < (int)sizeof line; b++)
        line[b] = (uint8_t)((uint32_t)data[b / 4].aval >> (8 * (b % 4)));
    if (!strobed) {
        memcpy(dst, line, (size_t)bytes);
        return;
    }
    s_vpi_value s;
    s.format = vpiVectorVal;
    vpi_get_value(a[4], &s);
    for (int b = 0; b < bytes; b++)
        if (((uint32_t)s.value.vector[b / 32].aval >> (b % 32)) & 1U) dst[b] = line[b];
}

static PLI_INT32 write_calltf(PLI_BYTE8* user) {
    (void)user;
    vpiHandle a[MAX_ARGS];
    if (args(a) == 5) write_line(a, 1);
    return 0;
}

static PLI_INT32 sink_write_calltf(PLI_BYTE8* user) {
    (void)user;
    vpiHandle a[MAX_ARGS];
    if (args(a) == 4) write_line(a, 0);
    return 0;
}

static void reg(const char* name, PLI_INT32 (*calltf)(PLI_BYTE8*)) {
    s_vpi_systf_data tf;
    memset(&tf, 0, sizeof tf);
    tf.type = vpiSysTask;
    tf.tfname = (PLI_BYTE8*)name;
    tf.calltf = calltf;
    vpi_register_systf(&tf);
}

static void register_all(void) {
    reg("$hn_sim_mem_open", open_calltf);
    reg("$hn_sim_mem_read", read_calltf);
    reg("$hn_sim_mem_write", write_calltf);
    reg("$hn_sink_mem_write", sink_write_calltf);
}

void (*vlog_startup_routines[])(void) = {register_all, 0};
