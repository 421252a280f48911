"""Parity of every patched matplotlib entry point: tensors through the guard draw what NumPy draws.

For every entry point in ``guard.patch_targets()`` there is at least one case
in ``CASES``. A case is a function ``case(target, xp)`` that draws on an Axes,
a 3-D Axes or a Figure; ``xp`` builds its inputs from the same seeded NumPy
data either as NumPy (figure A, guard disabled) or as TensorFlow values
(figure B, guard enabled). Each case runs in several modes:

- ``constant-float32`` / ``variable-float64``: dense ``tf.constant`` / ``tf.Variable``;
- ``constant-bfloat16`` / ``variable-float16``: low-precision floats; NumPy side
  gets the same values as float32 (the contract: bfloat16/float16 → float32).

Integer and boolean inputs, and 0-d tensors, appear inside the cases where
the entry point accepts them. Each test asserts:

1. the guard converted something (``conversions + cache_hits`` grew), did not
   fail open (no error counted) and no TensorFlow object is left inside
   figure B (matplotlib got NumPy only);
2. figure A and figure B draw the same (``figdata.assert_same_drawing``:
   artists' data, then pixels).

matplotlib ≥ 3.9 draws dense tensors correctly without the guard, so the
drawing comparison alone could not tell whether the guard was involved:
check 1 is what proves the tensor path went through it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from figdata import MISSING, Failed, artist_data, assert_same_drawing, figure_data
from tfplotguard import guard as guard_module
from tfplotguard.core.convert import kind_of
from tfplotguard import TFPlotGuardWarning

# -- inputs: the same data as NumPy or as tensors -----------------------------


@dataclass(frozen=True)
class Mode:
    holder: str  # "constant" or "variable"
    float_dtype: str  # dtype of float inputs


MODES = {
    "constant-float32": Mode("constant", "float32"),
    "variable-float64": Mode("variable", "float64"),
    "constant-bfloat16": Mode("constant", "bfloat16"),
    "variable-float16": Mode("variable", "float16"),
}
ALL_MODES = tuple(MODES)
EXACT_MODES = ("constant-float32", "variable-float64")  # for cases with no float input
_LOW_PRECISION = {"bfloat16", "float16"}


class XP:
    """Builds a case's inputs: NumPy (``tensors=False``) or TensorFlow values, from the same data.

    ``rng`` is seeded identically for both figures, so a case that draws
    random data draws the same numbers for A and B. 0-d inputs are NumPy
    scalars on the NumPy side, which is what the guard hands matplotlib.
    """

    def __init__(self, mode: str, tensors: bool, seed: int = 0):
        self.mode = MODES[mode]
        self.tensors = tensors
        self.rng = np.random.default_rng(seed)

    def f(self, data):
        """Float input in the mode's float dtype (low precision: float32 NumPy of the rounded values)."""
        dtype = self.mode.float_dtype
        values = np.asarray(data, dtype=np.float64)
        if dtype in _LOW_PRECISION:
            rounded = tf.cast(tf.cast(tf.constant(values), dtype), tf.float32)
            values = rounded.numpy()  # exactly representable in the low-precision dtype
            if self.tensors:
                return self._hold(tf.cast(tf.constant(values), dtype))
            return _numpy_value(values)
        values = values.astype(dtype)
        return self._hold(tf.constant(values)) if self.tensors else _numpy_value(values)

    def i(self, data, dtype="int64"):
        """Integer input."""
        return self.typed(data, dtype)

    def b(self, data):
        """Boolean input."""
        return self.typed(data, "bool")

    def typed(self, data, dtype):
        """Input of exactly ``dtype`` in both figures (ints, bools, complex)."""
        values = np.asarray(data).astype(dtype)
        return self._hold(tf.constant(values)) if self.tensors else _numpy_value(values)

    def s(self, data):
        """String input: a ``tf.string`` tensor, or NumPy ``str`` (a Python ``str`` when 0-d)."""
        values = np.asarray(data, dtype=str)
        if self.tensors:
            return self._hold(tf.constant(values))
        return str(values[()]) if values.ndim == 0 else values

    def _hold(self, tensor):
        return tf.Variable(tensor) if self.mode.holder == "variable" else tensor


def _numpy_value(values):
    return values[()] if values.ndim == 0 else values


def _grid(n=8):
    x = np.linspace(-2.0, 2.0, n)
    X, Y = np.meshgrid(x, x)
    return X, Y, np.exp(-(X**2 + Y**2) / 2) * np.cos(X)


def _signal(rng, n=64):
    t = np.arange(n) / 8.0
    return np.sin(2 * np.pi * 1.5 * t) + 0.3 * rng.standard_normal(n)


def _image(rng, n=8):
    return rng.random((n, n))


# -- the cases -----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    key: str  # "Class.method" or "Class.method[variant]"
    fn: object
    on: str  # "axes", "axes3d", "figure" or "pyplot"
    modes: tuple
    target: tuple  # (class name, method) of the entry point the case exercises


CASES: dict[str, Case] = {}


def case(key, *, on="axes", modes=ALL_MODES, target=None):
    """Register ``fn`` as the parity case ``key`` (``Class.method`` or ``Class.method[variant]``)."""

    def register(fn):
        assert key not in CASES, key
        owner, method = (target or key.split("[", 1)[0]).split(".")
        CASES[key] = Case(key, fn, on, tuple(modes), (owner, method))
        return fn

    return register


# Axes: lines, markers, bars -----------------------------------------------------


@case("Axes.plot")
def _(ax, xp):
    x = np.linspace(0, 1, 20)
    ax.plot(xp.f(x), xp.f(np.c_[np.sin(6 * x), np.cos(6 * x), x**2]), "o-")


@case("Axes.plot[int32]", modes=EXACT_MODES)
def _(ax, xp):
    ax.plot(xp.i(np.arange(12), "int32"), xp.i(xp.rng.integers(-5, 5, 12), "int32"))


@case("Axes.scatter")
def _(ax, xp):
    r = xp.rng
    ax.scatter(xp.f(r.random(20)), xp.f(r.random(20)), s=xp.f(10 + 40 * r.random(20)), c=xp.f(r.random(20)))


@case("Axes.scatter[int64]", modes=EXACT_MODES)
def _(ax, xp):
    r = xp.rng
    ax.scatter(xp.i(r.integers(0, 10, 15)), xp.i(r.integers(0, 10, 15)), c=xp.i(r.integers(0, 3, 15)))


@case("Axes.bar")
def _(ax, xp):
    r = xp.rng
    ax.bar(xp.f(np.arange(6)), xp.f(r.random(6)), width=xp.f(0.6), bottom=xp.f(0.1 * r.random(6)),
           yerr=xp.f(0.1 * r.random(6)))


@case("Axes.bar[int64]", modes=EXACT_MODES)
def _(ax, xp):
    ax.bar(xp.i(np.arange(5)), xp.i([3, 1, 4, 1, 5]))


@case("Axes.barh")
def _(ax, xp):
    r = xp.rng
    ax.barh(xp.f(np.arange(6)), xp.f(r.random(6)), height=xp.f(0.5), left=xp.f(0.2 * r.random(6)))


