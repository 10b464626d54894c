# SPDX-License-Identifier: MIT
"""The FPGA flow: Yosys synthesis of nic_top for ECP5, nextpnr place and route, and Yosys'
generic and Xilinx cell counts for comparison.

Why an I/O harness: nic_top has about 1,500 port bits at the default sizes (two 512-bit DMA data
buses alone), more than any ECP5 package has pins, and ports left unconnected would let the
tools delete the logic behind them. `hilnic_synth_top` (generated per configuration, into the
work folder, never into hdl/) feeds every input from a shift register on one pin and folds every
output into a rotating XOR signature that leaves on one pin: nothing can be optimised away,
every path starts and ends at a flip-flop, and the harness's own cells are counted apart
(module `hilnic_synth_top`) and left out of the NIC's figures.

Why `-noflatten` and then `flatten`: synthesized with its hierarchy, Yosys reports cells per
module, which gives the per-block breakdown; the design is flattened (and cleaned) only before
place and route. Constants do not cross module boundaries during synthesis, which costs a
little against a flat run; the totals reported are those of the netlist actually placed.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pystack.simrun import HDL, INCLUDES
from pystack.synth import tools
from pystack.synth.config import MAC_CLOCK_MHZ, PARTS, Part, SynthConfig

TOP = "nic_top"
# nextpnr's packed logic cells per Yosys LUT (LUT4 + 2 x CCU2C), measured on the RTL default:
# 87,277 TRELLIS_COMB for 83,805 LUTs (NIC and harness).
PACKING = 1.05
HARNESS = "hilnic_synth_top"
INSTANCE = "u_nic"

# ECP5 cells Yosys maps to, in the order the tables show them.
ECP5_CELLS = (
    "LUT4",
    "CCU2C",
    "PFUMX",
    "L6MUX21",
    "TRELLIS_FF",
    "DP16KD",
    "TRELLIS_DPR16X4",
    "MULT18X18D",
    "ALU54B",
)

# Module -> the block it belongs to, for the per-block table (the grouping).
BLOCKS = {
    "rx_parser": "parser / Toeplitz",
    "rss_toeplitz": "parser / Toeplitz",
    "rx_classifier": "parser / Toeplitz",
    "rx_admit": "RX admission",
    "rx_fifo": "RX packet buffer",
    "rx_dma": "RX DMA",
    "tx_dma": "TX DMA",
    "tx_fifo": "TX DMA",
    "tx_packer": "TX DMA",
    "dma_arb": "DMA arbiter",
    "wr_merge": "DMA arbiter",
    "nic_regs": "registers",
    "rss_regs": "registers",
    "irq_ctrl": "interrupts",
    "nic_top": "top-level glue",
}


def rtl_sources() -> list[Path]:
    """Every synthesizable file: all of hdl/ except hdl/sim/ (Yosys keeps what nic_top uses)."""
    return sorted(p for p in HDL.rglob("*.v") if "sim" not in p.relative_to(HDL).parts[:1])


def read_script(cfg: SynthConfig, top: str = TOP) -> str:
    """Yosys commands that read the RTL and elaborate `top` with the configuration."""
    inc = " ".join(f"-I{i}" for i in INCLUDES)
    lines = [f"read_verilog -sv {inc} {p}" for p in rtl_sources()]
    params = " ".join(f"-set {k} {v}" for k, v in cfg.parameters().items())
    lines += [f"chparam {params} {TOP}", f"hierarchy -check -top {top}"]
    return "\n".join(lines) + "\n"


def base_module(name: str) -> str:
    """'$paramod$1f..\\rx_dma' or '$paramod\\rx_admit\\DATA_WIDTH=..' -> 'rx_dma' / 'rx_admit'."""
    name = name.lstrip("\\")
    if name.startswith("$paramod"):
        return name.split("\\")[1]
    return name


# ---- the I/O harness ------------------------------------------------------------------------

_PORT = re.compile(r"^(input|output|inout)\s+\[(\d+):(\d+)\]\s+(\S+)$")


def parse_portlist(text: str) -> list[tuple[str, int, str]]:
    """Yosys `portlist` output -> (direction, width, name) in declaration order."""
    ports = []
    for line in text.splitlines():
        m = _PORT.match(line.strip())
        if m:
            ports.append((m.group(1), abs(int(m.group(2)) - int(m.group(3))) + 1, m.group(4)))
    return ports


def harness_verilog(
    ports: list[tuple[str, int, str]],
    cfg: SynthConfig,
    top: str = TOP,
    parameters: dict[str, int] | None = None,
) -> str:
    """hilnic_synth_top: `top` (nic_top) behind a shift-register input and an XOR-signature
    output."""
    ins = [(w, n) for d, w, n in ports if d == "input" and n not in ("clk", "rst")]
    outs = [(w, n) for d, w, n in ports if d == "output"]
    if any(d == "inout" for d, _, _ in ports):
        raise tools.SynthError(
            "nic_top has inout ports; the synthesis harness does not handle them"
        )
    in_w = sum(w for w, _ in ins)
    out_w = sum(w for w, _ in outs)
    given = cfg.parameters() if parameters is None else parameters
    params = ", ".join(f".{k}({v})" for k, v in given.items())
    decl = "\n".join(f"    wire [{w - 1}:0] p_{n};" for w, n in ins + outs)
    conns = ",\n".join(
        ["        .clk(clk)", "        .rst(rst_q)"]
        + [f"        .{n}(p_{n})" for _, n in ins + outs]
    )
    in_cat = ", ".join(f"p_{n}" for _, n in ins)
    out_cat = ", ".join(f"p_{n}" for _, n in outs)
    return f"""`default_nettype none
// Generated by pystack/synth/flow.py for {cfg.label}: synthesis only, never simulated.
// Inputs: a {in_w}-bit shift register fed from one pin. Outputs: {out_w} bits folded into a
// rotating XOR signature read on one pin. Every NIC path thus runs from flip-flop to flip-flop.
module {HARNESS} (
    input  wire clk,
    input  wire rst_pin,
    input  wire in_pin,
    output wire out_pin
);
    reg rst_q;
    reg [{in_w - 1}:0] in_sr;
    reg [{out_w - 1}:0] sig;
{decl}
    assign {{{in_cat}}} = in_sr;
    wire [{out_w - 1}:0] outs = {{{out_cat}}};
    always @(posedge clk) begin
        rst_q <= rst_pin;
        in_sr <= {{in_sr[{in_w - 2}:0], in_pin}};
        sig <= {{sig[{out_w - 2}:0], sig[{out_w - 1}]}} ^ outs;
    end
    assign out_pin = sig[{out_w - 1}];

    {top} #({params}) {INSTANCE} (
{conns}
    );
endmodule
"""


# ---- results --------------------------------------------------------------------------------


@dataclass
class BlockUse:
    """One module's cells (times its instances), from the hierarchical synthesis."""

    module: str
    block: str
    instances: int
    cells: dict[str, int]

    @property
    def luts(self) -> int:
        return lut_count(self.cells)


def lut_count(cells: dict[str, int]) -> int:
    """LUT4s, counting each CCU2C carry cell as the two LUT4s it occupies."""
    return cells.get("LUT4", 0) + 2 * cells.get("CCU2C", 0)


@dataclass
class PathStep:
    kind: str  # clk-to-q, routing, logic, setup
    delay_ns: float
    cell: str
    port: str


@dataclass
class CritPath:
    """One path from nextpnr's timing report."""

    start: str
    end: str
    delay_ns: float
    logic_levels: int
    steps: list[PathStep]

    @property
    def blocks(self) -> list[str]:
        """The NIC modules the path passes through, in order (from cell names)."""
        out: list[str] = []
        for s in self.steps:
            b = hier_of(s.cell)
            if b and (not out or out[-1] != b):
                out.append(b)
        return out


def hier_of(cell: str) -> str:
    """'u_nic.u_classifier.u_toeplitz.out_hash_...' -> 'u_classifier.u_toeplitz'."""
    parts = cell.split(".")
    if parts and parts[0] == INSTANCE:
        parts = parts[1:]
    inst = [p for p in parts[:-1] if p.startswith("u_")]
    return ".".join(inst) if inst else ("harness" if not cell.startswith(INSTANCE) else "nic_top")


@dataclass
class SynthResult:
    """Everything a run measured; `asdict` gives the report's JSON."""

    config: dict[str, object]
    label: str
    parameters: dict[str, int]
    part: str
    device: str
    target_mhz: float
    nic_cells: dict[str, int] = field(default_factory=dict)
    harness_cells: dict[str, int] = field(default_factory=dict)
    blocks: list[BlockUse] = field(default_factory=list)
    utilization: dict[str, tuple[int, int]] = field(default_factory=dict)
    fmax_mhz: float | None = None
    critical_paths: list[CritPath] = field(default_factory=list)
    generic_cells: dict[str, int] = field(default_factory=dict)
    xilinx_cells: dict[str, int] = field(default_factory=dict)
    times: dict[str, tuple[float, float]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Why there is no Fmax (the design does not fit the part, or nextpnr failed).
    notes: list[str] = field(default_factory=list)
    # The deepest path ending in each block, in LUT levels (pystack/synth/depth.py).
    depth: list[dict[str, object]] = field(default_factory=list)

    @property
    def luts(self) -> int:
        return lut_count(self.nic_cells)

    @property
    def ffs(self) -> int:
        return self.nic_cells.get("TRELLIS_FF", 0)

    @property
    def bram(self) -> int:
        return self.nic_cells.get("DP16KD", 0)

    @property
    def dsp(self) -> int:
        return self.nic_cells.get("MULT18X18D", 0) + self.nic_cells.get("ALU54B", 0)

    @property
    def meets_timing(self) -> bool | None:
        return None if self.fmax_mhz is None else self.fmax_mhz >= self.target_mhz

    def fits(self, part: Part) -> bool:
        """Whether the NIC's cells fit `part`, counting LUTs as nextpnr packs them (measured:
        PACKING x Yosys' count); routing may still fail on a nearly full part."""
        luts = self.luts * PACKING
        return luts <= part.luts and self.ffs <= part.luts and self.bram <= part.bram

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        out["summary"] = {
            "luts": self.luts,
            "ffs": self.ffs,
            "bram": self.bram,
            "dsp": self.dsp,
            "fmax_mhz": self.fmax_mhz,
            "meets_timing": self.meets_timing,
            "fits": {name: self.fits(p) for name, p in PARTS.items()},
        }
        return out


# ---- parsing the tools' output --------------------------------------------------------------


def hierarchy_use(stat: dict[str, object], top: str) -> list[BlockUse]:
    """Per-module cells times instance count, from `stat -json` of the unflattened design."""
    modules: dict[str, dict[str, int]] = {
        name: dict(m.get("num_cells_by_type", {}))  # type: ignore[union-attr]
        for name, m in stat["modules"].items()  # type: ignore[union-attr]
    }
    names = {n.lstrip("\\"): n for n in modules}
    count: dict[str, int] = {}

    def visit(name: str, n: int) -> None:
        count[name] = count.get(name, 0) + n
        for typ, k in modules[name].items():
            child = names.get(typ.lstrip("\\"))
            if child is not None:
                visit(child, n * k)

    visit(names[top], 1)
    out = []
    for name, n in count.items():
        own = {t: k * n for t, k in modules[name].items() if t.lstrip("\\") not in names}
        base = base_module(name)
        block = "I/O harness" if base == HARNESS else BLOCKS.get(base, base)
        out.append(BlockUse(base, block, n, own))
    return out


def cells_of(stat: dict[str, object], module: str | None = None) -> dict[str, int]:
    """Cell counts of one module of a `stat -json` (the only, or the named one)."""
    mods = stat["modules"]  # type: ignore[index]
    if module is None:
        design = stat.get("design")
        if isinstance(design, dict):
            return dict(design.get("num_cells_by_type", {}))
        (m,) = mods.values()  # type: ignore[union-attr]
        return dict(m["num_cells_by_type"])
    for name, m in mods.items():  # type: ignore[union-attr]
        if name.lstrip("\\") == module:
            return dict(m["num_cells_by_type"])
    raise KeyError(module)


def parse_pnr_report(
    report: dict[str, object],
) -> tuple[float | None, dict[str, tuple[int, int]], list[CritPath]]:
    """nextpnr's --report JSON -> (fmax MHz of the slowest clock, utilization, paths)."""
    fmax = None
    for clk in report.get("fmax", {}).values():  # type: ignore[union-attr]
        achieved = float(clk["achieved"])
        fmax = achieved if fmax is None else min(fmax, achieved)
    util = {
        k: (int(v["used"]), int(v["available"]))
        for k, v in report.get("utilization", {}).items()  # type: ignore[union-attr]
    }
    paths = []
    for p in report.get("critical_paths", []):  # type: ignore[union-attr]
        steps = []
        for s in p.get("path", []):
            end = s.get("to") or s.get("from") or {}
            steps.append(
                PathStep(
                    s.get("type", "?"),
                    float(s.get("delay", 0.0)),
                    end.get("cell", "?"),
                    end.get("port", "?"),
                )
            )
        if not steps:
            continue
        first = p["path"][0].get("from", {}).get("cell", steps[0].cell)
        paths.append(
            CritPath(
                start=first,
                end=steps[-1].cell,
                delay_ns=round(sum(s.delay_ns for s in steps), 3),
                logic_levels=sum(1 for s in steps if s.kind == "logic"),
                steps=steps,
            )
        )
    paths.sort(key=lambda c: -c.delay_ns)
    return fmax, util, paths


def _read_json(path: Path) -> dict[str, object]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


# ---- the flow -------------------------------------------------------------------------------


@dataclass
class FlowOptions:
    part: str = "um5g-85k"
    freq_mhz: float = MAC_CLOCK_MHZ
    pnr: bool = True
    compare: bool = True  # Yosys generic and synth_xilinx cell counts
    seed: int = 1
    jobs: int = 2  # tools run side by side (nextpnr beside the comparison syntheses)
    timeout_s: float = 7200.0


def ports_of(cfg: SynthConfig, work: Path) -> list[tuple[str, int, str]]:
    """nic_top's ports at this configuration (elaborating also checks the parameters)."""
    script = read_script(cfg) + f"tee -q -o ports.txt portlist {TOP}\n"
    tools.yosys(script, work, "elaborate", timeout=600).wait()
    return parse_portlist((work / "ports.txt").read_text())


def ecp5_script(cfg: SynthConfig) -> str:
    inc = " ".join(f"-I{i}" for i in INCLUDES)
    return (
        read_script(cfg, top=HARNESS).replace(
            "chparam", f"read_verilog -sv {inc} harness.v\nchparam", 1
        )
        # Latches are reported by the hygiene check; here they must not stop the flow.
        + f"synth_ecp5 -latches warn -noflatten -top {HARNESS}\n"
        + f"tee -q -o stat_hier.json stat -json -top {HARNESS}\n"
        + "flatten\nopt_clean\n"
        + "tee -q -o stat_flat.json stat -json\n"
        + "write_json netlist.json\n"
    )


def compare_script(cfg: SynthConfig, command: str, out: str) -> str:
    return read_script(cfg) + f"{command} -flatten -top {TOP}\ntee -q -o {out} stat -json\n"


def run(
    cfg: SynthConfig,
    opts: FlowOptions | None = None,
    out: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> SynthResult:
    """Synthesize, place and route one configuration; tool files stay in build/synth/<key>/,
    the report and logs are copied to `out` when given."""
    opts = opts or FlowOptions()
    cfg.check()
    part = PARTS[opts.part]
    say = progress or (lambda _msg: None)
    work = tools.work_dir(cfg.key())
    with tools.locked(work):  # two runs of one configuration would share these files
        return _run(cfg, opts, part, work, out, say)


def _run(
    cfg: SynthConfig,
    opts: FlowOptions,
    part: Part,
    work: Path,
    out: Path | None,
    say: Callable[[str], None],
) -> SynthResult:
    res = SynthResult(
        config=asdict(cfg),
        label=cfg.label,
        parameters=cfg.parameters(),
        part=part.name,
        device=part.device,
        target_mhz=opts.freq_mhz,
    )

    say("elaborating nic_top")
    ports = ports_of(cfg, work)
    _write_if_changed(work / "harness.v", harness_verilog(ports, cfg))

    comparisons: list[tuple[str, tools.Running]] = []

    def start_comparisons() -> None:
        if opts.compare:
            for name, cmd in (("generic", "synth"), ("xilinx", "synth_xilinx -family xc7")):
                script = compare_script(cfg, cmd, f"stat_{name}.json")
                comparisons.append(
                    (name, tools.yosys(script, work, f"yosys_{name}", opts.timeout_s))
                )

    if opts.jobs > 2:
        start_comparisons()
    # A finished synthesis of the same script and sources is reused (the bench's reruns).
    done = work / "yosys_ecp5.done"
    outputs = [work / n for n in ("netlist.json", "stat_flat.json", "stat_hier.json")]
    inputs = [work / "harness.v", *rtl_sources(), *HDL.rglob("*.vh")]
    script = ecp5_script(cfg)
    if _fresh(outputs, inputs) and done.exists() and done.read_text() == script:
        say(f"ECP5 netlist up to date in {work}")
    else:
        done.unlink(missing_ok=True)
        say(f"synthesizing for ECP5 ({part.device})")
        run_ecp5 = tools.yosys(script, work, "yosys_ecp5", opts.timeout_s).wait()
        res.times["yosys_ecp5"] = (run_ecp5.wall_s, run_ecp5.cpu_s)
        done.write_text(script)
    flat = _read_json(work / "stat_flat.json")
    hier = _read_json(work / "stat_hier.json")
    res.blocks = hierarchy_use(hier, HARNESS)
    harness = next((b for b in res.blocks if b.module == HARNESS), None)
    res.harness_cells = dict(harness.cells) if harness else {}
    total = cells_of(flat)
    res.nic_cells = {
        k: v - res.harness_cells.get(k, 0) for k, v in total.items() if k in ECP5_CELLS
    }
    res.warnings += _yosys_warnings(work / "yosys_ecp5.log")
    from pystack.synth.depth import per_block

    res.depth = [
        {"levels": d.levels, "end": d.end, "start": d.cells[0], "blocks": d.blocks}
        for d in per_block(work / "netlist.json", HARNESS)
    ]

    if opts.jobs <= 2:
        start_comparisons()
    placed = res.luts + lut_count(res.harness_cells)
    if opts.pnr and placed > part.luts:
        res.notes.append(
            f"no place and route: {placed} LUTs (NIC and harness) exceed the {part.luts} of "
            f"{part.device}"
        )
    elif opts.pnr:
        say(f"placing and routing on {part.device} at {opts.freq_mhz} MHz")
        args = [
            "--json",
            "netlist.json",
            part.nextpnr,
            "--package",
            part.package,
            "--speed",
            str(part.speed),
            "--freq",
            str(opts.freq_mhz),
            "--seed",
            str(opts.seed),
            "--report",
            "pnr_report.json",
            "--detailed-timing-report",
            "--timing-allow-fail",
        ]
        pnr = tools.nextpnr(args, work, "nextpnr", opts.timeout_s)
        if opts.jobs <= 1:
            for _name, job in comparisons:
                job.wait()
        try:
            done = pnr.wait()
        except tools.SynthError as exc:  # e.g. more logic cells than the part has
            res.notes.append(str(exc))
        else:
            res.times["nextpnr"] = (done.wall_s, done.cpu_s)
            res.fmax_mhz, res.utilization, res.critical_paths = parse_pnr_report(
                _read_json(work / "pnr_report.json")
            )
    for name, job in comparisons:
        done = job.wait()
        res.times[f"yosys_{name}"] = (done.wall_s, done.cpu_s)
        cells = cells_of(_read_json(work / f"stat_{name}.json"))
        if name == "generic":
            res.generic_cells = cells
        else:
            res.xilinx_cells = cells

    (work / "report.json").write_text(json.dumps(res.to_json(), indent=1))
    if out is not None:
        export(work, out)
    return res


def _write_if_changed(path: Path, text: str) -> None:
    """Keep the file (and its time stamp) when the content is the same."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _fresh(outputs: list[Path], inputs: list[Path]) -> bool:
    """Whether every output exists and is newer than every input (a finished earlier run)."""
    if not all(p.exists() for p in outputs):
        return False
    oldest = min(p.stat().st_mtime for p in outputs)
    return all(p.stat().st_mtime < oldest for p in inputs)


def _yosys_warnings(log: Path) -> list[str]:
    seen: list[str] = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("Warning:") and line not in seen:
            seen.append(line)
    return seen


def export(work: Path, out: Path) -> None:
    """Report, harness and every tool log into `out` (netlists stay in build/)."""
    out.mkdir(parents=True, exist_ok=True)
    for pattern in ("*.log", "report.json", "pnr_report.json", "harness.v", "*.ys"):
        for f in work.glob(pattern):
            shutil.copy2(f, out / f.name)
