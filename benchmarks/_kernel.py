"""A real Jupyter kernel for the reliability benchmarks (``interrupts.py``, ``soak.py``).

:class:`Kernel` starts an ipykernel through ``jupyter_client``'s ``KernelManager``
with this Python (the ``python3`` kernelspec's ``python`` is replaced by
``sys.executable``; :meth:`Kernel.identity` says what the kernel runs), this
checkout first on ``PYTHONPATH``, matplotlib's Agg backend and the kernel's
stdout and stderr appended to a log file (glibc's and faulthandler's messages
land there: ipykernel's capture of fd 1 and 2 is switched off, so that nothing of
a dying kernel's last words waits in a pipe). :meth:`Kernel.execute` runs one cell and says how it ended: its
reply, the kernel's death (exit status, the log's new lines), or a time-out;
it can send SIGINT (``KernelManager.interrupt_kernel``) a given time after the
cell started (its ``execute_input`` message).
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: glibc's, faulthandler's and Python's last words, looked for in a dead kernel's log.
DEATH_MARKERS = ("corrupted", "malloc", "free()", "tcache", "double free", "Fatal Python error", "Segmentation",
                 "Aborted", "stack smashing", "munmap_chunk", "realloc", "Bus error", "Illegal instruction",
                 "terminate called", "Check failed", "F0000", "FATAL")


def kernel_env() -> dict[str, str]:
    """The kernel's environment: this one, with this checkout first on ``PYTHONPATH``, Agg, TF's C++ logs quiet."""
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + path if path else "")
    env["MPLBACKEND"] = "Agg"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def frame_name(line: str) -> str:
    """A gdb backtrace line's function, short: no arguments, no template arguments, the last two scopes."""
    import re

    text = line.split(" in ", 1)[1] if " in " in line else line.split(maxsplit=1)[-1]
    text = text.replace("(anonymous namespace)::", "")
    depth, out = 0, []
    for ch in text:  # drop template arguments
        if ch == "<":
            depth += 1
        elif ch == ">" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    text = "".join(out).split(" (")[0].split("(")[0].strip()
    text = re.sub(r"^.*\s", "", text)  # a return type before the name
    return "::".join(text.split("::")[-2:]) or "?"


def signal_name(returncode: int | None) -> str:
    """``-6`` as ``SIGABRT``, ``1`` as ``exit 1``, None as ``?``."""
    if returncode is None:
        return "?"
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit {returncode}"


@dataclass
class Outcome:
    """How one cell ended."""

    status: str  # "ok", "error" (the reply says so), "died", "timeout"
    ename: str | None = None
    evalue: str | None = None
    stdout: str = ""
    user_expressions: dict = field(default_factory=dict)
    started: float | None = None  # monotonic time of the execute_input message
    interrupted_at: float | None = None  # monotonic time SIGINT was sent, after ``started``
    ended: float = 0.0
    stalled: bool = False  # no reply within the timeout at first (``on_timeout`` ran and extended the wait)
    returncode: int | None = None  # the dead kernel's exit status
    last_words: list[str] = field(default_factory=list)  # the dead kernel's log lines matching DEATH_MARKERS

    @property
    def seconds(self) -> float | None:
        """Seconds from the cell's start to its end."""
        return None if self.started is None else self.ended - self.started


