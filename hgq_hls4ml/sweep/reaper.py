"""The worker plugin that leaves no process of a job behind (imported once ``distributed`` is known installed)."""

from __future__ import annotations

import os
from typing import Any

import psutil
from distributed import WorkerPlugin


class ChildReaper(WorkerPlugin):
    """On setup (with ``own_group``) moves the worker into its own process group, so that a Ctrl-C at the terminal
    reaches the sweep, not the g++ of its jobs; on teardown (the worker closing) kills every process the worker
    started, and theirs (g++, vitis_hls in its own session)."""

    name = 'hgq-hls4ml-sweep-reaper'

    def __init__(self, own_group: bool):
        self.own_group = own_group

    def setup(self, worker: Any) -> None:
        if self.own_group:
            try:
                os.setpgid(0, 0)
            except OSError:  # a session leader already: it has its own group
                pass

    def teardown(self, worker: Any) -> None:
        kill_children()


def kill_children() -> None:
    """SIGKILL every descendant process of this one and reap them."""
    children = psutil.Process().children(recursive=True)
    for child in children:
        try:
            child.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(children, timeout=5)
