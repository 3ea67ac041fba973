"""Re-audit the public datasets in ../shared/data and write the committed reports.

For each dataset: ``reports/<name>.html`` (the report), ``reports/<name>.json`` (the
contract's JSON) and ``reports/<name>.md`` (a short summary). The summary is generated from
the findings and the scan's statistics only, so every sentence in it is something the audit
measured; nothing is written by hand. The datasets are only read.

Usage: python scripts/make_reports.py [--shared DIR] [--out DIR] [NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

#: (report name, data.yaml relative to shared/data)
DATASETS: list[tuple[str, str]] = [
    ("rsod", "rsod/data.yaml"),
    ("coco128", "coco128/data.yaml"),
    ("ships_roboflow", "ships_roboflow/data.yaml"),
    ("coco_tiny", "coco_tiny/data.yaml"),
    ("voc_masks-voc2012_resized_jpgs", "voc_masks/voc2012_resized_jpgs/data.yaml"),
    ("voc_masks-voc2012_clean", "voc_masks/voc2012_clean/data.yaml"),
    ("voc_masks-labelme_export", "voc_masks/labelme_export/data.yaml"),
]

#: Example locations quoted per finding in the markdown summary.
EXAMPLES_IN_SUMMARY = 3


def _md(text: Any) -> str:
    """Plain text for markdown: the characters that would start markup are escaped."""
    out = str(text)
    for ch in ("\\", "`", "*", "_", "[", "]", "<", ">", "|", "#"):
        out = out.replace(ch, "\\" + ch)
    return out


def _code(text: Any) -> str:
    t = str(text).replace("`", "'")
    return f"`{t}`"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summary_markdown(name: str, data_yaml: str, result: Any) -> str:
    """The summary of one audit, from its findings and stats only."""
    ctx = result.sections.get("data")
    stats = ctx.stats() if ctx is not None else dict(result.stats)
    counts = result.counts()
    lines = [f"# {name} — preflight audit", ""]
    splits = stats.get("splits") or {}
    split_text = ", ".join(f"{s} {n:,}" for s, n in splits.items())
    what = f"{_plural(int(stats.get('images', 0)), 'image')}"
    if stats.get("format") == "mask":
        masks = len(getattr(ctx, "masks", {}) or {})
        what += f", {_plural(masks, 'mask')}"
    else:
        what += f", {_plural(int(stats.get('labels', 0)), 'annotation')}"
    lines.append(f"Dataset {_code(data_yaml)}: {stats.get('format', '?')} format, {what}"
                 + (f" (images per split: {split_text})." if split_text else "."))
    if counts["errors"]:
        verdict = "**fix first**"
    elif counts["warnings"]:
        verdict = "**ready to train after a look at the warnings**"
    else:
        verdict = "**ready to train**"
    lines.append(f"Verdict: {verdict} — {_plural(counts['errors'], 'error')}, "
                 f"{_plural(counts['warnings'], 'warning')}, {counts['infos']} info.")
    result.sort()
    for sev, label in (("error", "Errors"), ("warning", "Warnings")):
        totals: dict[str, int] = {}
        for f in result.findings:
            if f.severity.value == sev:
                totals[f.title] = totals.get(f.title, 0) + f.count
        if totals:
            lines.append(f"{label}: " + "; ".join(f"{_md(t)} ({n:,})" for t, n in totals.items()) + ".")
    lines.append("")
    if result.findings:
        lines += ["## What preflight found", ""]
        for f in result.findings:
            head = f"- **{f.severity.value} {f.code}** {_md(f.title)}"
            if f.count > 1:
                head += f" ({f.count:,}×)"
            if f.split:
                head += f" in {_md(f.split)}"
            head += f": {_md(f.message)}"
            where = f.path + (f":{f.line}" if f.line else "") if f.path else None
            if where and f.count == 1:
                head += f" — {_code(where)}"
            lines.append(head)
            shown = []
            for ex in f.examples[:EXAMPLES_IN_SUMMARY]:
                loc = str(ex.get("path") or "") + (f":{ex['line']}" if ex.get("line") else "")
                shown.append(f"{_code(loc)} ({_md(ex.get('message', ''))})" if ex.get("message") else _code(loc))
            if shown:
                more = f.count - len(shown)
                lines.append("  e.g. " + "; ".join(shown) + (f"; and {more:,} more" if more > 0 else ""))
        lines.append("")
    else:
        lines += ["preflight found nothing to report.", ""]
    if result.predictions:
        lines += ["## Predicted training curves", ""]
        for p in result.predictions:
            because = ", ".join(_md(str(b).removeprefix("stat:")) for b in p.get("because", []))
            lines.append(f"- **{_md(str(p['pathology']).replace('_', ' '))}** ({p['likelihood']}): because {because}. "
                         f"Remedy: {_md(p.get('remedy', ''))}.")
        lines.append("")
    for note in result.notes:
        lines.append(f"Note: {_md(note)}")
    lines += [f"Full report: [{name}.html]({name}.html) · JSON: [{name}.json]({name}.json) · "
              f"regenerate with `make reports`.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "reports")
    parser.add_argument("names", nargs="*", help="only these datasets (default: all)")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        print(f"make_reports: {args.shared} not found (the public datasets live in ../shared/data)", file=sys.stderr)
        return 2
    from preflight.pipeline import run_check
    from preflight.report.html import write_html

    wanted = set(args.names)
    unknown = wanted - {n for n, _ in DATASETS}
    if unknown:
        print(f"make_reports: unknown dataset(s) {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    os.chdir(REPO)  # input paths in the JSON stay relative (../shared/data/...), the same on every machine
    for name, rel in DATASETS:
        if wanted and name not in wanted:
            continue
        data_yaml = Path(os.path.relpath(args.shared / rel, REPO))
        result, _ = run_check(data_yaml, None, use_cache=False)
        html = write_html(result, args.out / f"{name}.html")
        (args.out / f"{name}.json").write_text(json.dumps(result.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (args.out / f"{name}.md").write_text(summary_markdown(name, data_yaml.as_posix(), result), encoding="utf-8")
        c = result.counts()
        print(f"{name}: {c['errors']} errors, {c['warnings']} warnings, {c['infos']} info -> "
              f"{html.relative_to(REPO) if html.is_relative_to(REPO) else html} ({html.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