@case("Axes.broken_barh")
def _(ax, xp):
    ax.broken_barh(xp.f([[1.0, 2.0], [4.0, 1.5], [7.0, 0.5]]), (xp.f(2.0), xp.f(3.0)))


@case("Axes.grouped_bar")
def _(ax, xp):
    ax.grouped_bar(xp.f(xp.rng.random((4, 3))), labels=["a", "b", "c"])


@case("Axes.hist")
def _(ax, xp):
    r = xp.rng
    ax.hist(xp.f(r.standard_normal(40)), bins=xp.f(np.linspace(-3, 3, 9)), weights=xp.f(r.random(40)))


@case("Axes.hist[int32]", modes=EXACT_MODES)
def _(ax, xp):
    ax.hist(xp.i(xp.rng.integers(0, 8, 40), "int32"), bins=8)


@case("Axes.hist2d")
def _(ax, xp):
    r = xp.rng
    ax.hist2d(xp.f(r.standard_normal(40)), xp.f(r.standard_normal(40)), bins=5, weights=xp.f(r.random(40)))


@case("Axes.stairs")
def _(ax, xp):
    ax.stairs(xp.f(xp.rng.random(6)), xp.f(np.arange(7) * 0.5), baseline=xp.f(-0.25), fill=True)


@case("Axes.stairs[int64]", modes=EXACT_MODES)
def _(ax, xp):
    ax.stairs(xp.i([3, 1, 4, 1, 5]), xp.i(np.arange(6)))


@case("Axes.ecdf")
def _(ax, xp):
    r = xp.rng
    ax.ecdf(xp.f(r.standard_normal(25)), weights=xp.f(r.random(25)))


@case("Axes.step")
def _(ax, xp):
    x = np.arange(10.0)
    ax.step(xp.f(x), xp.f(np.sin(x)), where="mid")


@case("Axes.stem")
def _(ax, xp):
    x = np.arange(10.0)
    ax.stem(xp.f(x), xp.f(np.cos(x)), bottom=xp.f(0.25))


@case("Axes.errorbar")
def _(ax, xp):
    r = xp.rng
    x = np.arange(8.0)
    ax.errorbar(xp.f(x), xp.f(r.random(8)), yerr=xp.f(0.1 * r.random(8)), xerr=xp.f(0.2 * r.random(8)),
                capsize=2)


@case("Axes.semilogx")
def _(ax, xp):
    x = np.logspace(0, 3, 15)
    ax.semilogx(xp.f(x), xp.f(np.log10(x) ** 2))


@case("Axes.semilogy")
def _(ax, xp):
    x = np.arange(1.0, 16.0)
    ax.semilogy(xp.f(x), xp.f(np.exp(x / 3)))


@case("Axes.loglog")
def _(ax, xp):
    x = np.logspace(0, 2, 15)
    ax.loglog(xp.f(x), xp.f(x**1.5))


# Axes: images and grids ----------------------------------------------------------


@case("Axes.imshow")
def _(ax, xp):
    ax.imshow(xp.f(_image(xp.rng)), extent=(xp.f(0.0), xp.f(4.0), xp.f(0.0), xp.f(2.0)), vmin=xp.f(0.1))


@case("Axes.imshow[uint8 rgb]", modes=EXACT_MODES)
def _(ax, xp):
    ax.imshow(xp.i(xp.rng.integers(0, 256, (8, 8, 3)), "uint8"))


@case("Axes.imshow[bool]", modes=EXACT_MODES)
def _(ax, xp):
    ax.imshow(xp.b(xp.rng.random((8, 8)) > 0.5))


@case("Axes.matshow")
def _(ax, xp):
    ax.matshow(xp.f(_image(xp.rng)))


@case("Axes.spy")
def _(ax, xp):
    image = _image(xp.rng)
    image[image < 0.6] = 0.0
    ax.spy(xp.f(image), precision=xp.f(0.1))


@case("Axes.spy[markers]")
def _(ax, xp):
    image = _image(xp.rng)
    image[image < 0.6] = 0.0
    ax.spy(xp.f(image), markersize=3)


@case("Axes.spy[bool]", modes=EXACT_MODES)
def _(ax, xp):
    ax.spy(xp.b(xp.rng.random((8, 8)) > 0.7))


@case("Axes.pcolor")
def _(ax, xp):
    X, Y, _z = _grid(9)
    ax.pcolor(xp.f(X), xp.f(Y), xp.f(_image(xp.rng)))


@case("Axes.pcolormesh")
def _(ax, xp):
    X, Y, _z = _grid(9)
    ax.pcolormesh(xp.f(X), xp.f(Y), xp.f(_image(xp.rng)), vmax=xp.f(0.9))


@case("Axes.pcolorfast")
def _(ax, xp):
    ax.pcolorfast(xp.f(np.arange(9.0) ** 1.5), xp.f(np.arange(9.0)), xp.f(_image(xp.rng)))


@case("Axes.contour")
def _(ax, xp):
    X, Y, Z = _grid()
    ax.contour(xp.f(X), xp.f(Y), xp.f(Z), levels=xp.f([-0.5, 0.0, 0.25, 0.5]))


@case("Axes.contourf")
def _(ax, xp):
    X, Y, Z = _grid()
    ax.contourf(xp.f(X), xp.f(Y), xp.f(Z), levels=5)


def _triangulation_points(rng, n=30):
    x, y = rng.random(n), rng.random(n)
    return x, y, np.sin(4 * x) * np.cos(3 * y)


@case("Axes.tricontour")
def _(ax, xp):
    x, y, z = _triangulation_points(xp.rng)
    ax.tricontour(xp.f(x), xp.f(y), xp.f(z), levels=4)


@case("Axes.tricontourf")
def _(ax, xp):
    x, y, z = _triangulation_points(xp.rng)
    ax.tricontourf(xp.f(x), xp.f(y), xp.f(z), levels=4)


_TRIANGLES = np.array([[0, 1, 4], [1, 2, 5], [1, 5, 4], [2, 3, 6], [2, 6, 5], [4, 5, 7], [5, 6, 7]])
_TRI_X = np.array([0.0, 1.0, 2.0, 3.0, 0.5, 1.5, 2.5, 1.5])
_TRI_Y = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0])


@case("Axes.tripcolor")
def _(ax, xp):
    ax.tripcolor(xp.f(_TRI_X), xp.f(_TRI_Y), xp.f(xp.rng.random(8)), triangles=xp.i(_TRIANGLES, "int32"))


@case("Axes.triplot")
def _(ax, xp):
    ax.triplot(xp.f(_TRI_X), xp.f(_TRI_Y), xp.i(_TRIANGLES), "go-")


@case("Axes.hexbin")
def _(ax, xp):
    r = xp.rng
    ax.hexbin(xp.f(r.standard_normal(40)), xp.f(r.standard_normal(40)), C=xp.f(r.random(40)), gridsize=4)


# Axes: areas and statistics -----------------------------------------------------------


@case("Axes.fill")
def _(ax, xp):
    angle = np.linspace(0, 2 * np.pi, 9)
    ax.fill(xp.f(np.cos(angle)), xp.f(np.sin(angle)), "c")


