# SPDX-License-Identifier: MIT
"""`hilnic sweep SPEC` and `hilnic regress`, and the Ray options `hilnic experiments` shares
with them. Kept here rather than in pystack/cli.py so the command line gains two lines."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from .points import Point, code_fingerprint
from .runner import InProcessRunner, RayRunner, RunResult, run_points
from .spec import SpecError, SweepSpec, load_spec
from .store import PointStore, write_sweep

INTERRUPTED = 130  # the shell's status for Ctrl-C


def add_ray_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--address",
        help="Ray cluster, e.g. ray://HOST:10001 (default: RAY_ADDRESS, else local Ray)",
    )
    p.add_argument("--workers", type=int, help="points at once (default: the CPUs Ray has)")
    p.add_argument(
        "--in-process", action="store_true", help="no Ray: one point after another, here"
    )


def make_runner(args: argparse.Namespace) -> RayRunner | InProcessRunner:
    if args.workers is not None and args.workers < 1:
        raise _usage("--workers must be at least 1")
    if args.in_process:
        return InProcessRunner()
    return RayRunner(address=args.address, workers=args.workers)


def _usage(message: str) -> Exception:
    from pystack.cli import UsageError

    return UsageError(message)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "sweep"


def run_with_display(
    points: list[Point], args: argparse.Namespace, out: Path, title: str, console: Console
) -> RunResult:
    from .progress import SweepProgress

    store = PointStore(out)
    if args.fresh:
        store.clear()
    ids = {p.id for p in points}
    finished = set(store.finished())
    reused = len(ids & finished)
    if finished - ids:
        console.print(
            f"{len(finished - ids)} finished points in {store.dir} belong to other options or "
            "to older code (pystack/, tb/, hdl/ changed since): they are not reused"
        )
    with make_runner(args) as runner:
        address = getattr(runner, "address", None)
        where = "on local Ray" if address is None else f"on Ray at {address}"
        if isinstance(runner, InProcessRunner):
            where = "in this process"
        console.print(
            f"{len(ids)} point{'s' if len(ids) != 1 else ''} {where} ({runner.workers} at once); "
            f"{reused} already finished in {store.dir}"
        )
        with SweepProgress(title, len(ids), reused, console) as progress:
            return run_points(points, runner, store, progress, rundirs=out / "runs")


def summary_of(kind: str, name: str, result: RunResult, records: list[dict[str, Any]]) -> dict:
    counts = {
        "ok": sum(r["status"] == "ok" for r in records),
        "failed": sum(r["status"] == "failed" for r in records),
        "missing": sum(r["status"] == "missing" for r in records),
        "ran": len(result.ran),
        "reused": len(result.reused),
    }
    return {
        "kind": kind,
        "name": name,
        "code": code_fingerprint(),
        "state": "interrupted" if result.interrupted else "complete",
        "counts": counts,
        "wall_s": result.wall_s,
    }


def _finish(result: RunResult, out: Path, console: Console, failed: int) -> int:
    if result.interrupted:
        kept = len(PointStore(out).finished())
        console.print(
            f"[yellow]interrupted[/]: {kept} finished points kept in {out / 'points'}; run the "
            "same command again to run only the missing ones"
        )
        return INTERRUPTED
    return 1 if failed else 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a spec's points; sweep.json and report.md (with plots) in the output folder."""
    from . import report

    try:
        spec: SweepSpec = load_spec(args.spec)
    except SpecError as exc:
        raise _usage(f"{args.spec}: {exc}") from exc
    points = spec.points()
    console = Console(width=max(120, Console().width))
    if args.list:
        for p in points:
            console.print(f"{p.id}  {p.label}")
        return 0
    out = args.out or Path("out/sweeps") / _slug(spec.name)
    result = run_with_display(points, args, out, spec.name, console)
    records = result.ordered(points)
    summary = summary_of("sweep", spec.name, result, records)
    summary["spec"] = spec.source
    path = write_sweep(out, summary, records)
    if spec.call is None:
        plots = report.write_plots(spec, records, out)
        (out / "report.md").write_text(report.markdown(spec, summary, records, plots))
    else:
        lines = [f"# Sweep: {spec.name}", ""]
        for r in records:
            shown = json.dumps(r.get("value")) if r["status"] == "ok" else r["status"]
            lines.append(f"- `{r['label']}`: {shown}")
        (out / "report.md").write_text("\n".join(lines) + "\n")
    c = summary["counts"]
    console.print(
        f"{c['ok']} ok, {c['failed']} failed, {c['missing']} missing ({c['ran']} run now, "
        f"{c['reused']} from earlier runs) in {result.wall_s:.1f} s: {path}, {out / 'report.md'}"
    )
    return _finish(result, out, console, c["failed"])


