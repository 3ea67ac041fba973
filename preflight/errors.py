"""The one error the CLI turns into exit code 2 with a one-line message."""

from __future__ import annotations

__all__ = ["ConfigError"]


class ConfigError(Exception):
    """A usage or config problem: bad path, unreadable YAML, wrong type.

    The message is one line and names the file (and line where known).
    """