@case("Axes.fill_between")
def _(ax, xp):
    x = np.linspace(0, 2, 15)
    ax.fill_between(xp.f(x), xp.f(np.sin(3 * x)), xp.f(0.2), where=xp.b(np.sin(3 * x) > -0.5), interpolate=True)


@case("Axes.fill_betweenx")
def _(ax, xp):
    y = np.linspace(0, 2, 15)
    ax.fill_betweenx(xp.f(y), xp.f(np.cos(3 * y)), xp.f(np.cos(3 * y) + 1), where=xp.b(y < 1.5))


@case("Axes.boxplot")
def _(ax, xp):
    ax.boxplot(xp.f(xp.rng.standard_normal((30, 3))), positions=xp.f([1.0, 2.5, 4.0]))


@case("Axes.boxplot[list of tensors]")
def _(ax, xp):
    r = xp.rng
    ax.boxplot([xp.f(r.standard_normal(20)), xp.f(r.standard_normal(12) + 1)])


@case("Axes.violinplot")
def _(ax, xp):
    ax.violinplot(xp.f(xp.rng.standard_normal((30, 2))), positions=xp.f([1.0, 3.0]), showmedians=True)


@case("Axes.eventplot")
def _(ax, xp):
    ax.eventplot(xp.f(xp.rng.random((3, 10))), lineoffsets=xp.f([1.0, 2.0, 3.0]), linelengths=xp.f(0.5))


@case("Axes.eventplot[int64]", modes=EXACT_MODES)
def _(ax, xp):
    ax.eventplot(xp.i(xp.rng.integers(0, 50, (2, 8))))


@case("Axes.stackplot")
def _(ax, xp):
    ax.stackplot(xp.f(np.arange(10.0)), xp.f(xp.rng.random((3, 10))))


@case("Axes.pie")
def _(ax, xp):
    ax.pie(xp.f([3.0, 1.0, 2.0, 4.0]), explode=xp.f([0.0, 0.1, 0.0, 0.2]), labels=list("abcd"))


@case("Axes.pie[int64]", modes=EXACT_MODES)
def _(ax, xp):
    ax.pie(xp.i([3, 1, 2, 4]))


# Axes: fields ------------------------------------------------------------------------


@case("Axes.quiver")
def _(ax, xp):
    X, Y, Z = _grid(5)
    ax.quiver(xp.f(X), xp.f(Y), xp.f(-Y), xp.f(X), xp.f(Z))


@case("Axes.barbs")
def _(ax, xp):
    X, Y, _z = _grid(4)
    ax.barbs(xp.f(X), xp.f(Y), xp.f(20 * X), xp.f(30 * Y), length=5)


@case("Axes.streamplot")
def _(ax, xp):
    x = np.arange(8.0)  # evenly spaced and exact in every float dtype (streamplot checks spacing)
    X, Y = np.meshgrid(x, x)
    ax.streamplot(xp.f(x), xp.f(x), xp.f(-(Y - 3.5)), xp.f(X - 3.5), density=0.4,
                  linewidth=xp.f(0.5 + np.hypot(X - 3.5, Y - 3.5) / 5))


# Axes: reference lines and spans --------------------------------------------------------


@case("Axes.axhline")
def _(ax, xp):
    ax.axhline(xp.f(0.3), xmin=xp.f(0.25), xmax=xp.f(0.75))


@case("Axes.axvline")
def _(ax, xp):
    ax.axvline(x=xp.f(0.6), ymin=xp.f(0.1), ymax=xp.f(0.9))


@case("Axes.axhspan")
def _(ax, xp):
    ax.axhspan(xp.f(0.25), xp.f(0.5), xmin=xp.f(0.125))


@case("Axes.axvspan")
def _(ax, xp):
    ax.axvspan(xp.f(0.25), xp.f(0.75), ymax=xp.f(0.5))


@case("Axes.axline")
def _(ax, xp):
    ax.axline((xp.f(0.0), xp.f(0.25)), xp.f([1.0, 0.75]))
    ax.axline(xp.f([0.5, 0.5]), slope=xp.f(-2.0))


@case("Axes.hlines")
def _(ax, xp):
    r = xp.rng
    ax.hlines(xp.f(np.arange(5.0)), xp.f(r.random(5)), xp.f(1 + r.random(5)))


@case("Axes.hlines[int64]", modes=EXACT_MODES)
def _(ax, xp):
    ax.hlines(xp.i(np.arange(4)), xp.i(0), xp.i([1, 2, 3, 4]))


@case("Axes.vlines")
def _(ax, xp):
    r = xp.rng
    ax.vlines(xp.f(np.arange(5.0)), xp.f(-r.random(5)), xp.f(r.random(5)))


# Axes: limits and ticks --------------------------------------------------------------


def _some_line(ax):
    ax.plot(np.arange(10.0), np.arange(10.0) ** 0.5)


@case("Axes.set_xlim")
def _(ax, xp):
    _some_line(ax)
    ax.set_xlim(xp.f(1.5), xp.f(7.25))


@case("Axes.set_xlim[1-d tensor]")
def _(ax, xp):
    _some_line(ax)
    ax.set_xlim(xp.f([-1.0, 12.0]))


@case("Axes.set_ylim")
def _(ax, xp):
    _some_line(ax)
    ax.set_ylim(bottom=xp.f(-0.5), top=xp.f(4.0))


@case("Axes.set_xbound")
def _(ax, xp):
    _some_line(ax)
    ax.set_xbound(xp.f(2.0), xp.f(6.0))


@case("Axes.set_ybound")
def _(ax, xp):
    _some_line(ax)
    ax.set_ybound(lower=xp.f(0.5))


@case("Axes.set_xticks")
def _(ax, xp):
    _some_line(ax)
    ax.set_xticks(xp.f([0.0, 2.5, 5.0, 7.5]), labels=["a", "b", "c", "d"])


@case("Axes.set_xticks[int32]", modes=EXACT_MODES)
def _(ax, xp):
    _some_line(ax)
    ax.set_xticks(xp.i([0, 3, 6, 9], "int32"))


@case("Axes.set_yticks")
def _(ax, xp):
    _some_line(ax)
    ax.set_yticks(xp.f([0.5, 1.5, 2.5]), minor=True)
    ax.set_yticks(xp.f([0.0, 1.0, 2.0, 3.0]))


# Axes: text and arrows --------------------------------------------------------------


@case("Axes.text")
def _(ax, xp):
    ax.text(xp.f(0.25), xp.f(0.5), "hello")


@case("Axes.text[int64 0-d]", modes=EXACT_MODES)
def _(ax, xp):
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 4)
    ax.text(xp.i(1), xp.i(2), "ints")


@case("Axes.annotate")
def _(ax, xp):
    ax.annotate("note", xy=(xp.f(0.25), xp.f(0.5)), xytext=(xp.f(0.625), xp.f(0.75)),
                arrowprops={"arrowstyle": "->"})


@case("Axes.arrow")
def _(ax, xp):
    ax.arrow(xp.f(0.125), xp.f(0.25), xp.f(0.5), xp.f(0.375), width=xp.f(0.03125))


# Axes: spectra ----------------------------------------------------------------------


