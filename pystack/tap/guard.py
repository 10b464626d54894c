# SPDX-License-Identifier: MIT
"""`python -m pystack.tap.guard NAME PID`: removes the namespace NAME once PID is gone.

It is started by `TapNamespace.open` in a session of its own (so the terminal's Ctrl-C does not
reach it) with a pipe on its standard input; the pipe closes when the `hilnic` process exits
for any reason, SIGKILL included. It then removes the namespace if the ownership marker still
names that process: after an orderly exit the marker is already gone and it does nothing.
"""

from __future__ import annotations

import sys

from .namespace import remove_if_owned_by


def main(argv: list[str]) -> int:
    name, pid = argv[0], int(argv[1])
    while sys.stdin.buffer.read(4096):
        pass
    remove_if_owned_by(name, pid)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
