"""Does Jupyter's Stop button kill a TensorFlow kernel? ``python -m benchmarks.interrupts [--trials N] [--output FILE]``.

Real kernels through ``jupyter_client`` (``benchmarks/_kernel.py``), one at a
time. For each workload (a loop of small eager matmuls, a loop of large GEMMs,
a long ``model.fit``) and each mode (tfplotguard not loaded; ``%load_ext
tfplotguard`` first, which gives the main thread an alternate signal stack;
``faulthandler.enable()`` first, which installs one of its own), a cell runs
the workload and ``KernelManager.interrupt_kernel()`` sends SIGINT at a random
moment 0.2-1.5 s after the cell started (its ``execute_input``). Then:

- the cell ends with ``KeyboardInterrupt``: the kernel survived the interrupt,
  and a check cell (allocations, ``gc.collect()``, one TF op) runs at once,
  because heap corruption often kills only at the next ``malloc``/``free``;
- the kernel dies (in the cell or in the check cell): a death, with its exit
  signal and the log's last words (glibc's "corrupted size vs. prev_size"...);
  a fresh kernel is started and set up again;
- no reply within ``--hang-s`` after the interrupt: a hang; the kernel is killed
  and a fresh one started.

Until at least ``--trials`` interrupts per (workload, mode). ``--modes tfcheck`` runs two
more modes, which interrupt measured cells (a ``%%tfcheck --quiet`` cell; a cell under
``%tfcheck on``) and read, after the check cell, what the measurement may have left behind. Prints a markdown
table (and writes it with ``--output``). ``--intra``/``--inter`` set TF's
thread pools, ``--small``/``--gemm`` the matrix sizes, ``--delay LO HI`` the
window: the knobs for hunting the crash where the default conditions do not
reproduce it. Each kernel's stdout and stderr go to a log under ``--log-dir``
(a temporary directory unless given); a hung kernel's C stacks are read with gdb
(when there is one) before a second SIGINT and, failing that, the kill.

Why 128×128 by default: oneDNN's f32 GEMM kernels (the "nocopy" ones its driver
picks for small and medium products) move ``rsp`` into a heap workspace only when
K exceeds what fits their on-stack buffer (``STACK_K_CAPACITY``: ``(4 * 4096 - 256) /
(4 * 48) = 84`` for AVX-512, 252 for AVX2; the fix is uxlfoundation/oneDNN#4855). A 64×64 product never does (0 deaths in 40
interrupts of a plain kernel here); 128×128 does. Only a GEMM that runs on the main thread can
take the SIGINT's frame: small ones run on the calling thread, large ones on TF's
intra-op pool while the main thread waits, unless ``--intra 1``.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ._kernel import Kernel, emit, machine, signal_name, versions

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["MPLBACKEND"] = "Agg"

#: The main thread's alternate signal stack and faulthandler's state, read without importing tfplotguard.
PROBE = """\
import ctypes as _c, faulthandler as _fh
class _St(_c.Structure):
    _fields_ = [("sp", _c.c_void_p), ("flags", _c.c_int), ("size", _c.c_size_t)]
_st = _St(); _c.CDLL(None).sigaltstack(None, _c.byref(_st))
_probe = ("none" if _st.flags & 2 else f"{_st.size // 1024} KiB") + (", faulthandler on" if _fh.is_enabled() else "")
del _c, _St, _st, _fh
"""

_LOAD = "%load_ext tfplotguard\nimport tfplotguard as _t; assert _t.__file__.startswith({root!r})"

#: mode -> (its first cell, the interrupted cell's first line). The last two are not run by default
#: (``--modes tfcheck`` runs them): they interrupt measured cells, and the check cell also reads
#: what the measurement may have left behind (``_leftover()``).
MODES = {
    "not loaded": ("", ""),
    "%load_ext tfplotguard": (_LOAD, ""),
    "faulthandler.enable()": ("import faulthandler; faulthandler.enable()", ""),
    "%%tfcheck cell": (_LOAD, "%%tfcheck --quiet\n"),
    "%tfcheck on (auto mode)": (_LOAD + "\n%tfcheck on", ""),
}
DEFAULT_MODES = ("not loaded", "%load_ext tfplotguard", "faulthandler.enable()")

#: After the check cell: what differs from a kernel at rest (a user expression, evaluated after post_execute).
LEFTOVER = """def _leftover():
    import gc, signal, sys, threading
    left = []
    if gc.callbacks:
        left.append(f"gc.callbacks {[getattr(c, '__qualname__', type(c).__qualname__) for c in gc.callbacks]}")
    if not gc.isenabled():
        left.append("gc disabled")
    if sys.getswitchinterval() != 0.005:
        left.append(f"switch interval {sys.getswitchinterval()}")
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        left.append(f"SIGINT handler {signal.getsignal(signal.SIGINT)}")
    if any(signal.getitimer(w) != (0.0, 0.0) for w in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)):
        left.append("an interval timer")
    if sys.gettrace() is not None or sys.getprofile() is not None:
        left.append("a trace or profile function")
    names = [t.name for t in threading.enumerate() if t.name.startswith("tfcheck") and t.name != "tfcheck-ticker"]
    if names:
        left.append(f"threads {names}")
    try:
        from tensorflow.python.eager import context
        if context.context().op_callbacks:
            left.append(f"{len(context.context().op_callbacks)} TF op callbacks")
    except Exception:
        pass
    return "; ".join(left)