@case("Axes.psd")
def _(ax, xp):
    ax.psd(xp.f(_signal(xp.rng)), NFFT=16, Fs=xp.f(8.0), noverlap=8)


@case("Axes.csd")
def _(ax, xp):
    r = xp.rng
    ax.csd(xp.f(_signal(r)), xp.f(_signal(r)), NFFT=16, Fs=8)


@case("Axes.specgram")
def _(ax, xp):
    ax.specgram(xp.f(_signal(xp.rng)), NFFT=16, Fs=8, noverlap=8)


@case("Axes.magnitude_spectrum")
def _(ax, xp):
    ax.magnitude_spectrum(xp.f(_signal(xp.rng)), Fs=8)


@case("Axes.angle_spectrum")
def _(ax, xp):
    ax.angle_spectrum(xp.f(_signal(xp.rng)), Fs=8)


@case("Axes.phase_spectrum")
def _(ax, xp):
    ax.phase_spectrum(xp.f(_signal(xp.rng)), Fs=8)


@case("Axes.cohere")
def _(ax, xp):
    r = xp.rng
    ax.cohere(xp.f(_signal(r)), xp.f(_signal(r)), NFFT=16, Fs=8)


@case("Axes.xcorr")
def _(ax, xp):
    r = xp.rng
    ax.xcorr(xp.f(_signal(r, 32)), xp.f(_signal(r, 32)), maxlags=8)


@case("Axes.acorr")
def _(ax, xp):
    ax.acorr(xp.f(_signal(xp.rng, 32)), maxlags=8)


# Figure -----------------------------------------------------------------------------


@case("Figure.figimage", on="figure")
def _(fig, xp):
    fig.figimage(xp.f(_image(xp.rng)), xo=xp.i(10), yo=xp.i(5), origin="upper")


# Axes3D -------------------------------------------------------------------------------


def _helix():
    t = np.linspace(0, 4 * np.pi, 25)
    return np.cos(t), np.sin(t), t / 4


@case("Axes3D.plot", on="axes3d")
def _(ax, xp):
    x, y, z = _helix()
    ax.plot(xp.f(x), xp.f(y), xp.f(z))


@case("Axes3D.plot3D", on="axes3d")
def _(ax, xp):
    x, y, z = _helix()
    ax.plot3D(xp.f(x), xp.f(y), zs=xp.f(z), zdir="x")


@case("Axes3D.plot[0-d zs]", on="axes3d")
def _(ax, xp):
    x, y, _z = _helix()
    ax.plot(xp.f(x), xp.f(y), zs=xp.f(0.5))


@case("Axes3D.scatter", on="axes3d")
def _(ax, xp):
    r = xp.rng
    ax.scatter(xp.f(r.random(20)), xp.f(r.random(20)), xp.f(r.random(20)), s=xp.f(10 + 30 * r.random(20)),
               c=xp.f(r.random(20)))


@case("Axes3D.scatter3D", on="axes3d")
def _(ax, xp):
    r = xp.rng
    ax.scatter3D(xp.f(r.random(20)), xp.f(r.random(20)), zs=xp.f(r.random(20)))


@case("Axes3D.plot_surface", on="axes3d")
def _(ax, xp):
    X, Y, Z = _grid()
    ax.plot_surface(xp.f(X), xp.f(Y), xp.f(Z), cmap="viridis")


@case("Axes3D.plot_wireframe", on="axes3d")
def _(ax, xp):
    X, Y, Z = _grid()
    ax.plot_wireframe(xp.f(X), xp.f(Y), xp.f(Z), rstride=2, cstride=2)


@case("Axes3D.plot_trisurf", on="axes3d")
def _(ax, xp):
    x, y, z = _triangulation_points(xp.rng)
    ax.plot_trisurf(xp.f(x), xp.f(y), xp.f(z))


@case("Axes3D.bar", on="axes3d")
def _(ax, xp):
    ax.bar(xp.f(np.arange(5.0)), xp.f(xp.rng.random(5)), zs=xp.f(1.0), zdir="y")


@case("Axes3D.bar3d", on="axes3d")
def _(ax, xp):
    r = xp.rng
    ax.bar3d(xp.f(np.arange(4.0)), xp.f(r.random(4)), xp.f(0.0), xp.f(0.5), xp.f(0.5), xp.f(r.random(4)))


@case("Axes3D.contour", on="axes3d")
def _(ax, xp):
    X, Y, Z = _grid()
    ax.contour(xp.f(X), xp.f(Y), xp.f(Z), levels=xp.f([-0.5, 0.0, 0.5]))


@case("Axes3D.contour3D", on="axes3d")
def _(ax, xp):
    X, Y, Z = _grid()
    ax.contour3D(xp.f(X), xp.f(Y), xp.f(Z), extend3d=True, stride=2)


@case("Axes3D.contourf", on="axes3d")
def _(ax, xp):
    X, Y, Z = _grid()
    ax.contourf(xp.f(X), xp.f(Y), xp.f(Z), zdir="z", offset=xp.f(-1.0))


@case("Axes3D.contourf3D", on="axes3d")
def _(ax, xp):
    X, Y, Z = _grid()
    ax.contourf3D(xp.f(X), xp.f(Y), xp.f(Z), levels=4)


@case("Axes3D.tricontour", on="axes3d")
def _(ax, xp):
    x, y, z = _triangulation_points(xp.rng)
    ax.tricontour(xp.f(x), xp.f(y), xp.f(z), levels=4)


@case("Axes3D.tricontourf", on="axes3d")
def _(ax, xp):
    x, y, z = _triangulation_points(xp.rng)
    ax.tricontourf(xp.f(x), xp.f(y), xp.f(z), levels=4)


def _field3d():
    g = np.arange(3.0)
    X, Y, Z = np.meshgrid(g, g, g)
    return X, Y, Z, -Y, X, 0.5 * Z


@case("Axes3D.quiver", on="axes3d")
def _(ax, xp):
    ax.quiver(*(xp.f(a) for a in _field3d()), length=xp.f(0.5), normalize=True)


@case("Axes3D.quiver3D", on="axes3d")
def _(ax, xp):
    ax.quiver3D(*(xp.f(a) for a in _field3d()))


@case("Axes3D.voxels", on="axes3d")
def _(ax, xp):
    x, y, z = np.indices((4, 4, 4)) / 2.0
    filled = xp.rng.random((3, 3, 3)) > 0.5
    ax.voxels(xp.f(x), xp.f(y), xp.f(z), xp.b(filled), facecolors="tab:blue")


@case("Axes3D.voxels[bool only]", on="axes3d", modes=EXACT_MODES)
def _(ax, xp):
    ax.voxels(xp.b(xp.rng.random((3, 3, 3)) > 0.5))


@case("Axes3D.text", on="axes3d")
def _(ax, xp):
    ax.text(xp.f(0.25), xp.f(0.5), xp.f(0.75), "hi", zdir="y")  # a vector zdir needs matplotlib >= 3.8


@case("Axes3D.text3D", on="axes3d")
def _(ax, xp):
    ax.text3D(xp.f(0.75), xp.f(0.5), xp.f(0.25), "hi", zdir="x")


