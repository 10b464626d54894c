# SPDX-License-Identifier: MIT
"""What one point of a sweep is: a kind (which function a worker runs), JSON-ready
parameters, and a label for people. Its id is a hash of the kind, the parameters and the
code the point runs against, so that

- a point finished before an interruption is recognised on resume, whatever else in the spec
  changed (points shared by two specs are shared), and
- a point finished against older code is never reused: editing the model, the stack, the RTL
  or a bench changes the fingerprint and every point runs again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent
# What a point's numbers depend on: the Python side, the benches and the RTL.
CODE_DIRS = ("pystack", "tb", "hdl")
CODE_SUFFIXES = (".py", ".v", ".vh", ".sv", ".vlt")
# The sweep machinery itself (reports, display, runner) does not change a point's numbers:
# editing it must not throw away finished points.
NOT_CODE = ("pystack/sweep/",)


@cache
def code_fingerprint(dirs: tuple[str, ...] = CODE_DIRS) -> str:
    """A hash over every source file under `dirs` (a few ms for the whole tree). Points on
    the model hash pystack/ alone, so RTL edits do not invalidate their finished results."""
    digest = hashlib.sha1()
    for top in dirs:
        base = REPO / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(REPO).as_posix()
            if path.suffix in CODE_SUFFIXES and not rel.startswith(NOT_CODE) and path.is_file():
                digest.update(rel.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class Point:
    """One independent run. `group` only sorts points into a report's sections."""

    kind: str
    params: dict[str, Any]
    label: str
    group: str = ""
    code: str = field(default_factory=code_fingerprint)

    @property
    def id(self) -> str:
        key = json.dumps(
            {"kind": self.kind, "params": self.params, "code": self.code}, sort_keys=True
        )
        return hashlib.sha1(key.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "params": self.params,
            "label": self.label,
            "group": self.group,
            "code": self.code,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Point:
        return cls(data["kind"], data["params"], data["label"], data.get("group", ""), data["code"])


def label_of(values: dict[str, Any]) -> str:
    """'mode=intr rate=0.1 seed=2': the values that tell the points of one sweep apart."""
    return " ".join(f"{k}={_short(v)}" for k, v in values.items())


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
