"""Where a class batch's submissions are graded: a Dask cluster (``dask.distributed``).

By default :func:`start_cluster` makes a ``LocalCluster`` of ``jobs`` worker processes on this
machine, forked from the grader after it has imported what grading needs (one shared copy of
those imports), talking over TLS with certificates made for this run alone, so no other user
of the machine can hand the workers work. ``scheduler`` names an existing cluster instead
(``tcp://HOST:PORT`` or ``tls://...`` with Dask's own TLS settings); its workers need
convgrade, the course at the same path (or ``CONVGRADE_COURSE``) and the course secret
(``CONVGRADE_SECRET``), and bubblewrap as root for the sandbox.

Each worker runs one submission at a time and keeps its next kernel starting
(:class:`WarmKernels`). A worker that dies under a submission has it graded on another, up to
``policy.WORKER_LOSSES`` times on a cluster made here (an existing scheduler applies its own
``distributed.scheduler.allowed-failures``).
"""
from __future__ import annotations

import gc
import logging

import dask
from distributed import Client, LocalCluster, WorkerPlugin
from distributed.security import Security

from . import policy


class WarmKernels(WorkerPlugin):
    """On each worker: start its first kernel (from the warm image) in the thread that grades,
    before any submission arrives, and stop the last one when the worker exits."""

    name = "convgrade-warm-kernels"

    def __init__(self, sandboxed: bool = True):
        self.sandboxed = sandboxed

    def setup(self, worker) -> None:
        from .workers import boot_first_kernel
        worker.executors["default"].submit(boot_first_kernel, self.sandboxed)


class GradingCluster:
    """A Dask client with the cluster it grades on (closed with it when made here)."""

    def __init__(self, client: Client, cluster: LocalCluster | None = None):
        self.client, self.cluster = client, cluster

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    @property
    def connected(self) -> bool:
        """False once the scheduler is lost (Dask then cancels every task it had)."""
        return self.client.status == "running"

    @property
    def address(self) -> str:
        return self.client.scheduler.address

    def submit(self, function, task, key: str):
        """Run ``function(task)`` on some worker; the same ``key`` is one task however often
        it is submitted."""
        return self.client.submit(function, task, key=key, pure=False)

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start_cluster(jobs: int = 2, sandboxed: bool = True, scheduler: str | None = None
                  ) -> GradingCluster:
    """A cluster to grade on: ``scheduler``'s, or ``jobs`` local worker processes started now
    (each booting its first kernel)."""
    if scheduler:
        client = Client(scheduler, timeout=policy.SCHEDULER_TIMEOUT)
        try:
            client.wait_for_workers(1, timeout=policy.SCHEDULER_TIMEOUT)
        except BaseException:
            client.close()
            raise
        client.register_plugin(WarmKernels(sandboxed))
        return GradingCluster(client)
    security = Security.temporary()
    settings = {"distributed.worker.multiprocessing-method": "fork",
                "distributed.scheduler.allowed-failures": policy.WORKER_LOSSES,
                # Dask samples every running task's stack every 10 ms, checks each event
                # loop every 20 ms and each process's memory and CPU twice a second by
                # default: costs on every process that tell a course nothing
                "distributed.worker.profile.enabled": False,
                "distributed.admin.tick.interval": "1s",
                "distributed.admin.system-monitor.interval": "5s",
                "distributed.worker.memory.monitor-interval": "5s"}
    gc.freeze()            # a forked worker's collections leave the shared imports alone
    try:
        with dask.config.set(settings):
            cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                                   host="127.0.0.1", protocol="tls", security=security,
                                   dashboard_address="127.0.0.1:0",
                                   worker_dashboard_address="127.0.0.1:0",
                                   silence_logs=logging.ERROR)
    finally:
        gc.unfreeze()
    client = Client(cluster, security=security)
    client.register_plugin(WarmKernels(sandboxed))
    return GradingCluster(client, cluster)
