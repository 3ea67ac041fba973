"""The command line: ``preflight check | data | model | curves | explain | checks``.

Exit codes (contract): 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 a usage or config error, printed as one line naming the file and the problem; 3 an
internal error (a bug in preflight), also one line; 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import ConfigError

FORMATS = ("text", "json", "sarif")


def _codes(values: tuple[str, ...]) -> list[str]:
    return [c.strip().upper() for v in values for c in v.split(",") if c.strip()]


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                     help="stdout: text for people, json for machines, sarif for code-scanning UIs."),
        click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Write the self-contained HTML report here."),
        click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]), default="error",
                     show_default=True, help="Lowest severity that makes the exit code 1."),
        click.option("--select", multiple=True, metavar="CODES", help="Run only these checks (codes or prefixes: D1, M, B201; comma-separated or repeated)."),
        click.option("--ignore", multiple=True, metavar="CODES", help="Skip these checks (codes or prefixes)."),
        click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes for scanning (default: number of cores)."),
        click.option("--no-cache", is_flag=True, help="Ignore the scan cache (read every file again)."),
        click.option("--deep", is_flag=True, help="Decode every image (truncation inside the stream, near-duplicate hashes); slower."),
        click.option("--verbose", "-v", is_flag=True, help="Also print the details of info findings."),
        click.option("--export-fiftyone", "export_fiftyone", type=click.Path(file_okay=False, path_type=Path), default=None,
                     metavar="DIR", help="Write the flagged samples as a FiftyOne dataset (check codes as tags) to DIR."),
    ]
    for opt in reversed(options):
        func = opt(func)
    return func


def model_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--device", default="auto", show_default=True, metavar="auto|cpu|cuda[:N]",
                     help="Where the probe runs; auto = CUDA when available, else CPU."),
        click.option("--no-probe", is_flag=True, help="Skip the overfit-one-batch probe."),
    ]
    for opt in reversed(options):
        func = opt(func)
    return func


#: scanning on a Dask cluster: for the commands that scan a dataset (data, check)
dask_option = click.option("--dask", "dask", default=None, metavar="ADDRESS",
                           help="Scan on a Dask cluster: a scheduler address (tcp://host:8786) or 'local'.")


def _max_file_mb(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, int]:
    from .limits import parse_max_file_mb

    try:
        return parse_max_file_mb(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc).removeprefix("--max-file-mb: ")) from None


def _file_timeout(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if value != value:  # NaN passes FloatRange's bounds
        raise click.BadParameter("must be a number of seconds (0: no limit)")
    return value


def limit_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Per-file caps, for the commands that scan a dataset (data, check): docs/limits.md."""
    from .limits import DEFAULT_FILE_TIMEOUT, SECONDS_PER_MB

    options = [
        click.option("--max-file-mb", "max_file_mb", multiple=True, metavar="[KIND=]MB", callback=_max_file_mb,
                     help="Size cap per dataset file, replacing the defaults: MB for every kind, or "
                          "KIND=MB for one of image, yolo, voc, coco, mask (repeatable). A file over it is "
                          "a finding, never read."),
        click.option("--file-timeout", "file_timeout", type=click.FloatRange(min=0), default=DEFAULT_FILE_TIMEOUT,
                     callback=_file_timeout,
                     show_default=True, metavar="SECONDS",
                     help=f"Time budget per file, plus {SECONDS_PER_MB:g} s per MB of the file; a file over it "
                          "is a finding naming the cap. 0: no limit."),
    ]
    for opt in reversed(options):
        func = opt(func)
    return func


def _limits(max_file_mb: dict[str, int], file_timeout: float) -> Any:
    from .limits import Limits, applied

    return applied(Limits(file_timeout=file_timeout, max_bytes=max_file_mb))


