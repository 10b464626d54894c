# SPDX-License-Identifier: MIT
"""RSS as the NIC and DragonFly's stack do it: Toeplitz, keys, frame rules, RETA."""

from pystack.rss.classify import (
    MRQC_ALL_FIELDS,
    MRQC_MODE_RSS,
    RETA_ENTRIES,
    HashType,
    Mrqc,
    PacketType,
    RssConfig,
    RssResult,
    classify_frame,
    classify_parsed,
    hash_input,
    select_hash_type,
)
from pystack.rss.parse import L3, L4, ParsedFrame, ParseError, parse_frame
from pystack.rss.ringmap import ringmap_cpus, ringmap_grid, ringmap_reta
from pystack.rss.toeplitz import (
    KEY_BYTES,
    MS_KEY,
    parse_key,
    symmetric_batch,
    symmetric_key,
    toeplitz_batch,
    toeplitz_fast,
    toeplitz_hash,
)

__all__ = [
    "KEY_BYTES",
    "L3",
    "L4",
    "MRQC_ALL_FIELDS",
    "MRQC_MODE_RSS",
    "MS_KEY",
    "RETA_ENTRIES",
    "HashType",
    "Mrqc",
    "PacketType",
    "ParseError",
    "ParsedFrame",
    "RssConfig",
    "RssResult",
    "classify_frame",
    "classify_parsed",
    "hash_input",
    "parse_frame",
    "parse_key",
    "ringmap_cpus",
    "ringmap_grid",
    "ringmap_reta",
    "select_hash_type",
    "symmetric_batch",
    "symmetric_key",
    "toeplitz_batch",
    "toeplitz_fast",
    "toeplitz_hash",
]