"""


def threading_setup(intra: int | None, inter: int | None) -> str:
    lines = ["import tensorflow as tf"]
    if intra is not None:
        lines.append(f"tf.config.threading.set_intra_op_parallelism_threads({intra})")
    if inter is not None:
        lines.append(f"tf.config.threading.set_inter_op_parallelism_threads({inter})")
    return "\n".join(lines) + "\n"


def workloads(small: int, gemm: int) -> dict[str, tuple[str, str]]:
    """name -> (setup cell, the cell that is interrupted)."""
    return {
        f"eager matmul loop ({small}×{small})": (
            f"a = tf.random.stateless_normal([{small}, {small}], seed=[1, 2])\n"
            f"b = tf.random.stateless_normal([{small}, {small}], seed=[3, 4])\n"
            "for _ in range(100):\n    c = tf.matmul(a, b)\n",
            "while True:\n    c = tf.matmul(a, b)\n"),
        f"GEMM loop ({gemm}×{gemm})": (
            f"a = tf.random.stateless_normal([{gemm}, {gemm}], seed=[1, 2])\n"
            f"b = tf.random.stateless_normal([{gemm}, {gemm}], seed=[3, 4])\n"
            "for _ in range(3):\n    c = tf.matmul(a, b)\n",
            "while True:\n    c = tf.matmul(a, b)\n"),
        "model.fit (Dense 256-256-10)": (
            "import numpy as np, keras\n"
            "rng = np.random.default_rng(0)\n"
            "x = rng.standard_normal((4096, 64)).astype('float32'); y = rng.integers(0, 10, 4096)\n"
            "model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(256, activation='relu'),\n"
            "                          keras.layers.Dense(256, activation='relu'), keras.layers.Dense(10)])\n"
            "model.compile('adam', keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
            "model.fit(x[:256], y[:256], epochs=1, batch_size=64, verbose=0)\n"
            "a = tf.random.stateless_normal([64, 64], seed=[1, 2])\n",
            "model.fit(x, y, epochs=100000, batch_size=64, verbose=0)\n"),
    }


#: Run right after a cell that ended with KeyboardInterrupt: heap corruption usually kills at the next malloc/free.
CHECK = ("import gc as _gc\n_h = [bytearray(16 * (i % 257 + 1)) for i in range(50000)]\ndel _h\n_gc.collect()\n"
         "_v = float(tf.reduce_sum(tf.matmul(a, a)))\n")


def after_stall(outcome) -> str:
    """How a hung cell ended after its second SIGINT, and what the cell printed about the first one."""
    if outcome.status == "timeout":
        end = "; no reply to a 2nd SIGINT either (killed)"
    elif outcome.status == "died":
        end = "; died after a 2nd SIGINT"
    else:
        end = f"; the 2nd SIGINT ended it ({outcome.ename or outcome.status})"
    return end + swallowed(outcome)


def swallowed(outcome) -> str:
    """Where the cell's output says a KeyboardInterrupt was swallowed ("Exception ignored in: ...")."""
    lines = outcome.stdout.splitlines()
    where = [line.strip() for n, line in enumerate(lines) if line.startswith("Exception ignored")
             and any("KeyboardInterrupt" in later for later in lines[n + 1:n + 40])]
    return f"; the cell printed: {where[0][:160]}" + (f" (×{len(where)})" if len(where) > 1 else "") if where else ""


def death_message(outcome) -> str:
    """The exit signal and the first distinctive line of the kernel's last words."""
    sig = signal_name(outcome.returncode)
    for line in outcome.last_words:
        if "Fatal Python error" in line or "malloc" in line or "corrupted" in line or "free" in line \
                or "tcache" in line or "Segmentation" in line:
            return f"{sig}: {re.sub(r'0x[0-9a-f]+', '0x…', line)[:80]}"
    return sig


