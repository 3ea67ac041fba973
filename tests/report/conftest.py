"""Fixtures for the report tests (helpers live in report_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_helpers import build_hostile_dataset


@pytest.fixture
def hostile_dataset(tmp_path: Path) -> Path:
    return build_hostile_dataset(tmp_path)
