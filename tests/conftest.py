from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own scan cache, so no test sees another's cached facts."""
    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip("needs ../shared/data (the real public datasets; present in CI and dev sessions)")
    return SHARED


def tree_hash(root: Path) -> str:
    """Hash of every file's path, size, mtime and bytes under root (to prove nothing was written)."""
    h = hashlib.blake2b(digest_size=16)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            try:
                st = p.lstat()
            except OSError:
                continue
            h.update(f"{p.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}|{st.st_mode}".encode())
            if p.is_file() and not p.is_symlink():
                with open(p, "rb") as fh:
                    h.update(fh.read())
        h.update(("|".join(sorted(dirnames))).encode())
    return h.hexdigest()