@case("Axes3D.fill_between", on="axes3d")
def _(ax, xp):
    t = np.linspace(0, 2 * np.pi, 12)
    ax.fill_between(xp.f(np.cos(t)), xp.f(np.sin(t)), xp.f(0.0), xp.f(np.cos(t)), xp.f(np.sin(t)), xp.f(t / 4),
                    where=xp.b(t < 5.0))


@case("Axes3D.stem", on="axes3d")
def _(ax, xp):
    x, y, z = _helix()
    ax.stem(xp.f(x[::3]), xp.f(y[::3]), xp.f(z[::3]), bottom=xp.f(-0.5))


@case("Axes3D.stem3D", on="axes3d")
def _(ax, xp):
    x, y, z = _helix()
    ax.stem3D(xp.f(x[::3]), xp.f(y[::3]), xp.f(z[::3]), orientation="x")


@case("Axes3D.errorbar", on="axes3d")
def _(ax, xp):
    r = xp.rng
    x, y, z = _helix()
    ax.errorbar(xp.f(x[::4]), xp.f(y[::4]), xp.f(z[::4]), zerr=xp.f(0.2 * r.random(7)), xerr=xp.f(0.1))


@case("Axes3D.set_zticks", on="axes3d")
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_zticks(xp.f([0.0, 1.0, 2.0]))


@case("Axes3D.set_zlim", on="axes3d")
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_zlim(xp.f(-0.5), xp.f(2.5))


@case("Axes3D.set_zlim3d", on="axes3d")
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_zlim3d(bottom=xp.f(0.5))


@case("Axes3D.set_xlim", on="axes3d")
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_xlim(xp.f(-1.5), xp.f(0.5))


@case("Axes3D.set_ylim", on="axes3d")
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_ylim(bottom=xp.f(-0.5), top=xp.f(2.0))


@case("Axes3D.set_xlim3d", on="axes3d")
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_xlim3d(xp.f([-2.0, 2.0]))


@case("Axes3D.set_ylim3d", on="axes3d")
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_ylim3d(xp.f(0.25), xp.f(0.75))


# Axes3D's own set_x/y/zbound forward to set_x/y/zlim: the tensors reach the guard there.
@case("Axes3D.set_xbound[via set_xlim]", on="axes3d", target="Axes3D.set_xlim")
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_xbound(xp.f(-0.5), xp.f(1.5))


@case("Axes3D.set_ybound[via set_ylim]", on="axes3d", target="Axes3D.set_ylim")
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_ybound(upper=xp.f(0.5))


@case("Axes3D.set_zbound", on="axes3d")
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_zbound(xp.f(0.5), xp.f(2.0))


# Artist setters: the artist is built from NumPy, only the setter gets tensors --------


@case("Line2D.set_data")
def _(ax, xp):
    (line,) = ax.plot(np.arange(5.0), np.ones(5))
    x = np.linspace(0, 4, 12)
    line.set_data(xp.f(x), xp.f(np.sin(x)))


@case("Line2D.set_xdata")
def _(ax, xp):
    (line,) = ax.plot(np.arange(5.0), np.arange(5.0))
    line.set_xdata(xp.f(xp.rng.random(5) * 4))


@case("Line2D.set_ydata")
def _(ax, xp):
    (line,) = ax.plot(np.arange(5.0), np.arange(5.0))
    line.set_ydata(xp.f(xp.rng.random(5) * 4))


@case("PathCollection.set_offsets")
def _(ax, xp):
    collection = ax.scatter(np.arange(6.0), np.arange(6.0))
    collection.set_offsets(xp.f(xp.rng.random((6, 2)) * 5))


@case("PathCollection.set_array")
def _(ax, xp):
    collection = ax.scatter(np.arange(6.0), np.arange(6.0), c=np.arange(6.0))
    collection.set_array(xp.f(xp.rng.random(6)))


@case("QuadMesh.set_array")
def _(ax, xp):
    mesh = ax.pcolormesh(np.zeros((8, 8)), vmin=0, vmax=1)
    mesh.set_array(xp.f(_image(xp.rng)))


@case("AxesImage.set_data")
def _(ax, xp):
    image = ax.imshow(np.zeros((8, 8)), vmin=0, vmax=1)
    image.set_data(xp.f(_image(xp.rng)))


@case("AxesImage.set_array")
def _(ax, xp):
    image = ax.imshow(np.zeros((8, 8)), vmin=0, vmax=1)
    image.set_array(xp.f(_image(xp.rng)))


@case("Polygon.set_xy")
def _(ax, xp):
    from matplotlib.patches import Polygon

    polygon = ax.add_patch(Polygon(np.zeros((3, 2)), closed=True))
    polygon.set_xy(xp.f([[0.0, 0.0], [1.0, 0.25], [0.5, 1.0], [0.0, 0.75]]))


# pyplot and data= ----------------------------------------------------------------------


@case("pyplot.plot", on="pyplot", target="Axes.plot")
def _(fig, xp):
    x = np.linspace(0, 1, 15)
    plt.plot(xp.f(x), xp.f(x**2), "r--")


@case("pyplot.imshow", on="pyplot", target="Axes.imshow")
def _(fig, xp):
    plt.imshow(xp.f(_image(xp.rng)), cmap="gray")


@case("pyplot.scatter", on="pyplot", target="Axes.scatter")
def _(fig, xp):
    r = xp.rng
    plt.scatter(xp.f(r.random(15)), xp.f(r.random(15)), c=xp.f(r.random(15)))


@case("Axes.scatter[data= mapping]")
def _(ax, xp):
    r = xp.rng
    ax.scatter("a", "b", c="c", data={"a": xp.f(r.random(15)), "b": xp.f(r.random(15)), "c": xp.f(r.random(15))})


@case("Axes.plot[data= mapping]")
def _(ax, xp):
    x = np.linspace(0, 1, 15)
    ax.plot("t", "v", "", data={"t": xp.f(x), "v": xp.f(np.sqrt(x))})


# Style keywords and other dtypes ------------------------------------------------------


@case("Axes.plot[style kwargs]")
def _(ax, xp):
    x = np.arange(10.0)
    ax.plot(xp.f(x), xp.f(np.sqrt(x)), marker="o", color=xp.f([0.25, 0.5, 0.75]), alpha=xp.f(0.5),
            linewidth=xp.f(2.0), markevery=xp.i([0, 2, 4, 6]))


@case("Axes.scatter[rgba colors]")
def _(ax, xp):
    r = xp.rng
    ax.scatter(xp.f(r.random(8)), xp.f(r.random(8)), c=xp.f(r.random((8, 4))), linewidths=xp.f(r.random(8)))


@case("Axes.broken_barh[list of 0-d tuples]")
def _(ax, xp):
    ax.broken_barh([(xp.f(1.0), xp.f(2.0)), (xp.f(4.0), xp.f(0.5))], (xp.f(0.0), xp.f(1.0)))


@case("Axes.psd[complex64]", modes=EXACT_MODES)
def _(ax, xp):
    r = xp.rng
    ax.psd(xp.typed(_signal(r) + 1j * _signal(r), "complex64"), NFFT=16, Fs=8)


