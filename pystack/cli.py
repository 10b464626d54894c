# SPDX-License-Identifier: MIT
"""The `hilnic` command line: ask where traffic goes (rss, classify) and run the NIC (sim)."""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
from pathlib import Path

from pystack import pcap
from pystack.classify_backend import BACKENDS, classify, result_to_json
from pystack.rss import (
    MRQC_ALL_FIELDS,
    MRQC_MODE_RSS,
    RETA_ENTRIES,
    ParseError,
    RssConfig,
    RssResult,
    parse_key,
    ringmap_reta,
    toeplitz_hash,
)
from pystack.scenario.options import BACKENDS as BACKENDS_SIM
from pystack.scenario.options import (
    DEFAULT_WAVES_WINDOW_US,
    MODES,
    REUSEPORT_CLOSE,
    WORKLOADS,
    OptionError,
    ScenarioOptions,
    parse_sizes,
    parse_window,
)

NUM_QUEUES = 16


class UsageError(Exception):
    """A bad option or input: reported in one line, never as a traceback."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _key(text: str) -> bytes:
    try:
        return parse_key(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _port(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        value = -1
    if not 0 <= value <= 0xFFFF:
        raise argparse.ArgumentTypeError(f"port must be 0..65535, not {text!r}")
    return value


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an IPv4 or IPv6 address: {text!r}") from exc


def read_reta(path: Path) -> list[int]:
    """128 queue numbers, as a JSON list or whitespace/comma separated ('#' starts a comment)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise UsageError(f"--reta: cannot read {path}: {exc.strerror}") from exc
    try:
        if text.lstrip().startswith("["):
            values = [int(v) for v in json.loads(text)]
        else:
            words = " ".join(line.split("#", 1)[0] for line in text.splitlines())
            values = [int(w, 0) for w in words.replace(",", " ").split()]
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--reta: {path} must hold {RETA_ENTRIES} integers") from exc
    if len(values) != RETA_ENTRIES:
        raise UsageError(f"--reta: {path} has {len(values)} entries, expected {RETA_ENTRIES}")
    if any(not 0 <= v <= 0xFF for v in values):
        raise UsageError("--reta: entries are bytes (0..255)")
    return values


def read_frames(path: Path) -> list[bytes]:
    try:
        return pcap.read_frames(path)
    except pcap.PcapError as exc:
        raise UsageError(str(exc)) from exc


def cmd_rss(args: argparse.Namespace) -> int:
    src, dst = args.src, args.dst
    if src.version != dst.version:
        raise UsageError("SRC and DST must both be IPv4 or both IPv6")
    data = src.packed + dst.packed
    if args.sport is not None:
        if args.dport is None:
            raise UsageError("give both SPORT and DPORT, or neither")
        data += args.sport.to_bytes(2, "big") + args.dport.to_bytes(2, "big")
    print(f"0x{toeplitz_hash(args.key, data):08x}")
    return 0


def _config(args: argparse.Namespace) -> RssConfig:
    reta = read_reta(args.reta) if args.reta else ringmap_reta(NUM_QUEUES, NUM_QUEUES)
    try:
        key = parse_key(args.key)
        return RssConfig(key, args.mrqc, reta, args.default_queue, NUM_QUEUES)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _describe(res: RssResult) -> str:
    err = "" if res.error is ParseError.NONE else f"  error={res.error.name}"
    return f"{res.hash_type.name:<9} 0x{res.hash:08x} {res.reta_index:>9} {res.queue:>5}{err}"


def cmd_classify(args: argparse.Namespace) -> int:
    frames = read_frames(args.pcap)
    if not args.raw:  # where each frame lands when it arrives: a MAC pads it to 60 bytes
        frames = [pcap.pad_frame(f) for f in frames]
    cfg = _config(args)
    results = classify(frames, cfg, args.sim)
    if args.json:
        print(json.dumps([{"index": i, **result_to_json(r)} for i, r in enumerate(results)]))
        return 0
    print(f"{'index':>5}  {'type':<9} {'hash':<10} {'reta_idx':>9} {'queue':>5}")
    for i, res in enumerate(results):
        print(f"{i:>5}  {_describe(res)}")
    return 0


