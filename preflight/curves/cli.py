"""``preflight curves FILE...``: classify finished runs from their logs.

Imports neither torch nor the dataset scanner; the lead's ``preflight/cli.py`` registers it
with ``main.add_command(curves, "curves")``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from ..errors import ConfigError
from .classify import MIN_EPOCHS, Verdict, classify
from .readers import Run, read_run

__all__ = ["curves", "judge_file"]


class _ConfigExit(click.ClickException):
    """One line on stderr, exit code 2 (the contract's usage/config error)."""

    exit_code = 2


def _usable(run: Run, path: str) -> None:
    if len(run) < MIN_EPOCHS:
        raise ConfigError(f"{path}: only {len(run)} epoch(s) logged; at least {MIN_EPOCHS} are "
                          "needed to judge a curve")
    losses = [v for v in (run.train_loss or []) + (run.val_loss or []) if math.isfinite(v)]
    if not losses and not run.nonfinite:
        raise ConfigError(f"{path}: the loss columns hold no numbers")


def judge_file(path: str | Path, *, at_epoch: int | None = None) -> tuple[Run, Verdict]:
    """Read and classify one log; :class:`ConfigError` for anything that cannot be judged."""
    run = read_run(path)
    if at_epoch is not None:
        if at_epoch < MIN_EPOCHS:
            raise ConfigError(f"--at-epoch {at_epoch}: at least {MIN_EPOCHS} epochs are needed")
        run = run.head(at_epoch)
    _usable(run, str(path))
    return run, classify(run)


def _text(results: list[tuple[Run, Verdict]], at_epoch: int | None) -> None:
    from rich.console import Console
    from rich.text import Text

    con = Console()
    colours = {"normal": "green", "underfitting": "yellow", "premature_convergence": "yellow",
               "overfitting": "yellow", "oscillation": "yellow", "training_failure": "red",
               "divergence": "red", "both_rising": "red"}
    for run, v in results:
        head = Text()
        head.append(f"{v.path}", style="bold")
        head.append(f"  {run.format}, {len(run)} epochs"
                    + (f" (judged at epoch {at_epoch})" if at_epoch else "") + "\n  ")
        head.append(v.pathology, style=f"bold {colours.get(v.pathology, 'white')}")
        head.append(f"  confidence {v.confidence:.2f}" + (f"  [{v.code}]" if v.code else ""))
        con.print(head)
        for e in v.evidence:
            con.print(f"    - {e}", highlight=False)
        con.print(f"    remedy: {v.remedy}", highlight=False)
        con.print()


@click.command("curves")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for machines")
@click.option("--at-epoch", type=int, default=None,
              help="judge each run from its first N epochs only (early warning)")
@click.option("--plot", "plot_dir", type=click.Path(file_okay=False), default=None,
              help="also write an SVG of each run's curves into this folder")
def curves(files: tuple[str, ...], fmt: str, at_epoch: int | None, plot_dir: str | None) -> None:
    """Classify finished runs (results.csv, results.txt, metrics.csv, Keras CSV) into a
    curve pathology with a confidence, the evidence and a remedy."""
    try:
        results = [judge_file(f, at_epoch=at_epoch) for f in files]
    except ConfigError as exc:
        raise _ConfigExit(str(exc)) from None
    if plot_dir:
        from .plot import plot_run

        out = Path(plot_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
            for run, v in results:
                (out / (Path(run.path).stem + ".svg")).write_bytes(plot_run(run, verdict=v))
        except OSError as exc:
            raise _ConfigExit(f"{plot_dir}: cannot write plots ({exc.strerror or exc})") from None
    if fmt == "json":
        click.echo(json.dumps({"runs": [v.to_json() for _, v in results]}, indent=2))
    else:
        _text(results, at_epoch)
