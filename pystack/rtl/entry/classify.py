# SPDX-License-Identifier: MIT
"""cocotb side of `hilnic classify --sim verilator|icarus`: program, send, write results."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb
from cocotb.handle import HierarchyObject

from pystack.classify_backend import config_from_json, result_to_json
from pystack.rtl.rss_env import Pattern, RssUnitEnv


@cocotb.test()
async def classify_job(dut: HierarchyObject) -> None:
    job = json.loads(Path(os.environ["HILNIC_JOB"]).read_text())
    frames = [bytes.fromhex(f) for f in job["frames"]]
    env = RssUnitEnv(dut)
    await env.reset()
    env.set_pattern(Pattern())
    await env.program(config_from_json(job["config"]))
    results, out = await env.classify(frames)
    assert out == frames, "the classifier must pass frames through unchanged"
    Path(os.environ["HILNIC_OUT"]).write_text(json.dumps([result_to_json(r) for r in results]))
