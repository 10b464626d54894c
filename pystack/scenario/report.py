# SPDX-License-Identifier: MIT
"""What a person reads after a run: the summary tables in the terminal and four PNG plots,
both drawn from results.json alone, so a run folder can be re-reported without re-running."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from .results import Results, Series

PLOTS = ("queues.png", "cpus.png", "latency_cdf.png", "interrupts_polls.png")


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    return table


def _fmt(value: float | None, spec: str = ",.1f") -> str:
    return "-" if value is None else format(value, spec)


def print_summary(res: Results, console: Console) -> None:
    opts = res.options
    sent, rep = res.sent, res.replies
    console.print(
        f"[bold]hilnic sim[/] on {opts.sim}: {opts.queues} queues, {opts.vectors} "
        f"vectors, {opts.cpus} CPUs, {opts.mode}, batching "
        f"{'on' if opts.batching else 'off'}, key {opts.key}, {opts.flows} flows, "
        + (f"rate {opts.rate} of 10G, " if opts.workload == "udp" else "HTTP, ")
        + f"{opts.duration_us:,.0f} us"
    )
    in_use = set(res.rings_in_use)
    qt = _table("Per queue", "queue", "in use", "RX pkts", "TX pkts", "NIC drops")
    for q in res.queues:
        qt.add_row(
            str(q.queue),
            "yes" if q.queue in in_use else "-",
            f"{q.rx:,}",
            f"{q.tx:,}",
            f"{q.nic_dropped:,}",
        )
    ct = _table("Per CPU", "cpu", "packets", "messages", "IPIs", "interrupts", "polls", "load")
    for c in res.cpus:
        ct.add_row(
            str(c.cpu),
            f"{c.packets:,}",
            f"{c.messages:,}",
            f"{c.ipis:,}",
            f"{c.interrupts:,}",
            f"{c.polls:,}",
            f"{100 * c.load:.1f}%",
        )
    console.print(qt, ct)
    drops = _table("Drops by reason", "where", "reason", "count")
    nic = res.nic
    for name in ("MPC", "CRCERRS", "RUC"):
        if nic.get(name):
            drops.add_row("NIC", name, f"{nic[name]:,}")
    ring_drops = sum(q.nic_dropped for q in res.queues)
    if ring_drops:
        drops.add_row("NIC", "ring full / DMA error", f"{ring_drops:,}")
    for reason, n in sorted(res.stack.dropped.items()):
        drops.add_row("stack", reason, f"{n:,}")
    for reason, n in sorted(res.stack.tx_dropped.items()):
        drops.add_row("stack output", reason, f"{n:,}")
    if not drops.rows:
        drops.add_row("-", "none", "0")
    lat = res.latency_us
    pp = res.per_packet
    share = res.host.tx_flow_cpu_share
    st = _table("Totals", "what", "value")
    if res.http is None:
        st.add_row("frames offered (echo / ping / background / malformed / ARP)",
                   f"{sent.echo:,} / {sent.ping:,} / {sent.background:,} / "
                   f"{sum(sent.malformed.values()):,} / {sent.arp:,}")  # fmt: skip
        st.add_row("replies received / expected (lost)",
                   f"{rep.received:,} / {rep.expected:,} ({rep.lost:,})")  # fmt: skip
        st.add_row("replies per simulated second", f"{rep.per_s:,.0f}")
    else:
        st.add_row("frames offered (TCP / ARP)", f"{sent.tcp:,} / {sent.arp:,}")
    st.add_row("interrupts / polls per packet", f"{pp.interrupts:.3f} / {pp.polls:.3f}")
    st.add_row("messages / IPIs per packet", f"{pp.messages:.3f} / {pp.ipis:.3f}")
    st.add_row(
        "replies sent on the flow's own CPU", "-" if share is None else f"{100 * share:.1f}%"
    )
    st.add_row("latency p50 / p90 / p99 / max (us, simulated)",
               " / ".join(_fmt(v) for v in (lat.p50, lat.p90, lat.p99, lat.max)))  # fmt: skip
    sp = res.speed
    slowdown = sp.wall_s * 1e6 / sp.sim_us if sp.sim_us else 0.0
    st.add_row("simulated time / wall time",
               f"{sp.sim_us:,.0f} us / {sp.wall_s:,.1f} s "
               f"(1/{slowdown:,.0f} of real time)")  # fmt: skip
    st.add_row("simulator speed",
               f"{sp.frames_per_wall_s:,.0f} frames/s, "
               f"{sp.sim_cycles_per_wall_s:,.0f} cycles/s")  # fmt: skip
    if res.dma_guard_violations:
        st.add_row("[red]DMA outside the driver's buffers", "; ".join(res.dma_guard_violations))
    console.print(drops, st)
    if res.http is not None and res.tcp is not None:
        print_http(res, console)


def print_http(res: Results, console: Console) -> None:
    """The HTTP workload's client view and the host's TCP counters."""
    http, tcp, opts = res.http, res.tcp, res.options
    assert http is not None and tcp is not None
    ht = _table(
        f"HTTP/1.1: {opts.http_conns} connections"
        + (f", {opts.http_rate:,.0f} offered/s" if opts.http_rate else " (closed loop)")
        + f", {opts.object_size:,} B objects, "
        + (f"{1 + opts.keep_alive} requests each" if opts.keep_alive else "one request each")
        + f", SO_REUSEPORT {'on' if opts.reuseport else 'off'}",
        "what", "value",
    )  # fmt: skip
    failed = sum(http.failures.values())
    ht.add_row("connections opened / completed / failed",
               f"{http.started:,} / {http.completed:,} / {failed:,}")  # fmt: skip
    for why, n in sorted(http.failures.items()):
        ht.add_row(f"  failed: {why}", f"{n:,}")
    ht.add_row("transactions per simulated second", f"{http.tps:,.0f}")
    for name, lat in (("connect", http.connect_us), ("response", http.response_us)):
        ht.add_row(f"{name} avg / p50 / p99 / max (us)",
                   " / ".join(_fmt(v) for v in (lat.avg, lat.p50, lat.p99, lat.max)))  # fmt: skip
    ht.add_row("connections per worker", " / ".join(f"{n:,}" for n in http.per_worker))
    tt = _table("TCP (host)", "what", "value")
    tt.add_row("passive opens / accepted / active opens",
               f"{tcp.passive_opens:,} / {tcp.accepted:,} / {tcp.active_opens:,}")  # fmt: skip
    tt.add_row("segments in / out", f"{tcp.segments_in:,} / {tcp.segments_out:,}")
    tt.add_row("retransmits / timeouts / fast retransmits",
               f"{tcp.retransmits:,} / {tcp.timeouts:,} / {tcp.fast_retransmits:,}")  # fmt: skip
    tt.add_row("resets sent / client saw resets", f"{tcp.resets_sent:,} / {http.resets:,}")
    tt.add_row("segments off their connection's CPU", f"{tcp.off_cpu_segments:,}")
    tt.add_row("accept-queue lock moves between CPUs", f"{tcp.accept_contention:,}")
    tt.add_row("listener closed: migrated / reset",
               f"{tcp.migrated:,} / {tcp.reset_on_listener_close:,}")  # fmt: skip
    tt.add_row("PCBs at the end, per CPU", " / ".join(f"{n:,}" for n in tcp.pcbs_per_cpu))
    closed = ", ".join(f"{k} {v:,}" for k, v in sorted(tcp.closed.items())) or "-"
    tt.add_row("connections closed, by reason", closed)
    console.print(ht, tt)


def write_plots(res: Results, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    opts = res.options
    tag = f"{opts.sim}, {opts.mode}, {opts.cpus} CPUs"

    fig, ax = plt.subplots(figsize=(8, 4))
    qs = [q.queue for q in res.queues]
    ax.bar([q - 0.2 for q in qs], [q.rx for q in res.queues], 0.4, label="RX")
    ax.bar([q + 0.2 for q in qs], [q.tx for q in res.queues], 0.4, label="TX")
    ax.set(xlabel="queue", ylabel="packets", title=f"Packets per queue ({tag})", xticks=qs)
    ax.legend()
    paths.append(_save(fig, out / PLOTS[0]))

    fig, ax = plt.subplots(figsize=(8, 4))
    cs = [c.cpu for c in res.cpus]
    ax.bar(cs, [100 * c.load for c in res.cpus], color="tab:orange")
    ax.set(xlabel="CPU", ylabel="busy % of simulated time", title=f"Per-CPU load ({tag})")
    ax.set_xticks(cs)
    for c in res.cpus:
        ax.annotate(f"{c.packets:,} pkts", (c.cpu, 100 * c.load), ha="center",
                    va="bottom", fontsize=8)  # fmt: skip
    paths.append(_save(fig, out / PLOTS[1]))

    fig, ax = plt.subplots(figsize=(8, 4))
    cdf = res.latency_us.cdf
    if cdf:
        ax.plot(cdf, [i / 100 for i in range(len(cdf))])
    ax.set(xlabel="round-trip latency (us, simulated)", ylabel="fraction of replies",
           title=f"Latency CDF ({tag})")  # fmt: skip
    ax.grid(alpha=0.3)
    paths.append(_save(fig, out / PLOTS[2]))

    fig, ax = plt.subplots(figsize=(8, 4))
    s = res.series or Series()
    t = s.t_us
    for name, v in (("interrupts", s.interrupts), ("polls", s.polls)):
        rate = [(v[i] - v[i - 1]) / max(1e-9, t[i] - t[i - 1]) for i in range(1, len(t))]
        ax.plot(t[1:], rate, label=f"{name} per us")
    ax.set(xlabel="simulated time (us)", ylabel="events per us",
           title=f"Interrupts and polls over time ({tag})")  # fmt: skip
    ax.legend()
    paths.append(_save(fig, out / PLOTS[3]))
    return paths


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
