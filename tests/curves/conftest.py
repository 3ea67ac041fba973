from __future__ import annotations

from pathlib import Path

import pytest

LOGS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "training_logs"


@pytest.fixture
def logs_dir() -> Path:
    if not (LOGS / "INDEX.csv").is_file():
        pytest.skip(f"shared data absent: {LOGS.resolve()} (the 40 labelled training logs)")
    return LOGS.resolve()
