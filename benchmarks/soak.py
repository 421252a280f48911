"""Soak: hundreds of mixed ``%%tfcheck`` cells and thousands in auto mode in one real kernel.

``python -m benchmarks.soak [--cells N] [--auto-cells M] [--output FILE]``; the full run is
``--cells 500 --auto-cells 2000`` (the defaults, 120 and 240, are a quick run of a few minutes).

Two real kernels through ``jupyter_client`` (``benchmarks/_kernel.py``), this
checkout first on ``PYTHONPATH``, matplotlib's Agg backend:

- the *measured* kernel: ``%load_ext tfplotguard``, then N cells each under
  ``%%tfcheck`` (its options rotating: none, ``--quiet``, ``--no-stacks``,
  ``--ops``, ``--json``, ``-o NAME``, a finer ``--interval``...), then ``%tfcheck on``
  and M plain cells in auto mode, then ``%tfcheck off`` and ``%unload_ext tfplotguard``;
- the *control* kernel: the same cell bodies in the same order, plain, tfplotguard never imported.

The cells alternate between the two kernels (cell i on the measured kernel, then on the
control), so both see the same load. The bodies cycle through :data:`KINDS` (an eager
training loop, ``tf.function`` steps, a ``tf.function`` that retraces, ``model.fit``, batched
``predict``, ``tf.data`` with ``map`` and with ``from_generator``, GEMMs, FFTs, image resizing,
pure Python, a matplotlib figure saved with ``savefig``, a cell that raises, threads running
TF ops, garbage with ``__del__`` in cycles and ``gc.collect()``, ``gc.disable()``/``enable()``
toggled in a loop, the cell's own ``SIGALRM`` timer), each some tens of ms, in an order
shuffled per round with a fixed seed. Each body leaves a deterministic value in
``_soak_value`` (a loss, a sum, a PNG's MD5, a count).

After every cell, in the same execute request (``user_expressions``, evaluated once the cell
and its ``post_execute`` are done), the kernel reports its state: the Python handler of
every catchable signal, the main thread's blocked/ignored/caught signal masks
(``/proc/self/status``), ``signal.getitimer`` of the three timers, the names of the Python
threads, ``gc.isenabled()``, ``gc.get_threshold()``, ``gc.callbacks``,
``sys.getswitchinterval()``, ``sys.gettrace()``/``getprofile()``, TF's op callbacks, and the
main thread's alternate signal stack (``tfplotguard.core.altstack.current()`` in the
measured kernel, the same ``sigaltstack`` call through ctypes in the control); every
``--sample-every`` cells also RSS and ``len(gc.get_objects())`` after ``gc.collect()``.

It reports kernel deaths, hangs (no reply within ``--timeout``; the kernel's stacks are read
with gdb, then SIGINT), the cells whose value differs from the control's, the lines of either
kernel's output that look like a warning, an ignored exception or a traceback, every state
that differs from the state after set-up (by key, with the cells it was seen after), the
state after ``%unload_ext`` against the state before ``%load_ext``, and RSS and object growth
per 1,000 cells (a least-squares slope over each phase's samples after its first fifth) for
both kernels.
"""

from __future__ import annotations

import argparse
import ast
import collections
import datetime
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ._kernel import Kernel, emit, machine, signal_name, versions

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["MPLBACKEND"] = "Agg"

SETUP = """\
import ctypes, gc, hashlib, io, json, os, signal, sys, threading, time
import numpy as np
import tensorflow as tf
import keras
import matplotlib
import matplotlib.pyplot as plt

_soak_rng = np.random.default_rng(0)
soak_x = _soak_rng.standard_normal((256, 16)).astype('float32')
soak_y = (soak_x @ (np.arange(16, dtype='float32') / 16))[:, None]
soak_model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation='relu'), keras.layers.Dense(1)])
soak_model.compile(keras.optimizers.SGD(0.01), 'mse')
soak_w0 = [_soak_rng.standard_normal(w.shape).astype('float32') * 0.3 for w in soak_model.get_weights()]
soak_model.set_weights(soak_w0)
soak_model.fit(soak_x, soak_y, epochs=1, batch_size=64, shuffle=False, verbose=0)
soak_model.predict(soak_x, batch_size=64, verbose=0)
soak_wf = tf.constant(_soak_rng.standard_normal((16, 8)).astype('float32'))

@tf.function
def soak_step(w, x):
    return tf.reduce_sum(tf.tanh(x @ w))

soak_step(soak_wf, soak_x[:32])
plt.figure(); plt.close('all')
"""

