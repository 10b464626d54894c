"""DragonFly ring map (against the kernel comment's table) and the generated register files."""

from __future__ import annotations

from collections import Counter

import pytest

from pystack import regmap
from pystack.rss import ringmap_cpus, ringmap_grid, ringmap_reta

# if_ringmap_rdrtable()'s comment, 12 CPUs and 8 rings, "after patch" (bsd-rss-notes.md 1.7).
KERNEL_COMMENT_12CPU_8RING = [
    *[0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3],
    *[4, 5, 6, 7, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7],
    *[0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7],
]


def test_rdrtable_matches_kernel_comment():
    assert ringmap_reta(8, 12)[:48] == KERNEL_COMMENT_12CPU_8RING


def test_grid_and_unit_offsets_match_notes():
    assert ringmap_grid(4, 8) == 4
    assert ringmap_cpus(4, 8, unit=0) == [0, 1, 2, 3]
    assert ringmap_cpus(4, 8, unit=1) == [4, 5, 6, 7]
    assert ringmap_grid(4, 12) == 4


@pytest.mark.parametrize(("rings", "cpus"), [(16, 16), (9, 4), (4, 4), (3, 4), (8, 12), (5, 8)])
def test_every_ring_used_and_load_even(rings, cpus):
    reta = ringmap_reta(rings, cpus)
    counts = Counter(reta)
    assert set(counts) == set(range(min(rings, cpus)))
    assert max(counts.values()) - min(counts.values()) <= 128 // 16


def test_equal_rings_and_cpus_agree_with_netisr_cpu():
    """RETA[h & 127] == (h & mask) % ncpus: the polling CPU owns the flow."""
    for n in (1, 2, 4, 8, 16):
        reta = ringmap_reta(n, n)
        assert all(reta[h] == (h & 63) % n for h in range(128))


def test_generated_register_files_are_current():
    assert regmap.main([]) == 0, "run `make regs`"


def test_register_addresses():
    assert regmap.addr("MRQC") == 0x05818
    assert regmap.addr("RETA", 31) == 0x05C7C
    assert regmap.addr("RSSRK", 9) == 0x05CA4
    with pytest.raises(IndexError):
        regmap.addr("RSSRK", 10)
