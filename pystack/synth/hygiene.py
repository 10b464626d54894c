# SPDX-License-Identifier: MIT
"""Synthesis hygiene of the NIC's RTL (everything outside hdl/sim/): what would make the FPGA
netlist differ from what the simulators run, or waste the part.

Checks, each a `Finding` kind:
  latch             Yosys infers a latch (`proc`): a combinational block leaves a signal
                    unassigned on some path, loop indices included.
  multiple-drivers  two processes or assignments drive the same bits (`check`).
  logic-loop        a combinational loop (`check`).
  undriven          a wire that is used but driven by nothing (`check`).
  initial           an `initial` block, or a declaration initializer (`reg x = 0`), giving a
                    value (an FPGA would load it at configuration; an ASIC never would; the RTL
                    must reset instead). The parameter checks' `initial $fatal` under
                    `ifdef __ICARUS__` is simulation-only text and is skipped.
  sim-only          simulation-only constructs in synthesizable files: $display, $finish,
                    $random, #delays, force/release, fork/join, wait, real, and any $print or
                    $check cell Yosys builds from them.
  memory-not-ram    an array of at least RAM_MIN_BITS that becomes flip-flops instead of
                    block RAM or LUT RAM (Yosys' ECP5 memory mapping).

Why Yosys and not only text: it elaborates with the real parameters, so it sees what the
generate blocks produce; the text scan catches what Yosys would accept silently or drop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pystack.simrun import HDL
from pystack.synth import tools
from pystack.synth.config import SynthConfig
from pystack.synth.flow import TOP, base_module, read_script, rtl_sources

# Arrays smaller than this may live in flip-flops (per-queue state with many read ports is
# better there); at or above it (a quarter of a DP16KD) they must map to RAM.
RAM_MIN_BITS = 4096


@dataclass(frozen=True)
class Finding:
    kind: str
    module: str
    what: str
    where: str = ""

    @property
    def key(self) -> str:
        """Stable identity (no line numbers), for the known-findings list."""
        return f"{self.kind}:{self.module}:{self.what}"

    def __str__(self) -> str:
        at = f" ({self.where})" if self.where else ""
        return f"{self.kind}: {self.module}: {self.what}{at}"


# Findings in files this flow's authors may not change; each names the fix. The hygiene test
# fails on any finding not listed here, and reports these as known.
KNOWN: dict[str, str] = {}

# ---- text scan ------------------------------------------------------------------------------

_SIM_TASKS = (
    "display",
    "write",
    "strobe",
    "monitor",
    "finish",
    "stop",
    "fatal",
    "random",
    "urandom",
    "urandom_range",
    "time",
    "stime",
    "realtime",
    "dumpfile",
    "dumpvars",
    "dumpon",
    "dumpoff",
    "fopen",
    "fclose",
    "fwrite",
    "fdisplay",
    "fscanf",
    "value$plusargs",
    "test$plusargs",
)
_SIM_WORDS = ("force", "release", "fork", "join", "wait", "deassign", "real", "realtime", "event")
_SIM_TASK_RE = re.compile(r"\$(" + "|".join(re.escape(t) for t in _SIM_TASKS) + r")\b")
_SIM_WORD_RE = re.compile(r"\b(" + "|".join(_SIM_WORDS) + r")\b")
_DELAY_RE = re.compile(r"#\s*\d")
_INITIAL_RE = re.compile(r"\binitial\b")
# Regions only simulators see.
_SIM_IFDEF = ("__ICARUS__", "VERILATOR", "COCOTB_SIM", "HILNIC_WAVES")


def strip_comments(text: str) -> str:
    """Comments and string literals blanked (newlines kept, so line numbers stay right)."""

    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))

    return re.sub(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\])*"', blank, text, flags=re.DOTALL)


def synth_visible(text: str) -> list[tuple[int, str]]:
    """(line number, text) of the lines a synthesis tool reads: regions under `ifdef of a
    simulator (or `ifndef SYNTHESIS) are dropped, with their `else branches kept."""
    out: list[tuple[int, str]] = []
    stack: list[bool] = []  # True: this region is hidden from synthesis
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"\s*`(ifdef|ifndef|elsif|else|endif)\b\s*(\w*)", line)
        if m:
            kw, name = m.group(1), m.group(2)
            if kw in ("ifdef", "ifndef"):
                sim_only = (kw == "ifdef" and name in _SIM_IFDEF) or (
                    kw == "ifndef" and name == "SYNTHESIS"
                )
                stack.append(sim_only)
            elif kw in ("else", "elsif") and stack:
                stack[-1] = not stack[-1] if kw == "else" else False
            elif kw == "endif" and stack:
                stack.pop()
            continue
        if not any(stack):
            out.append((n, line))
    return out


