"""The /proc reader behind every snapshot: right figures, the thread set kept current, files released."""

import os
import threading
import time

import psutil
import pytest

from forked import run_in_child
from tfplotguard.check.cpu import procfs
from tfplotguard.check.cpu.procfs import ProcReader

pytestmark = pytest.mark.skipif(not procfs.AVAILABLE, reason="needs Linux /proc")


def _open_fds():
    return len(os.listdir("/proc/self/fd"))


def _burn(seconds):
    t0 = time.thread_time()
    while time.thread_time() - t0 < seconds:
        pass


class _Parked:
    """A thread that burns some CPU, then waits until released."""

    def __init__(self, burn=0.0):
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(burn,), name="parked", daemon=True)
        self.ready = threading.Event()
        self.thread.start()
        self.ready.wait()

    def _run(self, burn):
        _burn(burn)
        self.ready.set()
        self.release.wait()

    def end(self):
        self.release.set()
        self.thread.join()
        deadline = time.monotonic() + 2  # join() returns before the OS thread is gone
        while os.path.exists(f"/proc/self/task/{self.thread.native_id}") and time.monotonic() < deadline:
            time.sleep(0.001)


def test_per_thread_cpu_matches_psutil_for_every_thread():
    reader = ProcReader()
    worker = _Parked(burn=0.1)
    try:
        ours = reader.thread_cpu_times()
        theirs = {t.id: t.user_time + t.system_time for t in psutil.Process().threads()}
        assert ours.keys() == theirs.keys()
        assert all(abs(ours[tid] - theirs[tid]) <= 0.02 for tid in ours), (ours, theirs)
        assert ours[worker.thread.native_id] >= 0.05
    finally:
        worker.end()
        reader.close()


def test_the_thread_set_follows_threads_that_start_and_end():
    reader = ProcReader()
    try:
        first = reader.thread_cpu_times()
        worker = _Parked()
        assert worker.thread.native_id in reader.thread_cpu_times()
        files = reader.open_files
        worker.end()
        after = reader.thread_cpu_times()
        assert worker.thread.native_id not in after and after.keys() == first.keys()
        assert reader.open_files == files - 1  # the ended thread's file is closed
    finally:
        reader.close()


def test_a_thread_that_ends_while_another_starts_is_noticed_though_the_count_is_unchanged():
    reader = ProcReader()
    old = _Parked()
    try:
        before = reader.thread_cpu_times()
        old.end()
        new = _Parked()
        try:
            times = reader.thread_cpu_times()
            assert len(times) == len(before)
            assert old.thread.native_id not in times and new.thread.native_id in times
        finally:
            new.end()
    finally:
        reader.close()


def test_rss_matches_psutil():
    reader = ProcReader()
    try:
        assert abs(reader.rss() - psutil.Process().memory_info().rss) <= 64 * procfs.PAGE_SIZE
    finally:
        reader.close()


def test_close_releases_every_file_and_the_next_read_reopens():
    fds = _open_fds()
    reader = ProcReader()
    threads = len(reader.thread_cpu_times())
    reader.rss()
    assert reader.open_files == threads + 2 == _open_fds() - fds  # one per thread, stat, statm
    assert reader.close() == threads + 2
    assert reader.open_files == 0 and _open_fds() == fds
    assert reader.thread_cpu_times() and reader.open_files == threads + 1
    reader.close()
    assert _open_fds() == fds


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_reads_its_own_threads():
    reader = procfs.READER
    worker = _Parked()  # the parent has two threads at least
    try:
        assert worker.thread.native_id in reader.thread_cpu_times()
        code, text = run_in_child(lambda: f"{sorted(reader.thread_cpu_times())} {os.getpid()}")
        tids, child = text.rsplit(" ", 1)
        assert code == 0
        assert tids == f"[{child}]"  # only the child's one thread, not the parent's
        assert reader.thread_cpu_times().keys() == {int(tid) for tid in os.listdir("/proc/self/task")}
    finally:
        worker.end()


def test_an_aborted_read_returns_none_and_leaves_the_reader_whole():
    """The sampler thread gives up its read once the cell it was for has ended (the cell's closing
    read waits on the same lock): None, then the next read is complete."""
    reader = ProcReader()
    release = threading.Event()
    threads = [threading.Thread(target=release.wait) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        full = reader.thread_cpu_times()
        assert len(full) >= 4
        assert reader.thread_cpu_times(abort=lambda: True) is None
        asked = []

        def after_two():
            asked.append(1)
            return len(asked) > 2

        assert reader.thread_cpu_times(abort=after_two) is None and len(asked) == 3
        assert reader.thread_cpu_times().keys() == full.keys()
    finally:
        release.set()
        for t in threads:
            t.join()
        reader.close()


def test_the_sampler_drops_a_snapshot_whose_measurement_has_stopped():
    """A measurement stopped while the sampler thread reads /proc for it: the read is given up
    (a snapshot with ``aborted`` set and no figures) and no sample is added after stop()."""
    from tfplotguard.check.cpu.threads import Snapshot
    from tfplotguard.check.cpu.meter import CpuMeter

    assert Snapshot(True, abort=lambda: True).aborted
    assert not Snapshot(True, abort=lambda: False).aborted
    for _ in range(20):
        meter = CpuMeter(interval_ms=1).start()
        time.sleep(0.01)
        sampler = meter._sampler
        meter.stop()
        kept = len(sampler.points)
        time.sleep(0.005)
        assert len(sampler.points) == kept
