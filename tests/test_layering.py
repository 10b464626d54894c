# SPDX-License-Identifier: MIT
"""The import arrows between the driver and the stack point one way, as in DragonFly (if_igb.c
registers with if_poll.c, never the reverse): pystack/nic knows nothing of the stack or of what
runs it, and the stack reaches the NIC only through the driver and the `Device` interface, never
a back end. Read from the source (every import statement, including those inside functions and
under TYPE_CHECKING), so an import that would not run in a test still counts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UPPER = ("pystack.scenario", "pystack.tap", "pystack.sweep", "pystack.cli")
# What each package must not import (a name and everything under it).
FORBIDDEN = {
    "pystack.nic": ("pystack.stack", *UPPER),
    "pystack.stack": ("pystack.nic.model", "pystack.nic.irq_model", *UPPER),
}


def imports(path: Path, package: str) -> list[str]:
    """Every module `path` imports, relative imports resolved against `package`."""
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # `from pystack.nic import model` imports pystack.nic.model.
            out += [base, *(f"{base}.{a.name}" for a in node.names)]
    return out


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).glob("*.py"))


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_import_direction(package: str) -> None:
    assert modules(package), f"no modules found for {package}"
    bad = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(package)
        for name in imports(path, package)
        if any(under(name, f) for f in FORBIDDEN[package])
    ]
    assert not bad, "\n".join(bad)


def test_the_check_sees_relative_and_from_imports(tmp_path: Path) -> None:
    """The resolver itself: relative, `from package import module`, plain imports."""
    path = tmp_path / "probe.py"
    path.write_text("from ..stack import host\nfrom .model import X\nimport pystack.tap.run\n")
    got = imports(path, "pystack.nic")
    assert "pystack.stack.host" in got
    assert "pystack.nic.model" in got
    assert "pystack.tap.run" in got
