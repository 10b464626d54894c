# SPDX-License-Identifier: MIT
"""Generate every register-map file from the SystemRDL description `hdl/regs/hilnic.rdl`
(`make regs`; `tests/test_ringmap_regmap.py` fails when a generated file is stale).

Compiled with systemrdl-compiler; the outputs:

* `hdl/regs/hilnic_regmap.vh`: Verilog-2001 defines (Icarus 11 and Verilator): register
  addresses (`HN_REG_*`, per-queue offsets `HN_QOFF_*`), field positions (`HN_<REG>_<FIELD>_LSB`,
  `_MSB`, `_WIDTH`), writable-bit masks and reset values, the shared enums
  (`HN_RX_OUTCOME_*`, `HN_QSTOP_REASON_*`, ...), the TX burst size, the decode windows of the
  register blocks (`HN_IN_IRQ_CTRL(a)`, `HN_IN_RSS_REGS(a)`) and the descriptor layouts
  (`HN_RXD_WB_*`, `HN_TXD_*`, positions in the 128-bit descriptor).
* `pystack/regdefs.py`: the same for Python (the driver, the model, the stack), checked in, so
  `import pystack` needs no compiler.
* `hdl/regs/REGISTERS.md`: the register table and every field.
* `hdl/regs/hilnic_regs.h`: a C header (peakrdl-cheader) for a C driver.
* `tb/nic/uvm/hilnic_ral.py`: a pyuvm register model (peakrdl-pyuvm) for the pyuvm
  environment's register-access test (`tb/nic/test_nic_ral.py`).
* with `--html DIR`: HTML documentation (peakrdl-html), not checked in.

Only this module imports the compiler; nothing at run time does.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RDL = REPO / "hdl" / "regs" / "hilnic.rdl"
VERILOG_HEADER = REPO / "hdl" / "regs" / "hilnic_regmap.vh"
DOC_TABLE = REPO / "hdl" / "regs" / "REGISTERS.md"
C_HEADER = REPO / "hdl" / "regs" / "hilnic_regs.h"
PY_DEFS = REPO / "pystack" / "regdefs.py"
PYUVM_MODEL = REPO / "tb" / "nic" / "uvm" / "hilnic_ral.py"
ADDR_WIDTH = 17  # 128 KiB BAR0, as on the 82576
TOP = "hilnic"
DESCRIPTORS = ("hn_rxd_read", "hn_rxd_wb", "hn_txd")
# The shared enums and their Python class names.
ENUMS = {
    "hn_rx_outcome_e": "RxOutcome",
    "hn_qstop_reason_e": "QStopReason",
    "hn_loopback_e": "Loopback",
    "hn_mrqc_mode_e": "MrqcMode",
}
DEFAULT_BLOCK = "nic_regs"


@dataclass
class FieldInfo:
    name: str
    lsb: int
    width: int
    sw: str  # r, w, rw
    onwrite: str  # "", woclr, woset
    hw_clear: bool  # self-clearing (hwclr)
    hw_set: bool
    reset: int
    desc: str
    encode: str  # enum name or ""

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.lsb


@dataclass
class RegInfo:
    name: str
    offset: int
    count: int
    stride: int
    access: str  # bus access: RW (writes accepted) or RO (writes answer SLVERR)
    reset: int
    doc: str
    block: str
    keeps_unused: bool
    fields: list[FieldInfo] = field(default_factory=list)

    @property
    def wmask(self) -> int:
        if self.keeps_unused:
            return 0xFFFF_FFFF
        m = 0
        for f in self.fields:
            if "w" in f.sw:
                m |= ((1 << f.width) - 1) << f.lsb
        return m


@dataclass
class Model:
    registers: list[RegInfo]
    windows: list[tuple[str, str, int, int]]  # instance, block, lo, hi
    enums: dict[str, list[tuple[str, int, str]]]
    descriptors: dict[str, tuple[str, list[FieldInfo]]]
    tx_burst_frames: int
    default_queues: int
    root: Any = None


def _compile() -> tuple[Any, Any]:
    from systemrdl import RDLCompiler

    rdlc = RDLCompiler()
    rdlc.compile_file(str(RDL))
    return rdlc, rdlc.elaborate(TOP)


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _field(f: Any) -> FieldInfo:
    sw = ("r" if f.is_sw_readable else "") + ("w" if f.is_sw_writable else "")
    onwrite = f.get_property("onwrite")
    enc = f.get_property("encode")
    return FieldInfo(
        name=f.inst_name,
        lsb=f.lsb,
        width=f.width,
        sw=sw,
        onwrite=onwrite.name if onwrite is not None else "",
        hw_clear=bool(f.get_property("hwclr")),
        hw_set=bool(f.get_property("hwset")),
        reset=f.get_property("reset") or 0,
        desc=_clean(f.get_property("desc")),
        encode=enc.type_name if enc is not None else "",
    )


def build_model() -> Model:
    from systemrdl.node import AddrmapNode, RegfileNode, RegNode

    rdlc, root = _compile()
    top = root.top
    regs: list[RegInfo] = []
    windows: list[tuple[str, str, int, int]] = []
    for node in top.descendants(unroll=False):
        if isinstance(node, AddrmapNode) and node.get_property("hn_block"):
            lo = node.raw_absolute_address
            hi = lo + node.get_property("hn_window")
            windows.append((node.inst_name, node.get_property("hn_block"), lo, hi))
        if not isinstance(node, RegNode):
            continue
        count, stride = 1, 4
        if node.is_array:
            (count,) = node.array_dimensions
            stride = node.array_stride
        parent = node.parent
        if isinstance(parent, RegfileNode) and parent.is_array:
            assert count == 1, node.get_path()
            (count,) = parent.array_dimensions
            stride = parent.array_stride
        block = DEFAULT_BLOCK
        p = node.parent
        while p is not None and p is not top:
            if isinstance(p, AddrmapNode) and p.get_property("hn_block"):
                block = p.get_property("hn_block")
                break
            p = p.parent
        fields = [_field(f) for f in node.fields()]
        writable = any("w" in f.sw for f in fields)
        reset = 0
        for f in fields:
            reset |= f.reset << f.lsb
        regs.append(
            RegInfo(
                name=node.inst_name,
                offset=node.raw_absolute_address,
                count=count,
                stride=stride,
                access="RW" if writable else "RO",
                reset=reset,
                doc=_clean(node.get_property("desc")),
                block=block,
                keeps_unused=bool(node.get_property("hn_keeps_unused")),
                fields=fields,
            )
        )
    names = [r.name for r in regs]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"register names must be unique in BAR0: {sorted(dup)}")
    for inst, _block, lo, hi in windows:
        for r in regs:
            if not lo <= r.offset < hi:
                continue
            if r.offset + (r.count - 1) * r.stride + 4 > hi:
                raise ValueError(f"{r.name} runs past the window of {inst}")
    enums: dict[str, list[tuple[str, int, str]]] = {}
    for name in ENUMS:
        enum = rdlc.namespace.lookup_type(name)
        enums[name] = [(m.name, m.value, _clean(m.rdl_desc)) for m in enum]
    descriptors: dict[str, tuple[str, list[FieldInfo]]] = {}
    for name in DESCRIPTORS:
        droot = rdlc.elaborate(name)
        fields = []
        for reg in droot.top.registers():
            for f in reg.fields():
                fi = _field(f)
                fi.lsb += 8 * reg.address_offset
                fields.append(fi)
        descriptors[name] = (_clean(droot.top.get_property("desc")), fields)
    root = rdlc.elaborate(TOP)
    return Model(
        registers=regs,
        windows=windows,
        enums=enums,
        descriptors=descriptors,
        tx_burst_frames=top.get_property("hn_tx_burst_frames"),
        default_queues=top.get_property("hn_default_queues"),
        root=root,
    )


def _short(reg: str) -> str:
    return reg[3:] if reg.startswith("HN_") else reg


def _enum_prefix(name: str) -> str:
    return name.removeprefix("hn_").removesuffix("_e").upper()


def _enum_width(m: Model, name: str) -> int:
    """Bits of an enum: its largest value's, or the widest field it encodes."""
    widths = [f.width for r in m.registers for f in r.fields if f.encode == name]
    return max([1, max(v for _, v, _ in m.enums[name]).bit_length(), *widths])


