"""The stack sampler keeps nothing of the cell alive: a ``%%tfcheck`` cell needs no more memory than the plain cell.

Issue 30: a loop making a large tensor per iteration grew the process by
+1,150 MiB under ``%%tfcheck --quiet`` against +89 MiB plain (+90 MiB with
``--no-stacks``). The signal timer's watcher kept the dict of
``sys._current_frames()`` in a local of its own frame, and that dict holds
the watcher's frame: a reference cycle per look, holding the cell thread's
innermost frames, which, once their functions returned, own their locals (the
tensors). Only a collection frees a cycle, and the loop allocates too few
containers to trigger one for dozens of iterations: 29, then 59 iterations'
tensors were alive at the cell's two collections. TensorFlow's CPU allocator
keeps the pages of its high-water mark, so the peak stays in the process.
The thread timer's loop kept one dict at a time (a local of one long-lived
frame, replaced at each look), but a look moved into a function of its own
makes the same cycle per look: +414 MiB here, which this test catches too.

Measured on memory, never on time, so a busy machine cannot fail it: each
cell's peak resident set (VmHWM, reset before the cell where Linux allows;
else the resident set after it, which TensorFlow's pool keeps at its peak)
above one baseline taken before the first cell. Plain and checked cells are
interleaved, so a drift of the process itself shows in both.
"""

from __future__ import annotations

import gc

import psutil
from IPython.utils.capture import capture_output

from peakmem import hwm_resettable, status_kib

MiB = 2**20
ROWS = 20_000  # one (20000, 64) float32 tensor: 4.9 MiB, and 4.9 MiB of resident memory in TensorFlow's pool
ITERATIONS = 40
CELL = f"""\
for i in range({ITERATIONS}):
    w = tf.random.normal(({ROWS}, 64))
    a = w.numpy().ravel()
    h = np.histogram(a, bins=30)
    s = tf.reduce_sum(tf.cast(w > 0, tf.float32))
"""
#: The checked cell may keep one iteration's tensors (w, w > 0, its float cast: 11 MiB) for the span of a look,
#: and the sampler's counters and the report take under 1 MiB: 16 MiB of slack. The leak was 40-60 tensors.
SLACK = 16 * MiB
RATIO = 1.10


def _peak_of(shell, cell: str, base: int, hwm: bool) -> int:
    """The resident set's peak while ``cell`` ran, above ``base`` (bytes)."""
    gc.collect()
    if hwm:
        hwm_resettable()  # the high-water mark restarts from the current resident set
    with capture_output() as cap:
        result = shell.run_cell(cell)
    assert result.success, cap.stdout + cap.stderr
    peak = status_kib("VmHWM") * 1024 if hwm else psutil.Process().memory_info().rss
    return peak - base


def test_a_checked_cell_grows_the_process_no_more_than_the_plain_cell(tfcheck):
    with capture_output():
        tfcheck.run_cell("import numpy as np, tensorflow as tf\n"
                         "w = tf.random.normal((1000, 64)); a = w.numpy().ravel(); h = np.histogram(a, bins=30)\n"
                         "s = tf.reduce_sum(tf.cast(w > 0, tf.float32))\n")
    hwm = hwm_resettable()
    gc.collect()
    base = psutil.Process().memory_info().rss
    peaks = []
    for _ in range(2):
        plain = _peak_of(tfcheck, CELL, base, hwm)
        checked = _peak_of(tfcheck, "%%tfcheck --quiet\n" + CELL, base, hwm)
        peaks.append((plain, checked))
    shown = ", ".join(f"plain +{p / MiB:.0f} MiB / checked +{c / MiB:.0f} MiB" for p, c in peaks)
    print(shown)
    for plain, checked in peaks:
        assert checked <= RATIO * max(plain, 0) + SLACK, f"the stack sampler kept the cell's tensors alive: {shown}"

