# SPDX-License-Identifier: MIT
"""Waveforms of the full NIC: the signals worth a first look, a GTKWave save file that shows
them grouped, and `python -m pystack.waves open` to open the latest run's waveform.

Why a list of key signals: a nic_sim_top dump holds a few thousand signals; the walk a packet
takes (MAC RX -> classifier -> RX ring -> DMA -> MSI-X, and TX back) is told by about thirty.
Paths are relative to nic_sim_top and matched by suffix because the scope above it differs by
simulator and tracer (Verilator's $dumpvars: `nic_sim_top.`, cocotb's tracer: `TOP.nic_sim_top.`,
Icarus: `nic_sim_top.`).

Waveforms come from `simrun.run(..., waves=True, waves_window=(start_ns, stop_ns))`, which
leaves `<run dir>/waves.fst` (hdl/sim/wave_dump.v writes it on both simulators).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pystack.simrun import BUILD

TOP = "nic_sim_top"
WAVES_FILE = "waves.fst"
# Where runs leave waveforms: scenario runs (out/ of the current folder, where `hilnic sim`
# writes) first, then cocotb runs (the build folder's runs/).
SEARCH_ROOTS = (Path("out"), BUILD / "runs")

# Group -> signal paths under nic_sim_top, in the order a frame meets them. Ring pointers are
# the NIC's packed per-queue vectors (queue q in bits [12q+11:12q]: three hex digits each, so
# the hex view reads queue by queue from the right); Icarus does not dump arrays, so the RX/TX
# DMA's head_reg arrays would be Verilator-only.
KEY_SIGNALS: dict[str, list[str]] = {
    "Clock": ["clk", "rst", "link_up"],
    "MAC RX": [
        "u_nic.s_axis_mac_rx_tvalid",
        "u_nic.s_axis_mac_rx_tready",
        "u_nic.s_axis_mac_rx_tlast",
    ],
    "MAC TX": [
        "u_nic.m_axis_mac_tx_tvalid",
        "u_nic.m_axis_mac_tx_tready",
        "u_nic.m_axis_mac_tx_tlast",
        "u_nic.m_axis_mac_tx_tuser",
    ],
    "Classifier": [
        "u_nic.u_classifier.m_axis_res_tvalid",
        "u_nic.u_classifier.m_axis_res_tready",
        "u_nic.u_classifier.m_axis_res_hash",
        "u_nic.u_classifier.m_axis_res_hash_type",
        "u_nic.u_classifier.m_axis_res_queue",
    ],
    "RX rings": ["u_nic.rq_tail", "u_nic.rq_head"],
    "TX rings": ["u_nic.tq_tail", "u_nic.tq_head"],
    "DMA": [
        "u_nic.m_axi_awvalid",
        "u_nic.m_axi_awready",
        "u_nic.m_axi_wvalid",
        "u_nic.m_axi_wready",
        "u_nic.m_axi_arvalid",
        "u_nic.m_axi_arready",
    ],
    "MSI-X": [
        "u_nic.u_irq.eicr_reg",  # causes owed, one bit per vector
        "u_nic.u_irq.pba",  # owed but masked (pending-bit array)
        "u_nic.u_irq.launch",  # a message starts this cycle ...
        "u_nic.u_irq.pick",  # ... for this vector
        "u_nic.u_irq.m_axi_awvalid",
        "msi_count",  # messages the catcher saw
    ],
}


def _open(fst: Path) -> Any:  # pywellen.Waveform; pywellen ships no type stubs
    import pywellen  # imported here: the rest of pystack must not need it

    return pywellen.Waveform(str(fst))


def _match(names: Sequence[str], rel: str, top: str) -> str | None:
    """The dumped name of `rel` under `top`, whatever scope sits above the top."""
    want = f"{top}.{rel}"
    hits = [n for n in names if n == want or n.endswith("." + want)]
    return min(hits, key=len) if hits else None


def find_signals(fst_path: Path | str, top: str = TOP) -> dict[str, list[str]]:
    """KEY_SIGNALS group -> full hierarchical names found in the FST (missing ones left out)."""
    names = [v.full_name for v in _open(Path(fst_path)).all_vars()]
    found: dict[str, list[str]] = {}
    for group, rels in KEY_SIGNALS.items():
        found[group] = [n for rel in rels if (n := _match(names, rel, top)) is not None]
    return found


def write_gtkw(fst_path: Path | str, gtkw_path: Path | str, top: str = TOP) -> Path:
    """A GTKWave save file that opens the FST with the key signals grouped (buses in hex).

    GTKWave names a vector `name[msb:lsb]` in save files; every key signal is declared
    [width-1:0], so the range is rebuilt from the width."""
    fst, gtkw = Path(fst_path).resolve(), Path(gtkw_path).resolve()
    widths = {v.full_name: v.bitwidth for v in _open(fst).all_vars()}
    lines = [
        "[*] GTKWave save file written by pystack/waves.py",
        f'[dumpfile] "{fst}"',
        f'[savefile] "{gtkw}"',
    ]
    for group, names in find_signals(fst, top).items():
        if not names:
            continue
        lines += ["@800200", f"-{group}"]
        for name in names:
            width = widths.get(name) or 1
            if width == 1:
                lines += ["@28", name]
            else:
                lines += ["@22", f"{name}[{width - 1}:0]"]
        lines += ["@1000200", f"-{group}"]
    gtkw.parent.mkdir(parents=True, exist_ok=True)
    gtkw.write_text("\n".join(lines) + "\n")
    return gtkw


def value_changes(
    fst: Path, names: list[str] | None = None
) -> dict[str, list[tuple[float, object]]]:
    """Full name -> [(time in ns, value)] for `names` (default: every signal in the file):
    what a test or a script needs to assert on a dump without a viewer."""
    wave = _open(fst)
    scale = {"fs": 1e-6, "ps": 1e-3, "ns": 1.0, "us": 1e3}[str(wave.timescale.unit)]
    scale *= wave.timescale.factor
    variables = [v for v in wave.all_vars() if names is None or v.full_name in names]
    by_ref = {str(v.signal_ref): v.full_name for v in variables}
    out: dict[str, list[tuple[float, object]]] = {v.full_name: [] for v in variables}

    def record(time: int, ref: object, value: object) -> None:
        out[by_ref[str(ref)]].append((time * scale, value))

    wave.stream_changes(record, variables)
    return out


def latest_waveform(root: Path | str = SEARCH_ROOTS[0]) -> Path | None:
    """The newest waves.fst under `root` (by modification time), or None."""
    root = Path(root)
    if root.is_file():
        return root
    if not root.is_dir():
        return None
    found = [p for p in root.rglob(WAVES_FILE) if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def open_viewer(fst: Path) -> int:
    """Open `fst` in GTKWave (with its key-signal save file) or Surfer, whichever is installed;
    without either, or without a display to show it on, say where the file is and what to do."""
    gtkw = fst.with_suffix(".gtkw")
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        if not gtkw.exists():
            write_gtkw(fst, gtkw)
        print(fst)
        print(
            f"no display here: copy both files elsewhere and run `gtkwave {fst.name} {gtkw.name}`"
        )
        print(f"(save file: {gtkw})")
        return 0
    if gtkwave := shutil.which("gtkwave"):
        if not gtkw.exists():
            write_gtkw(fst, gtkw)
        subprocess.Popen([gtkwave, str(fst), str(gtkw)], start_new_session=True)
        print(f"gtkwave {fst} {gtkw}")
    elif surfer := shutil.which("surfer"):
        subprocess.Popen([surfer, str(fst)], start_new_session=True)
        print(f"surfer {fst}")
    else:
        print(fst)
        print("no viewer found: `apt-get install gtkwave` (or install surfer), then run again")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pystack.waves", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_open = sub.add_parser("open", help="open the latest waveform (or PATH) in a viewer")
    p_open.add_argument("path", nargs="?", type=Path, help="an FST, or a folder to search")
    p_gtkw = sub.add_parser("gtkw", help="write a GTKWave save file with the key signals")
    p_gtkw.add_argument("fst", type=Path)
    p_gtkw.add_argument("out", nargs="?", type=Path, help="default: the FST's name, .gtkw")
    args = parser.parse_args(argv)

    if args.cmd == "gtkw":
        print(write_gtkw(args.fst, args.out or args.fst.with_suffix(".gtkw")))
        return 0
    roots = [args.path] if args.path else list(SEARCH_ROOTS)
    for root in roots:
        if fst := latest_waveform(root):
            return open_viewer(fst)
    where = " or ".join(str(r) for r in roots)
    print(f"no {WAVES_FILE} under {where}: run something with WAVES=1 first", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