# ---- Verilog ------------------------------------------------------------------------------------


def verilog_header(m: Model) -> str:
    qstride = 0x40
    rxq = next(r for r in m.registers if r.name == "RDBAL")
    txq = next(r for r in m.registers if r.name == "TDBAL")
    out = [
        "// Generated by pystack/regmap_gen.py from hdl/regs/hilnic.rdl (make regs); do not edit.",
        "// Verilog-2001: plain defines and one-argument macros (Icarus 11, Verilator).",
        "`ifndef HILNIC_REGMAP_VH",
        "`define HILNIC_REGMAP_VH",
        f"`define HN_ADDR_WIDTH {ADDR_WIDTH}",
        f"`define HN_RXQ_BASE 'h{rxq.offset:05x}",
        f"`define HN_TXQ_BASE 'h{txq.offset:05x}",
        f"`define HN_QUEUE_STRIDE 'h{qstride:x}",
        f"`define HN_TX_BURST_FRAMES {m.tx_burst_frames}",
        "",
        "// ---- register addresses (first instance), instance counts, per-queue offsets ----",
    ]
    for r in m.registers:
        out.append(f"`define HN_REG_{r.name} 'h{r.offset:05x}")
        if r.count > 1:
            out.append(f"`define HN_REG_{r.name}_COUNT {r.count}")
        if r.stride == qstride:
            base = rxq.offset if r.offset < txq.offset else txq.offset
            out.append(f"`define HN_QOFF_{r.name} 6'h{r.offset - base:02x}")
    out += ["", "// ---- fields: bit positions, widths; writable bits and reset values ----"]
    for r in m.registers:
        s = _short(r.name)
        out.append(f"`define HN_{s}_WMASK 32'h{r.wmask:08x}")
        out.append(f"`define HN_{s}_RESET 32'h{r.reset:08x}")
        for f in r.fields:
            out += _vfield(f"HN_{s}_{f.name}", f)
            out.append(f"`define HN_{s}_{f.name}_MASK 32'h{f.mask:08x}")
    out += ["", "// ---- shared enums ----"]
    for name, values in m.enums.items():
        w = _enum_width(m, name)
        p = _enum_prefix(name)
        out.append(f"`define HN_{p}_WIDTH {w}")
        for vname, v, _ in values:
            out.append(f"`define HN_{p}_{vname} {w}'d{v}")
    out += ["", "// ---- register blocks: decode windows [LO, HI) ----"]
    blocks: dict[str, list[str]] = {}
    for inst, block, lo, hi in m.windows:
        n = inst.upper()
        out.append(f"`define HN_WIN_{n}_LO 'h{lo:05x}")
        out.append(f"`define HN_WIN_{n}_HI 'h{hi:05x}")
        blocks.setdefault(block, []).append(f"((a) >= 'h{lo:05x} && (a) < 'h{hi:05x})")
    for block, terms in blocks.items():
        out.append(f"`define HN_IN_{block.upper()}(a) ({' || '.join(terms)})")
    out += ["", "// ---- descriptor layouts: positions in the 16-byte descriptor (128 bits) ----"]
    out.append("`define HN_DESC_BYTES 16")
    for name, (_doc, fields) in m.descriptors.items():
        p = name.removeprefix("hn_").upper()
        for f in fields:
            out += _vfield(f"HN_{p}_{f.name}", f)
    out.append("`endif")
    _check_unique(out)
    return "\n".join(out) + "\n"