@case("Axes.hist[uint8 and float weights]")
def _(ax, xp):
    r = xp.rng
    ax.hist(xp.i(r.integers(0, 200, 30), "uint8"), bins=xp.i([0, 50, 100, 150, 200]), weights=xp.f(r.random(30)))


# Labels and text: tf.string tensors drawn as str, not as "tf.Tensor(b'a', ...)" -------


def _ticked_line(ax, ticks=(0.0, 2.5, 5.0, 7.5)):
    _some_line(ax)
    ax.set_xticks(list(ticks))
    ax.set_yticks(list(ticks[:3]))


@case("Axes.set_xticks[tensor labels]", modes=EXACT_MODES)
def _(ax, xp):
    _some_line(ax)
    ax.set_xticks(xp.f([0.0, 2.5, 5.0, 7.5]), labels=xp.s(list("abcd")))


@case("Axes.set_xticklabels", modes=EXACT_MODES)
def _(ax, xp):
    _ticked_line(ax)
    ax.set_xticklabels(xp.s(list("abcd")), rotation=45)


@case("Axes.set_xticklabels[list of 0-d]", modes=EXACT_MODES)
def _(ax, xp):
    _ticked_line(ax)
    ax.set_xticklabels([xp.s("a"), xp.s("b"), "c", xp.s("d")])


@case("Axes.set_yticklabels", modes=EXACT_MODES)
def _(ax, xp):
    _ticked_line(ax)
    ax.set_yticklabels(xp.s(["low", "mid", "high"]))


@case("Axis.set_ticklabels", modes=EXACT_MODES)
def _(ax, xp):
    _ticked_line(ax)
    ax.xaxis.set_ticklabels(xp.s(list("wxyz")))


@case("Axis.set_ticks", modes=EXACT_MODES)
def _(ax, xp):
    _some_line(ax)
    ax.yaxis.set_ticks(xp.f([0.5, 1.5, 2.5]), labels=xp.s(["p", "q", "r"]))


@case("Axes3D.set_zticklabels", on="axes3d", modes=EXACT_MODES)
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_zticks([0.0, 1.0, 2.0])
    ax.set_zticklabels(xp.s(["z0", "z1", "z2"]))


@case("Axes3D.set_zticks[tensor labels]", on="axes3d", modes=EXACT_MODES)
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_zticks(xp.f([0.0, 1.0, 2.0]), labels=xp.s(["z0", "z1", "z2"]))


@case("Axes3D.set_zlabel", on="axes3d", modes=EXACT_MODES)
def _(ax, xp):
    ax.plot(*_helix())
    ax.set_zlabel(xp.s("height"))


@case("pyplot.xticks", on="pyplot", modes=EXACT_MODES, target="Axes.set_xticklabels")
def _(fig, xp):
    plt.plot(np.arange(5.0), np.arange(5.0) ** 2)
    plt.xticks(range(5), xp.s(list("abcde")))


@case("pyplot.yticks", on="pyplot", modes=EXACT_MODES, target="Axes.set_yticklabels")
def _(fig, xp):
    plt.plot(np.arange(5.0), np.arange(5.0) ** 2)
    plt.yticks([0.0, 8.0, 16.0], xp.s(["none", "some", "many"]))


@case("Axes.legend", modes=EXACT_MODES)
def _(ax, xp):
    for k in range(3):
        ax.plot(np.arange(5.0) * k)
    ax.legend(xp.s(["zero", "one", "two"]))


@case("Axes.legend[handles, labels, title]", modes=EXACT_MODES)
def _(ax, xp):
    lines = [ax.plot(np.arange(5.0) * k)[0] for k in range(2)]
    ax.legend(handles=lines, labels=xp.s(["first", "second"]), title=xp.s("runs"))


@case("Line2D.set_label", modes=EXACT_MODES)
def _(ax, xp):
    (line,) = ax.plot(np.arange(5.0))
    line.set_label(xp.s("loss"))
    ax.legend()


@case("Figure.legend", on="figure", modes=EXACT_MODES)
def _(fig, xp):
    ax = fig.add_subplot()
    lines = [ax.plot(np.arange(5.0) * k)[0] for k in range(2)]
    fig.legend(lines, xp.s(["train", "val"]))


@case("Axes.table", modes=EXACT_MODES)
def _(ax, xp):
    ax.table(cellText=xp.s([["a", "b"], ["c", "d"]]), rowLabels=xp.s(["r1", "r2"]),
             colLabels=xp.s(["c1", "c2"]), loc="center")


@case("Axes.pie[tensor labels]", modes=EXACT_MODES)
def _(ax, xp):
    ax.pie(xp.f([3.0, 1.0, 2.0]), labels=xp.s(["x", "y", "z"]))


@case("Axes.bar_label", modes=EXACT_MODES)
def _(ax, xp):
    bars = ax.bar([0, 1, 2], [1.0, 2.0, 3.0])
    ax.bar_label(bars, labels=xp.s(["one", "two", "three"]))


@case("Axes.clabel", modes=EXACT_MODES)
def _(ax, xp):
    X, Y, Z = _grid(12)
    cs = ax.contour(X, Y, Z, levels=[-0.25, 0.25])
    ax.clabel(cs, fmt={-0.25: xp.s("low"), 0.25: xp.s("high")})


@case("ContourSet.clabel", modes=EXACT_MODES)
def _(ax, xp):
    X, Y, Z = _grid(12)
    cs = ax.contour(X, Y, Z, levels=[-0.25, 0.25])
    cs.clabel(levels=xp.f([0.25]), fmt={0.25: xp.s("high")})


@case("Axes.set_title", modes=EXACT_MODES)
def _(ax, xp):
    ax.set_title(xp.s("loss"), loc="left")


@case("Axes.set_xlabel", modes=EXACT_MODES)
def _(ax, xp):
    ax.set_xlabel(xp.s("epoch"))


@case("Axes.set_ylabel", modes=EXACT_MODES)
def _(ax, xp):
    ax.set_ylabel(xp.s("accuracy"))


@case("Axes.text[string tensor]", modes=EXACT_MODES)
def _(ax, xp):
    ax.text(0.25, 0.5, xp.s("hello"))


@case("Axes.annotate[string tensor]", modes=EXACT_MODES)
def _(ax, xp):
    ax.annotate(xp.s("peak"), xy=(0.25, 0.5), xytext=(0.5, 0.75), arrowprops={"arrowstyle": "->"})


@case("Text.set_text", modes=EXACT_MODES)
def _(ax, xp):
    ax.text(0.25, 0.5, "before").set_text(xp.s("after"))


@case("Figure.suptitle", on="figure", modes=EXACT_MODES)
def _(fig, xp):
    fig.suptitle(xp.s("all runs"))


@case("Figure.supxlabel", on="figure", modes=EXACT_MODES)
def _(fig, xp):
    fig.supxlabel(xp.s("step"))


@case("Figure.supylabel", on="figure", modes=EXACT_MODES)
def _(fig, xp):
    fig.supylabel(xp.s("value"))


@case("Figure.text", on="figure", modes=EXACT_MODES)
def _(fig, xp):
    fig.text(0.5, 0.5, xp.s("note"), ha="center")


