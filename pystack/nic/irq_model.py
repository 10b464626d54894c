# SPDX-License-Identifier: MIT
"""The interrupt half of the behavioural model: hdl/irq/irq_ctrl.v's causes, masks, moderation
and MSI-X messages, in simulated nanoseconds.

Kept apart from `model.py` because it is a state machine of its own with one narrow contract to
the datapath (a cause per delivered RX frame, per finished TX turn, per stopped queue, per link
change) and one way out (a 4-byte memory write). The rules, shared with the RTL:

* vector v owes a message when EICR[v] and EIMS[v] are set and no message has gone since the
  last new cause, EICS set or EIMS re-arm;
* it fires once its moderation interval (EITR, 1 us units) since its last message has passed,
  MSI-X is enabled and neither the vector nor the function is masked; a masked vector shows its
  owed message in the PBA;
* firing clears the EIAC bits of EICR and, with GPIE.EIAME, the EIAM bits of EIMS;
* a message address outside the registered window is not written (HN_MSIERR, ICR.MSIERR).

The RTL counts moderation in clock cycles (ceil(us x 156.25)), the model in nanoseconds, so a
coalesced message can be up to one clock apart between them.
"""

from __future__ import annotations

from collections.abc import Callable

from pystack import regdefs as rd
from pystack.nic.device import Msi

MASK32 = 0xFFFF_FFFF
ICR_LSC = rd.ICR.LSC.mask
ICR_MSIERR = rd.ICR.MSIERR.mask
ICR_QSTOP = rd.ICR.QSTOP.mask
GPIE_EIAME = rd.GPIE.EIAME.mask
# An IVAR entry (one byte per queue): {valid, vector}; IVAR_MISC holds one in its second byte.
IVAR_VALID = rd.IVAR.INT_ALLOC_VAL0.mask
IVAR_VECTOR = rd.IVAR.INT_ALLOC0
IVAR_MISC_ENTRY_SHIFT = rd.IVAR_MISC.INT_ALLOC.lsb
MSIXCTL_ENABLE = rd.HN_MSIXCTL.ENABLE.mask
MSIXCTL_FUNCTION_MASK = rd.HN_MSIXCTL.FUNCTION_MASK.mask
EITR_INTERVAL = rd.EITR.INTERVAL
MSIXTADD_ADDR_MASK = rd.MSIXTADD.ADDR.mask
MAX_VECTORS = rd.EITR.COUNT  # the 82576 has 25
IVAR_QUEUES = 16  # IVAR describes the first 16 rings of each direction


def ivar_slot(queue: int, tx: bool) -> tuple[int, int]:
    """(IVAR register, byte) of a queue's entry: the 82576 layout."""
    return queue % 8, (2 if queue >= 8 else 0) + int(tx)


