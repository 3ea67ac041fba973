"""Unreadable label file: a label source that cannot be parsed at all.

What it checks
    YOLO txt files that are not UTF-8 text (binary data, NUL bytes, UTF-16), VOC xml that is
    not well-formed or uses entities (refused for safety), COCO json that is not valid JSON
    or lacks the ``images`` / ``annotations`` / ``categories`` lists, and label files over the
    size limit.

Why it matters
    Every object of that file is lost: the image trains as background, so the model learns
    that its objects are not objects.

Example
    Bad: ``labels/train/0001.txt`` holds a PNG's bytes; ``Annotations/x.xml`` declares
    ``<!ENTITY xxe SYSTEM "file:///etc/passwd">``.
    Good: UTF-8 text with one annotation per line; plain XML; valid COCO JSON.

How to fix
    Re-export the file from the labelling tool (as UTF-8), or restore it from version control.
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "D101", "unreadable-label-file", severity="error", title="label file cannot be parsed",
    pathology="training_failure", remedy="re-export the file from the labelling tool as UTF-8, or restore it",
)
def unreadable_label_file(ctx):
    table = ctx.labels
    errors = [(row, table.errors[row]) for row in sorted(table.errors) if table.errors[row]]  # the table's order
    if errors:
        split_of = {s.label: s.split for s in ctx.samples if s.label}
        for row, error in errors:
            path = table.paths[row]
            yield Hit(error, path=ctx.rel(path), split=split_of.get(path))
    for split, facts in ctx.coco.items():
        if facts is not None and facts.error:
            yield Hit(facts.error, path=ctx.rel(ctx.layout.coco_files[split]), split=split, group=ctx.layout.coco_files[split])