class Cell:
    """The results of one (workload, mode)."""

    def __init__(self, workload: str, mode: str):
        self.workload, self.mode = workload, mode
        self.interrupts = self.deaths = self.late_deaths = self.hangs = self.kernels = 0
        self.uninterrupted_deaths = 0  # died before the interrupt was sent
        self.other = collections.Counter()  # cells that ended otherwise
        self.messages = collections.Counter()
        self.latencies: list[float] = []  # interrupt -> reply
        self.delays: list[float] = []
        self.stalls: list[str] = []  # what each hang looked like
        self.altstack = ""
        self.seconds = 0.0

    def row(self) -> str:
        msgs = "; ".join(f"{m} ×{n}" for m, n in self.messages.most_common()) or "-"
        deaths = f"{self.deaths}" + (f" ({self.late_deaths} in the check cell)" if self.late_deaths else "")
        rate = f"{100 * self.deaths / self.interrupts:.0f} %" if self.interrupts else "-"
        latency = f"{statistics.median(self.latencies) * 1e3:.0f} ms" if self.latencies else "-"
        other = ", ".join(f"{k} ×{n}" for k, n in self.other.items())
        if self.stalls:
            other = (other + "; " if other else "") + "; ".join(self.stalls)
        if self.uninterrupted_deaths:
            other = (other + ", " if other else "") + f"died before the interrupt ×{self.uninterrupted_deaths}"
        return (f"| {self.workload} | {self.mode} | {self.altstack} | {self.interrupts} | {deaths} | {rate} | "
                f"{self.hangs} | {msgs} | {latency} | {self.kernels} | {other or '-'} | {self.seconds:.0f} s |")


HEADER = ("| workload | mode | main thread's alt stack | interrupts | kernel deaths | death rate | hangs | "
          "death messages (exit signal: log) | median interrupt → reply | kernels started | other | time |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|")


