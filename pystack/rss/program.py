# SPDX-License-Identifier: MIT
"""Register writes that load an RssConfig into the NIC, in 82576 layout.

Shared by the driver, the testbenches and `hilnic classify`, so all of them program the RTL
the same way the model interprets the config.
"""

from __future__ import annotations

from pystack.regmap import addr
from pystack.rss.classify import RETA_ENTRIES, RssConfig
from pystack.rss.toeplitz import KEY_BYTES


def reta_register_writes(reta: list[int]) -> list[tuple[int, int]]:
    """(address, value) pairs for the redirection table alone (a mode switch rewrites it)."""
    return [
        (addr("RETA", i), int.from_bytes(bytes(reta[4 * i : 4 * i + 4]), "little"))
        for i in range(RETA_ENTRIES // 4)
    ]


def rss_register_writes(cfg: RssConfig) -> list[tuple[int, int]]:
    """(address, value) pairs; MRQC last so RSS turns on only once key and RETA are in place."""
    writes = [
        (addr("RSSRK", i), int.from_bytes(cfg.key[4 * i : 4 * i + 4], "little"))
        for i in range(KEY_BYTES // 4)
    ]
    writes += reta_register_writes(cfg.reta)
    writes.append((addr("HN_RSSDEFQ"), cfg.default_queue))
    writes.append((addr("MRQC"), cfg.mrqc))
    return writes