def scan_text(paths: Iterable[Path]) -> list[Finding]:
    """initial blocks and simulation-only constructs in synthesizable files."""
    found: list[Finding] = []
    for path in paths:
        rel = str(path.relative_to(HDL.parent)) if path.is_relative_to(HDL.parent) else str(path)
        module = path.stem
        for n, line in synth_visible(strip_comments(path.read_text())):
            if line.lstrip().startswith("`define"):
                continue  # a macro body counts where it is used
            where = f"{rel}:{n}"
            if _INITIAL_RE.search(line):
                found.append(Finding("initial", module, "initial block", where))
            for m in _SIM_TASK_RE.finditer(line):
                found.append(Finding("sim-only", module, f"${m.group(1)}", where))
            for m in _SIM_WORD_RE.finditer(line):
                found.append(Finding("sim-only", module, m.group(1), where))
            if _DELAY_RE.search(line):
                found.append(Finding("sim-only", module, "#delay", where))
    return found


# ---- Yosys checks ---------------------------------------------------------------------------

_LATCH = re.compile(
    r"^Warning: Latch inferred for signal `(?P<mod>[^']*?)\.\\(?P<sig>[^ ']+)[^']*' from process "
    r"`[^']*\$proc\$(?P<src>[^$']+)\$",
    re.MULTILINE,
)
_REG_LIST = re.compile(
    r"^Warning: Replacing memory \\(\S+) with list of registers\. See (\S+)$", re.MULTILINE
)
_MAPPED = re.compile(r"^mapping memory (\S+) via (\S+)$", re.MULTILINE)
_FF_MAPPED = re.compile(r"^using FF mapping for memory (\S+)$", re.MULTILINE)


def hygiene_script(read: str) -> str:
    """The checks, after `read` (commands that read and elaborate the design)."""
    return read + "\n".join(
        [
            "proc",
            "tee -q -o check_hier.txt check",
            "tee -q -o sim_cells.txt select -list t:$print t:$check t:$assert t:$assume",
            "tee -q -o init_wires.txt select -list a:init",
            "flatten",
            "opt_clean",
            "tee -q -o check_flat.txt check",
            "tee -q -o latches.txt select -list t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_*",
            "memory -nomap",
            "tee -q -o mem_stat.json stat -json",
            "tee -q -o mems.il dump t:$mem_v2",
            "memory_libmap -lib +/lattice/lutrams_trellis.txt -lib +/lattice/brams_16kd.txt",
            "",
        ]
    )


def _module_of(path: str) -> str:
    """'nic_top/u_rx_fifo.data_mem', 'top/$flatten\\u_a.\\u_b.$auto$x.cc:1$2' or
    '$paramod..\\rx_dma/x' -> the innermost instance ('u_b'), else the module's name."""
    head, _, rest = path.partition("/")
    insts = re.findall(r"(?:^|[\\.])(u_\w+)\.", rest)
    return insts[-1] if insts else base_module(head)


def _check_findings(text: str) -> list[Finding]:
    found = []
    module = ""
    for line in text.splitlines():
        m = re.match(r"Checking module (\S+)\.\.\.", line)
        if m:
            module = base_module(m.group(1))
            continue
        low = line.lower()
        if "conflicting" in low and "driver" in low:
            what = line.strip().rstrip(":").removeprefix("Warning: ")
            found.append(Finding("multiple-drivers", module, what))
        elif "logic loop" in low:
            found.append(Finding("logic-loop", module, line.strip().removeprefix("Warning: ")))
        elif "is used but has no driver" in low:
            found.append(Finding("undriven", module, line.strip().removeprefix("Warning: ")))
    return found


