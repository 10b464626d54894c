# SPDX-License-Identifier: MIT
"""The paper's TCP experiments in `make experiments`: short-lived HTTP/1.1 connections under
npoll and interrupts (Figure 1.14), SO_REUSEPORT against one shared accept queue (Figure
1.12), closing one SO_REUSEPORT listener under load (DragonFly migrates its queue, Linux
resets it), and where segments are handled under the symmetric and the Microsoft key. Each
runs on the model, with one point also on Verilator next to the same point on the model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from .options import ScenarioOptions

Point = dict[str, Any]
Columns = list[tuple[str, str, str]]
Plan = Callable[..., None]  # plan(group, **option changes)

HTTP_COLUMNS: Columns = [
    ("sim", "sim", ""),
    ("mode", "mode", ""),
    ("rings", "rings_in_use", "d"),
    ("offered conn/s", "http_rate", ",.0f"),
    ("tps", "tps", ",.0f"),
    ("failed", "http_failures", ","),
    ("conn avg us", "connect_avg_us", ".1f"),
    ("resp avg us", "response_avg_us", ".1f"),
    ("resp p99 us", "response_p99_us", ".1f"),
    ("CPU us/conn", "cpu_us_per_conn", ".2f"),
    ("NIC drops", "nic_drops", ","),
]
REUSEPORT_COLUMNS: Columns = [
    ("sim", "sim", ""),
    ("SO_REUSEPORT", "reuseport", ""),
    ("tps", "tps", ",.0f"),
    ("resp avg us", "response_avg_us", ".1f"),
    ("resp p99 us", "response_p99_us", ".1f"),
    ("contention/conn", "contention_per_conn", ".3f"),
    ("IPIs/conn", "ipis_per_conn", ".2f"),
    ("CPU us/conn", "cpu_us_per_conn", ".2f"),
]
CLOSE_COLUMNS: Columns = [
    ("sim", "sim", ""),
    ("semantics", "reuseport_close", ""),
    ("tps", "tps", ",.0f"),
    ("migrated", "migrated", ","),
    ("reset at close", "reset_on_listener_close", ","),
    ("client resets", "http_resets", ","),
    ("failed", "http_failures", ","),
]
PLACEMENT_COLUMNS: Columns = [
    ("sim", "sim", ""),
    ("key", "key", ""),
    ("segments in", "tcp_segments_sent", ","),
    ("off their CPU", "off_cpu_segments", ","),
    ("off share", "off_cpu_share", ".1%"),
    ("IPIs/conn", "ipis_per_conn", ".2f"),
    ("CPU us/conn", "cpu_us_per_conn", ".2f"),
    ("resp avg us", "response_avg_us", ".1f"),
]


def http_fields(res: Any) -> Point:
    """The HTTP and TCP numbers of a run (empty for a UDP run)."""
    if res.http is None or res.tcp is None:
        return {}
    http, tcp = res.http, res.tcp
    conns = max(1, http.started)
    ipis = sum(c.ipis for c in res.cpus)
    busy_us = sum(c.busy_us for c in res.cpus)
    return {
        "tps": http.tps,
        "http_started": http.started,
        "http_transactions": http.transactions,
        "http_failures": sum(http.failures.values()),
        "http_resets": http.resets,
        "connect_avg_us": http.connect_us.avg,
        "response_avg_us": http.response_us.avg,
        "response_p99_us": http.response_us.p99,
        "contention_per_conn": tcp.accept_contention / conns,
        "ipis_per_conn": ipis / conns,
        "cpu_us_per_conn": busy_us / conns,
        "migrated": tcp.migrated,
        "reset_on_listener_close": tcp.reset_on_listener_close,
        "segments_in": tcp.segments_in,
        "off_cpu_segments": tcp.off_cpu_segments,
        "tcp_segments_sent": res.sent.tcp,
        "off_cpu_share": tcp.off_cpu_segments / max(1, res.sent.tcp),
        "passive_opens": tcp.passive_opens,
        "retransmits": tcp.retransmits,
    }


def plan_tcp(base: ScenarioOptions, quick: bool, run: Plan) -> None:
    """Every TCP point, handed to `run(group, **changes)`."""
    http = replace(
        base, workload="http", sizes=[64], http_conns=4096, object_size=1024,
        duration_us=3000.0 if quick else 20_000.0,
    )  # fmt: skip
    rates = [100_000.0, 250_000.0] if quick else [50_000.0 * k for k in range(1, 9)]
    mid = rates[-1] if quick else 250_000.0
    group = "http_modes"
    for rate in rates:
        for mode in ("intr", "npoll"):
            run(group, base=http, mode=mode, http_rate=rate)
    for reuseport in (True, False):
        run("http_reuseport", base=http, mode="npoll", http_rate=mid, reuseport=reuseport)
    close_at = http.duration_us / 2
    for semantics in ("dragonfly", "linux"):
        run("http_close", base=http, mode="npoll", http_rate=mid,
            close_listener_us=close_at, reuseport_close=semantics)  # fmt: skip
    for key in ("symmetric", "ms"):
        run("http_placement", base=http, mode="npoll", http_rate=mid, key=key)
    if not quick:  # one point of each experiment on the RTL, next to the same on the model
        rtl = replace(http, duration_us=1000.0)
        for group, changes in (
            ("http_modes", {"mode": "npoll", "http_rate": 100_000.0}),
            ("http_reuseport", {"mode": "npoll", "http_rate": 100_000.0, "reuseport": False}),
            ("http_close", {"mode": "npoll", "http_rate": 200_000.0, "close_listener_us": 700.0,
                            "reuseport_close": "linux"}),
            ("http_placement", {"mode": "npoll", "http_rate": 100_000.0, "key": "ms"}),
        ):  # fmt: skip
            for sim in ("verilator", "model"):
                run(f"{group}_rtl", base=rtl, sim=sim, **changes)


def write_tcp_plots(data: dict[str, list[Point]], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    for mode in ("intr", "npoll"):
        rows = [r for r in data["http_modes"] if r["mode"] == mode]
        x = [r["http_rate"] / 1e3 for r in rows]
        a.plot(x, [r["tps"] / 1e3 for r in rows], "o-", label=mode)
        b.plot(x, [r["response_avg_us"] for r in rows], "o-", label=f"{mode} avg")
        b.plot(x, [r["response_p99_us"] for r in rows], "x--", label=f"{mode} p99")
    a.set(xlabel="connections offered, k/s", ylabel="transactions, k per simulated s",
          title="Short-lived HTTP/1.1 (Figure 1.14)")  # fmt: skip
    b.set(xlabel="connections offered, k/s", ylabel="response latency (us)", title="Latency")
    a.legend()
    b.legend()
    fig.tight_layout()
    fig.savefig(out / "http_modes.png", dpi=100)
    plt.close(fig)
    return ["http_modes.png"]


def _rtl_pairs(data: dict[str, list[Point]], group: str) -> list[Point]:
    return data.get(f"{group}_rtl", [])


def tcp_report(data: dict[str, list[Point]], md_table: Callable[[list[Point], Columns], str],
               ) -> list[str]:  # fmt: skip
    modes = data["http_modes"]
    top = max(r["http_rate"] for r in modes)
    at_top = {r["mode"]: r for r in modes if r["http_rate"] == top}
    best = max(at_top.values(), key=lambda r: r["tps"])
    fast = min(at_top.values(), key=lambda r: r["response_avg_us"] or 0)
    reuse = {r["reuseport"]: r for r in data["http_reuseport"]}
    close = {r["reuseport_close"]: r for r in data["http_close"]}
    place = {r["key"]: r for r in data["http_placement"]}
    lines = [
        "## 5. Short-lived HTTP/1.1: npoll vs interrupts (Figure 1.14)",
        "",
        "An nginx-shaped server (one worker per CPU, SO_REUSEPORT, 1 KiB objects, one request "
        "per connection) and a wrk-shaped client opening connections on a fixed schedule "
        "(open loop, at most 4096 at once).",
        "",
        md_table(modes + _rtl_pairs(data, "http_modes"), HTTP_COLUMNS),
        "",
        "![HTTP throughput and latency](http_modes.png)",
        "",
        f"- At {top:,.0f} connections/s offered: transactions per second npoll "
        f"{at_top['npoll']['tps']:,.0f}, interrupts {at_top['intr']['tps']:,.0f} (most: "
        f"**{best['mode']}**); average response npoll "
        f"{at_top['npoll']['response_avg_us']:.0f} us, interrupts "
        f"{at_top['intr']['response_avg_us']:.0f} us (lowest: **{fast['mode']}**).",
        "",
        "## 6. SO_REUSEPORT on vs off (Figure 1.12)",
        "",
        md_table(data["http_reuseport"] + _rtl_pairs(data, "http_reuseport"), REUSEPORT_COLUMNS),
        "",
        f"- One shared accept queue: {reuse[False]['contention_per_conn']:.2f} lock "
        "acquisitions per connection find the queue's cache line on another CPU, and workers "
        "serve connections whose netisr is elsewhere (IPIs per connection "
        f"{reuse[False]['ipis_per_conn']:.2f} against {reuse[True]['ipis_per_conn']:.2f}); "
        "with SO_REUSEPORT each CPU's SYNs land in its own worker's queue: "
        f"{reuse[True]['contention_per_conn']:.2f} per connection.",
        "",
        "## 7. Closing one SO_REUSEPORT listener under load",
        "",
        md_table(data["http_close"] + _rtl_pairs(data, "http_close"), CLOSE_COLUMNS),
        "",
        f"- DragonFly's semantics move the closed listener's queued and half-open connections "
        f"to another member: {close['dragonfly']['migrated']} migrated, "
        f"{close['dragonfly']['reset_on_listener_close']} reset. Linux's reset them: "
        f"{close['linux']['reset_on_listener_close']} reset at close, "
        f"{close['linux']['http_resets']} resets seen by clients.",
        "",
        "## 8. Where segments are handled: symmetric vs Microsoft key",
        "",
        md_table(data["http_placement"] + _rtl_pairs(data, "http_placement"), PLACEMENT_COLUMNS),
        "",
        f"- With the symmetric key the NIC's hash is the stack's: "
        f"{place['symmetric']['off_cpu_segments']} segments land off their connection's CPU. "
        f"With the Microsoft key the NIC spreads by a hash the stack does not use: "
        f"{place['ms']['off_cpu_share']:.0%} of segments land elsewhere and are sent on by "
        f"message ({place['ms']['ipis_per_conn']:.2f} IPIs per connection against "
        f"{place['symmetric']['ipis_per_conn']:.2f}; "
        f"{place['ms']['cpu_us_per_conn']:.2f} against "
        f"{place['symmetric']['cpu_us_per_conn']:.2f} CPU us per connection).",
        "",
    ]
    return lines


def _twin(rows: list[Point], r: Point) -> Point:
    """The interrupt-mode point at the same offered rate as `r`."""
    return next(x for x in rows if x["mode"] == "intr" and x["http_rate"] == r["http_rate"])


def tcp_disagreements(data: dict[str, list[Point]]) -> list[str]:
    out = []
    modes = data["http_modes"]
    top = max(r["http_rate"] for r in modes)
    at_top = {r["mode"]: r for r in modes if r["http_rate"] == top}
    if at_top["npoll"]["tps"] < at_top["intr"]["tps"]:
        out.append(
            f"- HTTP at {top:,.0f} connections/s: npoll completes fewer transactions than "
            f"interrupt mode ({at_top['npoll']['tps']:,.0f} vs {at_top['intr']['tps']:,.0f} "
            "per s), against Figure 1.14."
        )
    worse = [
        r["http_rate"] for r in modes if r["mode"] == "npoll"
        and (r["response_avg_us"] or 0) > (_twin(modes, r)["response_avg_us"] or 0)
    ]  # fmt: skip
    if worse:
        out.append(
            f"- HTTP response time: npoll is slower than interrupts from {min(worse):,.0f} "
            "connections/s offered. The netisr has priority over the server's workers, and a "
            "poll tick hands it a whole burst of segments at once, so near saturation the "
            "workers wait behind longer stretches of kernel work than under interrupts, whose "
            "moderated handler arrives in smaller pieces; the paper measured npoll ahead at "
            "every load (Figure 1.14)."
        )
    for group in ("http_modes", "http_reuseport", "http_close", "http_placement"):
        pair = {r["sim"]: r for r in data.get(f"{group}_rtl", [])}
        if {"verilator", "model"} <= pair.keys():
            v, m = pair["verilator"], pair["model"]
            same = all(v[k] == m[k] for k in ("http_started", "http_transactions",
                                                "passive_opens", "retransmits"))  # fmt: skip
            if not same:
                keys = ("http_started", "http_transactions", "http_resets", "retransmits")
                diff = ", ".join(f"{k} {v[k]} vs {m[k]}" for k in keys if v[k] != m[k])
                out.append(
                    f"- {group}: the RTL and the model differ ({diff}, RTL first). The "
                    "connections queued at an instant (the listener's close) depend on "
                    "latencies, which differ by microseconds between the RTL and the model."
                    if group == "http_close"
                    else f"- {group}: the RTL and the model differ ({diff}, RTL first)."
                )
    return out
