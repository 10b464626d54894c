# SPDX-License-Identifier: MIT
"""Run frames through the classifier on any back end: the Python model, or the RTL under
Verilator or Icarus (one cocotb run of hdl/sim/rss_unit_top.v, frames handed over as a file).

Same inputs, same RssResult outputs, so a user can ask 'where does this traffic go' of any back
end and the tests can demand that all three answer alike.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from pystack.rss import HashType, ParseError, RssConfig, RssResult, classify_frame

BACKENDS = ("verilator", "icarus", "model")


def config_to_json(cfg: RssConfig) -> dict[str, object]:
    return {
        "key": cfg.key.hex(),
        "mrqc": cfg.mrqc,
        "reta": cfg.reta,
        "default_queue": cfg.default_queue,
        "num_queues": cfg.num_queues,
    }


def config_from_json(data: dict[str, object]) -> RssConfig:
    return RssConfig(
        key=bytes.fromhex(str(data["key"])),
        mrqc=int(data["mrqc"]),  # type: ignore[call-overload]
        reta=[int(x) for x in data["reta"]],  # type: ignore[attr-defined]
        default_queue=int(data["default_queue"]),  # type: ignore[call-overload]
        num_queues=int(data["num_queues"]),  # type: ignore[call-overload]
    )


def result_to_json(res: RssResult) -> dict[str, int]:
    return {
        "hash": res.hash,
        "hash_type": int(res.hash_type),
        "reta_index": res.reta_index,
        "queue": res.queue,
        "error": int(res.error),
        "packet_type": res.packet_type,
        "vlan_tags": res.vlan_tags,
        "length": res.length,
    }


def result_from_json(data: dict[str, int]) -> RssResult:
    return RssResult(
        hash=data["hash"],
        hash_type=HashType(data["hash_type"]),
        reta_index=data["reta_index"],
        queue=data["queue"],
        error=ParseError(data["error"]),
        packet_type=data["packet_type"],
        vlan_tags=data["vlan_tags"],
        length=data["length"],
    )


def classify(frames: list[bytes], cfg: RssConfig, backend: str = "model") -> list[RssResult]:
    if backend not in BACKENDS:
        raise ValueError(f"--sim must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "model":
        return [classify_frame(f, cfg) for f in frames]
    if cfg.num_queues != 16:
        raise ValueError("the RTL classifier is built with 16 queues")
    from pystack import simrun
    from pystack.rtl import CLASSIFY_ENTRY

    with tempfile.TemporaryDirectory(prefix="hilnic-classify-") as tmp:
        job, out = Path(tmp) / "job.json", Path(tmp) / "out.json"
        job.write_text(
            json.dumps({"config": config_to_json(cfg), "frames": [f.hex() for f in frames]})
        )
        simrun.run(
            "rss_unit_top",
            CLASSIFY_ENTRY,
            sim=backend,
            extra_env={"HILNIC_JOB": str(job), "HILNIC_OUT": str(out)},
            run_dir=Path(tmp) / "run",
            quiet=True,
        )
        return [result_from_json(r) for r in json.loads(out.read_text())]
