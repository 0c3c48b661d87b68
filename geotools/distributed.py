"""Series work on a Dask cluster: the same chunks as the local worker processes, as Dask tasks.

Each task is one :class:`~geotools.pairs.ChunkJob` (consecutive periods and the files they
span), run by :func:`~geotools.pairs.run_chunk` in a worker; the client gathers the plain-data
results in chunk order, so the table is the one a local run makes, whatever the number of
workers or chunks. Dask is optional (``pip install 'geotools-frontline[dask]'``) and imported
only when a run asks for it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

import geotools
from geotools import cache, interrupts
from geotools.errors import ClusterError, GeotoolsError, UsageError
from geotools.pairs import ChunkJob, PairResult, run_chunk
from geotools.progress import progress

if TYPE_CHECKING:
    from distributed import Client, Future

log = logging.getLogger(__name__)

#: Reruns of a task that raised something other than a GeotoolsError (a flaky network file
#: system, say). A worker that dies is not this: the scheduler reruns its tasks on another
#: worker, up to ``distributed.scheduler.allowed-failures`` times (Dask's default: 3).
RETRIES = 2


def _dask() -> ModuleType:
    """The ``distributed`` package, or a usage error naming the extra to install."""
    try:
        import distributed
    except ImportError as exc:
        raise UsageError(
            f"--scheduler distributed needs Dask: pip install 'geotools-frontline[dask]' ({exc})"
        ) from None
    return distributed


@dataclass
class TaskResult:
    """What a task sends back: the chunk's results or its one-line error, and its log lines."""

    results: list[PairResult] = field(default_factory=list)
    error: Exception | None = None  # a GeotoolsError from the worker, or what the client saw
    logs: list[tuple[int, str, str]] = field(default_factory=list)  # level, logger, message


class _Collect(logging.Handler):
    """Keeps the log lines of one task's thread (a worker may run several tasks at once)."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.thread = threading.get_ident()
        self.lines: list[tuple[int, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's text when it comes from this task's thread."""
        if record.thread == self.thread:
            self.lines.append((record.levelno, record.name, record.getMessage()))


def run_task(
    job: ChunkJob, cache_dir: str | None, log_level: int, own_worker: bool = False
) -> TaskResult:
    """One chunk, in a Dask worker: results, or the GeotoolsError it raised, and its logs.

    A GeotoolsError comes back as a value, not raised: a bad file is bad on every retry, and
    the client raises it as the local run would. In a worker of the run's own local cluster
    (``own_worker``), library warnings (GDAL's "non closed ring"…) become log records sent to
    the client, as the CLI does in its own process; another cluster's workers keep theirs.
    """
    if own_worker:
        logging.captureWarnings(True)
    logger = logging.getLogger("geotools")
    if logger.getEffectiveLevel() > log_level:
        logger.setLevel(log_level)  # the client's -v: only ever lowered, only for geotools
    handler = _Collect(log_level)
    loggers = [logger, logging.getLogger("py.warnings")]
    for each in loggers:
        each.addHandler(handler)
    try:
        # the client's cache for this task's thread only: the worker's own setting is left
        # as it was for other clients' tasks
        with cache.using(cache_dir):
            return TaskResult(results=run_chunk(job), logs=handler.lines)
    except GeotoolsError as exc:
        return TaskResult(error=exc, logs=handler.lines)
    finally:
        for each in loggers:
            each.removeHandler(handler)


def worker_version() -> str:
    """The geotools version a worker imports."""
    return geotools.__version__


@dataclass
class DaskPool:
    """Runs chunks on a Dask cluster through ``client``; ``workers`` is its thread count."""

    client: Client
    workers: int
    own_cluster: bool = False

    @property
    def chunks(self) -> int:
        """About 8 chunks per worker thread, large first and small last (series.chunk_sizes:
        the first one a 2×threads-th of the periods): enough to balance the load and to lose
        little when a worker dies, few enough that Dask's per-task cost stays small."""
        return self.workers * 8

    def run(
        self,
        jobs: Sequence[ChunkJob],
        show_progress: bool | None,
        ready: Callable[[], object],
    ) -> list[PairResult]:
        """The chunks' results in chunk order; the first failing chunk's error is raised.
        ``ready()`` first: a region layer that cannot be built fails here, not in every task."""
        ready()
        dask = _dask()
        futures: list[Future[TaskResult]] = self.client.map(
            run_task,
            list(jobs),
            cache_dir=os.environ.get("GEOTOOLS_CACHE"),
            log_level=logging.getLogger("geotools").getEffectiveLevel(),
            own_worker=self.own_cluster,
            pure=False,
            retries=RETRIES,
        )
        index = {f.key: i for i, f in enumerate(futures)}
        done: list[TaskResult | None] = [None] * len(futures)
        first: int | None = None  # the earliest chunk known to have failed
        with progress(len(futures), "measuring", show_progress) as advance:
            for future in dask.as_completed(futures, loop=self.client.loop):
                i = index[future.key]
                if future.cancelled() or (first is not None and i > first):
                    continue
                task = done[i] = _outcome(future, jobs[i], dask)
                advance()
                if task.error is not None:
                    # The run fails with the error of the earliest failing chunk, as a local
                    # run in order would: the chunks after it are not needed.
                    first = i
                    self.client.cancel(futures[i + 1 :])  # type: ignore[no-untyped-call]
                if first is not None and all(d is not None for d in done[:first]):
                    break
        finished = done if first is None else done[: first + 1]
        seen: set[tuple[int, str, str]] = set()
        for outcome in finished:
            assert outcome is not None
            for line in outcome.logs:
                if line not in seen:  # e.g. a region layer's report: once, not per worker
                    seen.add(line)
                    logging.getLogger(line[1]).log(line[0], "%s", line[2])
            if outcome.error is not None:
                raise outcome.error
        return [r for outcome in finished if outcome is not None for r in outcome.results]


