# SPDX-License-Identifier: MIT
"""`hilnic synth`: the options, and the run (hygiene, synthesis, place and route, tables).

Kept out of pystack/cli.py so the shared command line only gains the one call that adds this
subcommand; everything about the FPGA flow lives in pystack/synth/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pystack.synth.config import DEFAULT_PART, FPGA_DEFAULT, MAC_CLOCK_MHZ, PARTS

DEFAULT = FPGA_DEFAULT  # fits the default part; the RTL's own default (512-bit DMA) does not


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `synth` to the `hilnic` subcommands."""
    p = sub.add_parser("synth", help="synthesize, place and route the NIC on an ECP5 (YoWASP)")
    p.add_argument("--queues", type=int, default=DEFAULT.queues, help="RX and TX rings (1..128)")
    p.add_argument("--vectors", type=int, default=DEFAULT.vectors, help="MSI-X vectors (1..25)")
    p.add_argument("--data-width", type=int, default=DEFAULT.data_width, help="MAC stream bits")
    p.add_argument(
        "--dma-width", type=int, default=DEFAULT.dma_width, help="DMA data bits (RTL: 512)"
    )
    p.add_argument("--addr-width", type=int, default=DEFAULT.addr_width, help="DMA address bits")
    p.add_argument("--ring-desc", type=int, default=DEFAULT.ring_desc, help="largest ring")
    p.add_argument("--max-frame", type=int, default=DEFAULT.max_frame, help="largest frame")
    p.add_argument("--fifo-lines", type=int, help="RX packet buffer lines (default: 32 KiB)")
    p.add_argument("--part", choices=sorted(PARTS), default=DEFAULT_PART, help="ECP5 device")
    p.add_argument("--freq", type=float, default=MAC_CLOCK_MHZ, help="target clock, MHz")
    p.add_argument("--seed", type=int, default=1, help="nextpnr placement seed")
    p.add_argument("--no-pnr", action="store_true", help="synthesis only: no Fmax")
    p.add_argument("--no-compare", action="store_true", help="skip the generic/Xilinx counts")
    p.add_argument("--hygiene-only", action="store_true", help="only the hygiene checks")
    p.add_argument("--out", type=Path, default=Path("out/synth"), help="report and logs")
    p.set_defaults(func=cmd_synth)


def cmd_synth(args: argparse.Namespace) -> int:
    """Hygiene first (seconds), then the flow (minutes); exit 1 on a new hygiene finding."""
    from rich.console import Console

    from pystack.synth import flow, hygiene, report
    from pystack.synth.config import ConfigError, SynthConfig
    from pystack.synth.tools import SynthError

    cfg = SynthConfig(
        queues=args.queues,
        vectors=args.vectors,
        data_width=args.data_width,
        dma_width=args.dma_width,
        addr_width=args.addr_width,
        ring_desc=args.ring_desc,
        max_frame=args.max_frame,
        fifo_lines=args.fifo_lines,
    )
    try:
        cfg.check()
    except ConfigError as exc:  # one line, as pystack.cli reports a bad option
        print(f"hilnic: error: {exc}", file=sys.stderr)
        return 2
    console = Console()
    out: Path = args.out
    try:
        console.print(f"hygiene checks ({cfg.label}) ...")
        found, _ = hygiene.check(cfg)
        new, _known = hygiene.split_known(found)
        if args.hygiene_only:
            for line in report.hygiene_lines(found):
                console.print(line, markup=False, highlight=False)
            return 1 if new else 0
        opts = flow.FlowOptions(
            part=args.part,
            freq_mhz=args.freq,
            pnr=not args.no_pnr,
            compare=not args.no_compare,
            seed=args.seed,
        )
        res = flow.run(cfg, opts, out=out, progress=lambda m: console.print(f"{m} ..."))
    except SynthError as exc:
        console.print(f"hilnic: error: {exc}", markup=False, highlight=False)
        return 1
    report.render(res, found, console, out / "report.txt")
    console.print(f"report and logs in {out}/ (report.txt, report.json, *.log)")
    return 1 if new else 0
