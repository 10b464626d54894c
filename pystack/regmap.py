"""The NIC's register map: the one description the Verilog header, the Python driver constants
and the register table in the docs are generated from (`make regs`; a test fails when the
generated files are stale).

Offsets follow the 82576 where a register exists there; hilnic's own registers (marked `HN_`)
sit in 82576-reserved space next to the block they belong to.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VERILOG_HEADER = REPO / "hdl" / "regs" / "hilnic_regmap.vh"
DOC_TABLE = REPO / "hdl" / "regs" / "REGISTERS.md"
ADDR_WIDTH = 17  # 128 KiB BAR0, as on the 82576


@dataclass(frozen=True)
class Register:
    name: str
    offset: int
    access: str  # RW, RO
    doc: str
    count: int = 1
    stride: int = 4
    reset: int = 0

    def address(self, index: int = 0) -> int:
        if not 0 <= index < self.count:
            raise IndexError(f"{self.name} has {self.count} instances")
        return self.offset + index * self.stride


NUM_QUEUES = 16  # instances listed for the default build; hdl/nic_top.v sets the real count
QUEUE_STRIDE = 0x40
RXQ_BASE = 0x0C000
TXQ_BASE = 0x0E000


def _rxq(name: str, offset: int, access: str, doc: str, reset: int = 0) -> Register:
    return Register(name, RXQ_BASE + offset, access, doc, NUM_QUEUES, QUEUE_STRIDE, reset)


def _txq(name: str, offset: int, access: str, doc: str) -> Register:
    return Register(name, TXQ_BASE + offset, access, doc, NUM_QUEUES, QUEUE_STRIDE)


QSTAT_DOC = (
    "hilnic: [0] running, [1] stopped by an error, [3:2] why: 1 DMA SLVERR, 2 DMA DECERR, "
    "3 bad configuration or descriptor."
)

DEVICE_REGISTERS: tuple[Register, ...] = (
    Register(
        "CTRL",
        0x00000,
        "RW",
        "Device control, kept as written. [2] GIO_MASTER_DISABLE: stop starting DMA "
        "(transactions already started finish). [26] RST: reset every register, queue and "
        "counter; the NIC first stops DMA and waits until nothing is outstanding and MAC TX is "
        "between frames, and RST reads 1 until the reset has happened.",
    ),
    Register(
        "STATUS",
        0x00008,
        "RO",
        "Device status. [1] LU link up. [19] GIO_MASTER_ENABLE: 0 once DMA mastering is off "
        "(CTRL.GIO_MASTER_DISABLE or a pending CTRL.RST) and no transaction is outstanding.",
    ),
    Register(
        "RCTL",
        0x00100,
        "RW",
        "Receive control. [1] EN receiver on; [7:6] LBM, 01 = MAC loopback (TX into RX, MAC RX "
        "ignored).",
    ),
    Register("TCTL", 0x00400, "RW", "Transmit control. [1] EN transmitter on."),
    Register("CRCERRS", 0x04000, "RO", "Frames dropped for a MAC error (tuser on the last beat)."),
    Register(
        "MPC",
        0x04010,
        "RO",
        "Missed frames: dropped before classification (receiver off, loopback on, or no room in "
        "the packet buffer).",
    ),
    Register("GPRC", 0x04074, "RO", "Frames delivered to host memory."),
    Register("GPTC", 0x04080, "RO", "Frames sent on MAC TX."),
    Register("GORCL", 0x04088, "RO", "Bytes delivered to host memory (low 32 bits)."),
    Register("GOTCL", 0x04090, "RO", "Bytes sent on MAC TX (low 32 bits, padding included)."),
    Register("RUC", 0x040A4, "RO", "Runts dropped (shorter than 60 bytes)."),
    Register("TPR", 0x040D0, "RO", "Frames seen on MAC RX (or on loopback)."),
    Register(
        "HN_CAPS",
        0x0A000,
        "RO",
        "hilnic: [7:0] RX queues, [15:8] TX queues, [23:16] MSI-X vectors, [31:24] "
        "log2(MAX_RING_DESC).",
    ),
    Register(
        "HN_CAPS2",
        0x0A004,
        "RO",
        "hilnic: [15:0] MAX_FRAME bytes, [23:16] DMA beat bytes, [31:24] MAC beat bytes.",
    ),
    Register(
        "HN_CFGERR",
        0x0A008,
        "RO",
        "hilnic: queue enables refused and queues stopped for a bad configuration or descriptor.",
    ),
    _rxq(
        "RDBAL",
        0x00,
        "RW",
        "RX ring base, low 32 bits ([6:0] read 0: 128-byte aligned). Sampled at enable.",
    ),
    _rxq("RDBAH", 0x04, "RW", "RX ring base, high 32 bits. Sampled at enable."),
    _rxq(
        "RDLEN",
        0x08,
        "RW",
        "RX ring length in bytes, a multiple of 128. Sampled at enable: rewriting it while "
        "the queue is enabled changes only what it reads back.",
    ),
    _rxq(
        "SRRCTL",
        0x0C,
        "RW",
        "RX split and replication control, kept as written. [6:0] BSIZEPACKET, buffer size in "
        "KiB, sampled at enable; the other bits are unused.",
        reset=2,
    ),
    _rxq("RDH", 0x10, "RO", "RX head: the next descriptor the NIC fills."),
    _rxq("HN_RQSTAT", 0x14, "RO", QSTAT_DOC),
    _rxq(
        "RDT",
        0x18,
        "RW",
        "RX tail: one past the last descriptor handed to the NIC. Must name a descriptor of "
        "the ring (the one sampled at enable, or while disabled RDLEN / 16 if RDLEN is a "
        "usable length); while enabled it must not take back descriptors the NIC owns (leave "
        "fewer than tail - head). Otherwise refused with SLVERR.",
    ),
    _rxq("HN_RQPC", 0x1C, "RO", "hilnic: frames delivered on this queue."),
    _rxq("HN_RQBC", 0x20, "RO", "hilnic: bytes delivered on this queue (low 32 bits)."),
    _rxq("HN_RQOVR", 0x24, "RO", "hilnic: frames longer than MAX_FRAME dropped."),
    _rxq(
        "RXDCTL",
        0x28,
        "RW",
        "RX descriptor control. [25] ENABLE: 0 -> 1 checks and samples the ring geometry, "
        "1 -> 0 clears head, tail and status; reads the queue's enable state. Other bits "
        "kept as written, unused.",
    ),
    _rxq(
        "HN_RQDMAE",
        0x2C,
        "RO",
        "hilnic: frames lost to a DMA error or a bad descriptor (buffer not 64-byte aligned or "
        "at or above 2^DMA_ADDR_WIDTH).",
    ),
    _rxq(
        "RQDPC",
        0x30,
        "RO",
        "RX queue drops: no free descriptor, or queue not enabled or stopped.",
    ),
    _txq("TDBAL", 0x00, "RW", "TX ring base, low 32 bits ([6:0] read 0). Sampled at enable."),
    _txq("TDBAH", 0x04, "RW", "TX ring base, high 32 bits. Sampled at enable."),
    _txq(
        "TDLEN",
        0x08,
        "RW",
        "TX ring length in bytes, a multiple of 128. Sampled at enable: rewriting it while "
        "the queue is enabled changes only what it reads back.",
    ),
    _txq("TDH", 0x10, "RO", "TX head: the next descriptor the NIC reads."),
    _txq("HN_TQSTAT", 0x14, "RO", QSTAT_DOC),
    _txq(
        "TDT",
        0x18,
        "RW",
        "TX tail: one past the last descriptor handed to the NIC. Must name a descriptor of "
        "the ring (the one sampled at enable, or while disabled TDLEN / 16 if TDLEN is a "
        "usable length); while enabled it must not take back descriptors the NIC owns (leave "
        "fewer than tail - head). Otherwise refused with SLVERR.",
    ),
    _txq("HN_TQPC", 0x1C, "RO", "hilnic: frames sent from this queue."),
    _txq("HN_TQBC", 0x20, "RO", "hilnic: bytes sent from this queue (low 32 bits, with padding)."),
    _txq(
        "HN_TQERR",
        0x24,
        "RO",
        "hilnic: bad frames: empty (not sent) or longer than MAX_FRAME (cut, sent with tuser).",
    ),
    _txq(
        "TXDCTL",
        0x28,
        "RW",
        "TX descriptor control. [25] ENABLE: 0 -> 1 checks and samples the ring geometry, "
        "1 -> 0 clears head, tail and status; reads the queue's enable state. Other bits "
        "kept as written, unused.",
    ),
    _txq(
        "HN_TQDMAE",
        0x2C,
        "RO",
        "hilnic: queue stops for a DMA error response or a bad descriptor (a buffer address "
        "at or above 2^DMA_ADDR_WIDTH).",
    ),
    _txq(
        "TDWBAL",
        0x38,
        "RW",
        "TX head write-back address, low 32 bits. [0] enable; the head is written to the "
        "4-byte aligned address at the end of every turn (up to 16 frames).",
    ),
    _txq("TDWBAH", 0x3C, "RW", "TX head write-back address, high 32 bits."),
)

RSS_REGISTERS: tuple[Register, ...] = (
    Register(
        "MRQC",
        0x05818,
        "RW",
        "Multiple receive queues command. [2:0] mode, 2 = RSS (anything else: every frame "
        "to the default queue, type NONE). Field enables: [16] IPv4/TCP, [17] IPv4, "
        "[20] IPv6, [21] IPv6/TCP, [22] IPv4/UDP, [23] IPv6/UDP.",
    ),
    Register(
        "HN_RSSDEFQ",
        0x05820,
        "RW",
        "hilnic: [7:0] default queue for frames RSS does not hash (non-IP, parse errors, "
        "RSS off, disabled hash types) and for RETA entries naming a missing queue.",
    ),
    Register("HN_RSSFRAMES", 0x05840, "RO", "hilnic: frames classified (wraps at 2^32)."),
    Register("HN_RSSHASHED", 0x05844, "RO", "hilnic: frames that got a hash (type not NONE)."),
    Register(
        "HN_RSSERR",
        0x05848,
        "RO",
        "hilnic: frames per classifier error code n+1: [0] runt (< 60 bytes), "
        "[1] L3 header truncated, [2] L3 header malformed, [3] L4 ports truncated, "
        "[4] RETA entry >= queue count.",
        count=5,
    ),
    Register(
        "HN_BADACC",
        0x0585C,
        "RO",
        "hilnic: register accesses refused: unmapped address (DECERR) or write to a "
        "read-only register (SLVERR).",
    ),
    Register(
        "RETA",
        0x05C00,
        "RW",
        "Redirection table, 128 one-byte entries, 4 per register, entry 4n+k in byte k. "
        "Queue = RETA[hash & 127].",
        count=32,
    ),
    Register(
        "RSSRK",
        0x05C80,
        "RW",
        "RSS random key, 40 bytes, 4 per register little-endian: key byte 4n+k in bits [8k+7:8k].",
        count=10,
    ),
)

MAX_VECTORS = 25  # the 82576 has 25 interrupt vectors/EITRs; hdl/nic_top.v sets the real count
MSIX_TABLE = 0x08000
MSIX_PBA = 0x09000

IRQ_REGISTERS: tuple[Register, ...] = (
    Register(
        "ICR",
        0x000C0,
        "RW",
        "Other interrupt causes, write 1 to clear: [2] LSC link status change, [29] hilnic "
        "MSIERR (an MSI-X message address was outside the window, or its write failed), [30] "
        "hilnic QSTOP (a queue stopped on a DMA error or bad descriptor). A newly set cause "
        "enabled in IMS raises the other-cause vector (IVAR_MISC).",
    ),
    Register("IMS", 0x000D0, "RW", "ICR causes enabled: write 1 to set a bit; read the mask."),
    Register("IMC", 0x000D8, "RW", "Write 1 to clear IMS bits; reads 0."),
    Register(
        "GPIE",
        0x01514,
        "RW",
        "General purpose interrupt enable: [30] EIAME, auto-mask (EIAM) applies when set. "
        "Other bits are stored and have no effect.",
    ),
    Register("EICS", 0x01520, "RW", "Write 1 to set EICR bits (a software interrupt); reads 0."),
    Register(
        "EIMS",
        0x01524,
        "RW",
        "Vector enables: write 1 to set a bit (re-arm); read the enables. Enabling a vector "
        "whose EICR bit is set owes a message.",
    ),
    Register("EIMC", 0x01528, "RW", "Write 1 to clear EIMS bits; reads 0."),
    Register("EIAC", 0x0152C, "RW", "Auto-clear: these EICR bits clear when their message goes."),
    Register(
        "EIAM",
        0x01530,
        "RW",
        "Auto-mask: with GPIE.EIAME these EIMS bits clear when their message goes, so the "
        "handler re-arms through EIMS (as DragonFly's igb does).",
    ),
    Register(
        "EICR",
        0x01580,
        "RW",
        "Extended interrupt cause, one bit per vector; write 1 to clear (not cleared on read). "
        "A new cause, or EICS, owes the vector a message when its EIMS bit is set.",
    ),
    Register(
        "EITR",
        0x01680,
        "RW",
        "Per-vector moderation: [14:2] minimum interval between messages in 1 us units "
        "(0: none). Events inside the interval coalesce into one message at its end; after an "
        "idle, expired interval the next event fires at once.",
        count=MAX_VECTORS,
    ),
    Register(
        "IVAR",
        0x01700,
        "RW",
        "Queue to vector, one byte per queue: {[7] valid, [4:0] vector}. IVAR[n] byte 0 RX "
        "queue n, byte 1 TX queue n, byte 2 RX queue n+8, byte 3 TX queue n+8 (the 82576 "
        "layout). A queue without a valid entry raises no interrupt.",
        count=8,
    ),
    Register(
        "IVAR_MISC",
        0x01740,
        "RW",
        "Other causes (ICR) to vector: [15:8] {[15] valid, [12:8] vector}.",
    ),
    Register(
        "HN_MSIXCTL",
        0x0A010,
        "RW",
        "hilnic: MSI-X message control (PCI config space on a real NIC): [0] enable, "
        "[1] function mask.",
    ),
    Register(
        "HN_MSIWBASE",
        0x0A018,
        "RW",
        "hilnic: MSI-X message window base, low and high 32 bits. A message whose address "
        "is outside [base, limit) is not written; it counts in HN_MSIERR and sets ICR.MSIERR.",
        count=2,
    ),
    Register(
        "HN_MSIWLIMIT",
        0x0A020,
        "RW",
        "hilnic: MSI-X message window limit (exclusive), low and high 32 bits.",
        count=2,
    ),
    Register("HN_MSIERR", 0x0A028, "RO", "hilnic: MSI-X messages refused or failed."),
    Register("HN_MSISENT", 0x0A02C, "RO", "hilnic: MSI-X messages written."),
    Register(
        "MSIXTADD",
        MSIX_TABLE,
        "RW",
        "MSI-X table: message address, low 32 bits ([1:0] read 0). One 16-byte entry per vector.",
        count=MAX_VECTORS,
        stride=16,
    ),
    Register(
        "MSIXTUADD", MSIX_TABLE + 4, "RW", "MSI-X table: address, high 32 bits.", MAX_VECTORS, 16
    ),
    Register("MSIXTMSG", MSIX_TABLE + 8, "RW", "MSI-X table: message data.", MAX_VECTORS, 16),
    Register(
        "MSIXTVCTRL",
        MSIX_TABLE + 12,
        "RW",
        "MSI-X table: vector control, [0] mask (1 after reset). A masked vector's message "
        "waits, with its PBA bit set, until it is unmasked.",
        MAX_VECTORS,
        16,
        reset=1,
    ),
    Register(
        "MSIXPBA", MSIX_PBA, "RO", "MSI-X pending bits: [n] vector n owes a message but is masked."
    ),
)

REGISTERS = DEVICE_REGISTERS + RSS_REGISTERS + IRQ_REGISTERS
BY_NAME = {r.name: r for r in REGISTERS}


def _check_overlaps() -> None:
    owner: dict[int, str] = {}
    for r in REGISTERS:
        for n in range(r.count):
            a = r.address(n)
            if a in owner:
                raise ValueError(f"register {r.name}[{n}] overlaps {owner[a]}")
            owner[a] = r.name


_check_overlaps()


def addr(name: str, index: int = 0) -> int:
    """Byte address of register `name` (instance `index`) in BAR0."""
    return BY_NAME[name].address(index)


def verilog_header() -> str:
    lines = [
        "// Generated by pystack/regmap.py (make regs); do not edit.",
        "`ifndef HILNIC_REGMAP_VH",
        "`define HILNIC_REGMAP_VH",
        f"`define HN_ADDR_WIDTH {ADDR_WIDTH}",
        f"`define HN_RXQ_BASE 'h{RXQ_BASE:05x}",
        f"`define HN_TXQ_BASE 'h{TXQ_BASE:05x}",
        f"`define HN_QUEUE_STRIDE 'h{QUEUE_STRIDE:x}",
    ]
    for r in REGISTERS:
        lines.append(f"`define HN_REG_{r.name} 'h{r.offset:05x}")
        if r.count > 1:
            lines.append(f"`define HN_REG_{r.name}_COUNT {r.count}")
        if r.stride == QUEUE_STRIDE:
            base = RXQ_BASE if r.offset < TXQ_BASE else TXQ_BASE
            lines.append(f"`define HN_QOFF_{r.name} 6'h{r.offset - base:02x}")
    lines.append("`endif")
    return "\n".join(lines) + "\n"


def doc_table() -> str:
    lines = [
        "# hilnic register map",
        "",
        "Generated by `pystack/regmap.py` (`make regs`); do not edit. BAR0 is "
        f"{1 << ADDR_WIDTH >> 10} KiB; accesses are 32-bit. An unmapped address answers DECERR, "
        "a write to a read-only register SLVERR, and both count in HN_BADACC.",
        "",
        f"Per-queue registers repeat every 0x{QUEUE_STRIDE:x} bytes, one block per queue the "
        f"build has (the table lists the default {NUM_QUEUES}; see `hdl/nic_top.v`). Counters "
        "are 32 bits, wrap, and are not cleared on read. The rules behind the counters are in "
        "`hdl/DATAPATH.md`.",
        "",
        "| Register | Offset | Count | Access | Reset | Description |",
        "|---|---|---|---|---|---|",
    ]
    for r in REGISTERS:
        count = f"{r.count} x 0x{r.stride:x}" if r.count > 1 else "1"
        lines.append(
            f"| {r.name} | 0x{r.offset:05X} | {count} | {r.access} | 0x{r.reset:x} | {r.doc} |"
        )
    return "\n".join(lines) + "\n"


GENERATED = {VERILOG_HEADER: verilog_header, DOC_TABLE: doc_table}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate register-map files")
    parser.add_argument("--write", action="store_true", help="rewrite the generated files")
    args = parser.parse_args(argv)
    stale = [p for p, gen in GENERATED.items() if not p.exists() or p.read_text() != gen()]
    if args.write:
        for path in stale:
            path.write_text(GENERATED[path]())
            print(f"wrote {path.relative_to(REPO)}")
        return 0
    for path in stale:
        print(f"stale: {path.relative_to(REPO)} (run make regs)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
