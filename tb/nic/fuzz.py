# SPDX-License-Identifier: MIT
"""The fuzz campaign, written once against the `Device` interface: seeded, reproducible, run on
the RTL with the behavioural model in lockstep as its reference (`make fuzz`, a short run in
`make test`).

Rounds of two kinds, each starting from a fresh attach:

* **Frames**: batches of hostile frames (random bytes of any length up to 10,000, mutated scapy
  frames: IPv4 with options, IPv6, VLAN, QinQ, TCP and UDP, truncated anywhere, header bytes
  flipped; jumbo, oversize, runts, MAC errors), back to back or paced, with a slow driver that
  lets rings overflow. At every quiescent point: every wait bounded (a hang is a finding, not a
  test-runner timeout); TPR equals the frames sent (no silent loss) and the TPR identity holds;
  every delivered frame is one that was sent, at most once, in order within its queue, on the
  queue the Python classifier names; the model delivered the same frames and counts the same;
  no DMA outside the buffers the driver had posted at that moment.
* **Abuse**: one hostile driver act (random accesses anywhere in the BAR, bad ring geometry,
  tails past the end and backwards, bad RX buffer addresses, bad TX chains, bad MSI-X
  addresses, a reset under traffic), then a recovery check: attach again and 40 good frames in
  and 8 out, byte for byte, with a clean guard. Guard hits during the act itself are where the
  hostile driver pointed the NIC, answered with an error and a stopped queue: not findings.

A failing frames round is shrunk to the shortest frame sequence that still fails (a prefix by
bisection, then chunks dropped), within a bounded number of re-runs."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from scapy.layers.inet import IP, TCP, UDP, IPOption_NOP, IPOption_RR
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Packet

from pystack.nic.desc import DESC_BYTES, TxDesc, rx_read_desc
from pystack.nic.device import Device
from pystack.nic.driver import Driver
from pystack.regmap import ADDR_WIDTH, BY_NAME, addr
from pystack.rss import classify_frame
from tb.nic.reliability import (
    DROP_COUNTERS,
    qaddr,
    recovery_check,
    reset_under_traffic,
    udp_frame,
    wait_mac_idle,
)

MAX_FUZZ_BYTES = 10_000
FRAME_KINDS = ("random", "mutated", "mutated", "mutated", "jumbo", "oversize", "runt", "good")
ABUSE_KINDS = (
    "bar",
    "geometry",
    "tails",
    "rx_buffers",
    "tx_chains",
    "msix",
    "reset",
)
# Driver-owned registers a hostile BAR access leaves alone: the interrupt message window is
# the host's IOMMU setting for MSI-X, not the NIC's, and CTRL.RST is its own abuse kind.
SPARED = {"HN_MSIWBASE", "HN_MSIWLIMIT", "CTRL"}


def fuzz_frame(rng: random.Random) -> tuple[bytes, bool]:
    """One hostile frame and whether it carries a MAC error."""
    kind = rng.choice(FRAME_KINDS)
    bad = rng.random() < 0.05
    if kind == "random":
        n = rng.choice([rng.randint(1, 64), rng.randint(1, 1600), rng.randint(1, MAX_FUZZ_BYTES)])
        return rng.randbytes(n), bad
    if kind == "runt":
        return rng.randbytes(rng.randint(1, 59)), bad
    if kind == "jumbo":
        return udp_frame(rng, rng.randint(1515, 9018)), bad
    if kind == "oversize":
        return udp_frame(rng, rng.randint(9019, MAX_FUZZ_BYTES)), bad
    if kind == "good":
        return udp_frame(rng, rng.choice([60, 64, 512, 1514])), bad
    return mutated(rng), bad


def mutated(rng: random.Random) -> bytes:
    """A well-formed scapy frame, then cut anywhere and/or with header bytes flipped."""
    pkt: Packet = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")
    for _ in range(rng.choice([0, 0, 1, 2])):  # none, VLAN, QinQ
        pkt = pkt / Dot1Q(vlan=rng.randrange(4096))
    sport, dport = rng.randrange(65536), rng.randrange(65536)
    l4 = TCP(sport=sport, dport=dport) if rng.random() < 0.5 else UDP(sport=sport, dport=dport)
    if rng.random() < 0.3:
        pkt = pkt / IPv6(src=f"2001:db8::{rng.randrange(1, 65535):x}", dst="2001:db8::1") / l4
    else:
        opts = [IPOption_NOP(), IPOption_RR()] if rng.random() < 0.3 else []
        frag = rng.choice([0, 0, 0, 1, 100])
        pkt = pkt / IP(src=f"10.{rng.randrange(256)}.0.1", dst="10.1.0.2", options=opts,
                       frag=frag) / l4  # fmt: skip
    raw = bytearray(bytes(pkt / rng.randbytes(rng.randint(0, 300))))
    for _ in range(rng.choice([0, 1, 3])):
        raw[rng.randrange(min(len(raw), 80))] ^= 1 << rng.randrange(8)
    if rng.random() < 0.4:
        raw = raw[: rng.randint(1, len(raw))]
    return bytes(raw)


@dataclass
class Findings:
    """What a campaign counted; each problem is one sentence naming the round and seed."""

    frames: int = 0
    rounds: int = 0
    abuse_acts: int = 0
    hangs: int = 0
    identity: int = 0
    silent_losses: int = 0
    misdelivered: int = 0
    guard: int = 0
    model_mismatch: int = 0
    recovery: int = 0
    problems: list[str] = field(default_factory=list)
    reproductions: list[str] = field(default_factory=list)

    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, int]:
        return {
            "frames tried": self.frames,
            "rounds": self.rounds,
            "abuse acts": self.abuse_acts,
            "hangs": self.hangs,
            "identity violations": self.identity,
            "silent losses": self.silent_losses,
            "misdelivered frames": self.misdelivered,
            "guard violations": self.guard,
            "model mismatches": self.model_mismatch,
            "recovery failures": self.recovery,
        }


@dataclass
class Side:
    """One device with its driver (the RTL, or the model as reference)."""

    dev: Device
    drv: Driver


def tpr_balanced(stats: dict[str, int]) -> bool:
    total = sum(v for k, v in stats.items() if k.split("[")[0] in DROP_COUNTERS[:6])
    return stats["TPR"] == total + stats["GPRC"]


async def play_frames(
    sides: Sequence[Side], frames: Sequence[tuple[bytes, bool]], rng: random.Random
) -> tuple[list[str], dict[str, int]]:
    """Play one round's frames on every side in the same batches and harvests; the problems
    found (each tagged with its kind) and the first side's counters."""
    problems: list[str] = []
    for side in sides:
        await side.drv.attach()
    main = sides[0]
    assert main.drv.rss is not None
    want: dict[int, list[bytes]] = {}
    got: list[dict[int, list[bytes]]] = [{} for _ in sides]
    pos = 0
    batch_no = 0
    while pos < len(frames):
        size = rng.choice([8, 32, 64])
        batch = frames[pos : pos + size]
        rate = rng.choice([1.0, 1.0, 0.3])
        slow = rng.random() < 0.3  # a slow driver: no harvest this time, rings may overflow
        for f, bad in batch:
            if not bad and 60 <= len(f) <= main.drv.max_frame:
                want.setdefault(classify_frame(f, main.drv.rss).queue, []).append(f)
        for side in sides:
            await side.dev.mac_send([f for f, _ in batch], rate=rate,
                                    bad=[i for i, (_, b) in enumerate(batch) if b])  # fmt: skip
        for side in sides:
            if not await wait_mac_idle(side.dev):
                problems.append(f"hang: {side.dev.name} MAC RX never idle after batch {batch_no}")
                return problems, {}
        if not slow or pos + size >= len(frames):
            for side, seen in zip(sides, got, strict=True):
                for q in side.drv.rx:
                    for p in side.drv.harvest(q, budget=side.drv.ring_size):
                        seen.setdefault(q, []).append(p.data)
                    await side.drv.refill(q)
        pos += size
        batch_no += 1
    stats = [await s.drv.read_stats() for s in sides]
    sent = len(frames)
    main_stats = stats[0]
    if main_stats["TPR"] < sent:
        problems.append(f"silent loss: TPR {main_stats['TPR']} for {sent} frames sent")
    elif main_stats["TPR"] != sent:
        problems.append(f"identity: TPR {main_stats['TPR']} for {sent} frames sent")
    if not tpr_balanced(main_stats):
        problems.append("identity: TPR != MPC + CRCERRS + RUC + GPRC + per-queue drops")
    for q, frames_q in got[0].items():
        if not is_subsequence(frames_q, want.get(q, [])):
            problems.append(f"misdelivered: queue {q} got a frame not sent there, twice, or out "
                            "of order")  # fmt: skip
    for side in sides:
        problems += [f"guard: {side.dev.name}: {v}" for v in side.dev.guard_violations()]
    for side, seen, st in zip(sides[1:], got[1:], stats[1:], strict=True):
        if seen != got[0]:
            problems.append(f"model mismatch: delivered frames differ from {side.dev.name}'s")
        diff = {k: (main_stats[k], st.get(k)) for k in main_stats if main_stats[k] != st.get(k)}
        if diff:
            problems.append(f"model mismatch: counters differ (first, {side.dev.name}): "
                            f"{dict(list(diff.items())[:4])}")  # fmt: skip
    return problems, main_stats