PROBE = """\
def _soak_signal_name(s):
    try:
        return signal.Signals(s).name
    except ValueError:
        return f'SIG{s}'

def _soak_callable_name(h):
    return f"{getattr(h, '__module__', None)}.{getattr(h, '__qualname__', type(h).__qualname__)}"

class _SoakStack(ctypes.Structure):
    _fields_ = [('sp', ctypes.c_void_p), ('flags', ctypes.c_int), ('size', ctypes.c_size_t)]

def _soak_altstack():
    if 'tfplotguard' in sys.modules:  # the measured kernel: tfplotguard's own reading
        from tfplotguard.core import altstack
        return list(altstack.current())
    got = _SoakStack()
    ctypes.CDLL(None).sigaltstack(None, ctypes.byref(got))
    return [got.sp or 0, got.flags, got.size]

def _soak_probe(full=False):
    handlers = {}
    for s in sorted(signal.valid_signals()):
        if s in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            h = signal.getsignal(s)
        except (OSError, ValueError):
            continue
        handlers[_soak_signal_name(s)] = _soak_callable_name(h) if callable(h) else (None if h is None else int(h))
    masks = {}
    with open('/proc/self/status') as f:  # the thread-group leader: the main thread
        for line in f:
            key, _, value = line.partition(':')
            if key in ('SigBlk', 'SigIgn', 'SigCgt'):
                masks[key] = value.strip()
    try:
        from tensorflow.python.framework import op_callbacks as _oc
        from tensorflow.python.eager import context as _ctx
        op_cbs = [_soak_callable_name(c) for c in _ctx.context().op_callbacks]
    except Exception as exc:
        op_cbs = repr(exc)
    value = globals().get('_soak_value', '<unset>')
    globals()['_soak_value'] = '<unset>'
    state = {
        'value': repr(value),
        'signal handlers': handlers,
        'signal masks': masks,
        'itimers': [list(signal.getitimer(w)) for w in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)],
        'threads': sorted(t.name for t in threading.enumerate()),
        'gc.isenabled()': gc.isenabled(),
        'gc.get_threshold()': list(gc.get_threshold()),
        'gc.callbacks': [_soak_callable_name(c) for c in gc.callbacks],
        'sys.getswitchinterval()': sys.getswitchinterval(),
        'sys.gettrace()': repr(sys.gettrace()),
        'sys.getprofile()': repr(sys.getprofile()),
        'TF op callbacks': op_cbs,
        'altstack': _soak_altstack(),
    }
    if full:
        gc.collect()
        state['objects'] = len(gc.get_objects())
        with open('/proc/self/statm') as f:
            state['rss'] = int(f.read().split()[1]) * os.sysconf('SC_PAGESIZE')
    return json.dumps(state)
"""

