# SPDX-License-Identifier: MIT
"""The RTL back end is part of the product (issue 13): a wheel built from the checkout carries the
HDL and the cocotb entry points, and once installed outside the checkout `hilnic sim --sim
verilator` and `hilnic classify` run from an empty folder, building into the user's cache.

The fresh virtual environment gets the wheel alone (no dependencies: the machine may be
offline) and borrows this interpreter's site-packages through a .pth file for cocotb, Verilator
and the rest. A path listed in a .pth file is added as it is, without running that folder's own
.pth files, so the checkout's editable install does not leak in: only the wheel's pystack is
importable there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from pystack import rtl, simrun
from pystack.pcap import write_frames
from pystack.traffic import edge_frames, flow_frames, random_frames

# What a wheel is built from: everything pyproject.toml packages, and nothing else (no tb/).
WHEEL_SOURCES = ("pyproject.toml", "README.md", "pystack", "hdl")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    python: Path
    hilnic: Path
    cache: Path  # XDG_CACHE_HOME of every command run here

    def env(self) -> dict[str, str]:
        """The environment of a user with only the wheel: no checkout on the path, no build
        folder chosen."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", simrun.BUILD_ENV)}
        env["XDG_CACHE_HOME"] = str(self.cache)
        env["PATH"] = os.pathsep.join([str(self.python.parent), env.get("PATH", "")])
        return env

    def run(self, *argv: str | Path, cwd: Path, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(a) for a in argv],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
        check=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("package")
    src = base / "src"
    src.mkdir()
    for name in WHEEL_SOURCES:
        path = simrun.REPO / name
        if path.is_dir():
            shutil.copytree(
                path, src / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(path, src / name)
    _pip("wheel", "--no-deps", "-w", str(base / "dist"), str(src))
    (wheel,) = (base / "dist").glob("hilnic-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    _pip("--python", str(python), "install", "--no-deps", str(wheel))
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "hilnic-deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    return Installed(wheel, python, venv / "bin" / "hilnic", base / "cache")


def test_wheel_carries_the_hdl_and_the_entry_points(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    files = (p for p in rtl.HDL.rglob("*") if p.is_file())
    hdl = {f"pystack/rtl/hdl/{p.relative_to(rtl.HDL).as_posix()}" for p in files}
    assert hdl and hdl <= names, sorted(hdl - names)
    for module in (rtl.SCENARIO_ENTRY, rtl.TAP_ENTRY, rtl.CLASSIFY_ENTRY):
        assert module.replace(".", "/") + ".py" in names
    assert not any(n.startswith(("tb/", "tests/")) for n in names)


def test_installed_package_reads_its_own_hdl_and_builds_outside_it(
    installed: Installed, tmp_path: Path
) -> None:
    probe = (
        "import json, pystack, pystack.rtl as r, pystack.simrun as s; "
        "print(json.dumps([pystack.__file__, str(r.HDL), str(s.BUILD), s.CHECKOUT]))"
    )
    done = installed.run(installed.python, "-c", probe, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    package, hdl, build, checkout = json.loads(done.stdout)
    site = Path(package).parent
    assert not checkout and site.is_relative_to(installed.python.parent.parent)
    assert Path(hdl) == site / "rtl" / "hdl" and (Path(hdl) / "nic_top.v").is_file()
    assert Path(build) == installed.cache.resolve() / "hilnic"


def test_installed_http_workload_on_the_model(installed: Installed, tmp_path: Path) -> None:
    """The TCP stack and the HTTP applications (pystack/apps) come with the wheel."""
    done = installed.run(
        installed.hilnic, "sim", "--sim", "model", "--workload", "http", "--duration", "1000",
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    res = json.loads((tmp_path / "out" / "sim" / "results.json").read_text())
    assert res["http"]["transactions"] > 0 and res["http"]["failures"] == {}


@pytest.mark.rtl
@pytest.mark.long  # two fresh Verilator builds into an empty cache: make test-long
def test_installed_hilnic_sim_and_classify_on_verilator(
    installed: Installed, tmp_path: Path
) -> None:
    """From an empty folder, as a user would after `pip install hilnic`: a fresh Verilator
    build of the whole NIC into the cache (about 100 s of the test's 2 minutes here)."""
    done = installed.run(
        installed.hilnic, "sim", "--sim", "verilator", "--duration", "2000",
        cwd=tmp_path, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    res = json.loads((tmp_path / "out" / "sim" / "results.json").read_text())
    replies = res["replies"]
    assert replies["expected"] > 0 and replies["received"] == replies["expected"]
    assert (installed.cache / "hilnic" / "verilator").is_dir()

    frames = list(flow_frames(8, 4, 100)) + random_frames(9, 20) + edge_frames()
    pcap = tmp_path / "mix.pcap"
    write_frames(pcap, frames)
    answers = {}
    for sim in ("model", "verilator"):
        done = installed.run(
            installed.hilnic, "classify", pcap, "--sim", sim, "--json", "--raw",
            cwd=tmp_path, timeout=900,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        answers[sim] = json.loads(done.stdout)
    assert len(answers["model"]) == len(frames)
    assert answers["verilator"] == answers["model"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.pcap", "out"]