def scenario_options(args: argparse.Namespace) -> ScenarioOptions:
    """argparse's namespace to checked scenario options (OptionError: one line)."""
    asked = args.waves_window  # a window, "all", or None (the default window, if waves)
    waves = args.waves or os.environ.get("WAVES", "0") not in ("", "0") or asked is not None
    window = None
    if asked is None and waves:
        window = DEFAULT_WAVES_WINDOW_US
    elif asked not in (None, "all"):
        window = parse_window(asked)
    return ScenarioOptions(
        sim=args.sim,
        queues=args.queues,
        vectors=args.vectors,
        cpus=args.cpus,
        mode=args.mode,
        batching=args.batching == "on",
        key=args.key,
        flows=args.flows,
        sizes=parse_sizes(args.sizes),
        rate=args.rate,
        duration_us=100_000.0 if args.duration is None else args.duration,
        seed=args.seed,
        out=str(args.out),
        malformed=args.malformed,
        shared_stats=args.stats == "shared",
        waves=waves,
        waves_window_us=window,
        workload=args.workload,
        http_conns=args.http_conns,
        http_rate=args.http_rate,
        http_think_us=args.http_think,
        object_size=args.object_size,
        keep_alive=args.keep_alive,
        reuseport=args.reuseport == "on",
        reuseport_close=args.reuseport_close,
        close_listener_us=args.close_listener,
        delack_us=args.delack,
        msl_us=args.msl,
    ).check()


def cmd_sim(args: argparse.Namespace) -> int:
    """The whole system on one back end: summary in the terminal, files in the run folder."""
    from rich.console import Console

    from pystack.scenario.backends import run_backend, terminal_progress
    from pystack.scenario.checks import accounting_errors
    from pystack.scenario.outputs import read_results
    from pystack.scenario.report import print_summary, write_plots

    if getattr(args, "peer", "scenario") == "tap":  # Linux on the wire: pystack/tap/
        from pystack.tap.cli import cmd_tap

        return cmd_tap(args, scenario_options, UsageError)
    try:
        opts = scenario_options(args)
    except OptionError as exc:
        raise UsageError(str(exc)) from exc
    console = Console(width=max(120, Console().width))
    if opts.sim != "model":
        console.print(f"building (cached after the first run) and starting {opts.sim} ...")
    update, stop = terminal_progress(f"{opts.sim} {opts.mode}")
    try:
        out = run_backend(opts, update)
    finally:
        stop()
    res = read_results(out)
    print_summary(res, console)
    plots = write_plots(res, out)
    errors = accounting_errors(res)
    files = ["results.json", "rx.pcap", "tx.pcap", *(p.name for p in plots)]
    if (out / "netstat.txt").exists():
        files.append("netstat.txt")
    console.print(f"files in {out}/: " + ", ".join(files))
    if opts.waves:
        from pystack.waves import write_gtkw

        fst = out / "sim" / "waves.fst"
        if fst.exists():
            gtkw = write_gtkw(fst, fst.with_suffix(".gtkw"))
            console.print(f"waveform: {fst} (open with `make waves`; GTKWave save file {gtkw})")
        else:
            errors.append(f"no waveform at {fst}")
    if errors:
        console.print("[red]accounting check failed:[/]\n  " + "\n  ".join(errors))
        return 1
    console.print(
        "[green]accounting check passed[/]: every frame sent is counted once, on the NIC "
        "or in the stack, and every request was answered or counted"
    )
    return 0


