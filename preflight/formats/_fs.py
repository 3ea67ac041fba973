"""Bounded, read-only file access for readers: never follows into a FIFO or a device."""

from __future__ import annotations

import errno
import os
import stat

from .. import limits

__all__ = ["FileProblem", "read_bounded"]


class FileProblem(Exception):
    """The file cannot be read as data (a finding, not a crash)."""


def read_bounded(path: str, limit: int) -> bytes:
    """Read a regular file of at most ``limit`` bytes, opened read-only.

    Refuses FIFOs, devices, sockets and folders (reading them could block forever or never
    end), symlink loops, and files over the limit, each with a one-line reason. ``limit`` is
    the reader's default; ``--max-file-mb`` replaces it for the file being read (see
    :mod:`preflight.limits`), and a file that ran out of time is refused here, unread.
    """
    refused = limits.refusal()
    if refused is not None:
        raise FileProblem(refused)
    default, limit = limit, limits.byte_cap(limit)
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileProblem("symlink loop") from None
        raise FileProblem(exc.strerror or str(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise FileProblem("is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise FileProblem("not a regular file (FIFO, device or socket): not read")
    if st.st_size > limit:
        how = "" if limits.reading() is None else " (--max-file-mb)" if limit != default else " (raise it with --max-file-mb)"
        size, cap = f"{_mb(st.st_size)} MB", f"{_mb(limit)} MB"
        if size == cap or limit < 1 << 20:  # 256.0002 MB over 256 MB, or a cap under 1 MB: in bytes
            size, cap = f"{st.st_size:,} bytes", f"{limit:,}-byte"
        raise FileProblem(f"{size} is over the {cap} limit for this kind of file{how}: not read")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise FileProblem(exc.strerror or str(exc)) from None
    try:
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise FileProblem(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        cap = f"{_mb(limit)} MB" if limit >= 1 << 20 else f"{limit:,}-byte"
        raise FileProblem(f"grew past the {cap} limit while being read: not read")
    return data


def _mb(n: int) -> str:
    """Bytes in MB (2**20, the unit of the caps and of --max-file-mb), at most 4 digits."""
    mb = n / (1 << 20)
    return f"{mb:.0f}" if mb >= 100 or mb == int(mb) else f"{mb:.3g}"
