"""The per-file scan on a Dask cluster (``--dask tcp://scheduler:8786`` or ``--dask local``).

The client sends tasks of (reader kind, a chunk of absolute paths, options): the workers read
the files themselves, so they need the same paths (shared storage) and the same preflight
install. Each task is :func:`preflight.scan.read_chunk`, the function the local worker pool
runs, under the client's per-file caps (sent with the task), and returns the pickled facts; the client merges them and stores them in its scan cache
as a local scan would, so a later run (local or Dask) reuses them. A worker that dies mid-run
loses only its tasks in flight: the scheduler gives them to another worker.

Dask is an optional extra (``pip install 'preflight-cv[dask]'``); nothing imports this module
unless ``--dask`` is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import limits
from .errors import ConfigError
from .scan import read_chunk_under

__all__ = ["DaskExecutor"]

#: Tasks in flight per worker thread: enough to hide the round trip, few enough that the
#: scheduler's task table stays small on a 10^7-file scan.
IN_FLIGHT_PER_THREAD = 4


class DaskExecutor:
    """A :class:`preflight.scan.ChunkExecutor` over a Dask cluster; a context manager.

    ``address`` is a scheduler address (``tcp://host:8786``) or ``local`` for a LocalCluster of
    ``workers`` single-threaded processes on this machine.
    """

    def __init__(self, address: str, workers: int | None = None, *, connect_timeout: str = "20s") -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ConfigError(f"--dask needs dask.distributed: pip install 'preflight-cv[dask]' ({exc})") from None
        self.address = address
        self._cluster: Any = None
        self.client: Any = None
        try:
            if address == "local":
                import os

                n = workers or max(1, len(os.sched_getaffinity(0)))
                self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=40)
                self.client = Client(self._cluster)
            else:
                self.client = Client(address, timeout=connect_timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            self.close()
            raise ConfigError(f"--dask {address}: cannot reach the scheduler ({exc})") from None

    def threads(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def map(self, tasks: list[tuple[str, list[str], bool, dict[str, bytes] | None]]) -> Iterator[list[tuple[str, bytes, str | None]]]:
        """Run every task on the cluster; yield each result as it completes (any order)."""
        from distributed import as_completed

        if not tasks:
            return
        window = IN_FLIGHT_PER_THREAD * self.threads()
        todo = iter(tasks)
        caps = limits.current().to_env()  # this run's caps, whatever the workers' environment says
        # pure=False: a file's facts depend on the file, not only on the arguments
        first = [self.client.submit(read_chunk_under, caps, *t, pure=False) for t in _take(todo, window)]
        pending = as_completed(first, with_results=True)
        for _, part in pending:
            yield part
            nxt = next(todo, None)
            if nxt is not None:
                pending.add(self.client.submit(read_chunk_under, caps, *nxt, pure=False))

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
            self.client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _take(it: Iterator[Any], n: int) -> list[Any]:
    out = []
    for x in it:
        out.append(x)
        if len(out) >= n:
            break
    return out
