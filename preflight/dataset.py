"""Dataset layout: which images belong to which split, and which label file belongs to each.

Follows Ultralytics for YOLO (a split is a folder searched recursively, a list file of image
paths, or a list of those; labels sit where ``/images/`` becomes ``/labels/``), and the
contract for the others (VOC xml and mask PNGs matched to images by file stem, COCO images
matched by ``file_name``). Only names and ``stat`` are read here; file contents are the
readers' job.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .config import DataConfig
from .formats._fs import FileProblem, read_bounded
from .formats.images import IMAGE_SUFFIXES

__all__ = ["Layout", "Sample", "discover", "guess_format", "yolo_label_path"]

#: Label-mask suffixes, preferred first.
MASK_SUFFIXES = (".png", ".bmp", ".tif", ".tiff", ".jpg", ".jpeg", ".webp")
#: Files in a labels folder that are not labels (labelImg and Roboflow write these).
#: A split list file (one image path a line) over 64 MB is not read: that is ~1 M paths of 60
#: characters, 8× Open Images' 1.7 M train images listed with short names.
MAX_LIST_BYTES = 64 * 1024 * 1024
NOT_LABELS = frozenset({"classes.txt", "readme.txt", "readme.md.txt", "notes.txt"})


@dataclass(slots=True)
class Sample:
    split: str
    #: absolute image path
    image: str
    #: absolute path of the label source (txt, xml, png, or the COCO json); None = none found
    label: str | None = None
    #: COCO image id inside ``label``
    coco_id: int | None = None
    #: where the label was expected, when none was found
    expected_label: str | None = None


@dataclass
class Layout:
    format: str
    samples: list[Sample] = field(default_factory=list)
    #: (split, entry as written, resolved path) of split entries that do not exist
    missing: list[tuple[str, str, str]] = field(default_factory=list)
    #: (split, list file, line, entry, resolved path) of list-file lines whose image does not exist
    missing_listed: list[tuple[str, str, int, str, str]] = field(default_factory=list)
    #: label files that match no image: (split, absolute path)
    orphan_labels: list[tuple[str, str]] = field(default_factory=list)
    #: split -> COCO json (absolute)
    coco_files: dict[str, str] = field(default_factory=dict)
    #: split -> image folders that were searched
    image_dirs: dict[str, list[str]] = field(default_factory=dict)

    def scan_plan(self) -> dict[str, list[str]]:
        """The files each reader kind reads, in scan order: the label files (or masks, and then the
        edge maps of the images they belong to), the COCO jsons, the images."""
        plan: dict[str, list[str]] = {}
        labels = sorted({s.label for s in self.samples if s.label} | {p for _, p in self.orphan_labels})
        if self.format == "mask":
            plan["mask"] = labels
            plan["edges"] = sorted({s.image for s in self.samples if s.label})
        elif self.format in ("yolo", "voc"):
            plan[self.format] = labels
        if self.coco_files:
            plan["coco"] = sorted(set(self.coco_files.values()))
        plan["image"] = sorted({s.image for s in self.samples})
        return plan


def _is_image(name: str) -> bool:
    return name.rsplit(".", 1)[-1].lower() in IMAGE_SUFFIXES if "." in name else False


def _walk(folder: str, want: Callable[[str], bool]) -> list[str]:
    """Files under ``folder`` (recursive, sorted), following no symlinked folders twice."""
    out: list[str] = []
    seen: set[tuple[int, int]] = set()
    stack = [folder]
    while stack:
        d = stack.pop()
        try:
            st = os.stat(d)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:  # a symlink loop or a folder linked twice
            continue
        seen.add((st.st_dev, st.st_ino))
        try:
            with os.scandir(d) as it:
                for e in it:
                    try:
                        is_dir = e.is_dir()
                    except OSError:  # a symlink loop: the reader reports it as a file problem
                        is_dir = False
                    if is_dir:
                        stack.append(e.path)
                    elif want(e.name):
                        out.append(e.path)
        except OSError:
            continue
    out.sort()
    return out


def _resolve_entry(cfg: DataConfig, entry: str) -> Path:
    p = Path(entry.replace("\\", "/") if not os.path.exists(entry) else entry).expanduser()
    if not p.is_absolute():
        q = cfg.root / p
        if not q.exists() and entry.startswith("../"):  # Ultralytics' fallback
            q = cfg.root / entry[3:]
        p = q
    return Path(os.path.normpath(p))


def _split_images(cfg: DataConfig, split: str, layout: Layout) -> list[str]:
    images: list[str] = []
    dirs: list[str] = []
    for entry in cfg.splits.get(split, []):
        p = _resolve_entry(cfg, entry)
        if p.is_dir():
            dirs.append(str(p))
            images.extend(_walk(str(p), _is_image))
        elif p.is_file() and _is_image(p.name):
            images.append(str(p))
        elif p.is_file():
            try:  # bounded: a list file that is really /proc/kcore or a 10 GB dump is not read whole
                text = read_bounded(str(p), MAX_LIST_BYTES).decode("utf-8", errors="replace")
            except FileProblem:
                layout.missing.append((split, entry, str(p)))
                continue
            parent = p.parent
            for no, line in enumerate(text.splitlines(), start=1):
                line = line.strip()
                if not line:
                    continue
                q = Path(line)
                if not q.is_absolute():
                    q = parent / (line[2:] if line.startswith("./") else line)
                    if not q.exists() and (cfg.root / line).exists():
                        q = cfg.root / line
                q = Path(os.path.normpath(q))
                if q.exists():
                    images.append(str(q))
                else:
                    layout.missing_listed.append((split, str(p), no, line, str(q)))
            dirs.extend(sorted({str(Path(i).parent) for i in images}))
        else:
            layout.missing.append((split, entry, str(p)))
    layout.image_dirs[split] = dirs
    # a list naming the same file twice is one sample, like Ultralytics' dict of files
    return list(dict.fromkeys(images))


def yolo_label_path(image: str) -> str:
    sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
    base = sb.join(image.rsplit(sa, 1)) if sa in image else image
    return base.rsplit(".", 1)[0] + ".txt"


def guess_format(cfg: DataConfig) -> str:
    if cfg.format:
        return cfg.format
    if cfg.masks:
        return "mask"
    if cfg.annotations:
        first = next(iter(cfg.annotations.values()))
        return "coco" if first.lower().endswith(".json") else "voc"
    return "yolo"


def _label_dir(cfg: DataConfig, mapping: dict[str, str], split: str) -> str | None:
    entry = mapping.get(split)
    if entry is None:
        return None
    return str(_resolve_entry(cfg, entry))


def discover(cfg: DataConfig) -> Layout:
    fmt = guess_format(cfg)
    layout = Layout(format=fmt)
    per_split = {split: _split_images(cfg, split, layout) for split in cfg.splits}
    if fmt == "yolo":
        _pair_yolo(per_split, layout)
    elif fmt == "voc":
        _pair_by_stem(cfg, per_split, layout, cfg.annotations, ".xml", "Annotations")
    elif fmt == "mask":
        # masks are PNGs as a rule; other picture formats are paired too, so that a JPEG mask is
        # reported as one (M109) instead of looking like an image without a mask
        _pair_by_stem(cfg, per_split, layout, cfg.masks, MASK_SUFFIXES, "SegmentationClass")
    elif fmt == "coco":
        for split, images in per_split.items():
            js = _label_dir(cfg, cfg.annotations, split)
            if js is not None:
                layout.coco_files[split] = js
            layout.samples.extend(Sample(split, img, js) for img in images)
    return layout


def _pair_yolo(per_split: dict[str, list[str]], layout: Layout) -> None:
    claimed: set[str] = set()
    label_dirs: dict[str, set[str]] = {}
    for split, images in per_split.items():
        dirs = label_dirs.setdefault(split, set())
        for img in images:
            lp = yolo_label_path(img)
            dirs.add(os.path.dirname(lp))
            claimed.add(lp)
    found: dict[str, set[str]] = {}
    for dirs in label_dirs.values():
        for d in sorted(dirs):
            if d not in found:
                try:
                    with os.scandir(d) as it:
                        found[d] = {e.path for e in it if e.name.endswith(".txt")}
                except OSError:
                    found[d] = set()
    for split, images in per_split.items():
        for img in images:
            lp = yolo_label_path(img)
            d = os.path.dirname(lp)
            exists = lp in found.get(d, ()) or os.path.isfile(lp)
            layout.samples.append(Sample(split, img, lp if exists else None, expected_label=None if exists else lp))
    seen: set[str] = set()
    for split, dirs in label_dirs.items():
        for d in sorted(dirs):
            for lp in sorted(found.get(d, ())):
                if lp not in claimed and lp not in seen and os.path.basename(lp).lower() not in NOT_LABELS:
                    seen.add(lp)
                    layout.orphan_labels.append((split, lp))


def _pair_by_stem(
    cfg: DataConfig, per_split: dict[str, list[str]], layout: Layout,
    mapping: dict[str, str], suffix: str | tuple[str, ...], default_dir: str,
) -> None:
    suffixes = (suffix,) if isinstance(suffix, str) else suffix
    index: dict[str, dict[str, str]] = {}
    all_stems: set[str] = set()
    folder_of: dict[str, str] = {}
    for split, images in per_split.items():
        folder = _label_dir(cfg, mapping, split)
        if folder is None:  # default: a folder beside the images' folder
            parents = {str(Path(i).parent.parent / default_dir) for i in images}
            folder = sorted(parents)[0] if len(parents) == 1 else str(cfg.root / default_dir)
        folder_of[split] = folder
        if folder not in index:
            files = _walk(folder, lambda n: n.lower().endswith(suffixes)) if os.path.isdir(folder) else []
            # the first suffix wins when one stem has several files (x.png beside x.jpg)
            files.sort(key=lambda f: (Path(f).stem, suffixes.index(Path(f).suffix.lower()) if Path(f).suffix.lower() in suffixes else 99))
            index[folder] = {}
            for f in files:
                index[folder].setdefault(Path(f).stem, f)
        for img in images:
            stem = Path(img).stem
            all_stems.add(stem)
            lp = index[folder].get(stem)
            layout.samples.append(
                Sample(split, img, lp, expected_label=None if lp else os.path.join(folder, stem + suffixes[0]))
            )
    done: set[str] = set()
    for split, folder in folder_of.items():
        if folder in done:
            continue
        done.add(folder)
        for stem, lp in sorted(index[folder].items()):
            if stem not in all_stems:
                layout.orphan_labels.append((split, lp))
