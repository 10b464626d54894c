# SPDX-License-Identifier: MIT
"""RETA fill that spreads R rings over C CPUs the way DragonFly's if_ringmap does.

The point is that the ring a frame lands on (RETA[hash & 127]) and the netisr CPU software
picks from the same hash ((hash & mask) % ncpus) agree, so the CPU polling a ring owns its flows.
"""

from __future__ import annotations

from pystack.rss.classify import RETA_ENTRIES

# DragonFly's NETISR_CPUMAX; its exact value is not in our notes. It must be a power of two <= 128
# (the 128-entry RETA is a multiple of it) and >= 48 (the kernel comment's 12-CPU example table
# has 48 unrepeated entries), so 64.
NETISR_CPUMAX = 64


def ringmap_grid(rings: int, ncpus: int) -> int:
    """if_ringmap_alloc(): the smallest block of the form ncpus/d that holds all rings."""
    if rings < 1 or ncpus < 1:
        raise ValueError("rings and CPUs must be at least 1")
    rings = min(rings, ncpus)
    grid = ncpus
    for d in range(1, ncpus + 1):
        if ncpus % d:
            continue
        candidate = ncpus // d
        if rings > candidate:
            break
        grid = candidate
        if rings > ncpus // (d + 1):
            break
    return grid


def ringmap_cpus(rings: int, ncpus: int, unit: int = 0) -> list[int]:
    """CPU of each ring: a contiguous block, offset per device unit."""
    count = min(rings, ncpus)
    grid = ringmap_grid(count, ncpus)
    offset = (grid * unit) % ncpus
    return [offset + r for r in range(count)]


def ringmap_reta(rings: int, ncpus: int, entries: int = RETA_ENTRIES) -> list[int]:
    """if_ringmap_rdrtable(): the redirection table, patched so ring load stays even."""
    if entries % NETISR_CPUMAX:
        raise ValueError(f"RETA size must be a multiple of {NETISR_CPUMAX}")
    count = min(rings, ncpus)
    grid = ringmap_grid(count, ncpus)
    block = [(i % grid) % count for i in range(NETISR_CPUMAX)]
    remainder = grid % count
    if remainder:
        running = 0
        for start in range(0, NETISR_CPUMAX, grid):
            for i in range(max(start, start + grid - remainder), min(start + grid, NETISR_CPUMAX)):
                block[i] = running % count
                running += 1
    return [block[i % NETISR_CPUMAX] for i in range(entries)]