def cmd_experiments(args: argparse.Namespace) -> int:
    """The paper's four claims as scenarios on the model; a Markdown report with plots."""
    from pystack.scenario.experiments import run_all
    from pystack.sweep.commands import INTERRUPTED, make_runner
    from pystack.sweep.scenarios import SweepFailed, SweepInterrupted

    try:
        with make_runner(args) as runner:  # the points run as Ray tasks (pystack/sweep)
            run_all(args.out, quick=args.quick, runner=runner)
    except SweepInterrupted as exc:
        print(f"hilnic: {exc}", file=sys.stderr)
        return INTERRUPTED
    except SweepFailed as exc:
        print(f"hilnic: error: {exc}", file=sys.stderr)
        return 1
    print(f"report: {args.out / 'report.md'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hilnic", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    rss = sub.add_parser("rss", help="Toeplitz hash of one tuple, as 0x%%08x")
    rss.add_argument("src", type=_address, metavar="SRC")
    rss.add_argument("dst", type=_address, metavar="DST")
    rss.add_argument("sport", type=_port, nargs="?", metavar="SPORT")
    rss.add_argument("dport", type=_port, nargs="?", metavar="DPORT")
    rss.add_argument("--key", type=_key, default="ms", help="ms | symmetric | 80 hex digits")
    rss.set_defaults(func=cmd_rss)

    def add_nic_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--sim", choices=BACKENDS, default="verilator")
        p.add_argument("--key", default="ms", help="ms | symmetric | 80 hex digits")
        p.add_argument("--reta", type=Path, help="file with the 128 RETA entries")
        p.add_argument(
            "--mrqc",
            type=lambda s: int(s, 0),
            default=MRQC_MODE_RSS | MRQC_ALL_FIELDS,
            help="MRQC value (mode and hash-type enables), default: RSS, all types",
        )
        p.add_argument("--default-queue", type=int, default=0)

    classify_p = sub.add_parser("classify", help="where each frame of a pcap goes")
    classify_p.add_argument("pcap", type=Path, metavar="FILE.pcap")
    add_nic_options(classify_p)
    classify_p.add_argument("--json", action="store_true", help="JSON instead of a table")
    classify_p.add_argument(
        "--raw",
        action="store_true",
        help="classify the bytes as captured: short frames stay runts (default: padded to 60)",
    )
    classify_p.set_defaults(func=cmd_classify)

    sim = sub.add_parser("sim", help="run a scenario of the whole system")
    sim.add_argument("--sim", choices=BACKENDS_SIM, default="verilator", help="back end")
    sim.add_argument("--queues", type=int, default=16, help="RX and TX rings (1..16)")
    sim.add_argument("--vectors", type=int, default=10, help="MSI-X vectors (2..25)")
    sim.add_argument("--cpus", type=int, default=4, help="simulated CPUs")
    sim.add_argument("--mode", choices=MODES, default="npoll")
    sim.add_argument("--batching", choices=("on", "off"), default="on")
    sim.add_argument("--key", default="symmetric", help="ms | symmetric | 80 hex digits")
    sim.add_argument("--flows", type=int, default=64)
    sim.add_argument("--sizes", default="imix", help="frame bytes, comma list, or imix")
    sim.add_argument("--rate", type=float, default=0.1, help="offered load, share of 10G")
    sim.add_argument(
        "--duration",
        type=float,
        default=None,
        help="simulated us of traffic (100000); with --peer tap: wall seconds (default: Ctrl-C)",
    )
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--out", type=Path, default=Path("out/sim"), help="output folder")
    sim.add_argument("--malformed", type=float, default=0.01, help="share of bad frames")
    sim.add_argument("--stats", choices=("percpu", "shared"), default="percpu")
    http = sim.add_argument_group("HTTP over TCP (--workload http)")
    http.add_argument("--workload", choices=WORKLOADS, default="udp")
    http.add_argument("--http-conns", type=int, default=64, help="concurrent connections")
    http.add_argument(
        "--http-rate", type=float, default=0.0, help="connections/s offered (0: closed loop)"
    )
    http.add_argument(
        "--http-think", type=float, default=0.0, help="us a client waits between connections"
    )
    http.add_argument("--object-size", type=int, default=1024, help="response body bytes")
    http.add_argument(
        "--keep-alive", type=int, default=0, help="more requests per connection (0: one)"
    )
    http.add_argument("--reuseport", choices=("on", "off"), default="on", help="SO_REUSEPORT")
    http.add_argument("--reuseport-close", choices=REUSEPORT_CLOSE, default="dragonfly")
    http.add_argument(
        "--close-listener", type=float, default=None, metavar="US",
        help="close worker 0's listen socket at this simulated us",
    )  # fmt: skip
    http.add_argument("--delack", type=float, default=40_000.0, help="delayed ACK us (0: off)")
    http.add_argument("--msl", type=float, default=30_000_000.0, help="TCP MSL in us")
    sim.add_argument("--waves", action="store_true", help="dump an FST (also WAVES=1)")
    sim.add_argument(
        "--waves-window",
        metavar="START:STOP",
        help="dump only this window of simulated us (default 200:700; 'all' = whole run)",
    )
    from pystack.tap.cli import add_tap_options

    add_tap_options(sim)  # --peer tap, --netns, --udp-client, --capture, --no-pad
    sim.set_defaults(func=cmd_sim)

    exp = sub.add_parser("experiments", help="the DragonFly paper's claims, as a report")
    exp.add_argument("--out", type=Path, default=Path("out/experiments"), help="output folder")
    exp.add_argument("--quick", action="store_true", help="shorter runs, fewer loads")
    exp.set_defaults(func=cmd_experiments)

    from pystack.sweep.commands import add_parsers as add_sweep_parsers
    from pystack.sweep.commands import add_ray_options

    add_ray_options(exp)  # experiments run their points on Ray, as sweeps do
    add_sweep_parsers(sub)  # hilnic sweep SPEC, hilnic regress

    from pystack.synth.cli import add_parser as add_synth_parser

    add_synth_parser(sub)  # hilnic synth: the FPGA flow (pystack/synth/)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    raw = sys.argv[1:] if argv is None else argv
    try:
        args = parser.parse_args(raw)
        return int(args.func(args))
    except UsageError as exc:
        print(f"hilnic: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a simulator or I/O failure: one line, details in the run folder
        from pystack.simrun import SimulationFailed

        if isinstance(exc, SimulationFailed | OSError):
            print(f"hilnic: error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
