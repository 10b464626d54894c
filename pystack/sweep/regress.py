# SPDX-License-Identifier: MIT
"""`hilnic regress`: the RTL benches over seeds and NIC configurations, on both simulators,
as independent points (one cocotb run each) on the same runner as sweeps. Output: a table of
pass/fail per configuration and bench/simulator, and every failing run as one command line
that reproduces it alone.

A bench with `seed_env` is run once per seed with that variable set (the pyuvm full-NIC
environment reads HILNIC_UVM_SEED) and with cocotb's RANDOM_SEED; a bench without one has a
fixed stimulus and runs once per configuration and simulator. A configuration is a set of
Verilog parameters for the bench's top (`hdl/sim/nic_sim_top.v`); each one is built once per
machine and simulator and cached by pystack/simrun.py. A failing test is a result, not an
error: only a run that could not run (a build failure, a lost worker) is retried.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .points import Point, label_of
from .spec import SpecError, load, seeds_of

DEFAULT_SPEC = Path(__file__).resolve().parent / "examples" / "regress.toml"
SIMULATORS = ("verilator", "icarus")
REGRESS_KEYS = ("name", "sims", "seeds", "benches", "configs")
BENCH_KEYS = ("bench", "module", "seed_env", "testcase", "configs", "env")


@dataclass
class BenchSpec:
    name: str
    bench: str  # a pystack.simrun.find_bench name (a top of the package or a testbench)
    module: str  # the cocotb test module
    seed_env: str | None = None
    testcase: str | None = None
    configs: list[str] | None = None  # None: every configuration
    env: dict[str, str] | None = None


@dataclass
class RegressSpec:
    name: str
    benches: dict[str, BenchSpec]
    configs: dict[str, dict[str, int]]
    sims: list[str]
    seeds: list[int]

    def points(self) -> list[Point]:
        out = []
        for config, parameters in self.configs.items():
            for b in self.benches.values():
                if b.configs is not None and config not in b.configs:
                    continue
                for sim in self.sims:
                    for seed in self.seeds if b.seed_env else [None]:
                        params = {
                            "bench_name": b.name,
                            "config": config,
                            "bench": b.bench,
                            "module": b.module,
                            "sim": sim,
                            "parameters": parameters,
                            "seed": seed,
                            "seed_env": b.seed_env,
                            "testcase": b.testcase,
                            "env": b.env or {},
                        }
                        shown: dict[str, Any] = {"bench": b.name, "config": config, "sim": sim}
                        if seed is not None:
                            shown["seed"] = seed
                        out.append(Point("regress", params, label_of(shown), config))
        return out

    def select(
        self,
        benches: list[str] | None = None,
        configs: list[str] | None = None,
        sims: list[str] | None = None,
        seeds: list[int] | None = None,
    ) -> RegressSpec:
        """The same spec narrowed from the command line (unknown names are one-line errors)."""

        def pick(chosen: list[str] | None, known: list[str], what: str) -> list[str]:
            if not chosen:
                return known
            bad = [c for c in chosen if c not in known]
            if bad:
                raise SpecError(f"unknown {what} {', '.join(bad)}; one of: {', '.join(known)}")
            return chosen

        names = pick(benches, list(self.benches), "bench")
        conf = pick(configs, list(self.configs), "configuration")
        return RegressSpec(
            self.name,
            {n: self.benches[n] for n in names},
            {c: self.configs[c] for c in conf},
            pick(sims, list(SIMULATORS), "simulator") if sims else self.sims,
            seeds or self.seeds,
        )


def from_dict(data: dict[str, Any], default_name: str = "regress") -> RegressSpec:
    from pystack.simrun import BENCHES, testbenches

    known_benches = {*BENCHES, *testbenches()}
    unknown = sorted(set(data) - set(REGRESS_KEYS))
    if unknown:
        raise SpecError(
            f"unknown regression key(s) {', '.join(unknown)}; one of: {', '.join(REGRESS_KEYS)}"
        )
    configs = data.get("configs", {"default": {}})
    if not isinstance(configs, dict) or not configs:
        raise SpecError("[configs] is a table of named Verilog parameter sets")
    for name, params in configs.items():
        if not isinstance(params, dict) or not all(isinstance(v, int) for v in params.values()):
            raise SpecError(f"configs.{name} is a table of integer Verilog parameters")
    benches = {}
    raw = data.get("benches", {})
    if not isinstance(raw, dict) or not raw:
        raise SpecError("[benches.NAME] tables are needed: bench = simrun bench, module = ...")
    for name, b in raw.items():
        extra = sorted(set(b) - set(BENCH_KEYS))
        if extra:
            raise SpecError(
                f"benches.{name}: unknown key(s) {', '.join(extra)}; one of: "
                f"{', '.join(BENCH_KEYS)}"
            )
        if b.get("bench") not in known_benches or not isinstance(b.get("module"), str):
            known = ", ".join(sorted(known_benches))
            raise SpecError(
                f"benches.{name} needs bench = one of simrun's benches ({known}) and "
                "module = a cocotb test module"
            )
        chosen = b.get("configs")
        if chosen is not None and any(c not in configs for c in chosen):
            raise SpecError(f"benches.{name}.configs names an unknown configuration: {chosen}")
        benches[name] = BenchSpec(
            name,
            b["bench"],
            b["module"],
            b.get("seed_env"),
            b.get("testcase"),
            chosen,
            b.get("env"),
        )
    sims = data.get("sims", list(SIMULATORS))
    if not sims or any(s not in SIMULATORS for s in sims):
        raise SpecError(f"sims are a list of {', '.join(SIMULATORS)}, not {sims!r}")
    return RegressSpec(
        str(data.get("name", default_name)),
        benches,
        configs,
        list(sims),
        seeds_of(data.get("seeds", 3)),
    )


def load_regress(path: Path | None = None) -> RegressSpec:
    path = path or DEFAULT_SPEC
    return from_dict(load(path), default_name=path.stem)


def run_bench_point(params: dict[str, Any], workdir: str | None) -> dict[str, Any]:
    """One cocotb run on this worker (building the top for this configuration first, or
    reusing the machine's cached build). Failing tests are returned, not raised."""
    from pystack import simrun

    from .tasks import workdir_for

    env = {"SIM": params["sim"], **params["env"]}
    seed = params["seed"]
    if params["seed_env"] and seed is not None:
        env[params["seed_env"]] = str(seed)
    rdir, temporary = workdir_for(workdir)
    try:
        simrun.run(
            params["bench"],
            params["module"],
            sim=params["sim"],
            parameters=params["parameters"],
            extra_env=env,
            testcase=params["testcase"],
            run_dir=rdir,
            seed=seed,
            quiet=True,
        )
    except simrun.SimulationFailed as exc:
        lines = str(exc).splitlines()[:1] + failed_tests(rdir / "results.xml")
        return {
            "passed": False,
            "summary": lines[0],
            "failures": [x.strip() for x in lines[1:]],
            "run_dir": str(rdir),
        }
    # A passing run on a cluster's worker leaves nothing behind; a failing one keeps its
    # logs there (the record's host and run_dir say where).
    if temporary:
        shutil.rmtree(rdir, ignore_errors=True)
    return {"passed": True, "summary": "passed", "failures": [], "run_dir": str(rdir)}


def failed_tests(results: Path) -> list[str]:
    """'test: AssertionError: why' per failed cocotb test: the line naming the exception,
    rather than the last line of pytest's assertion rewrite, which is often noise."""
    import xml.etree.ElementTree as ET

    out: list[str] = []
    try:
        root = ET.parse(results).getroot()
    except (OSError, ET.ParseError):
        return out
    for case in root.iter("testcase"):
        for bad in [*case.findall("failure"), *case.findall("error")]:
            text = "\n".join(x for x in (bad.get("message"), bad.text) if x)
            lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
            named = [ln for ln in lines if re.match(r"^[A-Za-z_.]*(Error|Exception|Failed)\b", ln)]
            out.append(f"{case.get('name')}: {(named or lines or ['failed'])[0]}")
    return out


def why(record: dict[str, Any]) -> str:
    """The first reason a run did not pass, in one line."""
    if record["status"] == "ok":
        value = record["value"]
        return (value["failures"] or [value["summary"]])[0]
    return (record.get("errors") or ["interrupted"])[-1]


def verdict(record: dict[str, Any]) -> str:
    """pass, fail (a test failed), error (could not run, twice) or missing (interrupted)."""
    if record["status"] == "ok":
        return "pass" if record["value"]["passed"] else "fail"
    return "error" if record["status"] == "failed" else "missing"


def table(spec: RegressSpec, records: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Rows: configurations; columns: bench x simulator; cells: 'pass 3/3', 'FAIL 1/3' ..."""
    columns = [(b, s) for b in spec.benches for s in spec.sims]
    rows = []
    for config in spec.configs:
        cells = [config]
        for b, s in columns:
            mine = [
                verdict(r)
                for r in records
                if (r["params"]["config"], r["params"]["bench_name"], r["params"]["sim"])
                == (config, b, s)
            ]
            if not mine:
                cells.append("-")
                continue
            n, ok = len(mine), mine.count("pass")
            worst = next((v for v in ("error", "fail", "missing") if v in mine), "pass")
            word = {"pass": "pass", "fail": "FAIL", "error": "ERROR", "missing": "missing"}[worst]
            cells.append(f"{word} {ok}/{n}")
        rows.append(cells)
    return ["configuration", *(f"{b} {s}" for b, s in columns)], rows


def reproduction(record: dict[str, Any], spec_path: Path | None) -> str:
    """One command line that reruns exactly this run, alone, in this process."""
    p = record["params"]
    spec = f" {spec_path}" if spec_path is not None else ""
    seed = f" --seed {p['seed']}" if p["seed"] is not None else ""
    return (
        f"hilnic regress{spec} --benches {p['bench_name']} --configs {p['config']} "
        f"--sims {p['sim']}{seed} --in-process"
    )


def markdown(spec: RegressSpec, records: list[dict[str, Any]], spec_path: Path | None) -> str:
    head, rows = table(spec, records)
    lines = [
        f"# Regression: {spec.name}",
        "",
        f"Seeds {', '.join(map(str, spec.seeds))} (benches with a seed variable); configurations:",
        "",
        *(f"- `{c}`: {p or 'RTL defaults'}" for c, p in spec.configs.items()),
        "",
        "| " + " | ".join(head) + " |",
        "|---|" + "|".join("---:" for _ in head[1:]) + "|",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
    ]
    bad = [r for r in records if verdict(r) != "pass"]
    if bad:
        lines += ["## Failing runs", ""]
        for r in bad:
            lines += [f"- `{r['label']}`: {why(r)}", f"  `{reproduction(r, spec_path)}`"]
        lines.append("")
    return "\n".join(lines)
