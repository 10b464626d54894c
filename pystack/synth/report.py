# SPDX-License-Identifier: MIT
"""`hilnic synth`'s tables: resources against the part, Fmax against the MAC clock, the NIC per
block, the comparison cell counts and the critical paths; the same text goes to report.txt.

Why rich tables rendered once to both the terminal and a file: the file in out/synth/ is what a
reviewer diffs between two runs, so it must say exactly what the terminal said.
"""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pystack.synth.config import PARTS
from pystack.synth.flow import HARNESS, BlockUse, SynthResult, hier_of, lut_count
from pystack.synth.hygiene import KNOWN, Finding


def _pct(used: int, avail: int) -> str:
    return f"{100.0 * used / avail:.1f}%" if avail else "-"


def summary_table(res: SynthResult) -> Table:
    part = PARTS[res.part]
    t = Table(title=f"hilnic ({res.label}) on {part.device}, speed {part.speed}")
    t.add_column("resource")
    t.add_column("NIC", justify="right")
    t.add_column("available", justify="right")
    t.add_column("use", justify="right")
    t.add_column("note")
    lutram = res.nic_cells.get("TRELLIS_DPR16X4", 0)
    t.add_row(
        "LUTs",
        str(res.luts),
        str(part.luts),
        _pct(res.luts, part.luts),
        f"LUT4 {res.nic_cells.get('LUT4', 0)} + 2 x CCU2C {res.nic_cells.get('CCU2C', 0)}",
    )
    t.add_row("flip-flops", str(res.ffs), str(part.luts), _pct(res.ffs, part.luts), "TRELLIS_FF")
    t.add_row("block RAM", str(res.bram), str(part.bram), _pct(res.bram, part.bram), "DP16KD 18 Kb")
    t.add_row("LUT RAM", str(lutram), "", "", "TRELLIS_DPR16X4 (16x4)")
    t.add_row("DSP", str(res.dsp), str(part.dsp), _pct(res.dsp, part.dsp), "MULT18X18D")
    h = res.harness_cells
    t.add_row(
        "I/O harness",
        f"{lut_count(h)} LUT",
        "",
        "",
        f"{h.get('TRELLIS_FF', 0)} FF, not in the NIC's figures",
    )
    if res.fmax_mhz is not None:
        ok = res.fmax_mhz >= res.target_mhz
        verdict = "[green]meets[/]" if ok else "[red]misses[/]"
        period = 1000.0 / res.fmax_mhz
        t.add_row(
            "Fmax",
            f"{res.fmax_mhz:.1f} MHz",
            f"{res.target_mhz} MHz",
            "",
            f"{verdict} the 10G MAC clock (longest path {period:.2f} ns)",
        )
    else:
        t.add_row("Fmax", "-", f"{res.target_mhz} MHz", "", "no place and route (--no-pnr)")
    for name, (used, avail) in sorted(res.utilization.items()):
        if used:
            t.add_row(
                f"  placed {name}",
                str(used),
                str(avail),
                _pct(used, avail),
                "nextpnr, harness included",
            )
    return t


def blocks_table(blocks: list[BlockUse]) -> Table:
    t = Table(title="per block (hierarchical synthesis; cells x instances)")
    for col in ("block", "module", "inst"):
        t.add_column(col)
    for col in ("LUTs", "FFs", "BRAM", "LUT RAM", "DSP"):
        t.add_column(col, justify="right")
    rows = sorted((b for b in blocks if b.module != HARNESS), key=lambda b: (b.block, -b.luts))
    for b in rows:
        c = b.cells
        t.add_row(
            b.block,
            b.module,
            str(b.instances),
            str(b.luts),
            str(c.get("TRELLIS_FF", 0)),
            str(c.get("DP16KD", 0)),
            str(c.get("TRELLIS_DPR16X4", 0)),
            str(c.get("MULT18X18D", 0)),
        )
    return t


def _sum(cells: dict[str, int], prefixes: tuple[str, ...]) -> int:
    return sum(v for k, v in cells.items() if k.lstrip("\\$").startswith(prefixes))