def emit(result: Any, fmt: str, html: Path | None, fail_on: str, verbose: bool = False,
         export_fiftyone: Path | None = None) -> None:
    if export_fiftyone is not None:
        try:
            from .report.fiftyone_export import export_fiftyone as export
        except ImportError as exc:
            raise ConfigError(f"--export-fiftyone needs FiftyOne: pip install 'preflight-cv[fiftyone]' ({exc})") from None
        n = export(result, export_fiftyone)
        result.notes.append(f"FiftyOne export: {n} flagged samples in {export_fiftyone}")
    if html is not None:
        from .report.html import write_html

        write_html(result, html)
        result.notes.append(f"HTML report: {html}")
    if fmt == "json":
        json.dump(result.to_json(), sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    elif fmt == "sarif":
        from .report.sarif import to_sarif

        json.dump(to_sarif(result), sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    else:
        from .report.text import print_text

        print_text(result, verbose=verbose)
    sys.exit(result.exit_code(fail_on))


class LazyGroup(click.Group):
    """Commands whose modules load only when the command runs (``preflight data`` stays light)."""

    lazy = {"curves": ("preflight.curves.cli", "curves")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            import importlib

            module, attr = self.lazy[name]
            try:
                return getattr(importlib.import_module(module), attr)
            except ImportError as exc:  # pragma: no cover - a broken install
                raise ConfigError(f"`preflight {name}` is unavailable: {exc}") from None
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="preflight")
def main() -> None:
    """Audit a computer-vision dataset and a PyTorch training setup before training.

    \b
    preflight check data.yaml model.yaml   everything: data, model, probe, HTML report
    preflight data data.yaml               the dataset only (fast; no torch)
    preflight model model.yaml             model, loss, optimizer, input pipeline, probe
    preflight curves results.csv           classify finished training runs
    preflight explain D103                 what a check looks for, why, how to fix
    preflight checks                       every check: code, severity, title
    """


@main.command()
@click.argument("data_yaml", type=click.Path(path_type=Path))
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@common_options
@dask_option
@limit_options
def data(data_yaml: Path, files: tuple[Path, ...], fmt: str, html: Path | None, fail_on: str,
         select: tuple[str, ...], ignore: tuple[str, ...], jobs: int | None, no_cache: bool, deep: bool,
         verbose: bool, export_fiftyone: Path | None, dask: str | None, max_file_mb: dict[str, int],
         file_timeout: float) -> None:
    """Audit the dataset described by DATA_YAML (YOLO, COCO, VOC or masks).

    With FILES (pre-commit mode), only the samples those files belong to are audited,
    plus the cheap dataset-wide checks. Never imports torch.
    """
    from .engine import audit_data
    from .report.text import progress_factory

    with _limits(max_file_mb, file_timeout):
        result, _ = audit_data(
            data_yaml, files=[str(f) for f in files] or None, deep=deep, jobs=jobs, use_cache=not no_cache,
            select=_codes(select), ignore=_codes(ignore), progress=progress_factory(fmt == "text"), dask=dask,
            reuse=html is None and export_fiftyone is None,  # the report and the export need the scan's facts
        )
    emit(result, fmt, html, fail_on, verbose, export_fiftyone)


@main.command()
@click.argument("data_yaml", type=click.Path(path_type=Path))
@click.argument("model_yaml", type=click.Path(path_type=Path), required=False)
@common_options
@model_options
@dask_option
@limit_options
def check(data_yaml: Path, model_yaml: Path | None, fmt: str, html: Path | None, fail_on: str,
          select: tuple[str, ...], ignore: tuple[str, ...], jobs: int | None, no_cache: bool, deep: bool,
          verbose: bool, export_fiftyone: Path | None, device: str, no_probe: bool, dask: str | None,
          max_file_mb: dict[str, int], file_timeout: float) -> None:
    """Everything: audit DATA_YAML, then MODEL_YAML (model, loss, optimizer, probe), predict the
    training curves, and write the HTML report (default reports/<dataset-name>.html)."""
    from .pipeline import run_check
    from .report.text import progress_factory

    with _limits(max_file_mb, file_timeout):
        result, default_html = run_check(
            data_yaml, model_yaml, deep=deep, jobs=jobs, use_cache=not no_cache, select=_codes(select),
            ignore=_codes(ignore), device=device, probe=not no_probe, progress=progress_factory(fmt == "text"),
            dask=dask,
        )
    emit(result, fmt, html or default_html, fail_on, verbose, export_fiftyone)


@main.command()
@click.argument("model_yaml", type=click.Path(path_type=Path))
@click.option("--data", "data_yaml", type=click.Path(path_type=Path), default=None, help="data.yaml whose images feed the default loader.")
@common_options
@model_options
def model(model_yaml: Path, data_yaml: Path | None, fmt: str, html: Path | None, fail_on: str,
          select: tuple[str, ...], ignore: tuple[str, ...], jobs: int | None, no_cache: bool, deep: bool,
          verbose: bool, export_fiftyone: Path | None, device: str, no_probe: bool) -> None:
    """Audit the training setup in MODEL_YAML: input pipeline, last layer vs loss, init,
    BatchNorm and freezing, optimizer coverage, learning rate, and the overfit-one-batch probe."""
    from .pipeline import run_model

    result = run_model(model_yaml, data_yaml, device=device, probe=not no_probe,
                       select=_codes(select), ignore=_codes(ignore))
    emit(result, fmt, html, fail_on, verbose, export_fiftyone)


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """What check CODE looks for, why it matters, an example, and how to fix it.

    CODE may also be a curve pathology (e.g. overfitting) to see how preflight predicts it.
    """
    from .registry import explain_text, get_check

    entry = get_check(code)
    if entry is not None:
        click.echo(explain_text(entry), nl=False)
        return
    try:
        from .predict import explain_pathology
    except ImportError:
        explain_pathology = None  # type: ignore[assignment]
    from .findings import PATHOLOGIES

    if explain_pathology is not None and code.lower() in PATHOLOGIES:
        click.echo(explain_pathology(code.lower()))
        return
    raise ConfigError(f"unknown check code {code!r}: `preflight checks` lists them")


@main.command("checks")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def list_checks(fmt: str) -> None:
    """List every check: code, severity, scope, title."""
    from .registry import all_checks

    entries = all_checks()
    if fmt == "json":
        click.echo(json.dumps([{"code": c.code, "name": c.name, "severity": c.severity.value, "scope": c.scope,
                                "title": c.title, "pathology": c.pathology} for c in entries], indent=2))
        return
    if fmt == "markdown":
        click.echo("| code | severity | scope | title |\n|---|---|---|---|")
        for c in entries:
            click.echo(f"| `{c.code}` | {c.severity.value} | {c.scope} | {c.title} |")
        return
    for c in entries:
        click.echo(f"{c.code}  {c.severity.value:<7}  {c.scope:<6}  {c.title}")


def run(argv: list[str] | None = None) -> int:
    """Run the CLI; every usage or config error is one line on stderr and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 prints as \udcff, never a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if not args:
        click.echo(main.get_help(click.Context(main, info_name="preflight")))
        return 0
    try:
        main.main(args=args, prog_name="preflight", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 1
    except click.UsageError as exc:
        hint = f" (see `preflight {exc.ctx.command.name} --help`)" if exc.ctx and exc.ctx.command.name != "main" else " (see `preflight --help`)"
        click.echo(f"preflight: error: {exc.format_message()}{hint}", err=True)
        return 2
    except click.exceptions.Abort as exc:  # click wraps Ctrl-C; the engine's Interrupted says how far it got
        why = str(exc.__cause__ or "")
        click.echo(f"preflight: interrupted{f': {why}' if why else ''}", err=True)
        return 130
    except click.ClickException as exc:
        click.echo(f"preflight: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except ConfigError as exc:
        click.echo(f"preflight: error: {exc}", err=True)
        return 2
    except KeyboardInterrupt as exc:
        click.echo(f"preflight: interrupted{f': {exc}' if str(exc) else ''}", err=True)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug of ours: one line for people, the traceback on request
        if os.environ.get("PREFLIGHT_DEBUG"):
            raise
        where = ""
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
        click.echo(f"preflight: internal error: {type(exc).__name__}: {exc}{where} "
                   "(a bug in preflight: please report it; PREFLIGHT_DEBUG=1 shows the traceback)", err=True)
        return 3
    return 0


def cli_entry() -> None:
    sys.exit(run())


if __name__ == "__main__":  # pragma: no cover
    cli_entry()
