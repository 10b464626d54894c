# SPDX-License-Identifier: MIT
"""`hilnic sim --peer tap`'s options and command, kept here so that pystack/cli.py only learns
that they exist."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from pystack.scenario.options import OptionError, ScenarioOptions

from .options import DEFAULT_NETNS, TapOptions


def add_tap_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--peer",
        choices=("scenario", "tap"),
        default="scenario",
        help="who is on the wire: the scenario's traffic peer, or Linux through a "
        "TAP in a network namespace",
    )
    p.add_argument("--netns", default=DEFAULT_NETNS, help="--peer tap: the namespace's name")
    p.add_argument(
        "--udp-client",
        type=int,
        metavar="PORT",
        help="--peer tap: the stack also sends datagrams to 10.0.0.2:PORT and "
        "checks the replies (an echo server in the namespace)",
    )
    p.add_argument(
        "--capture",
        type=Path,
        metavar="FILE",
        help="--peer tap: also capture the TAP with tshark into FILE",
    )
    p.add_argument(
        "--no-pad",
        action="store_true",
        help="--peer tap: hand Linux's short frames to the MAC unpadded (runts)",
    )


def tap_options(args: argparse.Namespace) -> TapOptions:
    return TapOptions(
        netns=args.netns,
        duration_s=args.duration,
        pad=not args.no_pad,
        udp_client_port=args.udp_client,
        capture=str(args.capture) if args.capture else None,
    ).check()


def cmd_tap(
    args: argparse.Namespace,
    scenario_options: Callable[[argparse.Namespace], ScenarioOptions],
    usage_error: type[Exception],
) -> int:
    """Run, then the summary and the accounting check (non-zero exit when it fails)."""
    from pystack.scenario.checks import accounting_errors
    from pystack.scenario.outputs import read_results

    from .namespace import TapError, missing_privileges
    from .run import print_tap_summary, run_tap
    from .session import tap_accounting_errors

    try:
        tap = tap_options(args)
        opts = scenario_options(argparse.Namespace(**{**vars(args), "duration": None}))
    except OptionError as exc:
        raise usage_error(str(exc)) from exc
    if opts.waves:
        raise usage_error("--waves is not available with --peer tap")
    why = missing_privileges()
    if why:
        raise usage_error(why)
    try:
        out = run_tap(opts, tap)
    except TapError as exc:
        raise usage_error(str(exc)) from exc
    except KeyboardInterrupt:
        print("hilnic: interrupted; the namespace is removed", flush=True)
        return 130
    res = read_results(out)
    print_tap_summary(res)
    errors = accounting_errors(res) + tap_accounting_errors(res)
    print(
        f"files in {out}/: results.json, rx.pcap (frames from Linux, as sent), tx.pcap "
        f"(frames to Linux)" + (f"; capture {tap.capture}" if tap.capture else "")
    )
    if errors:
        print("accounting check failed:\n  " + "\n  ".join(errors))
        return 1
    print(
        "accounting check passed: every frame Linux sent is counted once, under the reason "
        "its bytes call for, and every request was answered"
    )
    return 0