def cmd_regress(args: argparse.Namespace) -> int:
    """The RTL benches over seeds and configurations: a pass/fail table, failing runs as
    one-line reproductions."""
    from . import regress

    if args.seeds is not None and args.seeds < 1:
        raise _usage("--seeds must be at least 1")
    seeds = args.seed or (list(range(1, args.seeds + 1)) if args.seeds else None)
    try:
        spec = regress.load_regress(args.spec).select(args.benches, args.configs, args.sims, seeds)
    except SpecError as exc:
        raise _usage(f"{args.spec or regress.DEFAULT_SPEC}: {exc}") from exc
    points = spec.points()
    console = Console(width=max(120, Console().width))
    if args.list:
        for p in points:
            console.print(f"{p.id}  {p.label}")
        return 0
    out = args.out
    result = run_with_display(points, args, out, f"regress {spec.name}", console)
    records = result.ordered(points)
    summary = summary_of("regress", spec.name, result, records)
    write_sweep(out, summary, records)
    (out / "report.md").write_text(regress.markdown(spec, records, args.spec))
    head, rows = regress.table(spec, records)
    seeded = any(b.seed_env for b in spec.benches.values())
    seeds = f" (seeds {', '.join(map(str, spec.seeds))})" if seeded else ""
    table = Table(
        title=f"Regression: {spec.name}{seeds}",
        title_justify="left",
    )
    for i, h in enumerate(head):
        table.add_column(h, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(row[0], *(_colour(c) for c in row[1:]))
    console.print(table)
    for r in records:
        if regress.verdict(r) not in ("fail", "error"):
            continue
        console.print(f"[red]{regress.verdict(r)}[/] {r['label']}: {regress.why(r)}")
        console.print(f"  {regress.reproduction(r, args.spec)}", highlight=False, soft_wrap=True)
    console.print(f"files in {out}/: sweep.json, report.md, runs/<point id>/ (logs)")
    failed = sum(regress.verdict(r) in ("fail", "error") for r in records)
    return _finish(result, out, console, failed)


def _colour(cell: str) -> str:
    if cell.startswith("pass"):
        return f"[green]{cell}[/]"
    if cell.startswith(("FAIL", "ERROR")):
        return f"[red]{cell}[/]"
    return cell


def add_parsers(sub: Any) -> None:
    """The `sweep` and `regress` subcommands, added to hilnic's subparsers."""
    sw = sub.add_parser("sweep", help="run a spec's scenario points on Ray; sweep.json, report")
    sw.add_argument("spec", type=Path, metavar="SPEC", help="TOML or YAML sweep spec")
    sw.add_argument("--out", type=Path, help="output folder (default out/sweeps/<name>)")
    sw.add_argument("--fresh", action="store_true", help="forget finished points, run all")
    sw.add_argument("--list", action="store_true", help="print the points and stop")
    add_ray_options(sw)
    sw.set_defaults(func=cmd_sweep)

    rg = sub.add_parser("regress", help="RTL benches over seeds and NIC configurations")
    rg.add_argument(
        "spec",
        type=Path,
        nargs="?",
        metavar="SPEC",
        help="regression spec (default: pystack/sweep/examples/regress.toml)",
    )
    rg.add_argument("--seeds", type=int, help="seeds 1..N (overrides the spec)")
    rg.add_argument("--seed", type=int, action="append", help="this seed (repeatable)")
    rg.add_argument("--sims", nargs="+", help="verilator and/or icarus")
    rg.add_argument("--configs", nargs="+", help="configuration names from the spec")
    rg.add_argument("--benches", nargs="+", help="bench names from the spec")
    rg.add_argument("--out", type=Path, default=Path("out/regress"), help="output folder")
    rg.add_argument("--fresh", action="store_true", help="forget finished runs, run all")
    rg.add_argument("--list", action="store_true", help="print the runs and stop")
    add_ray_options(rg)
    rg.set_defaults(func=cmd_regress)