class Kernel:
    """One ipykernel process, its client and its log."""

    def __init__(self, log_path: Path, startup_timeout: float = 180.0, cwd: str | None = None):
        from jupyter_client import KernelManager

        self.log_path = Path(log_path)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed by shutdown()
        self.km = KernelManager(kernel_name="python3")
        # capture_fd_output off: ipykernel would otherwise route fd 2 through a pipe that a thread of the kernel
        # reads, and glibc's last words ("corrupted size vs. prev_size") die with the process.
        self.km.start_kernel(env=kernel_env(), stdout=self._log, stderr=self._log, cwd=cwd or str(ROOT),
                             extra_arguments=["--IPKernelApp.capture_fd_output=False"])
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=startup_timeout)

    @property
    def pid(self) -> int:
        return self.km.provisioner.process.pid

    def returncode(self) -> int | None:
        """The kernel's exit status (negative: the signal that ended it), None while it runs."""
        return self.km.provisioner.process.poll()

    def alive(self) -> bool:
        return self.returncode() is None

    def log_size(self) -> int:
        self._log.flush()
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        """The kernel's stdout and stderr written since byte ``offset`` of the log."""
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def execute(self, code: str, timeout: float = 120.0, interrupt_after: float | None = None,
                user_expressions: dict | None = None, silent: bool = False, on_timeout=None) -> Outcome:
        """Run ``code`` as one cell; ``interrupt_after`` seconds after it starts, send SIGINT once.

        ``timeout`` counts from the cell's start (or from the request, until it starts). A kernel
        that dies ends the wait at once (``status == "died"``, with its exit status and last words).
        ``on_timeout()`` is called once when the time is up: if it returns a number of seconds, the wait
        goes on that much longer (``stalled`` is then set, whatever the end).
        """
        log_offset = self.log_size()
        msg_id = self.kc.execute(code, silent=silent, store_history=not silent,
                                 user_expressions=user_expressions or {}, allow_stdin=False)
        out = Outcome(status="timeout")
        sent = time.monotonic()
        reply = None
        idle_at = None
        stdout: list[str] = []
        next_alive_check = 0.0
        while True:
            now = time.monotonic()
            try:
                msg = self.kc.get_iopub_msg(timeout=0.01)
            except queue.Empty:
                msg = None
            now = time.monotonic()
            if msg is not None and msg.get("parent_header", {}).get("msg_id") == msg_id:
                kind, content = msg["msg_type"], msg["content"]
                if kind == "execute_input" and out.started is None:
                    out.started = now
                elif kind == "stream":
                    stdout.append(content.get("text", ""))
                elif kind == "status" and content.get("execution_state") == "idle":
                    idle_at = now
            if reply is None:
                try:
                    shell_msg = self.kc.get_shell_msg(timeout=0)
                except queue.Empty:
                    shell_msg = None
                if shell_msg is not None and shell_msg.get("parent_header", {}).get("msg_id") == msg_id:
                    reply = shell_msg["content"]
                    out.ended = now
            if reply is not None and (idle_at is not None or now - out.ended > 2.0):
                break
            if (interrupt_after is not None and out.started is not None and out.interrupted_at is None
                    and reply is None and now >= out.started + interrupt_after):
                self.km.interrupt_kernel()
                out.interrupted_at = time.monotonic()
            if now >= next_alive_check:
                next_alive_check = now + 0.05
                if not self.alive():
                    out.status, out.ended = "died", now
                    out.returncode = self.returncode()
                    time.sleep(0.2)  # let the log catch the last words
                    out.last_words = [line.strip() for line in self.log_since(log_offset).splitlines()
                                      if any(m in line for m in DEATH_MARKERS)]
                    out.stdout = "".join(stdout)
                    return out
            if reply is None and now - (out.started if out.started is not None else sent) > timeout:
                more = on_timeout() if on_timeout is not None and not out.stalled else None
                if more:
                    out.stalled = True
                    timeout += more + (time.monotonic() - now)
                    continue
                out.ended = now
                out.stdout = "".join(stdout)
                return out
        out.stdout = "".join(stdout)
        out.status = reply.get("status", "error")
        out.ename, out.evalue = reply.get("ename"), reply.get("evalue")
        out.user_expressions = reply.get("user_expressions", {}) or {}
        return out

    def expression(self, outcome: Outcome, name: str) -> str | None:
        """The ``text/plain`` value of user expression ``name`` in ``outcome`` (None if it failed)."""
        value = outcome.user_expressions.get(name)
        if not value or value.get("status") != "ok":
            return None
        return value.get("data", {}).get("text/plain")

    def identity(self) -> dict:
        """What the kernel runs: its Python, where it imports tfplotguard from (not importing it), its pid."""
        code = ("import sys as _s, os as _o, importlib.util as _u\n"
                "_id = repr({'executable': _s.executable, 'tfplotguard': _u.find_spec('tfplotguard').origin, "
                "'pid': _o.getpid(), 'MPLBACKEND': _o.environ.get('MPLBACKEND')})")
        out = self.execute(code, timeout=60, user_expressions={"id": "_id"}, silent=True)
        import ast

        text = self.expression(out, "id")
        return ast.literal_eval(ast.literal_eval(text)) if text else {}

    def native_stacks(self, path: Path, timeout: float = 120.0) -> str:
        """Every thread's C stack (gdb, attached for a moment) written to ``path``; the main thread's top frames.

        For a hung kernel, before it is killed. Says why not when gdb is missing or cannot attach.
        """
        import re
        import shutil
        import subprocess

        gdb = shutil.which("gdb")
        if gdb is None:
            return "no gdb to read the stacks"
        try:
            run = subprocess.run([gdb, "-p", str(self.pid), "-batch", "-nx", "-iex", "set auto-load safe-path /",
                                  "-ex", "set pagination off", "-ex", "thread apply all bt 40", "-ex", "thread 1",
                                  "-ex", "echo PY-BT\\n", "-ex", "py-bt"],
                                 capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "gdb timed out"
        Path(path).write_text(run.stdout + run.stderr)
        main, on = [], False
        text, _, py_bt = run.stdout.partition("PY-BT\n")
        python = []
        for line in py_bt.splitlines():  # py-bt: most recent call first
            m = re.match(r'\s*File "([^"]+)", line (\d+), in (\S+)', line)
            if m and len(python) < 3:
                python.append(f"{m.group(3)} ({Path(m.group(1)).name}:{m.group(2)})")
        for line in text.splitlines():
            if line.startswith("Thread "):
                on = line.startswith("Thread 1 ")
                continue
            if on and line.startswith("#") and len(main) < 6:
                main.append(frame_name(line))
        return (" ← ".join(main) or "(no main-thread stack read)") + (
            f" [Python: {' ← '.join(python)}]" if python else "")

    def shutdown(self) -> None:
        """Stop the kernel (at once) and close the client and the log."""
        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001 - a dead kernel's channels may already be gone
            pass
        try:
            self.km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001
            try:
                self.km.provisioner.process.kill()
            except Exception:  # noqa: BLE001
                pass
        self._log.close()


def versions() -> str:
    """One line: Python, TensorFlow, Keras, IPython, ipykernel, jupyter_client, NumPy, matplotlib, glibc."""
    import importlib.metadata as md
    import platform

    names = (("tensorflow", "tensorflow-cpu", "tf-nightly"), ("keras",), ("ipython",), ("ipykernel",),
             ("jupyter_client",), ("numpy",), ("matplotlib",))
    parts = [f"Python {platform.python_version()}"]
    for choices in names:
        for name in choices:
            try:
                parts.append(f"{name} {md.version(name)}")
                break
            except md.PackageNotFoundError:
                continue
        else:
            parts.append(f"{choices[0]} (not installed)")
    parts.append(f"glibc {platform.libc_ver()[1]}")
    return ", ".join(parts)


def machine() -> str:
    """One line: the kernel, CPU model, cores, memory, and the load average now."""
    import platform

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"Linux {platform.release()}, {cpu}, {os.cpu_count()} cores; load average {load} (1, 5, 15 min)"


if __name__ == "__main__":  # a smoke check: start one kernel, say what it runs
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        k = Kernel(Path(tmp) / "kernel.log")
        try:
            print(k.identity())
            print(k.execute("print(1 + 1)").stdout, sys.executable)
        finally:
            k.shutdown()


def emit(text: str, output: Path | None) -> None:
    """Print a run's table, and write it to ``output`` when one was asked for."""
    print(text)
    if output:
        output.write_text(text)
        print(f"wrote {output}")