def run_one(workload: str, setup: str, body: str, mode: str, args, rng: random.Random, log_dir: Path) -> Cell:
    cell = Cell(workload, mode)
    started = time.monotonic()
    kernel = None
    mode_code, prefix = MODES[mode]
    mode_code = mode_code.format(root=str(Path(__file__).resolve().parents[1]))
    body = prefix + body
    failures = 0

    def stalled(kernel: Kernel, what: str):
        """On a hang: read every thread's C stack (gdb), then a second SIGINT; wait 30 s more for the reply."""
        def on_timeout():
            n = len(cell.stalls) + 1
            path = log_dir / f"{re.sub(r'[^a-z0-9]+', '_', (workload + '_' + mode).lower())}_hang{n}.txt"
            main = kernel.native_stacks(path)
            kernel.km.interrupt_kernel()
            cell.stalls.append(f"hang {n} ({what}, {args.hang_s:g} s without a reply), main thread: {main}")
            return 30.0
        return on_timeout

    def fresh() -> Kernel | None:
        nonlocal failures
        while failures < 5:
            k = Kernel(log_dir / f"{re.sub(r'[^a-z0-9]+', '_', (workload + '_' + mode).lower())}_{cell.kernels}.log")
            cell.kernels += 1
            steps = [mode_code, threading_setup(args.intra, args.inter) + setup, PROBE, LEFTOVER]
            outs = [k.execute(code, timeout=300) for code in steps if code]
            if all(o.status == "ok" for o in outs):
                probe = k.execute("", user_expressions={"p": "_probe"}, silent=True)
                text = k.expression(probe, "p")
                cell.altstack = text.strip("'\"") if text else "?"
                return k
            failures += 1
            print(f"  setup failed: {[(o.status, o.ename, o.evalue) for o in outs]}", file=sys.stderr)
            k.shutdown()
        raise RuntimeError(f"{workload} / {mode}: the kernel could not be set up 5 times")

    try:
        while cell.interrupts < args.trials:
            if kernel is None:
                kernel = fresh()
            delay = rng.uniform(*args.delay)
            out = kernel.execute(body, timeout=delay + args.hang_s, interrupt_after=delay,
                                 on_timeout=stalled(kernel, "cell"))
            if out.interrupted_at is None:
                if out.status == "died":
                    cell.uninterrupted_deaths += 1
                    cell.messages[death_message(out)] += 1
                    kernel.shutdown()
                    kernel = None
                else:
                    cell.other[f"ended {out.status} {out.ename or ''} before the interrupt".strip()] += 1
                continue
            cell.interrupts += 1
            cell.delays.append(out.interrupted_at - out.started)
            if out.stalled:
                cell.hangs += 1
                cell.stalls[-1] += after_stall(out)
            if out.status == "died":
                cell.deaths += 1
                cell.messages[death_message(out)] += 1
            elif out.status == "timeout":
                pass
            elif out.ename == "KeyboardInterrupt":
                cell.latencies.append(out.ended - out.interrupted_at)
                check = kernel.execute(CHECK, timeout=args.hang_s, on_timeout=stalled(kernel, "check cell"),
                                       user_expressions={"left": "_leftover()"})
                left = kernel.expression(check, "left")
                if left and left.strip("'\""):
                    cell.other[f"left after the interrupt: {left.strip(chr(39) + chr(34))}"] += 1
                if check.status == "died":
                    cell.deaths += 1
                    cell.late_deaths += 1
                    cell.messages[death_message(check)] += 1
                    out = check
                elif check.stalled:
                    cell.hangs += 1
                    cell.stalls[-1] += after_stall(check)
                    cell.other["check cell hung"] += 1
                    if check.status == "timeout":
                        out = check
                elif check.status != "ok":
                    cell.other[f"check cell raised {check.ename}"] += 1
            else:
                cell.other[f"cell ended {out.status} {out.ename or ''}".strip()] += 1
            if out.status in ("died", "timeout"):
                kernel.shutdown()
                kernel = None
            if args.verbose:
                print(f"  {cell.interrupts:3d}: delay {delay:.2f} s -> {out.status} {out.ename or ''} "
                      f"{death_message(out) if out.status == 'died' else ''}", flush=True)
    finally:
        if kernel is not None:
            kernel.shutdown()
    cell.seconds = time.monotonic() - started
    return cell


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.interrupts", description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40, help="interrupts per workload and mode (default 40)")
    parser.add_argument("--output", type=Path, help="also write the markdown to this file")
    parser.add_argument("--workloads", default="", help="comma-separated substrings of the workloads to run "
                        "(default all: eager, GEMM, fit)")
    parser.add_argument("--modes", default="", help="comma-separated substrings of the modes to run (default: "
                        "'not loaded', '%%load_ext tfplotguard', 'faulthandler.enable()'; 'tfcheck' picks the "
                        "two that interrupt measured cells: '%%%%tfcheck cell', '%%tfcheck on (auto mode)')")
    parser.add_argument("--delay", type=float, nargs=2, default=(0.2, 1.5), metavar=("LO", "HI"),
                        help="the interrupt comes LO-HI seconds after the cell starts (default 0.2 1.5)")
    parser.add_argument("--small", type=int, default=128, help="the eager loop's matrix size (default 128: see above)")
    parser.add_argument("--gemm", type=int, default=1000, help="the GEMM loop's matrix size (default 1000)")
    parser.add_argument("--intra", type=int, default=None, help="tf.config.threading intra-op threads")
    parser.add_argument("--inter", type=int, default=None, help="tf.config.threading inter-op threads")
    parser.add_argument("--hang-s", type=float, default=60.0, help="no reply this long after the interrupt: a hang")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-dir", type=Path, default=None, help="keep each kernel's log here")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every interrupt's outcome")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    tmp = None
    if args.log_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="tfpg-interrupts-")
        log_dir = Path(tmp.name)
    else:
        log_dir = args.log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
    chosen_w = [w.strip().lower() for w in args.workloads.split(",") if w.strip()]
    chosen_m = [m.strip().lower() for m in args.modes.split(",") if m.strip()]
    load_before = machine()
    started = time.monotonic()
    rows = []
    print(HEADER, flush=True)
    try:
        for name, (setup, body) in workloads(args.small, args.gemm).items():
            if chosen_w and not any(w in name.lower() for w in chosen_w):
                continue
            for mode in MODES:
                if not any(m in mode.lower() for m in chosen_m) if chosen_m else mode not in DEFAULT_MODES:
                    continue
                cell = run_one(name, setup, body, mode, args, rng, log_dir)
                rows.append(cell.row())
                print(rows[-1], flush=True)
    finally:
        if tmp is not None:
            tmp.cleanup()
    conditions = (f"intra-op threads {args.intra if args.intra is not None else 'TF default'}, inter-op "
                  f"{args.inter if args.inter is not None else 'TF default'}; interrupt {args.delay[0]:g}-"
                  f"{args.delay[1]:g} s after the cell starts; hang = no reply {args.hang_s:g} s after it; "
                  f"seed {args.seed}")
    text = "\n".join([
        f"- date: {datetime.datetime.now().isoformat(timespec='minutes')}; run took "
        f"{(time.monotonic() - started) / 60:.1f} min",
        f"- machine at the start: {load_before}",
        f"- machine at the end: {machine()}",
        f"- {versions()}",
        f"- `python -m benchmarks.interrupts {' '.join(argv if argv is not None else sys.argv[1:])}`: {conditions}",
        "", HEADER, *rows, ""])
    print()
    emit(text, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
