# SPDX-License-Identifier: MIT
"""The terminal display of a running sweep: one bar of points finished against the total,
with how many are done, running and failed, and a line for every retry and every failure as
it happens (so a failure is seen when it occurs, not only at the end)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from .points import Point
from .tasks import Outcome


class SweepProgress:
    """Pass as `emit` to `run_points`; use as a context manager around the run."""

    def __init__(
        self, title: str, total: int, reused: int = 0, console: Console | None = None
    ) -> None:
        self.console = console or Console()
        self.done, self.failed, self.retried, self.running = reused, 0, 0, 0
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[state]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.task = self.bar.add_task(title, total=total, completed=reused, state="")
        self._refresh()

    def __enter__(self) -> SweepProgress:
        self.bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._refresh()
        self.bar.stop()

    def __call__(self, event: str, point: Point | None, outcome: Outcome | None) -> None:
        if event == "submitted":
            self.running += 1
        elif event in ("done", "failed", "retry"):
            self.running -= 1
            assert point is not None and outcome is not None
            if event == "done":
                self.done += 1
            elif event == "failed":
                self.failed += 1
                errors = outcome.get("errors") or [outcome.get("error", "")]
                self.console.print(f"[red]failed[/] {point.label}: {errors[-1]}")
            else:
                self.retried += 1
                self.console.print(f"[yellow]retrying[/] {point.label}: {outcome.get('error')}")
        self._refresh()

    def _refresh(self) -> None:
        state = (
            f"[green]{self.done} done[/]  [cyan]{self.running} running[/]  "
            f"[red]{self.failed} failed[/]" + (f"  {self.retried} retried" if self.retried else "")
        )
        self.bar.update(self.task, completed=self.done + self.failed, state=state)