def run_yosys_checks(read: str, work: Path, top: str = TOP) -> tuple[list[Finding], dict[str, str]]:
    """Yosys' findings on the design `read` elaborates, and what each memory became
    (name -> RAM cell or 'flip-flops')."""
    tools.yosys(hygiene_script(read), work, "hygiene", timeout=1200).wait()
    log = (work / "hygiene.log").read_text(errors="replace")
    found: list[Finding] = []
    seen: set[str] = set()
    for m in _LATCH.finditer(log):
        src = m.group("src").replace(str(HDL.parent) + "/", "")
        f = Finding("latch", base_module(m.group("mod")), m.group("sig"), src)
        if f.key not in seen:
            seen.add(f.key)
            found.append(f)
    found += _check_findings((work / "check_hier.txt").read_text())
    for line in (work / "sim_cells.txt").read_text().split():
        found.append(Finding("sim-only", _module_of(line), "Yosys built a simulation cell", line))
    for line in (work / "init_wires.txt").read_text().split():
        found.append(Finding("initial", _module_of(line), f"initial value on {line}"))
    for line in (work / "latches.txt").read_text().split():
        found.append(Finding("latch", _module_of(line), f"latch kept after optimisation: {line}"))
    # Memories: what each became, and their sizes.
    became: dict[str, str] = {m.group(1): m.group(2) for m in _MAPPED.finditer(log)}
    for m in _FF_MAPPED.finditer(log):
        became[m.group(1)] = "flip-flops"
    sizes = memory_sizes((work / "mems.il").read_text(), top)
    for name, bits in sizes.items():
        if bits >= RAM_MIN_BITS and became.get(name, "flip-flops") == "flip-flops":
            found.append(
                Finding("memory-not-ram", _owner(name), f"{name} ({bits} bits) in flip-flops")
            )
    for m in _REG_LIST.finditer(log):
        mod = Path(m.group(2).split(":")[0]).stem
        became[f"{mod}.{m.group(1)}"] = "flip-flops (array reset or read as a whole)"
    return found, became


def memory_sizes(dump: str, top: str = TOP) -> dict[str, int]:
    """'nic_top.u_rx_fifo.data_mem' -> bits, from an RTLIL dump of the $mem_v2 cells."""
    sizes: dict[str, int] = {}
    for m in re.finditer(r"^\s*cell \$mem_v2 (\S+)\n((?:\s*parameter .*\n)*)", dump, re.MULTILINE):
        params = dict(re.findall(r"parameter \\(\w+) (\S+)", m.group(2)))
        size, width = _rtlil_int(params.get("SIZE", "0")), _rtlil_int(params.get("WIDTH", "0"))
        sizes[f"{top}.{m.group(1).lstrip(chr(92))}"] = size * width
    return sizes


def _rtlil_int(text: str) -> int:
    """RTLIL constants: 42, or 32'00101010."""
    if "'" in text:
        return int(text.split("'")[1] or "0", 2)
    return int(text)


def _owner(memory: str) -> str:
    """'nic_top.u_rx_fifo.data_mem' -> 'u_rx_fifo'."""
    parts = memory.split(".")
    return parts[-2] if len(parts) > 2 else parts[0]


def check(cfg: SynthConfig, work: Path | None = None) -> tuple[list[Finding], dict[str, str]]:
    """Every finding in the NIC's RTL (text scan, then Yosys at this configuration), and what
    each memory became."""
    cfg.check()
    work = work or tools.work_dir(cfg.key())
    found = scan_text([*rtl_sources(), *sorted(HDL.rglob("*.vh"))])
    yfound, became = run_yosys_checks(read_script(cfg), work)
    return found + yfound, became


def check_design(
    sources: list[Path], top: str, work: Path, includes: tuple[Path, ...] = ()
) -> tuple[list[Finding], dict[str, str]]:
    """The same checks on any design (the tests use it on deliberately bad RTL)."""
    inc = " ".join(f"-I{i}" for i in includes)
    read = "".join(f"read_verilog -sv {inc} {p}\n" for p in sources)
    read += f"hierarchy -check -top {top}\n"
    yfound, became = run_yosys_checks(read, work, top)
    return scan_text(sources) + yfound, became


def split_known(found: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(new findings, known ones)."""
    new = [f for f in found if f.key not in KNOWN]
    known = [f for f in found if f.key in KNOWN]
    return new, known


__all__ = ["KNOWN", "RAM_MIN_BITS", "Finding", "check", "check_design", "scan_text", "split_known"]
