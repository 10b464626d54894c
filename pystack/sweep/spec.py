# SPDX-License-Identifier: MIT
"""Sweep spec files: a small TOML (or YAML) file naming the scenario options to vary, their
values, the seeds and the back ends. Read once and checked in full before anything runs, so a
typo is one line naming the key and what it accepts rather than a failure an hour in.

    name = "modes over load"
    sims = ["model"]            # back ends: model, verilator, icarus
    seeds = 3                   # 1, 2, 3; or a list [1, 7, 9]
    [base]                      # `hilnic sim` options every point shares
    duration = 3000             # simulated us
    sizes = [64]
    [vary]                      # every combination of these values
    mode = ["intr", "npoll"]
    rate = [0.02, 0.1, 0.2]
    [report]                    # optional: the plots' x axis, one line per ..., the metrics
    x = "rate"
    lines = ["mode"]

A spec with `call = "module:function"` sweeps that function instead of the scenario (its
keyword arguments come from base, vary and `seed`); `pystack/sweep/probe.py` is one.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pystack.scenario.options import BACKENDS, OptionError, ScenarioOptions, parse_sizes

from .points import Point, label_of
from .scenarios import scenario_point

DEFAULT_METRICS = ("replies_per_s", "p99_us", "cpu_load", "ipis_per_pkt")
# `hilnic sim` option names that are not ScenarioOptions field names.
ALIASES = {"duration": "duration_us", "stats": "shared_stats"}
NOT_SWEPT = ("out", "waves", "waves_window_us", "sim", "seed")
SPEC_KEYS = ("name", "sims", "seeds", "base", "vary", "report", "call")


class SpecError(ValueError):
    """A bad spec: the message is the whole one-line explanation."""


@dataclass
class SweepSpec:
    name: str
    base: dict[str, Any]
    vary: dict[str, list[Any]]
    seeds: list[int]
    sims: list[str]
    call: str | None = None
    x: str | None = None
    lines: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=lambda: list(DEFAULT_METRICS))
    source: dict[str, Any] = field(default_factory=dict)

    def points(self) -> list[Point]:
        """Every combination of the varied values, for every back end and seed (seeds
        innermost, so a report's neighbouring points differ only by seed)."""
        out = []
        keys = list(self.vary)
        sims = [None] if self.call else self.sims
        for sim in sims:
            for combo in itertools.product(*(self.vary[k] for k in keys)):
                values = dict(zip(keys, combo, strict=True))
                for seed in self.seeds:
                    out.append(self._point(sim, values, seed))
        return out

    def _point(self, sim: str | None, values: dict[str, Any], seed: int) -> Point:
        shown = {**({"sim": sim} if len(self.sims) > 1 and sim else {}), **values, "seed": seed}
        if self.call:
            args = {**self.base, **values, "seed": seed}
            return Point("call", {"call": self.call, "args": args}, label_of(shown))
        fields_ = {**self.base, **values, "sim": sim, "seed": seed}
        try:
            opts = ScenarioOptions(**fields_).check()
        except OptionError as exc:
            raise SpecError(f"{label_of(shown)}: {exc}") from exc
        except (TypeError, ValueError) as exc:  # a value of the wrong type, e.g. rate = "x"
            raise SpecError(f"{label_of(shown)}: a value has the wrong type ({exc})") from exc
        return scenario_point(opts, label=label_of(shown))


def load(path: Path) -> dict[str, Any]:
    """A spec file's contents: TOML by default, YAML for .yaml/.yml (PyYAML comes with Ray)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise SpecError(f"cannot read it: {exc.strerror}") from exc
    if path.suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError as exc:
            raise SpecError("YAML specs need PyYAML (pip install pyyaml), or use TOML") from exc
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(f"not valid YAML: {str(exc).splitlines()[0]}") from exc
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"not valid TOML: {exc}") from exc
    if not isinstance(data, dict):
        raise SpecError("a spec is a table of keys")
    return data


def seeds_of(value: Any, where: str = "seeds") -> list[int]:
    """`3` means seeds 1, 2, 3; a list is taken as it is."""
    if isinstance(value, bool):
        raise SpecError(f"{where} is a count or a list of integers, not {value!r}")
    if isinstance(value, int):
        if value < 1:
            raise SpecError(f"{where} must be at least 1, not {value}")
        return list(range(1, value + 1))
    if isinstance(value, list) and value and all(isinstance(s, int) for s in value):
        return list(dict.fromkeys(value))
    raise SpecError(f"{where} is a count or a non-empty list of integers, not {value!r}")


def _option(name: str, value: Any) -> tuple[str, Any]:
    """A `hilnic sim` option as the spec gives it -> (ScenarioOptions field, value)."""
    key = ALIASES.get(name.replace("-", "_"), name.replace("-", "_"))
    known = {f.name for f in fields(ScenarioOptions)}
    if key in NOT_SWEPT or key not in known:
        allowed = sorted((known - set(NOT_SWEPT) - set(ALIASES.values())) | set(ALIASES))
        hint = " (use sims = [...] and seeds = ...)" if key in ("sim", "seed") else ""
        raise SpecError(f"unknown scenario option {name!r}{hint}; one of: {', '.join(allowed)}")
    if key == "sizes":
        value = parse_sizes(value) if isinstance(value, str) else value
        if not isinstance(value, list):
            raise SpecError(f"sizes is a list of frame bytes or 'imix', not {value!r}")
    elif key in ("batching", "shared_stats") and isinstance(value, str):
        on = {"batching": "on", "shared_stats": "shared"}[key]
        off = {"batching": "off", "shared_stats": "percpu"}[key]
        if value not in (on, off):
            raise SpecError(f"{name} is {on!r} or {off!r}, not {value!r}")
        value = value == on
    return key, value


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise SpecError(f"[{name}] must be a table of options")
    return value


def from_dict(data: dict[str, Any], default_name: str = "sweep") -> SweepSpec:
    unknown = sorted(set(data) - set(SPEC_KEYS))
    if unknown:
        raise SpecError(f"unknown spec key(s) {', '.join(unknown)}; one of: {', '.join(SPEC_KEYS)}")
    call = data.get("call")
    if call is not None and (not isinstance(call, str) or ":" not in call):
        raise SpecError(f"call is 'module:function', not {call!r}")
    base_raw, vary_raw = _table(data, "base"), _table(data, "vary")
    if call:
        base = dict(base_raw)
        vary = {k: v if isinstance(v, list) else [v] for k, v in vary_raw.items()}
    else:
        base = dict(_option(k, v) for k, v in base_raw.items())
        vary = {}
        for k, values in vary_raw.items():
            if not isinstance(values, list) or not values:
                raise SpecError(f"vary.{k} is a non-empty list of values, not {values!r}")
            key = _option(k, values[0])[0]
            vary[key] = [_option(k, v)[1] for v in values]
    sims = data.get("sims", ["model"])
    if isinstance(sims, str):
        sims = [sims]
    bad = [s for s in sims if s not in BACKENDS]
    if bad or not sims:
        raise SpecError(f"sims are a list of {', '.join(BACKENDS)}, not {sims!r}")
    report = _table(data, "report")
    x = report.get("x")
    if x is not None:
        x = ALIASES.get(x, x)
        if x not in vary:
            raise SpecError(f"report.x must be one of the varied options {list(vary)}, not {x!r}")
    elif vary:  # the first varied number, else the first varied option
        numeric = [k for k, v in vary.items() if all(isinstance(i, int | float) for i in v)]
        x = (numeric or list(vary))[0]
    lines = report.get("lines")
    if lines is None:
        lines = [k for k in vary if k != x] + (["sim"] if len(sims) > 1 else [])
    elif isinstance(lines, str):
        lines = [lines]
    lines = [ALIASES.get(k, k) for k in lines]
    metrics = report.get("metrics", list(DEFAULT_METRICS))
    spec = SweepSpec(
        name=str(data.get("name", default_name)),
        base=base,
        vary=vary,
        seeds=seeds_of(data.get("seeds", 1)),
        sims=list(sims),
        call=call,
        x=x,
        lines=list(lines),
        metrics=list(metrics),
        source=data,
    )
    spec.points()  # every point's options checked now, before anything runs
    return spec


def load_spec(path: Path) -> SweepSpec:
    return from_dict(load(path), default_name=path.stem)
