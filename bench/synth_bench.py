# SPDX-License-Identifier: MIT
"""What each NIC parameter costs on an FPGA: resources and Fmax per configuration on an ECP5.

Every configuration goes through the same flow as `hilnic synth` (Yosys for ECP5, nextpnr place
and route at the 156.25 MHz MAC clock). The figures are printed as ratios against a baseline
configuration synthesized in the same run with the same tool versions, so the table says what a
parameter costs (2x the queues -> 1.4x the LUTs) rather than numbers that drift with the tools.
A plot of LUTs and Fmax against the queue count goes to out/synth_bench/luts_fmax.png.

    python bench/synth_bench.py                      # queues 1,2,4,8,16; vectors; DMA widths
    python bench/synth_bench.py --queues 1,4,16 --no-pnr       # resources only (no Fmax)
    python bench/synth_bench.py --quick              # queues 1, 4; 4 vectors; 128-bit DMA; no PnR

Each configuration takes minutes of CPU (the default one, with place and route, tens of
minutes on a 2-core machine); results are cached per configuration under build/synth/, so a
rerun after an interruption only does the missing ones. Exits 0 whatever timing is met.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # runnable from a checkout without `pip install -e .`
    sys.path.insert(0, str(_ROOT))

from pystack.synth import flow  # noqa: E402
from pystack.synth.config import DEFAULT, MAC_CLOCK_MHZ, PARTS, Part, SynthConfig  # noqa: E402
from pystack.synth.tools import work_dir  # noqa: E402

OUT = _ROOT / "out" / "synth_bench"


def configurations(queues: list[int], base: SynthConfig, extra: bool) -> list[SynthConfig]:
    """The queue sweep at `base`, then (extra) one change at a time from the baseline."""
    cfgs = [replace(base, queues=q) for q in queues]
    if extra:
        first = cfgs[0]
        cfgs += [
            replace(first, vectors=25),
            replace(first, vectors=2),
            replace(first, dma_width=256 if first.dma_width != 256 else 512),
            replace(first, data_width=128, dma_width=max(first.dma_width, 128)),
        ]
    seen: list[SynthConfig] = []
    for c in cfgs:
        if c not in seen:
            seen.append(c)
    return seen


def cached(cfg: SynthConfig, opts: flow.FlowOptions) -> dict[str, object] | None:
    """A finished run's report for this configuration and these options, if there is one."""
    path = work_dir(cfg.key()) / "report.json"
    if not path.exists():
        return None
    data: dict[str, object] = json.loads(path.read_text())
    summary = data.get("summary", {})
    if opts.pnr and summary.get("fmax_mhz") is None:  # type: ignore[union-attr]
        return None
    return data


def measure(cfg: SynthConfig, opts: flow.FlowOptions, console: Console) -> dict[str, object]:
    data = cached(cfg, opts)
    if data is not None:
        console.print(f"{cfg.label}: cached")
        return data
    start = time.monotonic()
    res = flow.run(cfg, opts, progress=lambda m: console.print(f"{cfg.label}: {m}"))
    console.print(f"{cfg.label}: done in {time.monotonic() - start:.0f} s")
    return res.to_json()


def _fits(summary: dict[str, object], part: Part) -> bool:
    """As SynthResult.fits, recomputed so cached reports follow the current rule."""
    luts, ffs, bram = (int(summary[k]) for k in ("luts", "ffs", "bram"))  # type: ignore[call-overload]
    return luts * flow.PACKING <= part.luts and ffs <= part.luts and bram <= part.bram


def ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "-"
    return f"{value / base:.2f}x"


def plot(rows: list[dict[str, object]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = sorted(
        (r["config"]["queues"], r["summary"]["luts"], r["summary"]["fmax_mhz"])  # type: ignore[index]
        for r in rows
        if r.get("queue_sweep")
    )
    if not pts:
        return
    qs = [p[0] for p in pts]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(qs, [p[1] for p in pts], "o-", color="tab:blue", label="LUTs (LUT4 + 2 x CCU2C)")
    ax.set_xlabel("RX and TX queues")
    ax.set_ylabel("LUTs", color="tab:blue")
    ax.set_xscale("log", base=2)
    ax.set_xticks(qs, [str(q) for q in qs])
    fmax = [(q, f) for q, _, f in pts if f is not None]
    if fmax:
        ax2 = ax.twinx()
        ax2.plot([q for q, _ in fmax], [f for _, f in fmax], "s--", color="tab:red", label="Fmax")
        ax2.axhline(MAC_CLOCK_MHZ, color="tab:red", linestyle=":", linewidth=1)
        ax2.set_ylabel("Fmax, MHz (dotted: 156.25 MHz MAC clock)", color="tab:red")
    ax.set_title("hilnic on ECP5: cost of the queue count")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--queues", default="1,2,4,8,16", help="queue counts to sweep")
    ap.add_argument("--dma-width", type=int, default=DEFAULT.dma_width, help="sweep's DMA width")
    ap.add_argument("--vectors", type=int, default=DEFAULT.vectors, help="sweep's vectors")
    ap.add_argument("--no-extra", action="store_true", help="only the queue sweep")
    ap.add_argument("--no-pnr", action="store_true", help="resources only, no Fmax")
    ap.add_argument("--part", choices=sorted(PARTS), default="um5g-85k")
    ap.add_argument(
        "--quick", action="store_true", help="queues 1,4, 4 vectors, 128-bit DMA, no PnR"
    )
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if args.quick:
        args.queues, args.dma_width, args.vectors = "1,4", 128, 4
        args.no_pnr, args.no_extra = True, True
    queues = [int(q) for q in args.queues.split(",")]
    base = SynthConfig(vectors=min(args.vectors, 25), dma_width=args.dma_width)
    opts = flow.FlowOptions(part=args.part, pnr=not args.no_pnr, compare=False)
    console = Console(width=120)
    cfgs = configurations(queues, base, not args.no_extra)
    rows = []
    for i, cfg in enumerate(cfgs):
        data = measure(cfg.check(), opts, console)
        data["queue_sweep"] = i < len(queues)
        rows.append(data)

    part = PARTS[args.part]
    b = rows[0]["summary"]  # type: ignore[index]
    table = Table(title=f"hilnic on {part.device}: ratios against {rows[0]['label']} (first row)")
    for col in ("configuration", "LUTs", "x", "FFs", "x", "BRAM", "x", "Fmax MHz", "x", "fits"):
        table.add_column(col, justify="left" if col in ("configuration", "fits") else "right")
    for r in rows:
        s = r["summary"]  # type: ignore[index]
        fits = ", ".join(k for k, p in PARTS.items() if _fits(s, p)) or "none"
        fmax = s["fmax_mhz"]
        table.add_row(
            str(r["label"]),
            str(s["luts"]),
            ratio(s["luts"], b["luts"]),
            str(s["ffs"]),
            ratio(s["ffs"], b["ffs"]),
            str(s["bram"]),
            ratio(s["bram"], b["bram"]),
            "-" if fmax is None else f"{fmax:.1f}",
            ratio(fmax, b["fmax_mhz"]),
            fits,
        )
    console.print(table)
    console.print(
        f"MAC clock needed: {MAC_CLOCK_MHZ} MHz; 'fits' counts LUTs (+5% for packing), FFs "
        "and DP16KDs."
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(rows, indent=1))
    plot(rows, args.out / "luts_fmax.png")
    console.print(f"results: {args.out / 'results.json'}, plot: {args.out / 'luts_fmax.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