def _vfield(prefix: str, f: FieldInfo) -> list[str]:
    return [
        f"`define {prefix}_LSB {f.lsb}",
        f"`define {prefix}_MSB {f.lsb + f.width - 1}",
        f"`define {prefix}_WIDTH {f.width}",
    ]


def _check_unique(lines: list[str]) -> None:
    seen: set[str] = set()
    for line in lines:
        if line.startswith("`define "):
            name = line.split()[1].split("(")[0]
            if name in seen:
                raise ValueError(f"generated define {name} twice")
            seen.add(name)


# ---- Python -------------------------------------------------------------------------------------

GEN_NOTE = "Generated by pystack/regmap_gen.py from hdl/regs/hilnic.rdl (make regs); do not edit."
PY_PRELUDE = (
    '"""'
    + GEN_NOTE
    + '''

Register addresses, field positions, the shared enums and the descriptor layouts for the
driver, the model and the stack. `pystack.regmap` builds its register table from REGISTERS.
"""

# ruff: noqa: E501

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple


class Field(NamedTuple):
    """A field of a register (or of a 128-bit descriptor): bits [lsb + width - 1 : lsb]."""

    lsb: int
    width: int

    @property
    def mask(self) -> int:
        """The field's bits in place (for a one-bit field: the bit)."""
        return ((1 << self.width) - 1) << self.lsb

    def get(self, word: int) -> int:
        return (word >> self.lsb) & ((1 << self.width) - 1)

    def put(self, value: int) -> int:
        """`value` moved into place (masked to the field's width)."""
        return (value & ((1 << self.width) - 1)) << self.lsb

'''
)