def is_subsequence(items: Sequence[bytes], within: Sequence[bytes]) -> bool:
    it = iter(within)
    return all(any(x == y for y in it) for x in items)


def classify_problem(findings: Findings, problem: str) -> None:
    kind = problem.split(":", 1)[0]
    attr = {
        "hang": "hangs",
        "identity": "identity",
        "silent loss": "silent_losses",
        "misdelivered": "misdelivered",
        "guard": "guard",
        "model mismatch": "model_mismatch",
    }.get(kind, "recovery")
    setattr(findings, attr, getattr(findings, attr) + 1)


async def shrink(
    fails: Callable[[Sequence[tuple[bytes, bool]]], object],
    frames: Sequence[tuple[bytes, bool]],
    budget: int = 16,
) -> list[tuple[bytes, bool]]:
    """The shortest sequence found (within `budget` re-runs) that still fails: the shortest
    failing prefix by bisection, then halves and quarters dropped while it still fails."""
    lo, hi = 1, len(frames)
    runs = 0
    while lo < hi and runs < budget // 2:
        mid = (lo + hi) // 2
        runs += 1
        if await fails(frames[:mid]):  # type: ignore[misc]
            hi = mid
        else:
            lo = mid + 1
    best = list(frames[:hi])
    chunk = max(1, len(best) // 2)
    while chunk >= 1 and runs < budget and len(best) > 1:
        start, dropped = 0, False
        while start < len(best) and runs < budget:
            trial = best[:start] + best[start + chunk :]
            runs += 1
            if trial and await fails(trial):  # type: ignore[misc]
                best, dropped = trial, True
            else:
                start += chunk
        if not dropped:
            chunk //= 2
    return best


async def frames_round(
    sides: Sequence[Side], seed: int, n_frames: int, findings: Findings, label: str
) -> None:
    rng = random.Random(seed)
    frames = [fuzz_frame(rng) for _ in range(n_frames)]
    problems, _ = await play_frames(sides, frames, random.Random(seed + 1))
    findings.frames += len(frames)
    findings.rounds += 1
    if not problems:
        return
    for p in problems:
        classify_problem(findings, p)
    findings.problems += [f"{label} (seed {seed}): {p}" for p in problems]

    async def fails(subset: Sequence[tuple[bytes, bool]]) -> bool:
        got, _ = await play_frames(sides, subset, random.Random(seed + 1))
        return bool(got)

    shortest = await shrink(fails, frames)
    findings.reproductions.append(
        f"{label}: seed {seed}: {len(shortest)} of {n_frames} frames still fail: "
        + ", ".join(f"{len(f)}B{'!' if bad else ''}" for f, bad in shortest[:12])
    )


async def abuse_round(
    sides: Sequence[Side], seed: int, kind: str, findings: Findings, label: str
) -> None:
    """One hostile act on every side, then a recovery check on every side."""
    findings.abuse_acts += 1
    problems: list[str] = []
    for side in sides:
        rng = random.Random(seed)
        await side.drv.attach()
        if kind == "reset":
            offset = rng.randrange(100, 600)
            problems += await reset_under_traffic(side.dev, side.drv, offset, seed,
                                                  handshake=rng.random() < 0.5,
                                                  recovery_frames=40)  # fmt: skip
            continue
        await ABUSE[kind](side, rng)
        await wait_mac_idle(side.dev)
        side.dev.clear_violations()  # where the hostile driver pointed the NIC: not findings
        problems += await recovery_check(side.dev, side.drv, rng, 40, 8)
    findings.rounds += 1
    for p in problems:
        findings.recovery += 1
        findings.problems.append(f"{label} abuse '{kind}' (seed {seed}): {p}")


async def abuse_bar(side: Side, rng: random.Random) -> None:
    spared = {BY_NAME[n].address(i) for n in SPARED for i in range(BY_NAME[n].count)}
    dev = side.dev
    for _ in range(60):
        a = rng.randrange(1 << ADDR_WIDTH) & ~3
        if a in spared:
            continue
        if rng.random() < 0.5:
            await dev.read_reg(a)
        else:
            await dev.write_reg(a, rng.getrandbits(32))
    await dev.mac_send([fuzz_frame(rng)[0] for _ in range(20)])


async def abuse_geometry(side: Side, rng: random.Random) -> None:
    dev = side.dev
    for _ in range(8):
        q = rng.randrange(len(side.drv.rx))
        rx = rng.random() < 0.5
        p = "R" if rx else "T"
        await dev.write_reg(qaddr(f"{p}XDCTL", q), 0)
        await dev.write_reg(qaddr(f"{p}DLEN", q), rng.choice([0, 100, 64, 1 << 20, 128 * 3]))
        await dev.write_reg(qaddr(f"{p}DBAL", q), rng.getrandbits(32))
        if rx:
            await dev.write_reg(qaddr("SRRCTL", q), rng.choice([0, 1, 127]))
        await dev.write_reg(qaddr(f"{p}XDCTL", q), 1 << 25)
        await dev.write_reg(qaddr(f"{p}DT", q), rng.randrange(64))
    await dev.mac_send([udp_frame(rng, 200) for _ in range(20)])


async def abuse_tails(side: Side, rng: random.Random) -> None:
    dev = side.dev
    await dev.mac_send([udp_frame(rng, 128) for _ in range(16)])
    for _ in range(40):
        q = rng.randrange(len(side.drv.rx))
        name = rng.choice(["RDT", "TDT"])
        await dev.write_reg(qaddr(name, q), rng.choice([rng.randrange(64), 1 << 15, 0xFFFFFFFF]))
    await dev.mac_send([udp_frame(rng, 300) for _ in range(16)])


async def abuse_rx_buffers(side: Side, rng: random.Random) -> None:
    """Garbage buffer addresses in posted RX descriptors: misaligned, beyond the DMA address
    width, beyond host memory, zero. The NIC stops those queues and writes nothing."""
    dev, drv = side.dev, side.drv
    for ring in list(drv.rx.values())[:6]:
        bad = rng.choice([0x41, 1 << 50, 1 << 40, 0, ring.region.base + 8])
        dev.mem_write(ring.region.base + ring.clean * DESC_BYTES, rx_read_desc(bad))
    await dev.mac_send([udp_frame(rng, rng.choice([64, 3000])) for _ in range(40)])


async def abuse_tx_chains(side: Side, rng: random.Random) -> None:
    """Hand-made TX chains: zero-length EOP, a chain with no EOP at all, one longer than
    MAX_FRAME, buffers beyond memory and beyond the address width."""
    dev, drv = side.dev, side.drv
    for q, ring in list(drv.tx.items())[:5]:
        descs: list[TxDesc] = []
        pick = rng.randrange(5)
        pool = drv.pool.base
        if pick == 0:
            descs = [TxDesc(pool, 0, True)]
        elif pick == 1:
            descs = [TxDesc(pool, 100, False) for _ in range(3)]
        elif pick == 2:
            descs = [TxDesc(pool, 2048, False) for _ in range(5)] + [TxDesc(pool, 100, True)]
        elif pick == 3:
            descs = [TxDesc(1 << 40, 64, True)]
        else:
            descs = [TxDesc(1 << 50, 64, True)]
        raw = b"".join(d.pack() for d in descs)
        dev.mem_write(ring.region.base + ring.tail * DESC_BYTES, raw)
        await dev.write_reg(qaddr("TDT", q), (ring.tail + len(descs)) % ring.size)
    await dev.sleep_ns(20_000.0)


async def abuse_msix(side: Side, rng: random.Random) -> None:
    dev = side.dev
    await dev.write_reg(addr("HN_MSIXCTL"), 1)
    for v in range(3):
        a = rng.choice([0x10, 1 << 40, rng.getrandbits(32) & ~3])
        await dev.write_reg(addr("MSIXTADD", v), a & 0xFFFFFFFF)
        await dev.write_reg(addr("MSIXTUADD", v), a >> 32)
        await dev.write_reg(addr("MSIXTVCTRL", v), 0)
        await dev.write_reg(addr("EIMS"), 1 << v)
        await dev.write_reg(addr("EICS"), 1 << v)
    await dev.sleep_ns(5000.0)


ABUSE: dict[str, Callable[[Side, random.Random], object]] = {
    "bar": abuse_bar,
    "geometry": abuse_geometry,
    "tails": abuse_tails,
    "rx_buffers": abuse_rx_buffers,
    "tx_chains": abuse_tx_chains,
    "msix": abuse_msix,
}


async def campaign(sides: Sequence[Side], seed: int, frames: int, abuse: int) -> Findings:
    """`frames` hostile frames in rounds of about 500, then `abuse` hostile acts (cycling
    through the kinds), all derived from `seed`."""
    findings = Findings()
    master = random.Random(seed)
    n = 0
    while n < frames:
        count = min(500, frames - n)
        round_seed = master.getrandbits(32)
        await frames_round(sides, round_seed, count, findings, f"frames round {findings.rounds}")
        n += count
    for i in range(abuse):
        kind = ABUSE_KINDS[i % len(ABUSE_KINDS)]
        await abuse_round(sides, master.getrandbits(32), kind, findings, f"act {i}")
    return findings