@case("Figure.subplots[gridspec_kw]", on="figure")
def _(fig, xp):
    axs = fig.subplots(1, 2, gridspec_kw={"width_ratios": xp.f([1.0, 3.0])})
    axs[0].plot([0.0, 1.0])


# -- resolving a case to the guard's patch label ------------------------------------


def _classes():
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.collections import PathCollection, QuadMesh
    from matplotlib.contour import ContourSet
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon
    from matplotlib.text import Text
    from mpl_toolkits.mplot3d import Axes3D

    return {"Axes": Axes, "Axes3D": Axes3D, "Figure": Figure, "Line2D": Line2D,
            "PathCollection": PathCollection, "QuadMesh": QuadMesh, "AxesImage": AxesImage, "Polygon": Polygon,
            "Axis": Axis, "ContourSet": ContourSet, "Text": Text}


def patch_label(owner_name: str, method: str) -> str | None:
    """The ``patch_targets()`` key that ``owner.method`` reaches (Python's attribute lookup), or None."""
    cls = _classes()[owner_name]
    owner = next((klass for klass in cls.__mro__ if method in vars(klass)), None)
    if owner is None or owner is object:
        return None  # not in this matplotlib
    return f"{owner.__module__}.{owner.__qualname__}.{method}"


# -- drawing a pair ---------------------------------------------------------------------


def _new_figure(on: str):
    if on == "pyplot":
        fig = plt.figure(figsize=(2, 2), dpi=40)
        return fig, fig
    fig = Figure(figsize=(2, 2), dpi=40)
    FigureCanvasAgg(fig)
    if on == "figure":
        return fig, fig
    ax = fig.add_subplot(projection="3d" if on == "axes3d" else None)
    return fig, ax


def _tf_values_in(fig) -> list[str]:
    """Where figure ``fig`` still holds a TensorFlow object (artists' and containers' attributes)."""
    found = []

    def visit(value, where, depth):
        if kind_of(value) is not None:
            found.append(f"{where}: {type(value).__name__}")
        elif depth < 3 and isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                visit(item, f"{where}[{index}]", depth + 1)
        elif depth < 3 and isinstance(value, dict):
            for key, item in value.items():
                visit(item, f"{where}[{key!r}]", depth + 1)

    holders = list(fig.findobj())
    for ax in fig.axes:
        holders.extend(ax.containers)
    for holder in holders:
        for name, value in vars(holder).items():
            visit(value, f"{type(holder).__name__}.{name}", 0)
    return found


def draw_pair(guarded, case: Case, xp_a: XP, xp_b: XP):
    """Figure A: NumPy inputs, guard disabled. Figure B: tensor inputs, guard enabled. Returns (A, B, stats)."""
    guarded.disable()
    fig_a, target_a = _new_figure(case.on)
    case.fn(target_a, xp_a)
    guarded.enable()
    guarded.reset_stats()
    guarded.clear_cache()
    fig_b, target_b = _new_figure(case.on)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TFPlotGuardWarning)
        case.fn(target_b, xp_b)
    stats = guarded.stats()
    fell_back = [str(w.message) for w in caught if issubclass(w.category, TFPlotGuardWarning)]
    assert not fell_back, f"the guard fell open: {fell_back}"
    return fig_a, fig_b, stats


# -- the tests ------------------------------------------------------------------------


def _params():
    for key, registered in CASES.items():
        for mode in registered.modes:
            yield pytest.param(key, mode, id=f"{key}-{mode}")


@pytest.mark.parametrize(("key", "mode"), list(_params()))
def test_tensor_drawing_equals_numpy(guarded, key, mode):
    """The entry point draws from tensors (guard on) exactly what it draws from NumPy (guard off)."""
    case_ = CASES[key]
    label = patch_label(*case_.target)
    if label is None or label not in guard_module.patch_targets():
        pytest.skip(f"{'.'.join(case_.target)} is not an entry point in this matplotlib")
    if case_.target[0] == "Axes3D" and not label.startswith("mpl_toolkits."):
        pytest.skip(f"this matplotlib has no 3-D {case_.target[1]}: it resolves to the 2-D {label}")
    xp_b = XP(mode, tensors=True)
    fig_a, fig_b, stats = draw_pair(guarded, case_, XP(mode, tensors=False), xp_b)
    assert stats["conversions"] + stats["cache_hits"] > 0, f"no tensor went through the guard: {stats}"
    assert stats["errors"] == 0, f"the guard fell back to matplotlib's own handling: {stats}"
    held = _tf_values_in(fig_b)
    assert not held, f"TensorFlow objects reached matplotlib: {held}"
    assert_same_drawing(fig_a, fig_b)


def test_every_patch_target_has_a_parity_case():
    """A new entry point in ``patch_targets()`` cannot be added without a parity case here."""
    covered = {patch_label(*c.target) for c in CASES.values()}
    missing = sorted(set(guard_module.patch_targets()) - covered)
    assert not missing, f"entry points without a parity case in CASES: {missing}"


def test_every_case_exercises_a_patch_target():
    """A case whose method exists in this matplotlib must reach a patched entry point (no silent skips)."""
    targets = guard_module.patch_targets()
    stray = sorted(key for key, c in CASES.items()
                   if patch_label(*c.target) is not None and patch_label(*c.target) not in targets)
    assert not stray, f"cases whose method this matplotlib has but the guard does not patch: {stray}"


def test_xp_builds_the_same_values_as_numpy_and_as_tensors():
    """Both figures of a pair get the same values: NumPy for A, an EagerTensor for B."""
    xp_a, xp_b = XP("constant-float32", tensors=False), XP("constant-float32", tensors=True)
    a, b = xp_a.f(xp_a.rng.random(4)), xp_b.f(xp_b.rng.random(4))
    assert isinstance(a, np.ndarray) and kind_of(b) == "eager"
    np.testing.assert_array_equal(a, np.asarray(b))


@pytest.mark.parametrize("mode", ["constant-bfloat16", "variable-float16"])
def test_low_precision_inputs_match_float32_numpy(mode):
    """The NumPy side of a low-precision mode is float32 holding exactly the tensor's values."""
    xp_np, xp_tf = XP(mode, tensors=False), XP(mode, tensors=True)
    data = np.linspace(-3, 3, 11) / 7
    a, b = xp_np.f(data), xp_tf.f(data)
    assert a.dtype == np.float32
    assert b.dtype.name == MODES[mode].float_dtype
    np.testing.assert_array_equal(a, tf.cast(b, tf.float32).numpy())


# -- found by the parity tests: 0-d bfloat16 (np.asarray refuses it) ----------------


@pytest.mark.parametrize("holder", ["constant", "variable"])
def test_guard_converts_0d_bfloat16(guarded, holder):
    """A 0-d bfloat16 becomes a float32 NumPy scalar, as bfloat16 arrays become float32 arrays."""
    import tfplotguard

    value = tf.constant(0.3, tf.bfloat16)
    if holder == "variable":
        value = tf.Variable(value)
    expected = np.float32(tf.cast(tf.constant(0.3, tf.bfloat16), tf.float32).numpy())
    converted = tfplotguard.to_numpy(value)
    assert type(converted) is np.float32 and converted == expected

    fig_a, ax_a = _new_figure("axes")
    ax_a.axhline(expected)
    fig_b, ax_b = _new_figure("axes")
    ax_b.axhline(value)
    assert guarded.stats()["errors"] == 0
    assert_same_drawing(fig_a, fig_b)


