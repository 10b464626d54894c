"""`make lint` for the HDL: verilator --lint-only -Wall over every bench's top level, and a check
that every Verilog file under hdl/ belongs to some bench (so none goes untested or unlinted)."""

from __future__ import annotations

import subprocess
import sys

from pystack.simrun import BENCHES, HDL, INCLUDES, setup_toolchain


def lint(parameters: dict[str, int] | None = None, bench: str | None = None) -> list[str]:
    """Problems found, one string each; empty when clean."""
    setup_toolchain()
    problems = []
    names = [bench] if bench else list(BENCHES)
    for name in names:
        b = BENCHES[name]
        cmd = ["verilator", "--lint-only", "-Wall", "--top-module", b.toplevel]
        cmd += [f"-I{inc}" for inc in INCLUDES]
        cmd += [f"-G{k}={v}" for k, v in (parameters or {}).items()]
        cmd += [str(HDL / s) for s in b.sources]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or "%Warning" in proc.stderr or "%Error" in proc.stderr:
            problems.append(f"{name}:\n{proc.stderr.strip()}")
    if not bench:
        covered = {s for b in BENCHES.values() for s in b.sources}
        for path in sorted(HDL.rglob("*.v")):
            rel = str(path.relative_to(HDL))
            if rel not in covered:
                problems.append(f"{rel}: not part of any bench in pystack/simrun.py")
    return problems


def main() -> int:
    problems = lint()
    for p in problems:
        print(p, file=sys.stderr)
    print(f"verilator lint: {len(BENCHES)} tops, {'clean' if not problems else 'FAILED'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
