# SPDX-License-Identifier: MIT
"""Points on disk: each finished point is written to `<out>/points/<id>.json` the moment it
completes, so Ctrl-C (or a lost driver) keeps everything finished so far, and a rerun of the
same command skips those points. Failed points are not kept: a rerun tries them again.

`sweep.json` gathers every point in the spec's order, each with its status (ok, failed,
missing), attempts, errors, where and when it ran, and its value; the whole results.json of
a scenario point stays in its point file, so that sweep.json stays a size people can open."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

POINTS = "points"
SWEEP = "sweep.json"
BULKY = ("results",)  # value keys left out of sweep.json (kept in points/<id>.json)


class PointStore:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.dir = out / POINTS

    def finished(self) -> dict[str, dict[str, Any]]:
        """Records of the points finished by earlier runs, by id (unreadable files are
        ignored: the point simply runs again)."""
        done = {}
        if self.dir.is_dir():
            for path in self.dir.glob("*.json"):
                try:
                    record = json.loads(path.read_text())
                except (OSError, ValueError):
                    continue
                if record.get("status") == "ok" and record.get("id") == path.stem:
                    done[path.stem] = record
        return done

    def save(self, record: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / f"{record['id']}.json"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record, indent=1, default=str))
        tmp.replace(path)  # atomic: an interrupted write never leaves half a point

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def slim(record: dict[str, Any]) -> dict[str, Any]:
    value = record.get("value")
    if isinstance(value, dict) and any(k in value for k in BULKY):
        record = {**record, "value": {k: v for k, v in value.items() if k not in BULKY}}
    return record


def write_sweep(out: Path, summary: dict[str, Any], records: list[dict[str, Any]]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / SWEEP
    tmp = path.with_name(f".{SWEEP}.tmp")
    data = {**summary, "points": [slim(r) for r in records]}
    tmp.write_text(json.dumps(data, indent=1, default=str))
    tmp.replace(path)
    return path
