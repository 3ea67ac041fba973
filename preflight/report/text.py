"""Text output for people: a table of findings by check, then the worst examples and remedies."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from ..result import AuditResult

__all__ = ["print_text", "progress_factory"]

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
#: examples printed per finding in the terminal (the JSON and HTML carry more)
EXAMPLES_SHOWN = 3


def print_text(result: AuditResult, file: IO[str] | None = None, verbose: bool = False) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    out = file or sys.stdout
    console = Console(file=out, highlight=False, soft_wrap=False, width=None if out.isatty() else 120)
    result.sort()
    counts = result.counts()
    head = ", ".join(f"{k}: {v}" for k, v in result.inputs.items() if v)
    console.print(f"[bold]preflight[/bold] {escape(head)}")
    if result.findings:
        table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
        table.add_column("code")
        table.add_column("severity")
        table.add_column("count", justify="right")
        table.add_column("finding", overflow="fold")
        for f in result.findings:
            table.add_row(f.code, f"[{_STYLE[f.severity.value]}]{f.severity.value}[/]", str(f.count), escape(f.title))
        console.print(table)
        console.print()
        for f in result.findings:
            if f.severity.value == "info" and not verbose:
                continue
            where = f.path or ""
            if where and f.line:
                where += f":{f.line}"
            console.print(f"[{_STYLE[f.severity.value]}]{f.code}[/] {escape(f.message)}" + (f"  [dim]{escape(where)}[/]" if where and f.count == 1 else ""))
            for ex in f.examples[:EXAMPLES_SHOWN]:
                loc = ex.get("path") or ""
                if ex.get("line"):
                    loc += f":{ex['line']}"
                console.print(f"    [dim]{escape(loc)}[/] {escape(str(ex.get('message', '')))}")
            if f.count > EXAMPLES_SHOWN and f.examples:
                console.print(f"    [dim]… {f.count - min(EXAMPLES_SHOWN, len(f.examples))} more (--format json lists {len(f.examples)})[/]")
            if f.remedy:
                console.print(f"    [green]fix:[/] {escape(f.remedy)}")
        infos = counts["infos"]
        if infos and not verbose:
            console.print(f"[dim]{infos} info finding(s) listed in the table; --verbose shows their details[/]")
    for p in result.predictions:
        console.print(
            f"[bold magenta]predicted:[/] {escape(p['pathology'])} ({escape(p.get('likelihood', ''))}) "
            f"because {escape(', '.join(p.get('because', [])))} — {escape(p.get('remedy', ''))}"
        )
    for note in result.notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    if result.stats.get("scan", {}).get("result_reused"):
        console.print("[dim]note: no file, config or option changed since the last audit like this one: "
                      "its result was reused (--no-cache reads everything again)[/]")
    s = result.summary()
    verdict = "[bold red]fix first[/]" if counts["errors"] else ("[yellow]review warnings[/]" if counts["warnings"] else "[bold green]ready to train[/]")
    what = []
    if s["images"] or "data_config" in result.sections:
        what.append(f"{s['images']} images, {s['labels']} labels")
    if s.get("parameters"):
        what.append(f"{s['parameters']:,} parameters")
    console.print(
        f"{verdict} — {', '.join(what) or 'nothing scanned'}: "
        f"{counts['errors']} errors, {counts['warnings']} warnings, {counts['infos']} infos in {s['seconds']:.2f} s"
    )


@contextmanager
def _rich_progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        transient=True, console=_stderr_console(),
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(file=sys.stderr)


@contextmanager
def _quiet(total: int, label: str) -> Iterator[Callable[[int], None]]:
    yield lambda n: None


def progress_factory(enabled: bool):  # type: ignore[no-untyped-def]
    """A progress bar on stderr when it is a terminal and enabled; silent otherwise."""
    return _rich_progress if enabled and sys.stderr.isatty() else _quiet
