"""What a matplotlib figure draws, as plain data, and a comparison with a readable failure path.

``figure_data(fig)`` draws the figure once (tick labels, 3-D projections,
quiver arrows and contour paths are only final after a draw) and then
describes every artist it holds, in order, as nested dicts / lists / tuples
of NumPy arrays and plain values. ``assert_same_drawing(fig_a, fig_b)``
compares two such descriptions (NaN equals NaN, masks must match, shapes and
dtypes must match) and then the rendered pixels, and names the place of the
first difference, e.g. ``figure.children[1:Axes].children[3:PathCollection].offsets``.

Nothing here knows about TensorFlow: this is a pure matplotlib helper, so the
same description works for any two figures.

The description never crashes on an artist it does not know: an attribute an
artist does not have is recorded as :data:`MISSING`, a getter that raises is
recorded as :class:`Failed` (with the exception type), and an unknown object
is recorded by its type name.
"""

from __future__ import annotations

import numbers

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.image import _ImageBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path
from matplotlib.quiver import Quiver
from matplotlib.text import Text

__all__ = ["MISSING", "Failed", "figure_data", "assert_same_drawing", "assert_same_data"]


class _Missing:
    """The sentinel for "this artist has no such attribute"."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "<missing>"

    def __reduce__(self):
        return (_Missing, ())


MISSING = _Missing()


class Failed:
    """A getter raised: recorded by exception type so two figures can still be compared."""

    __slots__ = ("error",)

    def __init__(self, error: str):
        self.error = error

    def __eq__(self, other):
        return isinstance(other, Failed) and other.error == self.error

    def __hash__(self):
        return hash(("Failed", self.error))

    def __repr__(self):
        return f"<failed: {self.error}>"


# Private 3-D state, recorded where present (MISSING elsewhere). Line3D has
# get_data_3d(); the collections keep their 3-D data in these attributes
# (Poly3DCollection: ``_vec`` before matplotlib 3.10, ``_faces`` since).
_COLLECTION_3D_ATTRS = ("_offsets3d", "_vec", "_faces", "_segments3d", "_sizes3d", "_z_markers_idx",
                        "_facecolor3d", "_edgecolor3d", "_linewidths3d")
_PATCH_3D_ATTRS = ("_segment3d", "_code3d")
_QUIVER_ATTRS = ("U", "V", "X", "Y", "N", "scale", "width")
_BARBS_ATTRS = ("u", "v", "x", "y")  # Barbs stores its data lower-case


# -- describing ----------------------------------------------------------------


def figure_data(fig, *, draw: bool = True) -> dict:
    """Describe everything ``fig`` draws: its Axes (2-D and 3-D), figure images, texts, subfigures."""
    if draw:
        fig.canvas.draw()
    return {
        "type": type(fig).__name__,
        "size_inches": _plain(_call(fig, "get_size_inches")),
        "children": [_child_data(child) for child in _children(fig)],
    }


def _child_data(artist):
    if isinstance(artist, Axes):
        return axes_data(artist)
    return artist_data(artist)


def axes_data(ax) -> dict:
    """Limits, scales, ticks and tick labels of one Axes, then every child artist in order."""
    # Children first: when two figures differ, the differing artist is named
    # before the autoscaled limits that follow from it.
    record = {
        "type": type(ax).__name__,
        "name": getattr(ax, "name", MISSING),
        "children": [_child_data(child) for child in _children(ax)],
        "xlim": _plain(_call(ax, "get_xlim")),
        "ylim": _plain(_call(ax, "get_ylim")),
        "zlim": _plain(_call(ax, "get_zlim")),
        "xscale": _plain(_call(ax, "get_xscale")),
        "yscale": _plain(_call(ax, "get_yscale")),
        "zscale": _plain(_call(ax, "get_zscale")),
        "data_lim": _plain(_call(getattr(ax, "dataLim", None), "get_points")),
        "aspect": _plain(_call(ax, "get_aspect")),
        "view": (_plain(getattr(ax, "elev", MISSING)), _plain(getattr(ax, "azim", MISSING))),
    }
    for axis_name in ("x", "y", "z"):
        record[f"{axis_name}ticks"] = _plain(_call(ax, f"get_{axis_name}ticks"))
        labels = _call(ax, f"get_{axis_name}ticklabels")
        record[f"{axis_name}ticklabels"] = (
            [_plain(_call(label, "get_text")) for label in labels] if isinstance(labels, list) else _plain(labels)
        )
    record["containers"] = [(type(c).__name__, len(c)) for c in getattr(ax, "containers", [])]
    return record


def artist_data(artist) -> dict:
    """The drawn data of one artist (and, recursively, of the artists it holds)."""
    record = {"type": type(artist).__name__, "visible": _plain(_call(artist, "get_visible"))}
    if isinstance(artist, Line2D):
        record.update(
            xydata=_plain(_call(artist, "get_xydata")),
            data_3d=_plain(_call(artist, "get_data_3d")),
            color=_plain(_call(artist, "get_color")),
            linestyle=_plain(_call(artist, "get_linestyle")),
            linewidth=_plain(_call(artist, "get_linewidth")),
            marker=_plain(_call(artist, "get_marker")),
            markersize=_plain(_call(artist, "get_markersize")),
            drawstyle=_plain(_call(artist, "get_drawstyle")),
        )
    elif isinstance(artist, Collection):
        record.update(
            offsets=_plain(_call(artist, "get_offsets")),
            paths=_paths(_call(artist, "get_paths")),
            array=_plain(_call(artist, "get_array")),
            clim=_plain(_call(artist, "get_clim")),
            cmap=_plain(getattr(_call(artist, "get_cmap"), "name", MISSING)),
            facecolors=_plain(_call(artist, "get_facecolor")),
            edgecolors=_plain(_call(artist, "get_edgecolor")),
            linewidths=_plain(_call(artist, "get_linewidth")),
            sizes=_plain(_call(artist, "get_sizes")),
            levels=_plain(getattr(artist, "levels", MISSING)),
        )
        for name in _COLLECTION_3D_ATTRS:
            record[name] = _plain(getattr(artist, name, MISSING))
        if isinstance(artist, Quiver):
            for name in _QUIVER_ATTRS:
                record[f"quiver.{name}"] = _plain(getattr(artist, name, MISSING))
        if type(artist).__name__ == "Barbs":
            for name in _BARBS_ATTRS:
                record[f"barbs.{name}"] = _plain(getattr(artist, name, MISSING))
    elif isinstance(artist, _ImageBase):
        record.update(
            array=_plain(_call(artist, "get_array")),
            extent=_plain(_call(artist, "get_extent")),
            offset=(_plain(getattr(artist, "ox", MISSING)), _plain(getattr(artist, "oy", MISSING))),
            clim=_plain(_call(artist, "get_clim")),
            cmap=_plain(getattr(_call(artist, "get_cmap"), "name", MISSING)),
            interpolation=_plain(_call(artist, "get_interpolation")),
            origin=_plain(getattr(artist, "origin", MISSING)),
        )
    elif isinstance(artist, Patch):
        record.update(
            vertices=_patch_vertices(artist),
            facecolor=_plain(_call(artist, "get_facecolor")),
            edgecolor=_plain(_call(artist, "get_edgecolor")),
            linewidth=_plain(_call(artist, "get_linewidth")),
        )
        for name in _PATCH_3D_ATTRS:
            record[name] = _plain(getattr(artist, name, MISSING))
    elif isinstance(artist, Text):
        record.update(
            position=_plain(_call(artist, "get_position")),
            position_3d=_plain(_call(artist, "get_position_3d")),
            text=_plain(_call(artist, "get_text")),
            color=_plain(_call(artist, "get_color")),
            rotation=_plain(_call(artist, "get_rotation")),
            xy=_plain(getattr(artist, "xy", MISSING)),  # Annotation: the annotated point
        )
    children = _children(artist)
    if children:
        record["children"] = [_child_data(child) for child in children]
    return record


def _children(artist):
    children = _call(artist, "get_children")
    return children if isinstance(children, list) else []


def _call(obj, name):
    """``obj.name()``, MISSING if there is no such method, Failed if it raises."""
    method = getattr(obj, name, None)
    if method is None or not callable(method):
        return MISSING
    try:
        return method()
    except Exception as exc:  # a getter of an unusual artist: record it, do not crash
        return Failed(type(exc).__name__)


def _paths(paths):
    if not isinstance(paths, (list, tuple)):
        return _plain(paths)
    return [_path(path) for path in paths]


def _path(path):
    if not isinstance(path, Path):
        return _plain(path)
    return {"vertices": _plain(path.vertices), "codes": _plain(path.codes)}


def _patch_vertices(patch):
    path = _call(patch, "get_path")
    if not isinstance(path, Path):
        return _plain(path)
    transform = _call(patch, "get_patch_transform")
    if transform is MISSING or isinstance(transform, Failed):
        return {"vertices": _plain(path.vertices), "transform": transform}
    try:
        return _plain(transform.transform(path.vertices))
    except Exception as exc:
        return Failed(type(exc).__name__)


def _plain(value):
    """A detached, comparable copy of ``value`` made of arrays, builtins and sentinels."""
    if value is MISSING or value is None or isinstance(value, (Failed, str, bytes, bool)):
        return value
    if isinstance(value, np.ma.MaskedArray):
        return {"masked_data": np.array(np.ma.getdata(value), copy=True),
                "mask": np.array(np.ma.getmaskarray(value), copy=True)}
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return [_plain(item) for item in value.tolist()] if value.ndim else _plain(value[()])
        return np.array(value, copy=True)
    if isinstance(value, (np.generic, numbers.Number)):
        return value
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, Path):
        return _path(value)
    if isinstance(value, Artist):
        return f"<{type(value).__name__}>"
    return f"<{type(value).__module__}.{type(value).__qualname__}>"


# -- comparing -----------------------------------------------------------------


def assert_same_drawing(fig_a, fig_b, *, pixels: bool = True):
    """Assert that two figures draw the same: same artists and data, then the same pixels.

    The failure message names the path of the first difference. Pixels are
    compared only after the data, so a data difference is reported by name.
    """
    assert fig_a is not fig_b, "assert_same_drawing needs two distinct figures"
    data_a, data_b = figure_data(fig_a), figure_data(fig_b)
    assert_same_data(data_a, data_b)
    if pixels:
        rgba_a = np.asarray(fig_a.canvas.buffer_rgba())
        rgba_b = np.asarray(fig_b.canvas.buffer_rgba())
        _assert_array(rgba_a, rgba_b, "rendered pixels (the artists' data were equal)")


def assert_same_data(a, b, path: str = "figure"):
    """Compare two descriptions from :func:`figure_data`; the message names where they differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            raise AssertionError(f"{path}: keys differ\n  A: {list(a)}\n  B: {list(b)}")
        for key in a:
            assert_same_data(a[key], b[key], f"{path}.{key}")
        return
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if type(a) is not type(b):
            raise AssertionError(f"{path}: {type(a).__name__} in A, {type(b).__name__} in B")
        if len(a) != len(b):
            raise AssertionError(f"{path}: length {len(a)} in A, {len(b)} in B\n  A: {_short(a)}\n  B: {_short(b)}")
        for index, (item_a, item_b) in enumerate(zip(a, b)):
            label = item_a.get("type") if isinstance(item_a, dict) else None
            assert_same_data(item_a, item_b, f"{path}[{index}{':' + label if label else ''}]")
        return
    if _is_numeric(a) and _is_numeric(b):
        _assert_array(np.asarray(a), np.asarray(b), path)
        return
    if type(a) is not type(b) or a != b:
        raise AssertionError(f"{path}: differs\n  A: {a!r}\n  B: {b!r}")


def _assert_array(a, b, path):
    if a.shape != b.shape:
        raise AssertionError(f"{path}: shape {a.shape} in A, {b.shape} in B")
    if a.dtype != b.dtype:
        raise AssertionError(f"{path}: dtype {a.dtype} in A, {b.dtype} in B")
    np.testing.assert_array_equal(a, b, err_msg=path)


def _is_numeric(value):
    return isinstance(value, (np.ndarray, np.generic, numbers.Number)) and not isinstance(value, (str, bytes))


def _short(value, limit=200):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
