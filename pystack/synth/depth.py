# SPDX-License-Identifier: MIT
"""Logic depth of a mapped ECP5 netlist: the deepest flip-flop-to-flip-flop paths, in LUT levels.

Why, beside nextpnr's timing report: routing a congested design under WebAssembly can take
longer than its synthesis, and nextpnr names its critical path only after routing. The depth of
the mapped netlist (one level per LUT4, a little for each wide-LUT mux and carry step) finds the
same paths in seconds, from Yosys' JSON, and names the blocks they cross. On ECP5 speed 8 a
level costs roughly 0.9 ns with routing, so 156.25 MHz allows about 6 to 7 levels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# Cost of passing through a cell, in LUT levels, by (type, output port class).
COMB = {"LUT4", "PFUMX", "L6MUX21", "CCU2C", "INV", "TRELLIS_DPR16X4", "MULT18X18D"}
WEIGHT = {"LUT4": 1.0, "PFUMX": 0.3, "L6MUX21": 0.3, "INV": 0.0, "TRELLIS_DPR16X4": 1.0,
          "MULT18X18D": 4.0}  # fmt: skip
CARRY_STEP = 0.1  # CIN -> COUT inside a CCU2C chain


@dataclass
class DeepPath:
    levels: float
    end: str  # the flip-flop (or RAM) input the path ends at
    cells: list[str]  # start to end

    @property
    def blocks(self) -> list[str]:
        from pystack.synth.flow import hier_of

        out: list[str] = []
        for c in self.cells:
            b = hier_of(c)
            if not out or out[-1] != b:
                out.append(b)
        return out


def deepest(netlist: Path, top: str, count: int = 10) -> list[DeepPath]:
    """The `count` deepest paths ending at distinct sequential cells."""
    mod = json.loads(netlist.read_text())["modules"][top]
    cells = mod["cells"]
    driver: dict[int, tuple[str, str]] = {}
    for name, c in cells.items():
        for port, d in c.get("port_directions", {}).items():
            if d == "output":
                for b in c["connections"].get(port, []):
                    if isinstance(b, int):
                        driver[b] = (name, port)

    arrival: dict[tuple[str, str], float] = {}
    prev: dict[tuple[str, str], tuple[str, str] | None] = {}

    def inputs(name: str) -> list[tuple[str, list[int]]]:
        c = cells[name]
        return [
            (p, [b for b in c["connections"].get(p, []) if isinstance(b, int)])
            for p, d in c.get("port_directions", {}).items()
            if d == "input"
        ]

    def solve(node: tuple[str, str]) -> float:
        # Iterative depth-first evaluation (paths are thousands of cells deep in bad RTL).
        stack = [node]
        while stack:
            cur = stack[-1]
            if cur in arrival:
                stack.pop()
                continue
            name, port = cur
            typ = cells[name]["type"]
            if typ not in COMB:
                arrival[cur], prev[cur] = 0.0, None
                stack.pop()
                continue
            pending = []
            best, best_src = 0.0, None
            for p, bits in inputs(name):
                for b in bits:
                    src = driver.get(b)
                    if src is None:
                        continue
                    if src not in arrival:
                        pending.append(src)
                        continue
                    if typ == "CCU2C":
                        cost = CARRY_STEP if p == "CIN" and port == "COUT" else 1.0
                    else:
                        cost = WEIGHT.get(typ, 1.0)
                    t = arrival[src] + cost
                    if t > best:
                        best, best_src = t, src
            if pending:
                stack.extend(pending)
                continue
            arrival[cur], prev[cur] = best, best_src
            stack.pop()
        return arrival[node]

    ends: list[tuple[float, str, tuple[str, str]]] = []
    for name, c in cells.items():
        if c["type"] in COMB:
            continue
        worst, worst_src = -1.0, None
        for _p, bits in inputs(name):
            for b in bits:
                src = driver.get(b)
                if src is None:
                    continue
                t = solve(src)
                if t > worst:
                    worst, worst_src = t, src
        if worst_src is not None:
            ends.append((worst, name, worst_src))
    ends.sort(key=lambda e: -e[0])
    out = []
    for levels, end, src in ends[:count]:
        chain: list[str] = [end]
        node: tuple[str, str] | None = src
        while node is not None:
            chain.append(node[0])
            node = prev.get(node)
        out.append(DeepPath(round(levels, 1), end, chain[::-1]))
    return out


def per_block(netlist: Path, top: str, count: int = 16) -> list[DeepPath]:
    """The deepest path ending in each block (by endpoint), deepest first."""
    from pystack.synth.flow import hier_of

    seen: set[str] = set()
    out = []
    for p in deepest(netlist, top, count=1_000_000):
        block = hier_of(p.end)
        if block not in seen:
            seen.add(block)
            out.append(p)
            if len(out) == count:
                break
    return out
