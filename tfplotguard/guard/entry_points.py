"""The table of matplotlib entry points the guard patches, and each one's ragged policy."""

from __future__ import annotations

import importlib

_AXES_METHODS = (
    "plot", "scatter", "bar", "barh", "broken_barh", "grouped_bar", "hist", "hist2d", "stairs", "ecdf",
    "imshow", "matshow", "pcolor", "pcolormesh", "pcolorfast", "contour", "contourf", "tricontour",
    "tricontourf", "tripcolor", "triplot", "fill", "fill_between", "fill_betweenx", "errorbar", "step",
    "stem", "boxplot", "violinplot", "eventplot", "stackplot", "pie", "quiver", "barbs", "streamplot",
    "hexbin", "spy", "axhline", "axvline", "axhspan", "axvspan", "axline", "hlines", "vlines",
    "set_xlim", "set_ylim", "set_xbound", "set_ybound", "set_xticks", "set_yticks", "text", "annotate",
    "arrow", "semilogx", "semilogy", "loglog", "psd", "csd", "specgram", "magnitude_spectrum",
    "angle_spectrum", "phase_spectrum", "cohere", "xcorr", "acorr",
    # labels and text: a tf.string tensor (or a 0-d one) must reach matplotlib as str
    "set_xticklabels", "set_yticklabels", "legend", "table", "bar_label", "clabel", "set_title",
    "set_xlabel", "set_ylabel",
)
_AXES3D_METHODS = (
    "plot", "plot3D", "scatter", "scatter3D", "plot_surface", "plot_wireframe", "plot_trisurf", "bar",
    "bar3d", "contour", "contour3D", "contourf", "contourf3D", "tricontour", "tricontourf", "quiver",
    "quiver3D", "voxels", "text", "text3D", "fill_between", "stem", "stem3D", "errorbar", "set_xlim",
    "set_ylim", "set_zlim", "set_xlim3d", "set_ylim3d", "set_zlim3d", "set_zbound", "set_zticks",
    "set_zticklabels", "set_zlabel",
)

#: (module, class, methods). A method is patched on the class that defines it
#: (the first in the MRO), once; methods missing in an older matplotlib are skipped.
ENTRY_POINT_SPECS = (
    ("matplotlib.axes", "Axes", _AXES_METHODS),
    ("matplotlib.figure", "Figure", ("figimage", "legend", "suptitle", "supxlabel", "supylabel", "text",
                                     "subplots")),
    ("mpl_toolkits.mplot3d.axes3d", "Axes3D", _AXES3D_METHODS),
    ("matplotlib.lines", "Line2D", ("set_data", "set_xdata", "set_ydata")),
    ("matplotlib.collections", "Collection", ("set_offsets", "set_array")),
    ("matplotlib.collections", "QuadMesh", ("set_array",)),
    ("matplotlib.image", "AxesImage", ("set_data", "set_array")),
    ("matplotlib.patches", "Polygon", ("set_xy",)),
    ("matplotlib.axis", "Axis", ("set_ticks", "set_ticklabels")),
    ("matplotlib.contour", "ContourSet", ("clabel",)),
    ("matplotlib.text", "Text", ("set_text",)),
    ("matplotlib.artist", "Artist", ("set_label",)),
)

_DATASETS = {"hist", "boxplot", "violinplot", "eventplot"}
_LINES = {"plot", "plot3D", "step", "semilogx", "semilogy", "loglog"}
_GRID = {"imshow", "matshow", "pcolor", "pcolormesh", "pcolorfast", "contour", "contourf", "contour3D",
         "contourf3D", "figimage", "plot_surface", "plot_wireframe", "voxels", "set_array"}


#: matplotlib's own drawing: while one of these runs, the patched entry points it calls (~270 per
#: draw of a simple figure: tick labels, texts, line setters) are matplotlib's, carrying what an
#: earlier guarded call already converted, so they pass straight through without the pre-scan,
#: like the inner calls of a guarded call. Axes, not Figure.draw: Figure.draw also runs the
#: user's ``draw_event`` callbacks (FuncAnimation's ``init_func`` with ``blit=True``), which
#: stay guarded.
DRAW_SPECS = (
    ("matplotlib.axes", "Axes", ("draw",)),
    ("mpl_toolkits.mplot3d.axes3d", "Axes3D", ("draw",)),
    ("matplotlib.layout_engine", "TightLayoutEngine", ("execute",)),
    ("matplotlib.layout_engine", "ConstrainedLayoutEngine", ("execute",)),
)

#: pyplot reaches its global figure state through these ``Gcf`` classmethods
#: (gcf/gca and every plotting function, figure(), subplots()); the guard
#: watches them for calls from threads other than the main thread.
PYPLOT_STATE_METHODS = ("get_active", "get_fig_manager", "_set_new_active_manager")


def ragged_policy(owner_name: str, method: str) -> str:
    """The ragged policy of one entry point (see ``convert.RAGGED_POLICIES``)."""
    if method == "spy":
        return "coo"
    if method in _DATASETS:
        return "datasets"
    if method in _LINES:
        return "lines"
    if method in _GRID or (method == "set_data" and owner_name == "_ImageBase"):
        return "grid"
    return "points"


def patch_targets() -> dict[str, tuple[type, str]]:
    """Every entry point the guard converts arguments of in this matplotlib: ``"Owner.name" → (owner, name)``."""
    return _resolve(ENTRY_POINT_SPECS)


def draw_targets() -> dict[str, tuple[type, str]]:
    """matplotlib's drawing methods during which patched entry points pass straight through (``DRAW_SPECS``)."""
    return _resolve(DRAW_SPECS)


def _resolve(specs) -> dict[str, tuple[type, str]]:
    targets: dict[str, tuple[type, str]] = {}
    for module_name, class_name, methods in specs:
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
        for method in methods:
            owner = next((klass for klass in cls.__mro__ if method in vars(klass)), None)
            if owner is None or owner is object:
                continue
            targets.setdefault(f"{owner.__module__}.{owner.__qualname__}.{method}", (owner, method))
    return targets
