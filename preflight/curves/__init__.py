"""Classify finished training runs from their logs (``preflight curves``). No torch here."""

from __future__ import annotations

from .classify import MIN_EPOCHS, Verdict, classify
from .plot import plot_run
from .readers import Run, read_run

__all__ = ["MIN_EPOCHS", "Run", "Verdict", "classify", "plot_run", "read_run"]