#: kind -> the body of a cell (``{i}``: the cell's index, its seed). Each sets ``_soak_value``.
KINDS = {
    "eager training loop": """\
w = tf.Variable(tf.random.stateless_normal([16, 1], seed=[{i}, 0]))
for _ in range(10):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((soak_x @ w - soak_y) ** 2)
    w.assign_sub(0.05 * tape.gradient(loss, w))
_soak_value = float(loss)
""",
    "tf.function steps": """\
_v = 0.0
for k in range(30):
    _v += float(soak_step(soak_wf, soak_x[(k * 7 + {i}) % 224:][:32]))
_soak_value = _v
""",
    "tf.function retracing": """\
@tf.function
def _f(x, k):
    return tf.reduce_sum(x * k)
_soak_value = float(_f(soak_x, 1)) + float(_f(soak_x, {i} % 5 + 2))
""",
    "model.fit": """\
soak_model.set_weights(soak_w0)
_h = soak_model.fit(soak_x, soak_y, epochs=2, batch_size=64, shuffle=False, verbose=0)
_soak_value = _h.history['loss'][-1]
""",
    "batched predict": """\
soak_model.set_weights(soak_w0)
_soak_value = float(np.sum(soak_model.predict(soak_x * ({i} % 3 + 1), batch_size=32, verbose=0)))
""",
    "tf.data map": """\
_ds = tf.data.Dataset.range(512).map(lambda v: v * {i} % 7, num_parallel_calls=2).batch(64)
_soak_value = int(sum(int(tf.reduce_sum(b)) for b in _ds))
""",
    "tf.data from_generator": """\
def _gen():
    for k in range(200):
        yield np.float32(k * {i} % 13)
_ds = tf.data.Dataset.from_generator(_gen, output_signature=tf.TensorSpec((), tf.float32)).batch(50)
_soak_value = float(sum(float(tf.reduce_sum(b)) for b in _ds))
""",
    "large GEMMs": """\
_a = tf.random.stateless_normal([384, 384], seed=[{i}, 1])
_c = _a
for _ in range(4):
    _c = tf.matmul(_a, _c) / 20.0
_soak_value = float(tf.reduce_sum(_c))
""",
    "FFTs": """\
_s = tf.complex(tf.random.stateless_normal([8, 4096], seed=[{i}, 2]), 0.0)
_r = tf.signal.rfft(tf.math.real(_s))[:, :3].numpy().real
_soak_value = float(tf.reduce_sum(tf.abs(tf.signal.fft(_s)))) + float(_r.sum())
""",
    "image resizing": """\
_img = tf.random.stateless_uniform([4, 128, 128, 3], seed=[{i}, 3])
_soak_value = float(tf.reduce_sum(tf.image.resize(_img, [64, 64]))) + float(
    tf.reduce_sum(tf.image.resize(_img, [160, 160], method='nearest')))
""",
    "pure Python": """\
_acc = {i}
for k in range(60000):
    _acc = (_acc * 31 + k) % 1000003
_soak_value = _acc
""",
    "matplotlib savefig": """\
fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
_t = tf.linspace(0.0, 6.0, 200)
ax.plot(_t, tf.sin(_t * ({i} % 5 + 1)))
ax.scatter(np.arange(20), np.arange(20) % 7)
_buf = io.BytesIO()
fig.savefig(_buf, format='png', metadata={{'Software': None}})
plt.close(fig)
_soak_value = hashlib.md5(_buf.getvalue()).hexdigest()
""",
    "a cell that raises": """\
_soak_value = 'raised'
_z = tf.constant([1.0, 2.0]) * {i}
raise ValueError(f'soak cell {i} raises on purpose')
""",
    "threads running TF ops": """\
_res = [None] * 3
def _work(k):
    m = tf.random.stateless_normal([64, 64], seed=[{i}, k])
    for _ in range(10):
        m = tf.tanh(tf.matmul(m, m) / 8.0)
    _res[k] = float(tf.reduce_sum(m))
_ts = [threading.Thread(target=_work, args=(k,), name=f'soak-worker-{{k}}') for k in range(3)]
for _th in _ts:
    _th.start()
for _th in _ts:
    _th.join()
_soak_value = sum(_res)
""",
    "garbage churn with __del__": """\
class _Churn:
    dels = 0
    def __init__(self, n):
        self.me = self
        self.data = [n] * 20
    def __del__(self):
        type(self).dels += 1
for k in range(4000):
    _Churn(k)
gc.collect()
_soak_value = _Churn.dels
""",
    "gc.disable()/enable() toggled": """\
_off_seen = _undone = 0
for k in range(20000):
    if not gc.isenabled():
        _off_seen += 1
    gc.disable()
    _z = [k] * 3
    if gc.isenabled():
        _undone += 1
    gc.enable()
gc.enable()
_soak_value = ('gc seen off where the cell had it on', _off_seen, 'gc.disable() undone', _undone)
""",
    "the cell's own SIGALRM timer": """\
_ticks = []
_old = signal.signal(signal.SIGALRM, lambda s, f: _ticks.append(s))
signal.setitimer(signal.ITIMER_REAL, 0.005, 0.005)
_end = time.monotonic() + 0.05
while time.monotonic() < _end:
    pass
signal.setitimer(signal.ITIMER_REAL, 0)
signal.signal(signal.SIGALRM, _old)
_soak_value = 'ticks 1-11' if 1 <= len(_ticks) <= 11 else f'{{len(_ticks)}} ticks in 50 ms'
""",
}

#: ``%%tfcheck`` options, one per cell in turn.
OPTIONS = ("", "--quiet", "--no-stacks", "--ops", "--quiet --ops", "--interval 5 --stack-interval 0.5",
           "--json", "-o _soak_report", "--all")