def python_defs(m: Model) -> str:
    out = [PY_PRELUDE]
    out.append(f"ADDR_WIDTH = {ADDR_WIDTH}")
    out.append(f"DEFAULT_QUEUES = {m.default_queues}")
    out.append(f"TX_BURST_FRAMES = {m.tx_burst_frames}")
    out.append("DESC_BYTES = 16")
    out.append("")
    out.append("# name, offset, access, doc, count, stride, reset, block")
    out.append("REGISTERS = (")
    for r in m.registers:
        out.append(
            f"    ({r.name!r}, 0x{r.offset:05X}, {r.access!r}, {r.doc!r}, {r.count}, "
            f"0x{r.stride:X}, 0x{r.reset:X}, {r.block!r}),"
        )
    out.append(")")
    out.append("# block instance, RTL block, lo, hi")
    out.append("WINDOWS = (")
    for inst, block, lo, hi in m.windows:
        out.append(f"    ({inst!r}, {block!r}, 0x{lo:05X}, 0x{hi:05X}),")
    out.append(")")
    for name, values in m.enums.items():
        out += ["", "", f"class {ENUMS[name]}(IntEnum):"]
        for vname, v, desc in values:
            out.append(f"    {vname} = {v}  # {desc}" if desc else f"    {vname} = {v}")
    for r in m.registers:
        out += ["", "", f"class {r.name}:"]
        out.append(f"    ADDR = 0x{r.offset:05X}")
        if r.count > 1:
            out.append(f"    COUNT = {r.count}")
            out.append(f"    STRIDE = 0x{r.stride:X}")
        out.append(f"    WMASK = 0x{r.wmask:08X}")
        out.append(f"    RESET = 0x{r.reset:X}")
        for f in r.fields:
            out.append(f"    {f.name} = Field({f.lsb}, {f.width})")
    for name, (_doc, fields) in m.descriptors.items():
        out += ["", "", f"class {name.removeprefix('hn_').upper()}:"]
        out.append(f'    """{_doc}"""')
        out.append("")
        for f in fields:
            out.append(f"    {f.name} = Field({f.lsb}, {f.width})")
    return _ruff_format("\n".join(out) + "\n", PY_DEFS)