class IrqModel:
    """Interrupt registers and message generation of one NIC."""

    def __init__(
        self,
        num_vectors: int,
        now: Callable[[], float],
        write: Callable[[int, bytes], bool],
        clock_ns: float,
    ) -> None:
        if not 1 <= num_vectors <= MAX_VECTORS:
            raise ValueError(f"num_vectors must be 1..{MAX_VECTORS}")
        self.nv = num_vectors
        self._now = now
        self._write = write  # DMA write; False when it failed
        self.clock_ns = clock_ns
        self.messages: list[Msi] = []
        self.reset()

    def reset(self) -> None:
        nv = self.nv
        self.icr = self.ims = self.gpie = self.ivar_misc = 0
        self.eicr = self.eims = self.eiac = self.eiam = self.sent = 0
        self.eitr = [0] * nv
        self.ivar = [0] * 8
        self.tadd = [0] * nv
        self.tuadd = [0] * nv
        self.tmsg = [0] * nv
        self.tmask = (1 << nv) - 1
        self.msixctl = 0
        self.wbase = self.wlimit = 0
        self.msierr = self.msisent = 0
        self._next_ok = [0.0] * nv

    @property
    def all_vectors(self) -> int:
        return (1 << self.nv) - 1

    # ---- registers -------------------------------------------------------------------------

    def read(self, name: str, index: int) -> int:
        simple = {
            "ICR": self.icr,
            "IMS": self.ims,
            "GPIE": self.gpie,
            "EIMS": self.eims,
            "EIAC": self.eiac,
            "EIAM": self.eiam,
            "EICR": self.eicr,
            "IVAR_MISC": self.ivar_misc,
            "HN_MSIXCTL": self.msixctl,
            "HN_MSIERR": self.msierr,
            "HN_MSISENT": self.msisent,
            "MSIXPBA": self.pba(),
        }
        if name in simple:
            return simple[name]
        if name in ("IMC", "EICS", "EIMC"):
            return 0
        if name == "HN_MSIWBASE":
            return self.wbase >> 32 * index & MASK32
        if name == "HN_MSIWLIMIT":
            return self.wlimit >> 32 * index & MASK32
        if name == "EITR":
            return EITR_INTERVAL.put(self.eitr[index])
        if name == "IVAR":
            return self.ivar[index]
        if name == "MSIXTADD":
            return self.tadd[index] & MSIXTADD_ADDR_MASK
        if name == "MSIXTUADD":
            return self.tuadd[index]
        if name == "MSIXTMSG":
            return self.tmsg[index]
        if name == "MSIXTVCTRL":
            return rd.MSIXTVCTRL.MASK.put(self.tmask >> index & 1)
        raise KeyError(name)

    def write(self, name: str, index: int, value: int) -> None:
        bits = value & self.all_vectors
        if name == "ICR":
            self.icr &= ~value
        elif name == "IMS":
            self.ims |= value
        elif name == "IMC":
            self.ims &= ~value
        elif name == "GPIE":
            self.gpie = value
        elif name == "EICS":
            self.eicr |= bits
            self.sent &= ~bits
        elif name == "EIMS":
            self.eims |= bits
            self.sent &= ~bits
        elif name == "EIMC":
            self.eims &= ~bits
        elif name == "EIAC":
            self.eiac = bits
        elif name == "EIAM":
            self.eiam = bits
        elif name == "EICR":
            self.eicr &= ~bits
        elif name == "EITR":
            self.eitr[index] = EITR_INTERVAL.get(value)
        elif name == "IVAR":
            self.ivar[index] = value & rd.IVAR.WMASK
        elif name == "IVAR_MISC":
            self.ivar_misc = value & rd.IVAR_MISC.WMASK
        elif name == "HN_MSIXCTL":
            self.msixctl = value & rd.HN_MSIXCTL.WMASK
        elif name == "HN_MSIWBASE":
            self.wbase = _set_half(self.wbase, index, value)
        elif name == "HN_MSIWLIMIT":
            self.wlimit = _set_half(self.wlimit, index, value)
        elif name == "MSIXTADD":
            self.tadd[index] = value
        elif name == "MSIXTUADD":
            self.tuadd[index] = value
        elif name == "MSIXTMSG":
            self.tmsg[index] = value
        elif name == "MSIXTVCTRL":
            self.tmask = self.tmask & ~(1 << index) | rd.MSIXTVCTRL.MASK.get(value) << index
        else:
            raise KeyError(name)
        self.service()

    # ---- causes ----------------------------------------------------------------------------

    def _vector_bit(self, entry: int) -> int:
        vec = IVAR_VECTOR.get(entry)
        return 1 << vec if entry & IVAR_VALID and vec < self.nv else 0

    def queue_event(self, queue: int, tx: bool) -> None:
        """An RX frame delivered or a TX turn finished on `queue`."""
        if queue >= IVAR_QUEUES:
            return
        reg, byte = ivar_slot(queue, tx)
        self._cause(self._vector_bit(self.ivar[reg] >> 8 * byte & 0xFF))

    def other_event(self, icr_bits: int) -> None:
        """ICR causes (LSC, QSTOP, MSIERR): a newly set, enabled one raises the other vector."""
        new = icr_bits & ~self.icr & self.ims
        self.icr |= icr_bits
        if new:
            self._cause(self._vector_bit(self.ivar_misc >> IVAR_MISC_ENTRY_SHIFT & 0xFF))

    def _cause(self, bits: int) -> None:
        if bits:
            self.eicr |= bits
            self.sent &= ~bits
            self.service()

    # ---- firing ----------------------------------------------------------------------------

    def _owed(self) -> int:
        return self.eicr & self.eims & ~self.sent

    def _masked(self) -> int:
        fn_masked = not self.msixctl & MSIXCTL_ENABLE or self.msixctl & MSIXCTL_FUNCTION_MASK
        return self.all_vectors if fn_masked else self.tmask

    def _ready(self, now: float) -> int:
        owed = self._owed()
        return sum(1 << v for v in range(self.nv) if owed >> v & 1 and self._next_ok[v] <= now)

    def pba(self) -> int:
        return self._ready(self._now()) & self._masked()

    def service(self) -> None:
        """Send every message that may go now, lowest vector first."""
        now = self._now()
        while True:
            fire = self._ready(now) & ~self._masked()
            if not fire:
                return
            v = (fire & -fire).bit_length() - 1
            self._fire(v, now)

    def next_deadline(self) -> float | None:
        """When a message now held back only by moderation may go (None: nothing waits)."""
        owed = self._owed()
        if not owed:  # the common case, checked before the mask (hot: every model step)
            return None
        owed &= ~self._masked()
        times = [self._next_ok[v] for v in range(self.nv) if owed >> v & 1]
        return min(times) if times else None

    def _fire(self, v: int, now: float) -> None:
        bit = 1 << v
        self.sent |= bit
        self.eicr &= ~(bit & self.eiac)
        if self.gpie & GPIE_EIAME:
            self.eims &= ~(bit & self.eiam)
        self._next_ok[v] = now + self.eitr[v] * 1000.0
        addr = self.tuadd[v] << 32 | self.tadd[v] & MSIXTADD_ADDR_MASK
        if not (self.wbase <= addr and addr + 4 <= self.wlimit):
            self.msierr = self.msierr + 1 & MASK32
            self.other_event(ICR_MSIERR)
            return
        if self._write(addr, self.tmsg[v].to_bytes(4, "little")):
            self.msisent = self.msisent + 1 & MASK32
            self.messages.append(Msi(now, addr, self.tmsg[v]))
        else:
            self.msierr = self.msierr + 1 & MASK32
            self.other_event(ICR_MSIERR)


def _set_half(value: int, index: int, half: int) -> int:
    shift = 32 * index
    return value & ~(MASK32 << shift) | (half & MASK32) << shift
