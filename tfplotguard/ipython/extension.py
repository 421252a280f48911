"""The IPython extension: one owner per shell for everything a load installs.

``load`` and ``unload`` are exact mirrors. Every install step pushes its own
undo onto a :class:`contextlib.ExitStack` *before* it acts (each undo tolerates a
step that never ran), and ``unload`` closes that stack (reverse order, every undo
even past an interrupted one), so a half-finished load (an exception or a
``KeyboardInterrupt`` part-way) is undone just as cleanly as a complete one, and ``%reload_ext`` never registers
anything twice. What the user chose survives ``%reload_ext``: the settings in use are written into
the shell's config at unload (the next load reads them there), and auto mode, if it was on, is on
again after the reload (``magics.py``), which says so.

The guard is process-wide and held by reference: each loaded shell is one
holder, so unloading one shell leaves the guard on while another shell, or a
script's ``tfplotguard.enable()`` made before any load, still holds it (see
``tfplotguard/guard/wrapper.py``).
"""

from __future__ import annotations

import contextlib
import warnings

from .. import guard
from ..core import altstack, seams
from ..core.errors import TFPlotGuardWarning
from ..core.events import remove_item

#: The oldest IPython the magics work with: ``IPython.core.magic.output_can_be_silenced`` is new in 8.10.0.
IPYTHON_FLOOR = "8.10"

_EXTENSIONS: dict[int, "Extension"] = {}


class Extension:
    """Everything tfplotguard installed into one IPython shell, with its undo stack."""

    def __init__(self, shell):
        self.shell = shell
        self.config = None  # the shell's TFPlotGuard configurable, once installed
        self._undo = contextlib.ExitStack()

    # -- install helpers: each records its own undo -------------------------
    def enable_guard(self):
        """Hold the guard for this shell; unload drops this shell's hold only."""
        holder = ("shell", id(self.shell))
        self._undo.callback(seams.undo, "unload: guard", guard.GUARD.disable, holder)
        seams.at("load: guard")
        guard.GUARD.enable(holder)

    def safe_interrupts(self):
        """Give the main thread an alternate signal stack while loaded (:mod:`tfplotguard.core.altstack`)."""
        holder = ("shell", id(self.shell))
        self._undo.callback(seams.undo, "unload: alternate stack", altstack.release, holder)
        seams.at("load: alternate stack")
        altstack.hold(holder)

    def register_magics(self, magics):
        """Register a ``Magics`` instance whose magics ``unload`` will remove."""
        self._undo.callback(seams.undo, "unload: magics", _unregister_magics, self.shell, magics)
        seams.at("load: magics")
        self.shell.register_magics(magics)

    def register_configurable(self, configurable):
        """Make a traitlets ``Configurable`` reachable by ``%config``."""
        self._undo.callback(seams.undo, "unload: configurable", remove_item, self.shell.configurables, configurable)
        seams.at("load: configurable")
        self.shell.configurables.append(configurable)

    def on_unload(self, undo):
        """Run ``undo()`` on unload (for state that has no helper above)."""
        self._undo.callback(seams.undo, f"unload: {getattr(undo, '__qualname__', 'step')}", undo)

    # -- lifecycle ------------------------------------------------------------
    def install(self):
        """Install the guard, the safe-interrupt stack, the configuration object and the magics."""
        self.enable_guard()
        self.safe_interrupts()
        from .config import TFPlotGuard

        self.config = TFPlotGuard(parent=self.shell)
        self.register_configurable(self.config)
        self.on_unload(self._keep_settings)
        try:
            from . import magics
        except ImportError as exc:  # the guard works without the magics: load it, and say what is missing
            warnings.warn(missing_magics_message(exc), TFPlotGuardWarning, stacklevel=4)
            return
        magics.install(self)

    def _keep_settings(self):
        """At unload: the settings in use go into the shell's config, so ``%reload_ext`` keeps them."""
        self.config.keep_in(self.shell.config)

    def uninstall(self):
        """Undo every install step in reverse order; keep going past a failing step."""
        stack, self._undo = self._undo, contextlib.ExitStack()
        try:
            stack.close()  # runs every undo, newest first, even past one that raises
        except Exception as exc:
            raise RuntimeError(f"tfplotguard: unload did not finish cleanly: {exc!r}") from exc


def missing_magics_message(exc: BaseException) -> str:
    """The load-time warning when the ``%tfcheck`` magics cannot be imported: what is missing and why."""
    import IPython

    return (f"tfplotguard: %tfcheck and %%tfcheck are not available: importing tfplotguard.ipython.magics "
            f"failed ({type(exc).__name__}: {exc}). They need IPython >= {IPYTHON_FLOOR} (this is IPython "
            f"{IPython.__version__}). The tensor guard and %config TFPlotGuard are installed.")


def load(shell) -> Extension:
    """Load into ``shell`` once; a second load of the same shell is a no-op."""
    ext = _EXTENSIONS.get(id(shell))
    if ext is not None and ext.shell is shell:
        return ext
    ext = Extension(shell)
    _EXTENSIONS[id(shell)] = ext
    try:
        ext.install()
    except BaseException:
        _EXTENSIONS.pop(id(shell), None)
        ext.uninstall()
        raise
    return ext


def unload(shell) -> None:
    """Unload from ``shell``; unloading a shell that never loaded is a no-op."""
    ext = _EXTENSIONS.pop(id(shell), None)
    if ext is not None:
        ext.uninstall()


def get(shell) -> Extension | None:
    """The loaded extension of ``shell``, or None."""
    ext = _EXTENSIONS.get(id(shell))
    return ext if ext is not None and ext.shell is shell else None


def _unregister_magics(shell, magics):
    manager = shell.magics_manager
    for kind, table in magics.magics.items():
        for magic_name in table:
            registered = manager.magics[kind].get(magic_name)
            if getattr(registered, "__self__", None) is magics:
                del manager.magics[kind][magic_name]
    if manager.registry.get(type(magics).__name__) is magics:
        del manager.registry[type(magics).__name__]
    # Magics.__init__ made the instance a configurable of the shell, too.
    remove_item(shell.configurables, magics)