def compare_table(res: SynthResult) -> Table:
    t = Table(title="comparison: the same RTL through Yosys' generic and Xilinx (7-series) flows")
    t.add_column("flow")
    t.add_column("logic", justify="right")
    t.add_column("flip-flops", justify="right")
    t.add_column("RAM", justify="right")
    t.add_column("DSP", justify="right")
    t.add_column("note")
    ecp5_note = "LUT4 + 2 x CCU2C; DP16KD"
    t.add_row("ECP5", str(res.luts), str(res.ffs), str(res.bram), str(res.dsp), ecp5_note)
    g = res.generic_cells
    if g:
        gates = sum(v for k, v in g.items() if k.startswith("$_") and "DFF" not in k)
        ffs = _sum(g, ("_DFF", "_SDFF", "_DFFE", "_SDFFE", "_SDFFCE", "_ALDFF", "_DLATCH"))
        mems = sum(v for k, v in g.items() if k.startswith("$mem"))
        t.add_row(
            "generic",
            str(gates - ffs if gates >= ffs else gates),
            str(ffs),
            str(mems),
            "-",
            "2-input gates and muxes; memories unmapped",
        )
    x = res.xilinx_cells
    if x:
        luts = _sum(x, ("LUT",))
        ffs = _sum(x, ("FDRE", "FDSE", "FDCE", "FDPE", "LDCE", "LDPE"))
        bram = _sum(x, ("RAMB36",)) + _sum(x, ("RAMB18",)) / 2
        lutram = _sum(x, ("RAM32", "RAM64", "RAM128", "RAM256", "RAMS", "RAMD", "SRL"))
        dsp = _sum(x, ("DSP48",))
        t.add_row(
            "Xilinx 7",
            str(luts),
            str(ffs),
            f"{bram:g}",
            str(dsp),
            f"LUT1-6; RAMB36 equivalents; {lutram} LUT RAM/SRL; {_sum(x, ('CARRY',))} CARRY4",
        )
    return t


def paths_table(res: SynthResult, count: int = 5) -> Table:
    t = Table(title=f"critical paths (nextpnr, {res.device})")
    t.add_column("ns", justify="right")
    t.add_column("levels", justify="right")
    t.add_column("from")
    t.add_column("to")
    t.add_column("through")
    for p in res.critical_paths[:count]:
        t.add_row(
            f"{p.delay_ns:.2f}",
            str(p.logic_levels),
            _short(p.start),
            _short(p.end),
            " > ".join(p.blocks) or hier_of(p.start),
        )
    return t


def depth_table(res: SynthResult) -> Table:
    t = Table(title="logic depth: the deepest path into each block (LUT levels; ~6-7 fit 6.4 ns)")
    t.add_column("levels", justify="right")
    t.add_column("ends in")
    t.add_column("through")
    t.add_column("from")
    for d in res.depth:
        blocks = d["blocks"]
        assert isinstance(blocks, list)
        t.add_row(
            f"{d['levels']}", hier_of(str(d["end"])), " > ".join(blocks), _short(str(d["start"]))
        )
    return t


def _short(cell: str, width: int = 48) -> str:
    return cell if len(cell) <= width else "..." + cell[-(width - 3) :]


def hygiene_lines(found: list[Finding]) -> list[str]:
    if not found:
        return [
            "hygiene: clean (no latches, multiple drivers, initial values, sim-only "
            "constructs; memories in RAM)"
        ]
    out = [f"hygiene: {len(found)} finding(s)"]
    for f in found:
        note = " [known: see pystack/synth/hygiene.py KNOWN]" if f.key in KNOWN else ""
        out.append(f"  {f}{note}")
    return out


def render(
    res: SynthResult, found: list[Finding] | None, console: Console, text_file: Path | None
) -> None:
    """Print every table; also write them as plain text to `text_file`."""
    rec = Console(record=True, width=max(console.width, 140), file=io.StringIO())
    for c in (console, rec):
        if found is not None:
            for line in hygiene_lines(found):
                c.print(line, markup=False, highlight=False)
        c.print(summary_table(res))
        if res.blocks:
            c.print(blocks_table(res.blocks))
        if res.generic_cells or res.xilinx_cells:
            c.print(compare_table(res))
        if res.critical_paths:
            c.print(paths_table(res))
        if res.depth:
            c.print(depth_table(res))
        for note in res.notes:
            c.print(f"note: {note}", markup=False, highlight=False)
        times = ", ".join(f"{k} {w:.0f} s wall / {u:.0f} s CPU" for k, (w, u) in res.times.items())
        c.print(f"tool times: {times}", markup=False, highlight=False)
    if text_file is not None:
        text_file.write_text(rec.export_text())
