"""Real Jupyter frontends for the browser tests and the theme screenshots: servers, Chromium, pages.

- :class:`JupyterServer` starts ``jupyter lab`` or ``jupyter notebook`` (Notebook 7) on 127.0.0.1,
  on a free port, with a token, serving a temporary root directory. Everything the server reads
  from the user's home is redirected into a temporary directory too (config, data, runtime,
  settings, workspaces, IPython profile), so a developer's own JupyterLab settings, kernelspecs
  or startup files change nothing. The one kernelspec, ``python3``, runs this interpreter's
  ipykernel (the venv's), with the inline matplotlib backend. :meth:`JupyterServer.stop` shuts
  the server down through its API and kills whatever is left of its process tree, kernels included
  (kernels run in sessions of their own, so killing the server's process group would miss them).
- :func:`chromium_path` / :func:`launch_chromium`: the system's Chromium (never a downloaded
  browser), driven by Playwright.
- :class:`NotebookPage`: one notebook open in a frontend, with the few UI actions the tests need
  (run all cells from the menu, wait until every code cell has run) and DOM readers.

Used by ``tests/browser/`` and ``scripts/render_theme_screenshots.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

#: Flags for a headless Chromium that must not reach the network: without the background-networking
#: ones, Chromium's own connections (component updates, sync, field trials) are refused on a
#: machine with no open network and it stalls or logs errors.
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

CHROMIUM_MISSING = (
    "the browser tests need the system's Chromium, and none was found ({names} on PATH, or "
    "TFPLOTGUARD_CHROMIUM=/path/to/chromium). Debian/Ubuntu: apt-get install -y chromium. "
    "To leave the browser tests out locally: pytest -m 'not browser'."
)

#: JupyterLab user settings written for every server: no news or update checks (no network, and no
#: notification toasts over the outputs), and every cell kept in the DOM (JupyterLab 4 can leave
#: cells outside the viewport unrendered, and the tests read cells anywhere in the notebook).
BASE_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

KERNEL_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONUNBUFFERED": "1",
}


def chromium_path() -> str | None:
    """The system Chromium to drive: ``$TFPLOTGUARD_CHROMIUM``, else the first Chromium on PATH."""
    explicit = os.environ.get("TFPLOTGUARD_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return next((shutil.which(name) for name in CHROMIUM_NAMES if shutil.which(name)), None)


def launch_chromium(playwright, executable: str):
    """A headless Chromium from ``executable`` (Playwright gives it a fresh temporary profile)."""
    return playwright.chromium.launch(executable_path=executable, headless=True, args=list(CHROMIUM_ARGS))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def notebook_copy(source: Path, edit=None) -> dict:
    """A notebook as JSON with every stored output and execution count removed, then ``edit(nb)``.

    Without stored outputs, whatever the tests find in the page was produced by this run.
    """
    nb = json.loads(Path(source).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
    if edit is not None:
        edit(nb)
    return nb


def cell_source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def code_cell(source: str, tags=()) -> dict:
    """A new code cell for a notebook copy."""
    return {"cell_type": "code", "execution_count": None, "id": f"test-{abs(hash(source)) % 10**10}",
            "metadata": {"tags": list(tags)} if tags else {}, "outputs": [], "source": source}


def find_cell(nb: dict, startswith: str) -> int:
    """The index of the one code cell whose source starts with ``startswith`` (the notebooks changed if not one).

    A trailing newline in ``startswith`` also matches a one-line cell.
    """
    found = [i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (cell_source(c) + "\n").startswith(startswith)]
    if len(found) != 1:
        raise AssertionError(f"expected one code cell starting with {startswith!r}, found {len(found)}: "
                             "the notebook changed, update the browser test's copy")
    return found[0]


class JupyterServer:
    """One ``jupyter lab`` or ``jupyter notebook`` server on 127.0.0.1, started and stopped by its owner."""

    APPS = {"lab": "jupyterlab", "notebook": "notebook"}

    def __init__(self, app: str, root: Path, home: Path, settings: dict | None = None,
                 python: str = sys.executable):
        if app not in self.APPS:
            raise ValueError(f"app must be one of {sorted(self.APPS)}, got {app!r}")
        self.app, self.root, self.home, self.python = app, Path(root), Path(home), python
        self.settings = {**BASE_SETTINGS, **(settings or {})}
        self.port = None
        self.token = os.urandom(16).hex()
        self.process: subprocess.Popen | None = None
        self.log_path = self.home / f"jupyter-{app}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The address of ``path`` on this server, with the token."""
        return f"{self.base_url}/{path.lstrip('/')}?token={self.token}"

    def notebook_url(self, name: str) -> str:
        """Where this frontend opens the notebook ``name`` (relative to the root directory), alone.

        JupyterLab reopens the tabs of its last workspace; ``reset`` starts from an empty one, so
        the page holds this one notebook.
        """
        if self.app == "lab":
            return f"{self.base_url}/lab/tree/{name}?reset&token={self.token}"
        return self.url(f"notebooks/{name}")

    # -- lifecycle ------------------------------------------------------------------------
    def _environment(self) -> dict:
        dirs = {name: self.home / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython")}
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        kernel_dir = dirs["data"] / "kernels" / "python3"
        kernel_dir.mkdir(parents=True, exist_ok=True)
        (kernel_dir / "kernel.json").write_text(json.dumps({
            "argv": [self.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python",
            "env": KERNEL_ENV, "metadata": {"debugger": False},
        }, indent=1))
        for relative, values in self.settings.items():
            path = dirs["settings"] / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=1))
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
            JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]), IPYTHONDIR=str(dirs["ipython"]),
            JUPYTER_PREFER_ENV_PATH="0",  # our data dir (and its kernelspec) before the venv's
            JUPYTER_PLATFORM_DIRS="1",
        )
        return env

    def start(self, timeout: float = 120.0) -> "JupyterServer":
        """Start the server and wait until its API answers."""
        self.port = free_port()
        self.home.mkdir(parents=True, exist_ok=True)
        command = [
            self.python, "-m", self.APPS[self.app], "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.extension_manager=readonly",  # no package-index queries from the server
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # CI and containers run as root; the server refuses otherwise
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=self.root, env=self._environment(), stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.api("api/status")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"jupyter {self.app} did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 30.0) -> list[str]:
        """Shut the server and its kernels down; kill what is left. Returns what had to be killed."""
        if self.process is None:
            return []
        try:
            tree = [self.process.pid, *(p.pid for p in psutil.Process(self.process.pid).children(recursive=True))]
        except psutil.NoSuchProcess:
            tree = [self.process.pid]
        if self.process.poll() is None:
            try:
                self.api("api/shutdown", method="POST", timeout=10)
            except (urllib.error.URLError, ConnectionError, OSError):
                self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        killed = []
        procs = []
        for pid in tree:
            try:
                procs.append(psutil.Process(pid))
            except psutil.NoSuchProcess:
                pass
        # a kernel (or the server) that outlived the shutdown
        _, alive = psutil.wait_procs(procs, timeout=5)
        for proc in alive:
            try:
                killed.append(f"{proc.pid} {' '.join(proc.cmdline()[:3])}")
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        _, still = psutil.wait_procs(alive, timeout=10)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None
        if still:
            raise RuntimeError(f"processes survived SIGKILL: {[p.pid for p in still]}")
        return killed

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- REST API -------------------------------------------------------------------------
    def api(self, path: str, method: str = "GET", timeout: float = 5.0):
        """Call the server's REST API; the decoded JSON answer (None when empty)."""
        request = urllib.request.Request(f"{self.base_url}/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def kernelspec_argv(self) -> list[str]:
        """The command line the server starts the notebooks' ``python3`` kernel with."""
        return self.api("api/kernelspecs")["kernelspecs"]["python3"]["spec"]["argv"]

    def kernel_states(self) -> dict[str, str]:
        """Each open notebook's kernel's execution state, by notebook path."""
        return {s["path"]: s["kernel"]["execution_state"] for s in self.api("api/sessions")}

    def shutdown_kernels(self) -> None:
        """End every session (and its kernel), so the next notebook starts alone on the machine."""
        for session in self.api("api/sessions"):
            self.api(f"api/sessions/{session['id']}", method="DELETE", timeout=30)


#: JavaScript: a summary of one cell's outputs, in order. Images are reduced to their length and a
#: hash of their address (a PNG data URL of tens of kilobytes, read many times a second).
OUTPUTS_JS = """
(cell) => {
  const hash = (s) => { let h = 0; for (let i = 0; i < s.length; i++) { h = (h * 31 + s.charCodeAt(i)) | 0; } return h; };
  return Array.from(cell.querySelectorAll('.jp-OutputArea-child')).map((child) => {
    const output = child.querySelector('.jp-OutputArea-output');
    const img = child.querySelector('img');
    return {
      mime: output ? output.getAttribute('data-mime-type') : null,
      text: (output || child).innerText,
      image: img ? `${img.src.length}:${hash(img.src)}` : null,
    };
  });
}
"""

PROMPT = re.compile(r"\[(.*?)\]")


class NotebookPage:
    """One notebook open in JupyterLab or Notebook 7, in one Playwright page."""

    def __init__(self, page, server: JupyterServer, name: str):
        self.page, self.server, self.name = page, server, name

    def open(self, timeout_ms: float = 120_000) -> "NotebookPage":
        """Load the notebook and wait for its cells and an idle kernel."""
        self.page.goto(self.server.notebook_url(self.name), timeout=timeout_ms)
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=timeout_ms)
        notebooks = self.page.locator(".jp-Notebook").count()
        if notebooks != 1:  # the cells are found by their index in the page
            raise AssertionError(f"expected the page to show one notebook, it shows {notebooks}")
        self.wait_for(lambda: self.server.kernel_states().get(self.name) == "idle", timeout_ms / 1000,
                      "the notebook's kernel to start and go idle")
        return self

    @property
    def cells(self):
        return self.page.locator(".jp-Notebook .jp-Cell")

    def cell(self, index: int):
        return self.cells.nth(index)

    def menu(self, *path: str) -> None:
        """Choose a menu item from the menu bar, e.g. ``menu("Run", "Run All Cells")``."""
        first, *rest = path
        self.page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^\s*{re.escape(first)}\s*$")).click()
        for label in rest:
            item = self.page.locator(".lm-Menu:visible .lm-Menu-item",
                                     has=self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(label)}$")))
            item.first.click()

    def run_all(self) -> None:
        """Run all cells, as a user does: Run → Run All Cells."""
        self.menu("Run", "Run All Cells")

    def prompts(self) -> list[str]:
        """The execution prompt of every code cell: a number once run, ``*`` while queued or running."""
        texts = self.page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
        return [m.group(1).strip() if (m := PROMPT.search(t)) else t.strip() for t in texts]

    def wait_until_all_ran(self, timeout_s: float = 600.0, stalled_s: float = 5.0) -> None:
        """Wait until every code cell shows an execution count and the kernel is idle.

        Fails early, with the error outputs, when the kernel stays idle with cells left unrun
        and none queued (an error stopped "Run All").
        """
        idle_since = None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            prompts = self.prompts()
            idle = self.server.kernel_states().get(self.name) == "idle"
            if idle and all(p.isdigit() for p in prompts):
                return
            if idle and "*" not in prompts:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > stalled_s:
                    errors = self.page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
                    raise AssertionError(f"Run All stopped with cells unrun (prompts {prompts}); "
                                         f"error outputs: {errors.all_inner_texts()}")
            else:
                idle_since = None
            time.sleep(0.25)
        raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for every code cell to run "
                             f"and the kernel to go idle (prompts {self.prompts()})")

    def outputs(self, index: int) -> list[dict]:
        """Cell ``index``'s outputs: ``mime``, ``text`` (as rendered) and ``image`` (a hash) each."""
        return self.cell(index).evaluate(OUTPUTS_JS)

    def prompt(self, index: int) -> str:
        text = self.cell(index).locator(".jp-InputPrompt").inner_text()
        m = PROMPT.search(text)
        return m.group(1).strip() if m else text.strip()

    @staticmethod
    def wait_for(condition, timeout_s: float, what: str, poll_s: float = 0.25, detail=None) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(poll_s)
        extra = f" ({detail()})" if detail else ""
        raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}{extra}")


def temporary_home(prefix: str = "tfplotguard-browser-") -> Path:
    """A new temporary directory for one server's home (config, settings, logs)."""
    return Path(tempfile.mkdtemp(prefix=prefix))
