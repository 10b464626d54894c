# SPDX-License-Identifier: MIT
"""The network namespace and the TAP device Linux's side of the wire lives on.

Lifetime is the point of this module: whatever ends a run (a normal exit, Ctrl-C, an error,
the simulator crashing, or a SIGKILL of the `hilnic` process itself), the namespace must not
outlive it. Three layers make that so:

* the TAP is not persistent: the kernel deletes it when the last file descriptor closes, so a
  dead process cannot leave it behind;
* `TapNamespace.close` removes the namespace on every orderly exit (a context manager);
* a guard process (`pystack.tap.guard`), in its own session so Ctrl-C does not reach it, waits
  for our end of a pipe to close and removes the namespace if we died without doing so.

An ownership marker (/run/hilnic/netns/NAME.json: our pid and its start time) tells a stale
namespace of ours (owner dead: removed, and the run goes on) from one that another live run
holds or that is not ours at all (a one-line error, never touched).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .options import LINUX_IP, PREFIX_LEN, TAP_NAME

MARKERS = Path("/run/hilnic/netns")
TUN = Path("/dev/net/tun")
CAP_NET_ADMIN, CAP_SYS_ADMIN = 12, 21


class TapError(RuntimeError):
    """Setting up the namespace or the TAP failed; the message is one line for the user."""


def missing_privileges() -> str | None:
    """Why this process cannot make a namespace and a TAP, or None when it can."""
    try:
        status = Path("/proc/self/status").read_text()
        caps = int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("CapEff")), 16)
    except (OSError, StopIteration, ValueError):
        caps = 0
    lacking = [
        n
        for n, b in (("CAP_NET_ADMIN", CAP_NET_ADMIN), ("CAP_SYS_ADMIN", CAP_SYS_ADMIN))
        if not caps >> b & 1
    ]
    if lacking:
        return (
            f"--peer tap needs {' and '.join(lacking)} to create a network namespace and a "
            "TAP device: run it as root (sudo)"
        )
    if not TUN.exists():
        return f"--peer tap needs {TUN} (load the tun module: modprobe tun)"
    return None


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot: with the pid, it names a process
    uniquely (a pid alone may have been reused since the marker was written)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _marker(name: str) -> Path:
    return MARKERS / f"{name}.json"


def read_owner(name: str) -> dict[str, object] | None:
    try:
        return json.loads(_marker(name).read_text())
    except (OSError, ValueError):
        return None


def owner_alive(owner: dict[str, object]) -> bool:
    pid = int(owner.get("pid", 0))  # type: ignore[call-overload]
    return pid > 0 and _start_time(pid) == owner.get("start")


def _pyroute2_children_quiet() -> None:
    """pyroute2 forks children to enter namespaces and stops them with SIGTERM; they must die
    of it, not run the handlers they inherited from us."""
    from pyroute2 import config

    config.disable_mp_signal = True


def list_namespaces() -> list[str]:
    from pyroute2 import netns

    return list(netns.listnetns())


def remove_namespace(name: str) -> None:
    """Remove the namespace NAME and its marker (idempotent)."""
    from pyroute2 import netns

    if name in list_namespaces():
        with contextlib.suppress(OSError):
            netns.remove(name)
    _marker(name).unlink(missing_ok=True)


def remove_if_owned_by(name: str, pid: int) -> bool:
    """The guard's and the stale check's removal: only when the marker names `pid`."""
    owner = read_owner(name)
    if owner is None or int(owner.get("pid", 0)) != pid:  # type: ignore[call-overload]
        return False
    remove_namespace(name)
    return True


@dataclass
class TapNamespace:
    """Create with `TapNamespace.open(name)`; `tap` is the TAP's open file, `linux_mac` the
    MAC of its interface (the address Linux sends from)."""

    name: str
    tap: object  # pytun.TunTapDevice
    linux_mac: bytes
    _guard: subprocess.Popen[bytes] | None = None
    _closed: bool = False

    @classmethod
    def open(cls, name: str, neigh_retrans_ms: int | None = None) -> TapNamespace:
        why = missing_privileges()
        if why:
            raise TapError(why)
        _pyroute2_children_quiet()
        _claim(name)
        guard = subprocess.Popen(
            [sys.executable, "-m", "pystack.tap.guard", name, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            tap, mac = _create(name, neigh_retrans_ms)
        except BaseException:
            remove_namespace(name)
            _release_guard(guard)
            raise
        return cls(name, tap, mac, guard)

    @property
    def fd(self) -> int:
        return int(self.tap.fileno())  # type: ignore[attr-defined]

    def set_link(self, up: bool) -> None:
        """The TAP's link in the namespace: down at the end, so Linux stops sending before the
        last frames are read and a capture on the TAP ends where the run's pcaps end."""
        from pyroute2 import NetNS

        with contextlib.suppress(Exception), NetNS(self.name) as ns:
            idx = ns.link_lookup(ifname=TAP_NAME)
            if idx:
                ns.link("set", index=idx[0], state="up" if up else "down")

    def quiet(self) -> None:
        """Make Linux stop sending without taking the link down: its IPv4 address goes (no
        more ARP or IPv4) and IPv6 is turned off. For the end of a captured run: a link going
        down makes tshark lose the frames of its last, not yet handed over, buffer block."""
        from pyroute2 import NetNS

        with contextlib.suppress(Exception), NetNS(self.name) as ns:
            idx = ns.link_lookup(ifname=TAP_NAME)
            if idx:
                ns.addr("del", index=idx[0], address=LINUX_IP, prefixlen=PREFIX_LEN)
        with contextlib.suppress(OSError):
            self.set_ipv6(False)

    def set_ipv6(self, on: bool) -> None:
        """IPv6 on the TAP: off while a capture starts (tshark cannot open a link that is
        down, and Linux's IPv6 starts talking the moment the link is up)."""
        from pyroute2 import netns

        netns.pushns(self.name)
        try:
            knob = Path(f"/proc/sys/net/ipv6/conf/{TAP_NAME}/disable_ipv6")
            if knob.exists():  # absent when the kernel runs without IPv6
                knob.write_text("0" if on else "1")
        finally:
            netns.popns()

    def close_fd(self) -> None:
        with contextlib.suppress(OSError):
            self.tap.close()  # type: ignore[attr-defined]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.close_fd()
        remove_namespace(self.name)
        if self._guard is not None:
            _release_guard(self._guard)

    def __enter__(self) -> TapNamespace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _release_guard(guard: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        if guard.stdin is not None:
            guard.stdin.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        guard.wait(timeout=5)


def _claim(name: str) -> None:
    """Take the name, removing a stale namespace of our own; refuse anyone else's."""
    if name in list_namespaces():
        owner = read_owner(name)
        if owner is None:
            raise TapError(
                f"network namespace {name!r} exists and was not made by hilnic: remove it "
                f"(ip netns del {name}) or choose another with --netns"
            )
        if owner_alive(owner):
            raise TapError(
                f"network namespace {name!r} is in use by another hilnic run (pid "
                f"{owner['pid']}); stop it or choose another with --netns"
            )
        remove_namespace(name)  # a run of ours that was killed: its leftovers go
    MARKERS.mkdir(parents=True, exist_ok=True)
    _marker(name).write_text(json.dumps({"pid": os.getpid(), "start": _start_time(os.getpid())}))


def _create(name: str, neigh_retrans_ms: int | None) -> tuple[object, bytes]:
    """The namespace, the TAP inside it (created there, so its name never clashes with the
    machine's interfaces), lo up, LINUX_IP on the TAP; its link stays down until `set_link`
    (a capture started in between sees every frame Linux sends)."""
    from pyroute2 import NetNS, netns
    from pytun import IFF_NO_PI, IFF_TAP, TunTapDevice

    netns.create(name)
    netns.pushns(name)
    try:
        tap = TunTapDevice(name=TAP_NAME, flags=IFF_TAP | IFF_NO_PI)
        if neigh_retrans_ms is not None:
            # Slow back ends answer ARP seconds late in wall time: let Linux wait for them.
            base = Path(f"/proc/sys/net/ipv4/neigh/{TAP_NAME}")
            (base / "retrans_time_ms").write_text(str(neigh_retrans_ms))
            (base / "mcast_solicit").write_text("10")
    finally:
        netns.popns()
    with NetNS(name) as ns:
        idx = ns.link_lookup(ifname=TAP_NAME)[0]
        mac = bytes.fromhex(ns.get_links(idx)[0].get_attr("IFLA_ADDRESS").replace(":", ""))
        ns.addr("add", index=idx, address=LINUX_IP, prefixlen=PREFIX_LEN)
        ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")
    return tap, mac
