"""A measurement's five patching probes together; auto mode keeps its set installed between cells.

:class:`Probes` holds the probes that count through wrappers (matplotlib,
Keras calls and variables, tf.data iterators, ``.numpy()``, Python values).
A ``%%tfcheck`` cell makes a set, installs it before the cell and releases it
after: the identical originals go back. Auto mode measures every cell, so it
keeps one set and only pauses it after a cell: the wrappers stay in place and
pass every call straight through until the next cell resumes them
(:meth:`~tfplotguard.core.patch.Patches.pause`). Measured cold (a collection
between cells, as a notebook's idle time leaves the caches), making and
installing the 18 wrappers and restoring them was about 0.2 ms of auto mode's
0.8 ms per empty cell; a pause and a resume are a flag each. ``%tfcheck on``
installs them, paused, so that its first cell already only resumes them;
resuming also wraps what was imported since (TensorFlow, Keras or matplotlib
loaded by the previous cell). ``release()`` — ``%tfcheck off``,
``%unload_ext`` — puts every original back, exactly as a ``%%tfcheck`` cell does.

What is imported is noticed by ``sys.modules`` growing: a module reloaded in
place (same entry, new classes) is wrapped again only once something else is
imported or auto mode is switched off and on. The op watch (TensorFlow's op
callbacks are per thread and per cell) and the CPU meter stay per cell.
"""

from __future__ import annotations

import sys

from . import data as pipeline, keras as callcounts, mpl as mplprobe, pyvalues
from .numpy_calls import NumpyProbe


class Probes:
    """The patching probes of a measurement: matplotlib, Keras calls, tf.data, ``.numpy()``, Python values."""

    def __init__(self) -> None:
        self.mplwatch = mplprobe.MplProbe()
        self.callcounts = callcounts.KerasProbe()
        self.pipelines = pipeline.DataProbe()
        self.numpywatch = NumpyProbe()
        self.pyvalues = pyvalues.PyValueProbe()
        self._loaded = -1  # len(sys.modules) at the last look for what to wrap

    def _probes(self):
        return (self.mplwatch, self.callcounts, self.pipelines, self.numpywatch, self.pyvalues)

    def install(self) -> None:
        """Wrap what is loaded now, paused (``%tfcheck on``: its first cell then only resumes)."""
        try:
            self.begin()
        finally:
            self.pause()

    def begin(self) -> "Probes":
        """Zero every count and count again: the kept wrappers resume, what was imported since is wrapped."""
        # A module imported since the last look grows sys.modules; only then is it worth each probe's
        # look for what it wraps (cold, those lookups were ~0.1 ms of an auto-mode cell).
        loaded = len(sys.modules)
        rescan, self._loaded = loaded != self._loaded, loaded
        for probe in self._probes():
            probe.reset()
            probe.resume(rescan)
        return self

    def pause(self) -> None:
        """The cell has ended: every wrapper passes through until :meth:`begin`."""
        for probe in reversed(self._probes()):
            probe.pause()

    def release(self) -> None:
        """Put every original back (a ``%%tfcheck`` cell has ended, auto mode is off); a later :meth:`begin` installs anew."""
        self._loaded = -1
        errors = []
        for probe in reversed(self._probes()):
            try:
                probe.stop()
            except Exception as exc:  # the others are still put back
                errors.append(exc)
        if errors:
            raise errors[0]
