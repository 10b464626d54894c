# SPDX-License-Identifier: MIT
"""`hilnic classify` gives identical answers on Verilator, Icarus and the model."""

from __future__ import annotations

import json

import pytest

from pystack.cli import main
from pystack.pcap import write_frames
from pystack.traffic import edge_frames, flow_frames, random_frames


@pytest.mark.rtl
def test_classify_identical_on_all_backends(tmp_path, capsys):
    frames = list(flow_frames(8, 20, 100)) + random_frames(9, 200) + edge_frames()
    pcap = tmp_path / "mix.pcap"
    write_frames(pcap, frames)
    outputs = {}
    for sim in ("model", "verilator", "icarus"):
        assert (
            main(["classify", str(pcap), "--sim", sim, "--key", "symmetric", "--json", "--raw"])
            == 0
        )
        outputs[sim] = json.loads(capsys.readouterr().out)
    assert len(outputs["model"]) == len(frames)
    assert outputs["verilator"] == outputs["model"]
    assert outputs["icarus"] == outputs["model"]