def test_variable_is_read_at_each_call(guarded):
    """A Variable drawn, assigned, drawn again: each artist shows the value it had at its own call."""
    sizes = tf.Variable([10.0, 20.0, 30.0])
    heights = tf.Variable([1.0, 2.0, 3.0])
    fig_b, ax_b = _new_figure("axes")
    ax_b.scatter([0, 1, 2], [0, 1, 2], s=sizes)  # PathCollection keeps np.asarray(sizes) without copying
    ax_b.plot([0, 1, 2], heights)
    sizes.assign([40.0, 50.0, 60.0])
    heights.assign_add([5.0, 5.0, 5.0])
    ax_b.scatter([0, 1, 2], [2, 1, 0], s=sizes)
    ax_b.plot([0, 1, 2], heights)
    assert guarded.stats()["conversions"] == 4  # a Variable is never served from the cache

    guarded.disable()
    fig_a, ax_a = _new_figure("axes")
    ax_a.scatter([0, 1, 2], [0, 1, 2], s=np.array([10.0, 20.0, 30.0], np.float32))
    ax_a.plot([0, 1, 2], np.array([1.0, 2.0, 3.0], np.float32))
    ax_a.scatter([0, 1, 2], [2, 1, 0], s=np.array([40.0, 50.0, 60.0], np.float32))
    ax_a.plot([0, 1, 2], np.array([6.0, 7.0, 8.0], np.float32))
    assert_same_drawing(fig_a, fig_b)


def test_axes3d_set_zticks_goes_through_the_guard(guarded):
    """``ax3d.set_zticks(t)`` is converted by the guard, as ``set_xticks`` is on the same Axes."""
    fig, ax = _new_figure("axes3d")
    ax.plot(*_helix())
    ax.set_zticks(tf.constant([0.0, 1.0, 2.0]))
    assert guarded.stats()["conversions"] > 0, "Axes3D.set_zticks did not go through the guard"


# -- issue 13, item 1: string tensors as labels and text -------------------------------

#: The label and text cases: each draws tf.string tensors where matplotlib takes text.
LABEL_CASES = [
    "Axes.set_xticks[tensor labels]", "Axes.set_xticklabels", "Axes.set_xticklabels[list of 0-d]",
    "Axes.set_yticklabels", "Axis.set_ticklabels", "Axis.set_ticks", "Axes3D.set_zticklabels",
    "Axes3D.set_zticks[tensor labels]", "Axes3D.set_zlabel", "pyplot.xticks", "pyplot.yticks", "Axes.legend",
    "Axes.legend[handles, labels, title]", "Line2D.set_label", "Figure.legend", "Axes.table",
    "Axes.pie[tensor labels]", "Axes.bar_label", "Axes.clabel", "ContourSet.clabel", "Axes.set_title",
    "Axes.set_xlabel", "Axes.set_ylabel", "Axes.text[string tensor]", "Axes.annotate[string tensor]",
    "Text.set_text", "Figure.suptitle", "Figure.supxlabel", "Figure.supylabel", "Figure.text",
]


def _drawn_texts(fig) -> list[str]:
    """Every text the figure draws, in artist order (tick labels, legend, table cells, titles, …)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


@pytest.mark.parametrize("mode", EXACT_MODES)
@pytest.mark.parametrize("key", LABEL_CASES)
def test_string_tensor_labels_draw_as_their_text(guarded, key, mode):
    """A ``tf.string`` tensor given as labels or text draws its strings, exactly as NumPy ``str`` does.

    No skip for a missing patch target here: the drawn texts are what the user sees.
    """
    fig_a, fig_b, stats = draw_pair(guarded, CASES[key], XP(mode, tensors=False), XP(mode, tensors=True))
    texts_a, texts_b = _drawn_texts(fig_a), _drawn_texts(fig_b)
    assert not [t for t in texts_b if "tf.Tensor" in t or "b'" in t], texts_b
    assert texts_a == texts_b
    assert stats["errors"] == 0


# -- the comparison helper itself -------------------------------------------------------


def _line_figure(ys):
    fig, ax = _new_figure("axes")
    ax.plot(np.arange(len(ys), dtype=float), np.asarray(ys, dtype=float))
    return fig


def test_assert_same_drawing_names_the_differing_artist():
    """One changed point is reported with the path to the Line2D's data, not just "figures differ"."""
    with pytest.raises(AssertionError, match=r"children\[\d+:Line2D\]\.xydata"):
        assert_same_drawing(_line_figure([0, 1, 2]), _line_figure([0, 1, 2.5]))


def test_assert_same_drawing_treats_nan_as_equal_and_compares_masks():
    """NaN equals NaN; a different mask is a difference."""
    assert_same_drawing(_line_figure([0, np.nan, 2]), _line_figure([0, np.nan, 2]))

    def masked(mask):
        fig, ax = _new_figure("axes")
        ax.imshow(np.ma.MaskedArray(np.arange(16.0).reshape(4, 4), mask=mask))
        return fig

    mask = np.zeros((4, 4), bool)
    other = mask.copy()
    other[1, 2] = True
    assert_same_drawing(masked(mask), masked(mask.copy()))
    with pytest.raises(AssertionError, match=r"AxesImage\]\.array\.mask"):
        assert_same_drawing(masked(mask), masked(other))


def test_assert_same_drawing_compares_dtypes():
    """float32 data drawn where float64 was drawn is a difference (the guard must not change dtypes)."""
    def image(dtype):
        fig, ax = _new_figure("axes")
        ax.imshow(np.arange(16.0, dtype=dtype).reshape(4, 4))
        return fig

    with pytest.raises(AssertionError, match="dtype float64 in A, float32 in B"):
        assert_same_drawing(image(np.float64), image(np.float32))


def test_figure_data_records_missing_and_failing_attributes():
    """An artist without the usual getters, or whose getter raises, is recorded, never crashed on."""
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D

    class Bare(Artist):
        def draw(self, renderer):
            pass

    class Broken(Line2D):
        def get_xydata(self):
            raise RuntimeError("no data")

    bare = artist_data(Bare())
    assert bare["type"] == "Bare" and "children" not in bare
    broken = artist_data(Broken([0, 1], [0, 1]))
    assert broken["xydata"] == Failed("RuntimeError")
    assert broken["data_3d"] is MISSING  # a 2-D line has no get_data_3d

    fig, ax = _new_figure("axes3d")
    ax.plot(*_helix())
    ax.add_artist(Bare())
    data = figure_data(fig)
    (axes,) = [child for child in data["children"] if child["type"] == "Axes3D"]
    assert axes["zlim"] is not MISSING
    lines = [child for child in axes["children"] if child["type"] == "Line3D"]
    assert lines and lines[0]["data_3d"] is not MISSING
    assert any(child["type"] == "Bare" for child in axes["children"])
