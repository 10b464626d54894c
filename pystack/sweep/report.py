# SPDX-License-Identifier: MIT
"""The report of a scenario sweep, from sweep.json's records alone: a Markdown table of every
combination (mean over seeds, with the spread when there are several), one plot per metric
with the spec's x axis and one line per combination of the other varied options (a line per
mode over load, say), and every failed or missing point with its error. Seeds are averaged
because a sweep's seeds are repetitions of one configuration, not a dimension to read."""

from __future__ import annotations

from pathlib import Path
from statistics import mean
from typing import Any

from .spec import SweepSpec

LABELS = {
    "replies_per_s": "replies per simulated s",
    "p50_us": "p50 round trip (us)",
    "p99_us": "p99 round trip (us)",
    "cpu_load": "CPU load (busy share)",
    "ipis_per_pkt": "IPIs per packet",
    "messages_per_pkt": "messages per packet",
    "interrupts_per_pkt": "interrupts per packet",
    "polls_per_pkt": "polls per packet",
    "busy_ns_per_pkt": "CPU ns per packet",
    "lost": "requests lost",
    "flow_cpu_share": "share of replies on the flow's CPU",
}


AXES = {
    "rate": "offered load (share of 10G line rate)",
    "duration_us": "simulated us of traffic",
    "cpus": "simulated CPUs",
    "queues": "RX/TX rings",
    "vectors": "MSI-X vectors",
}


def _value(record: dict[str, Any], key: str) -> Any:
    if key == "sim":
        return record["params"]["options"]["sim"]
    return record["params"]["options"][key]


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    if isinstance(v, list):
        return ",".join(str(i) for i in v)
    return str(v)


def combinations(spec: SweepSpec, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (sim, varied values): the metrics' mean, min and max over the seeds."""
    keys = (["sim"] if len(spec.sims) > 1 else []) + list(spec.vary)
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in records:
        if r["status"] == "ok":
            ident = tuple(repr(_value(r, k)) for k in keys)
            groups.setdefault(ident, []).append(r)
    rows = []
    for members in groups.values():
        row: dict[str, Any] = {k: _value(members[0], k) for k in keys}
        row["seeds"] = len(members)
        for m in spec.metrics:
            vals = [r["value"]["row"].get(m) for r in members]
            vals = [v for v in vals if isinstance(v, int | float)]
            row[m] = (mean(vals), min(vals), max(vals)) if vals else None
        rows.append(row)
    return rows


def markdown(
    spec: SweepSpec, summary: dict[str, Any], records: list[dict[str, Any]], plots: list[Path]
) -> str:
    rows = combinations(spec, records)
    keys = (["sim"] if len(spec.sims) > 1 else []) + list(spec.vary)
    counts = summary["counts"]
    lines = [
        f"# Sweep: {spec.name}",
        "",
        f"{len(records)} points: {counts['ok']} ok, {counts['failed']} failed, "
        f"{counts['missing']} missing; back ends {', '.join(spec.sims)}; seeds "
        f"{', '.join(map(str, spec.seeds))}; code {summary['code']}. Every number is in "
        "simulated time (the cost model of pystack/stack/cost.py); tables show the mean over "
        "seeds, with [min, max] when there are several.",
        "",
    ]
    if spec.base:
        shared = ", ".join(f"{k}={_fmt(v)}" for k, v in spec.base.items())
        lines += [f"Shared options: {shared}.", ""]
    head = [*keys, "seeds", *spec.metrics]
    lines += ["| " + " | ".join(head) + " |", "|" + "|".join("---:" for _ in head) + "|"]
    for row in rows:
        cells = [_fmt(row[k]) for k in keys] + [str(row["seeds"])]
        for m in spec.metrics:
            v = row[m]
            if v is None:
                cells.append("-")
            elif row["seeds"] > 1 and v[1] != v[2]:
                cells.append(f"{_fmt(v[0])} [{_fmt(v[1])}, {_fmt(v[2])}]")
            else:
                cells.append(_fmt(v[0]))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for plot in plots:
        lines += [f"![{plot.stem}]({plot.name})", ""]
    failed = [r for r in records if r["status"] == "failed"]
    if failed:
        lines += ["## Failed points", ""]
        for r in failed:
            lines.append(f"- `{r['label']}` ({r['attempts']} attempts): {r['errors'][-1]}")
        lines.append("")
    missing = [r for r in records if r["status"] == "missing"]
    if missing:
        lines += [
            f"**Incomplete**: {len(missing)} points never finished (interrupted); run the same "
            "command again to run only those.",
            "",
        ]
    return "\n".join(lines)


def write_plots(spec: SweepSpec, records: list[dict[str, Any]], out: Path) -> list[Path]:
    """One PNG per metric: x = spec.x, a line per combination of spec.lines, mean over seeds
    with the min-max range as error bars."""
    if spec.x is None:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = combinations(spec, records)
    numeric_x = all(isinstance(r[spec.x], int | float) for r in rows)
    written = []
    for metric in spec.metrics:
        series: dict[str, list[tuple[Any, tuple[float, float, float]]]] = {}
        for r in rows:
            if r[metric] is None:
                continue
            name = ", ".join(f"{k}={_fmt(r[k])}" for k in spec.lines) or metric
            series.setdefault(name, []).append((r[spec.x], r[metric]))
        if not series:
            continue
        fig, ax = plt.subplots(figsize=(7, 4))
        for name, pts in series.items():
            if numeric_x:
                pts.sort(key=lambda p: p[0])
            xs = [p[0] if numeric_x else _fmt(p[0]) for p in pts]
            ys = [p[1][0] for p in pts]
            err = [[p[1][0] - p[1][1] for p in pts], [p[1][2] - p[1][0] for p in pts]]
            ax.errorbar(xs, ys, yerr=err, fmt="o-", capsize=3, label=name)
        ax.set(
            xlabel=AXES.get(spec.x, spec.x),
            ylabel=LABELS.get(metric, metric),
            title=f"{metric} over {spec.x}",
        )
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = out / f"{metric}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written