def _ruff_format(text: str, path: Path) -> str:
    """The text as `ruff format` leaves it, so `make lint` passes on the generated module."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(path), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return done.stdout


# ---- Markdown -----------------------------------------------------------------------------------


def _access(f: FieldInfo) -> str:
    a = {"r": "RO", "w": "WO", "rw": "RW"}.get(f.sw, "-")
    extra = []
    if f.onwrite == "woclr":
        extra.append("W1C")
    if f.onwrite == "woset":
        extra.append("W1S")
    if f.hw_clear:
        extra.append("self-clearing")
    if f.hw_set:
        extra.append("set by hardware")
    return a + (" " + ", ".join(extra) if extra else "")


def doc_table(m: Model) -> str:
    lines = [
        "# hilnic register map",
        "",
        "Generated by `pystack/regmap_gen.py` from `hdl/regs/hilnic.rdl` (`make regs`); do not "
        f"edit. BAR0 is {1 << ADDR_WIDTH >> 10} KiB; accesses are 32-bit. An unmapped address "
        "answers DECERR, a write to a read-only register SLVERR, and both count in HN_BADACC.",
        "",
        f"Per-queue registers repeat every 0x40 bytes, one block per queue the build has (the "
        f"table lists the default {m.default_queues}; see `hdl/nic_top.v`). Counters are 32 bits, "
        "wrap, and are not cleared on read. The rules behind the counters are in "
        "`hdl/DATAPATH.md`.",
        "",
        "Register blocks (`hdl/nic_top.v` routes each window to its block; the rest goes to "
        "`nic_regs`):",
        "",
        "| Window | Block |",
        "|---|---|",
    ]
    for inst, block, lo, hi in m.windows:
        lines.append(f"| 0x{lo:05X}-0x{hi - 1:05X} (`{inst}`) | `{block}` |")
    lines += [
        "",
        "| Register | Offset | Count | Access | Reset | Description |",
        "|---|---|---|---|---|---|",
    ]
    for r in m.registers:
        count = f"{r.count} x 0x{r.stride:x}" if r.count > 1 else "1"
        lines.append(
            f"| {r.name} | 0x{r.offset:05X} | {count} | {r.access} | 0x{r.reset:x} | {r.doc} |"
        )
    lines += ["", "## Fields", ""]
    lines.append(
        "Access: RW, RO, WO (reads 0); W1C write 1 to clear, W1S write 1 to set. A register "
        "marked *kept* stores the bits no field describes as written (they have no effect)."
    )
    for r in m.registers:
        lines += ["", f"### {r.name}" + (" (kept)" if r.keeps_unused else ""), ""]
        lines += ["| Bits | Field | Access | Reset | Description |", "|---|---|---|---|---|"]
        for f in sorted(r.fields, key=lambda f: -f.lsb):
            lines.append(_field_row(f, m))
    lines += ["", "## Shared enums", ""]
    for name, values in m.enums.items():
        lines += [f"### {name}", "", "| Value | Name | Meaning |", "|---|---|---|"]
        lines += [f"| {v} | {n} | {d} |" for n, v, d in values]
        lines.append("")
    lines += [f"TX burst: a ring sends at most {m.tx_burst_frames} frames per turn.", ""]
    lines += ["## Descriptor layouts (16 bytes, little-endian; bit n of the 128-bit word)", ""]
    for name, (doc, fields) in m.descriptors.items():
        lines += [f"### {name}", "", doc, "", "| Bits | Field | Description |", "|---|---|---|"]
        for f in sorted(fields, key=lambda f: f.lsb):
            lines.append(f"| {_bits(f)} | {f.name} | {f.desc} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _bits(f: FieldInfo) -> str:
    return f"{f.lsb}" if f.width == 1 else f"{f.lsb + f.width - 1}:{f.lsb}"


def _field_row(f: FieldInfo, m: Model) -> str:
    desc = f.desc
    if f.encode:
        desc = (desc + " " if desc else "") + ", ".join(f"{v} {n}" for n, v, _ in m.enums[f.encode])
    return f"| {_bits(f)} | {f.name} | {_access(f)} | 0x{f.reset:x} | {desc} |"


# ---- C and HTML (PeakRDL) -----------------------------------------------------------------------


def c_header(m: Model) -> str:
    from peakrdl_cheader.exporter import CHeaderExporter

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hilnic_regs.h"
        CHeaderExporter().export(m.root.top, str(path))
        return path.read_text()


def pyuvm_model(m: Model) -> str:
    """A pyuvm register model (peakrdl-pyuvm) for the pyuvm environment (tb/nic/uvm/)."""
    from peakrdl_pyuvm.exporter import PyUVMExporter

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hilnic_ral.py"
        PyUVMExporter().export(m.root.top, str(path))
        text = path.read_text()
    head = f"# {GEN_NOTE}\n# PeakRDL-pyuvm's output, kept as it writes it.\n# ruff: noqa\n"
    return _ruff_format(head + text, PYUVM_MODEL)


def html(m: Model, out_dir: Path) -> None:
    from peakrdl_html import HTMLExporter

    HTMLExporter().export(m.root.top, str(out_dir))


GENERATED = {
    VERILOG_HEADER: verilog_header,
    PY_DEFS: python_defs,
    DOC_TABLE: doc_table,
    C_HEADER: c_header,
    PYUVM_MODEL: pyuvm_model,
}


LICENSE_ID = "SPDX-License-Identifier: MIT"


def with_license(path: Path, text: str) -> str:
    """The generated text under the project's SPDX line, in the file's comment syntax."""
    if path.suffix == ".md":
        return text
    mark = "# " if path.suffix == ".py" else "// "
    return f"{mark}{LICENSE_ID}\n{text}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the register-map files from the RDL")
    parser.add_argument("--write", action="store_true", help="rewrite the generated files")
    parser.add_argument("--html", type=Path, metavar="DIR", help="also write HTML docs to DIR")
    args = parser.parse_args(argv)
    m = build_model()
    texts = {p: with_license(p, gen(m)) for p, gen in GENERATED.items()}
    stale = [p for p, t in texts.items() if not p.exists() or p.read_text() != t]
    if args.html:
        html(m, args.html)
        print(f"wrote {args.html}/index.html")
    if args.write:
        for path in stale:
            path.write_text(texts[path])
            print(f"wrote {path.relative_to(REPO)}")
        return 0
    for path in stale:
        print(f"stale: {path.relative_to(REPO)} (run make regs)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
