"""Bounded, read-only file access for readers: never follows into a FIFO or a device."""

from __future__ import annotations

import errno
import os
import stat

__all__ = ["FileProblem", "read_bounded"]


class FileProblem(Exception):
    """The file cannot be read as data (a finding, not a crash)."""


def read_bounded(path: str, limit: int) -> bytes:
    """Read a regular file of at most ``limit`` bytes, opened read-only.

    Refuses FIFOs, devices, sockets and folders (reading them could block forever or never
    end), symlink loops, and files over the limit, each with a one-line reason.
    """
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
        raise FileProblem(f"{st.st_size / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB limit for this kind of file: not read")
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
        raise FileProblem(f"grew past the {limit / 1e6:.0f} MB limit while being read: not read")
    return data
