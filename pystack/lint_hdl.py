# SPDX-License-Identifier: MIT
"""`make lint` for the HDL: verilator --lint-only -Wall over every top (the package's and every
testbench's), and a check that every Verilog file under hdl/ belongs to some bench (so none goes
untested or unlinted)."""

from __future__ import annotations

import subprocess
import sys

from pystack.rtl import HDL_CLOCK_ENV
from pystack.simrun import BENCHES, HDL, INCLUDES, Bench, find_bench, setup_toolchain, testbenches


def tops() -> list[tuple[str, Bench]]:
    """The package's tops, then the testbenches' (a testbench may share a top's name), each
    configuration once (a testbench may run on one of the package's tops)."""
    seen, out = set(), []
    for name, b in [*BENCHES.items(), *testbenches().items()]:
        key = (b.toplevel, tuple(b.paths()), tuple(sorted(b.parameters.items())))
        if key not in seen:
            seen.add(key)
            out.append((name, b))
    return out


def lint(parameters: dict[str, int] | None = None, bench: str | None = None) -> list[str]:
    """Problems found, one string each; empty when clean."""
    setup_toolchain()
    problems = []
    for name, b in [(bench, find_bench(bench))] if bench else tops():
        # A top that can make its own clock is linted both ways, as it is built both ways.
        variants = [[], [f"-D{HDL_CLOCK_ENV}", "--timing"]] if b.hdl_clock else [[]]
        for extra in variants:
            cmd = ["verilator", "--lint-only", "-Wall", "--top-module", b.toplevel, *extra]
            cmd += [f"-I{inc}" for inc in INCLUDES]
            cmd += [f"-G{k}={v}" for k, v in (parameters or {}).items()]
            cmd += [str(p) for p in b.paths()]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0 or "%Warning" in proc.stderr or "%Error" in proc.stderr:
                problems.append(f"{name} {' '.join(extra)}:\n{proc.stderr.strip()}")
    if not bench:
        covered = {p for _, b in tops() for p in b.paths()}
        for path in sorted(HDL.rglob("*.v")):
            if path not in covered:
                rel = path.relative_to(HDL)
                problems.append(f"{rel}: not part of any bench (pystack/simrun.py, tb/*/)")
    return problems


def main() -> int:
    problems = lint()
    for p in problems:
        print(p, file=sys.stderr)
    print(f"verilator lint: {len(tops())} tops, {'clean' if not problems else 'FAILED'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
