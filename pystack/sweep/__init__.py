# SPDX-License-Identifier: MIT
"""Sweeps and regressions as independent points run on Ray (`hilnic sweep`, `hilnic regress`,
and the points of `hilnic experiments`): local Ray on this machine's cores by default, a Ray
cluster with `--address` or RAY_ADDRESS. Finished points are kept on disk as they complete, so
an interrupted run resumes where it stopped; results are gathered into one `sweep.json` and a
Markdown report.

Modules: `spec` (TOML/YAML spec files), `points` (what one run is, and its id), `tasks` (what
a worker runs for a point), `runner` (Ray and in-process runners, retry once), `store` (points
on disk, `sweep.json`), `progress` (the terminal display), `report` (Markdown and plots),
`regress` (RTL benches over seeds and NIC configurations), `scenarios` (scenario points for
code that plans its own grid: `hilnic experiments`), `probe` (points that sleep, fail or crash
on purpose: check a cluster, test the machinery), `commands` (the command line).
"""
