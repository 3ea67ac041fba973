from __future__ import annotations

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