STATE_KEYS = ("signal handlers", "signal masks", "itimers", "threads", "gc.isenabled()", "gc.get_threshold()",
              "gc.callbacks", "sys.getswitchinterval()", "sys.gettrace()", "sys.getprofile()", "TF op callbacks",
              "altstack")


def schedule(n: int, seed: int, offset: int = 0) -> list[tuple[int, str]]:
    """``n`` (index, kind) pairs: every kind once per round, each round shuffled with ``seed``."""
    rng = random.Random(seed)
    out: list[tuple[int, str]] = []
    kinds = list(KINDS)
    while len(out) < n:
        rng.shuffle(kinds)
        out.extend((offset + len(out) + j, kind) for j, kind in enumerate(kinds))
    return [(offset + j, kind) for j, (_, kind) in enumerate(out[:n])]


def slope_per_1000(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of (cell, value) per 1,000 cells over the points after the first fifth."""
    if len(points) < 3:
        return None
    points = points[len(points) // 5:]
    if len(points) < 3:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    return 1000 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


class Side:
    """One of the two kernels: its kernel, and everything seen from it."""

    def __init__(self, name: str, loaded: bool, log_dir: Path, timeout: float):
        self.name, self.loaded, self.log_dir, self.timeout = name, loaded, log_dir, timeout
        self.kernel: Kernel | None = None
        self.kernels = 0
        self.deaths: list[str] = []
        self.hangs: list[str] = []
        self.auto_on = False
        self.identity: dict = {}
        self.before_load: dict | None = None
        self.baseline: dict | None = None
        self.after_unload: dict | None = None
        self.values: dict[int, str] = {}  # cell -> value (or the error)
        self.seconds: dict[int, float] = {}
        self.deviations: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.deviation_cells: dict[tuple[str, str], list[int]] = collections.defaultdict(list)
        self.samples: dict[str, list[tuple[int, float, float]]] = collections.defaultdict(list)  # phase -> pts
        self.setup_errors: list[str] = []
        self.odd_output: collections.Counter = collections.Counter()  # warnings, ignored exceptions, tracebacks

    def _run(self, code: str, **kw):
        return self.kernel.execute(code, timeout=kw.pop("timeout", self.timeout), **kw)

    def probe(self, full: bool = False, code: str = "") -> dict | None:
        out = self._run(code, user_expressions={"s": f"_soak_probe({full})"}, silent=not code)
        text = self.kernel.expression(out, "s")
        return json.loads(ast.literal_eval(text)) if text else None

    def start(self, phase: str) -> None:
        """A fresh kernel, set up (and loaded, and in auto mode, as the phase needs)."""
        self.kernel = Kernel(self.log_dir / f"{self.name}_{self.kernels}.log")
        self.kernels += 1
        if self.kernels == 1:
            self.identity = self.kernel.identity()
        for code in (SETUP, PROBE):
            out = self._run(code, timeout=600)
            if out.status != "ok":
                self.setup_errors.append(f"{out.status} {out.ename} {out.evalue}")
        if self.kernels == 1:
            self.before_load = self.probe()
        if self.loaded:
            out = self._run("%load_ext tfplotguard")
            if out.status != "ok":
                self.setup_errors.append(f"load: {out.status} {out.ename} {out.evalue}")
            if phase == "auto":
                self._run("%tfcheck on")
                self.auto_on = True
        state = self.probe(full=True)
        if self.baseline is None:
            self.baseline = state

    def run_cell(self, index: int, kind: str, code: str, phase: str, full: bool) -> None:
        if self.kernel is None:
            self.start(phase)
        if phase == "auto" and self.loaded and not self.auto_on:
            self._run("%tfcheck on")
            self.auto_on = True
        stall: list[str] = []

        def on_timeout():  # read the stacks, then SIGINT, and wait 30 s more
            stall.append(self.kernel.native_stacks(self.log_dir / f"{self.name}_hang_cell{index}.txt"))
            self.kernel.km.interrupt_kernel()
            return 30.0

        out = self._run(code, user_expressions={"s": f"_soak_probe({full})"}, on_timeout=on_timeout)
        if out.stalled:
            ended = {"timeout": "no reply to SIGINT either (killed)", "died": "died"}.get(
                out.status, f"SIGINT ended it ({out.ename})")
            self.hangs.append(f"cell {index} ({kind}): no reply in {self.timeout:g} s; {ended}; main thread: "
                              f"{stall[0] if stall else '?'}")
        if out.status in ("died", "timeout"):
            if out.status == "died":
                words = "; ".join(out.last_words[:3])
                self.deaths.append(f"cell {index} ({kind}): {signal_name(out.returncode)} {words}".strip())
            self.values[index] = out.status
            self.kernel.shutdown()
            self.kernel = None
            self.auto_on = False
            return
        self.seconds[index] = out.seconds if out.seconds is not None else math.nan
        for line in out.stdout.splitlines():
            if "Warning:" in line or line.startswith("Exception ignored") or line.startswith("Traceback"):
                self.odd_output[line.strip()[:200]] += 1
        text = self.kernel.expression(out, "s")
        if text is None and out.status == "error":  # ipykernel evaluates user_expressions only after a cell that ran
            text = self.kernel.expression(self._run("", user_expressions={"s": f"_soak_probe({full})"}, silent=True),
                                          "s")
        state = json.loads(ast.literal_eval(text)) if text else None
        value = state["value"] if state else "<no state>"
        if out.status != "ok":
            value = f"{value} / {out.ename}: {out.evalue}"
        self.values[index] = value
        if state is None:
            self.deviations["<probe failed>"][repr(out.user_expressions)[:200]] += 1
            return
        for key in STATE_KEYS:
            if state[key] != self.baseline[key]:
                shown = delta(self.baseline[key], state[key])
                self.deviations[key][shown] += 1
                cells = self.deviation_cells[(key, shown)]
                if len(cells) < 5:
                    cells.append(index)
        if full:
            self.samples[phase].append((index, state["rss"] / 2**20, state["objects"]))

    def finish(self) -> None:
        """``%tfcheck off`` and ``%unload_ext`` (measured kernel), then the state."""
        if self.kernel is None:
            self.start("auto")
        if self.loaded:
            self._run("%tfcheck off")
            self._run("%unload_ext tfplotguard")
        self.after_unload = self.probe()

    def close(self) -> None:
        if self.kernel is not None:
            self.kernel.shutdown()
            self.kernel = None


def delta(base, now) -> str:
    """What changed from ``base`` to ``now``: the entries of a dict, the names added/removed from a list of names."""
    if isinstance(base, dict) and isinstance(now, dict):
        keys = sorted(set(base) | set(now))
        return json.dumps({k: now.get(k, "<absent>") for k in keys if base.get(k, "<absent>") != now.get(k, "<absent>")})
    if isinstance(base, list) and isinstance(now, list) and all(isinstance(x, str) for x in base + now):
        added = [x for x in now if x not in base]
        removed = [x for x in base if x not in now]
        return " ".join([f"+{x!r}" for x in added] + [f"-{x!r}" for x in removed]) or json.dumps(now)
    return json.dumps(now)


def same(a: str, b: str) -> str:
    """'same', 'close' (floats within 1e-6 relative) or 'differs'."""
    if a == b:
        return "same"
    try:
        x, y = float(ast.literal_eval(a)), float(ast.literal_eval(b))
    except (ValueError, SyntaxError, TypeError):
        return "differs"
    return "close" if math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-9) else "differs"


def fmt(x: float | None, unit: str = "", digits: int = 1) -> str:
    return "-" if x is None else f"{x:+.{digits}f}{unit}"


def report(measured: Side, control: Side, cells: list, auto: list, args, started: float, load_start: str) -> str:
    lines = [
        f"- date: {datetime.datetime.now().isoformat(timespec='minutes')}; run took "
        f"{(time.monotonic() - started) / 60:.1f} min",
        f"- machine at the start: {load_start}",
        f"- machine at the end: {machine()}",
        f"- {versions()}",
        f"- `python -m benchmarks.soak --cells {args.cells} --auto-cells {args.auto_cells}`: "
        f"{len(cells)} `%%tfcheck` cells, then {len(auto)} cells in auto mode (`%tfcheck on`), "
        f"{len(KINDS)} kinds of cell; state probed after every cell, RSS and objects every {args.sample_every}",
        f"- measured kernel runs {measured.identity.get('executable')}, imports tfplotguard from "
        f"{measured.identity.get('tfplotguard')}, MPLBACKEND={measured.identity.get('MPLBACKEND')}",
    ]
    for side in (measured, control):
        if side.setup_errors:
            lines.append(f"- {side.name}: set-up errors: {side.setup_errors}")
    lines.append("")

    all_cells = cells + auto
    compare = collections.Counter()
    differing = []
    for index, kind in all_cells:
        a, b = measured.values.get(index, "<not run>"), control.values.get(index, "<not run>")
        verdict = same(a, b)
        compare[verdict] += 1
        if verdict == "differs":
            differing.append(f"cell {index} ({kind}): measured {a[:120]} vs control {b[:120]}")

    def growth(side: Side, phase: str, column: int, scale: float = 1.0, digits: int = 1, unit: str = ""):
        pts = [(p[0], p[column] * scale) for p in side.samples.get(phase, [])]
        s = slope_per_1000(pts)
        span = f" ({pts[0][1]:.{digits}f} → {pts[-1][1]:.{digits}f})" if pts else ""
        return fmt(s, unit, digits) + span

    lines += ["| | measured (`%load_ext tfplotguard`) | control (not loaded) |", "|---|---|---|"]
    lines.append(f"| cells run | {len(measured.seconds)} of {len(all_cells)} | {len(control.seconds)} of "
                 f"{len(all_cells)} |")
    lines.append(f"| kernel deaths | {len(measured.deaths)} | {len(control.deaths)} |")
    lines.append(f"| hangs (no reply in {args.timeout:g} s) | {len(measured.hangs)} | {len(control.hangs)} |")
    lines.append(f"| kernels started | {measured.kernels} | {control.kernels} |")
    lines.append(f"| results vs the control | same {compare['same']}, within 1e-6 {compare['close']}, "
                 f"**differ {compare['differs']}** | - |")
    for phase, title in (("tfcheck", "`%%tfcheck` cells"), ("auto", "auto-mode cells")):
        lines.append(f"| RSS per 1,000 {title} (MiB; first → last sample) | "
                     f"{growth(measured, phase, 1)} | {growth(control, phase, 1)} |")
        lines.append(f"| live objects per 1,000 {title} (first → last) | "
                     f"{growth(measured, phase, 2, digits=0)} | {growth(control, phase, 2, digits=0)} |")
    for phase, rows in (("tfcheck", cells), ("auto", auto)):
        ms = [measured.seconds[i] for i, _ in rows if i in measured.seconds]
        cs = [control.seconds[i] for i, _ in rows if i in control.seconds]
        if ms and cs:
            lines.append(f"| median cell time, {'`%%tfcheck`' if phase == 'tfcheck' else 'auto mode'} (ms) | "
                         f"{statistics.median(ms) * 1e3:.0f} | {statistics.median(cs) * 1e3:.0f} |")
    lines.append(f"| state that differs from the state after set-up (cells) | "
                 f"{sum(sum(c.values()) for c in measured.deviations.values())} | "
                 f"{sum(sum(c.values()) for c in control.deviations.values())} |")
    lines.append("")

    for side in (measured, control):
        for what in side.deaths + side.hangs:
            lines.append(f"- {side.name}: {what}")
        for what, n in side.odd_output.most_common(8):
            lines.append(f"- {side.name} printed ×{n}: `{what}`")
    if differing:
        lines.append(f"- differing results ({len(differing)}):")
        lines += [f"  - {d}" for d in differing[:20]]
    lines.append("")

    lines += ["Per kind: cells, median time (ms) measured under `%%tfcheck` / in auto mode / control, results "
              "that differ", "", "| kind | cells | `%%tfcheck` | auto | control | differ |", "|---|---|---|---|---|---|"]
    tf_cells = {i for i, _ in cells}
    for kind in KINDS:
        idx = [i for i, k in all_cells if k == kind]
        m1 = [measured.seconds[i] for i in idx if i in tf_cells and i in measured.seconds]
        m2 = [measured.seconds[i] for i in idx if i not in tf_cells and i in measured.seconds]
        c = [control.seconds[i] for i in idx if i in control.seconds]
        d = sum(1 for i in idx if same(measured.values.get(i, ""), control.values.get(i, "")) == "differs")

        def med(v):
            return f"{statistics.median(v) * 1e3:.0f}" if v else "-"

        lines.append(f"| {kind} | {len(idx)} | {med(m1)} | {med(m2)} | {med(c)} | {d} |")
    lines.append("")

    lines += ["State after set-up (measured kernel, loaded) and what differed from it after cells:", "",
              "| state | measured: after set-up | measured: other values seen (cells; first cells) | "
              "control: after set-up | control: other values seen |", "|---|---|---|---|---|"]

    def short(value, n=160):
        text = json.dumps(value) if not isinstance(value, str) else value
        return text if len(text) <= n else text[:n] + "…"

    def seen(side: Side, key: str) -> str:
        c = side.deviations.get(key)
        if not c:
            return "none"
        return "; ".join(f"`{short(v, 120)}` ×{n} (after cells {', '.join(map(str, side.deviation_cells[(key, v)]))}"
                         f"{'…' if n > 5 else ''})"
                         for v, n in c.most_common(4))

    for key in STATE_KEYS:
        mb = measured.baseline.get(key) if measured.baseline else None
        cb = control.baseline.get(key) if control.baseline else None
        if key == "signal handlers" and mb and cb:  # only the handlers that are not SIG_DFL in either
            keys = sorted(k for k in mb if mb.get(k) != 0 or cb.get(k) != 0)
            mb, cb = {k: mb.get(k) for k in keys}, {k: cb.get(k) for k in keys}
        lines.append(f"| {key} | `{short(mb)}` | {seen(measured, key)} | `{short(cb)}` | {seen(control, key)} |")
    if "<probe failed>" in measured.deviations or "<probe failed>" in control.deviations:
        lines.append(f"| probe failed | | {dict(measured.deviations.get('<probe failed>', {}))} | | "
                     f"{dict(control.deviations.get('<probe failed>', {}))} |")
    lines.append("")

    if measured.before_load and measured.after_unload:
        diffs = [k for k in STATE_KEYS if measured.before_load.get(k) != measured.after_unload.get(k)]
        lines.append("Measured kernel, after `%tfcheck off` and `%unload_ext tfplotguard` against before "
                     f"`%load_ext`: {'the same in every key' if not diffs else 'differs in ' + ', '.join(diffs)}")
        for k in diffs:
            lines.append(f"- {k}: before `{short(measured.before_load.get(k), 300)}`, after: "
                         f"`{delta(measured.before_load.get(k), measured.after_unload.get(k))[:300]}`")
    lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=120, help="%%%%tfcheck cells (full run: 500; default 120)")
    parser.add_argument("--auto-cells", type=int, default=240, help="cells in auto mode (full run: 2000; default 240)")
    parser.add_argument("--output", type=Path, help="also write the markdown to this file")
    parser.add_argument("--sample-every", type=int, default=25, help="RSS and live objects every N cells (default 25)")
    parser.add_argument("--timeout", type=float, default=180.0, help="a cell with no reply this long is a hang")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-dir", type=Path, default=None, help="keep each kernel's log here")
    parser.add_argument("-v", "--verbose", action="store_true", help="a line every 50 cells")
    args = parser.parse_args(argv)

    tmp = None
    if args.log_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="tfpg-soak-")
        log_dir = Path(tmp.name)
    else:
        log_dir = args.log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
    started, load_start = time.monotonic(), machine()
    cells = schedule(args.cells, args.seed)
    auto = schedule(args.auto_cells, args.seed + 1, offset=args.cells)
    measured = Side("measured", True, log_dir, args.timeout)
    control = Side("control", False, log_dir, args.timeout)
    try:
        for phase, rows in (("tfcheck", cells), ("auto", auto)):
            for n, (index, kind) in enumerate(rows):
                body = KINDS[kind].format(i=index)
                full = n % args.sample_every == 0 or n == len(rows) - 1
                if phase == "tfcheck":
                    code = f"%%tfcheck {OPTIONS[index % len(OPTIONS)]}".rstrip() + "\n" + body
                else:
                    code = body
                measured.run_cell(index, kind, code, phase, full)
                control.run_cell(index, kind, body, phase, full)
                if args.verbose and (index + 1) % 50 == 0:
                    print(f"  {index + 1} cells, {(time.monotonic() - started) / 60:.1f} min; deaths "
                          f"{len(measured.deaths)}/{len(control.deaths)}, hangs {len(measured.hangs)}/"
                          f"{len(control.hangs)}", flush=True)
        measured.finish()
        control.finish()
    finally:
        measured.close()
        control.close()
        if tmp is not None:
            tmp.cleanup()
    text = report(measured, control, cells, auto, args, started, load_start)
    emit(text, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
