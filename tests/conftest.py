# SPDX-License-Identifier: MIT
from __future__ import annotations

import json
from ipaddress import ip_address
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def ms_suite() -> dict:
    return json.loads((DATA / "rss_ms_vectors.json").read_text())


def vector_input(v: dict) -> bytes:
    data = ip_address(v["src"]).packed + ip_address(v["dst"]).packed
    if v["sport"] is not None:
        data += v["sport"].to_bytes(2, "big") + v["dport"].to_bytes(2, "big")
    return data
