"""The safe-interrupt stack: ``%load_ext`` gives the main thread an alternate signal stack, ``%unload_ext`` takes it back.

Run in a fresh interpreter without faulthandler (pytest's faulthandler installs
an alternate stack of its own, and the extension keeps a big-enough one).
"""

import os
import subprocess
import sys

import pytest

SCRIPT = """
from IPython.core.interactiveshell import InteractiveShell
from tfplotguard.core import altstack
shell = InteractiveShell.instance()
before = altstack.current()
shell.run_line_magic("load_ext", "tfplotguard")
loaded = altstack.current()
shell.run_line_magic("reload_ext", "tfplotguard")
reloaded = altstack.current()
shell.run_line_magic("unload_ext", "tfplotguard")
after = altstack.current()
import faulthandler
faulthandler.enable()  # a stack of its own: given back as it was by the next unload
own = altstack.current()
shell.run_line_magic("load_ext", "tfplotguard")
kept = altstack.current()
shell.run_line_magic("unload_ext", "tfplotguard")
print(before, loaded, reloaded, after, own, kept, altstack.current(), sep="|")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sigaltstack is installed on Linux only")
def test_load_installs_an_alternate_stack_and_unload_puts_back_exactly_what_was_there():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONFAULTHANDLER"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    before, loaded, reloaded, after, own, kept, last = (eval(part) for part in proc.stdout.strip().splitlines()[-1].split("|"))
    assert before[1] & 2  # no alternate stack in a fresh interpreter (SS_DISABLE)
    assert not loaded[1] & 2 and loaded[2] >= 32 * 1024  # one big enough for a signal frame
    assert reloaded[:1] == loaded[:1] and not reloaded[1] & 2
    assert after == before  # exactly what was there
    assert not own[1] & 2 and not kept[1] & 2 and kept[2] >= 32 * 1024 and last == own  # faulthandler's comes back