def _outcome(future: Future[TaskResult], job: ChunkJob, dask: ModuleType) -> TaskResult:
    """A finished task's result; a task that raised becomes a result holding the error."""
    try:
        task: TaskResult = future.result()
    except dask.KilledWorker as exc:
        span = f"{job.periods[0].start} … {job.periods[-1].end}"
        tries = exc.allowed_failures + 1
        error = ClusterError(
            f"Dask workers died running the chunk {span} ({tries} attempt{'s' * (tries > 1)}, "
            f"the last on {exc.last_worker.address}); see the workers' logs"
        )
        return TaskResult(error=error)
    except Exception as exc:  # a bug, raised after RETRIES reruns: the CLI's internal error
        return TaskResult(error=exc)
    return task


@contextmanager
def dask_pool(address: str | None, workers: int | None) -> Iterator[DaskPool]:
    """A pool on the Dask scheduler at ``address``, or on a cluster started for the run.

    The local cluster has ``workers`` single-threaded processes (default: one per core).
    """
    dask = _dask()
    if address is not None and workers is not None:
        raise UsageError(
            "--workers sets the processes of a local Dask cluster; a cluster at --address "
            "has its own workers"
        )
    with _quiet_dask(), ExitStack() as stack:  # closes the client, then the cluster
        if address is None:
            with interrupts.held():  # a cluster cut in half at start does not close cleanly
                cluster = dask.LocalCluster(
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address="127.0.0.1:0",  # a free port: no clash on 8787
                    silence_logs=_dask_log_level(),  # in the worker processes
                )
                stack.enter_context(cluster)
                client = stack.enter_context(dask.Client(cluster, set_as_default=False))
        else:
            try:
                client = dask.Client(address, set_as_default=False)
            except (OSError, ValueError) as exc:
                text = " ".join(str(exc).split())
                raise ClusterError(
                    f"cannot reach the Dask scheduler at {address}: {text}"
                ) from None
            stack.enter_context(client)
        where = address or "a local cluster"
        _check_workers(client, where)
        threads = sum(client.nthreads().values())
        log.info("Dask scheduler at %s: %d worker threads", where, threads)
        yield DaskPool(client, max(1, threads), own_cluster=address is None)


def _dask_log_level() -> int:
    """The level of Dask's own log lines: none by default, warnings with -v, all with -vv.

    Dask logs to its own handler on stderr: cluster start and stop, workers lost and
    replaced, and, when a cluster stops, tracebacks of heartbeats that met a closed
    scheduler. What matters to the run reaches the user as its one-line error.
    """
    own = logging.getLogger("geotools").getEffectiveLevel()
    if own <= logging.DEBUG:
        return logging.INFO
    return logging.WARNING if own <= logging.INFO else logging.CRITICAL


@contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's log lines in this process at :func:`_dask_log_level` for the run."""
    logger = logging.getLogger("distributed")
    saved = logger.level
    logger.setLevel(_dask_log_level())
    try:
        yield
    finally:
        logger.setLevel(saved)


def _check_workers(client: Client, where: str) -> None:
    """Every worker imports the geotools of this process (same version)."""
    try:
        versions: dict[str, str] = client.run(worker_version)
    except Exception as exc:  # typically ModuleNotFoundError, raised in the worker
        text = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        raise ClusterError(
            f"Dask workers at {where} cannot run geotools ({text}); "
            f"install geotools-frontline {geotools.__version__} on every worker"
        ) from None
    other = {w: v for w, v in versions.items() if v != geotools.__version__}
    if other:
        listed = ", ".join(f"{w} has {v}" for w, v in sorted(other.items()))
        raise ClusterError(
            f"Dask workers run another geotools version than {geotools.__version__} "
            f"({listed}); install the same version everywhere"
        )
