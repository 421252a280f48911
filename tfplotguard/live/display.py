"""Where a live plot is drawn and where it goes: one reused Agg figure, a display handle or a PNG file.

Drawing never touches pyplot: the figure is a ``matplotlib.figure.Figure`` with
its own Agg canvas, so there is no global figure state, no GUI event loop, no
``plt.ion()`` / ``plt.pause()``, and the inline backend never shows it a second
time at the end of the cell. Axes and lines are created once per layout and
updated with ``set_data``; only a change of the set of panels rebuilds them.

Output goes to one of two sinks, chosen at the first draw of a run:

- :class:`DisplaySink` — in a shell whose display publisher can show images
  (a Jupyter kernel, ``capture_output``), one ``display(..., display_id=True)``
  and ``handle.update(...)`` afterwards: one output that changes in place.
- :class:`FileSink` — terminal IPython (its publisher prints text only) and
  plain scripts: the PNG is written atomically to a file, announced once.

matplotlib and IPython are imported here only when a figure is drawn or shown.
"""

from __future__ import annotations

import base64
import io
import math
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

#: The text/plain part of every displayed bundle. Constant on purpose: nbval and
#: other output checkers see the first bundle of a display, nbconvert the last.
TEXT_PLAIN = "<tfplotguard live plot>"

#: PNG zlib level: live frames are thrown away within a second, so they are
#: encoded fast (~4x faster than the default); the final frame stays in the
#: notebook and is encoded small.
LIVE_PNG_LEVEL = 1
FINAL_PNG_LEVEL = 6


# -- the figure -----------------------------------------------------------------


class Line:
    """One line of a panel: a metric's points, ``kind`` "main" (markers, solid) or "fine" (faint)."""

    __slots__ = ("key", "kind", "x", "y")

    def __init__(self, key: str, kind: str, x: np.ndarray, y: np.ndarray):
        self.key, self.kind, self.x, self.y = key, kind, x, y


class LiveFigure:
    """One Agg figure reused for every redraw of a live plot."""

    def __init__(self, *, figsize=None, dpi: float = 80, max_cols: int = 3):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.figure = Figure(dpi=dpi)
        FigureCanvasAgg(self.figure)
        self._figsize = figsize
        self._max_cols = max_cols
        self._layout = None
        self._title_y = 0.98
        self._axes: dict[str, Any] = {}  # matplotlib Axes
        self._artists: dict[tuple[str, str, str], Any] = {}  # Line2D
        self._legend_keys: dict[str, tuple] = {}
        self._image_axes = None
        self._image_artist = None

    def update(self, panels: list[tuple[str, list[Line]]], image, *, title: str, xlabel: str, xlim=None):
        """Put the panels' data (and an optional image mosaic) into the figure; ``xlim`` fixes the x axis."""
        layout = (tuple(name for name, _ in panels), None if image is None else image[0].shape[:2])
        if layout != self._layout:
            self._build(layout, xlabel)
        for name, lines in panels:
            ax = self._axes[name]
            keys = []
            for line in lines:
                artist = self._artists.get((name, line.key, line.kind))
                if artist is None:
                    artist = self._new_line(ax, name, line)
                artist.set_data(line.x, line.y)
                if line.kind == "main":
                    artist.set_marker("o" if len(line.x) <= 60 else "None")
                    keys.append(line.key)
                else:
                    artist.set_marker("." if len(line.x) == 1 else "None")
            ax.relim()
            ax.autoscale_view(scalex=xlim is None)
            if xlim is not None:
                ax.set_xlim(*xlim)
            if len(keys) > 1 and tuple(keys) != self._legend_keys.get(name):
                ax.legend(fontsize="small", loc="best")
                self._legend_keys[name] = tuple(keys)
        if image is not None:
            self._show_image(*image)
        self.figure.suptitle(title, fontsize="medium", y=self._title_y, va="top")

    def png(self, *, final: bool = False) -> bytes:
        """Render with Agg and encode as PNG (fast zlib for live frames, small for the final one)."""
        buffer = io.BytesIO()
        self.figure.canvas.print_png(  # type: ignore[attr-defined]  # the FigureCanvasAgg made in __init__
            buffer, pil_kwargs={"compress_level": FINAL_PNG_LEVEL if final else LIVE_PNG_LEVEL}
        )
        return buffer.getvalue()

    # -- layout ------------------------------------------------------------------
    def _build(self, layout, xlabel):
        from matplotlib.ticker import MaxNLocator

        names, image_shape = layout
        fig = self.figure
        fig.clear()
        self._axes.clear()
        self._artists.clear()
        self._legend_keys.clear()
        self._image_axes = self._image_artist = None
        count = max(len(names), 1)
        cols = min(count, self._max_cols)
        rows = math.ceil(count / cols)
        # Fixed margins in inches instead of tight_layout, which measures every tick label and costs
        # as much as the draw itself; the tick labels are small and the y axis uses an offset text.
        left, right, top, bottom, gap_x, gap_y, cell_h = 0.7, 0.2, 0.75, 0.5, 0.75, 0.8, 1.9
        width = max(4.2 * cols, 5.0)
        image_h = 0.0
        if image_shape is not None:  # as tall as the mosaic is at full width, within reason
            image_h = min(max((width - left - right) * image_shape[0] / image_shape[1], 0.6), 2.4)
        image_block = image_h + 0.45 if image_shape is not None else 0.0
        height = top + rows * cell_h + (rows - 1) * gap_y + bottom + image_block
        if self._figsize is not None:
            width, height = self._figsize
            cell_h = max((height - top - bottom - image_block - (rows - 1) * gap_y) / rows, 0.5)
        fig.set_size_inches(width, height)
        cell_w = max((width - left - right - gap_x * (cols - 1)) / cols, 0.5)
        grid = fig.add_gridspec(rows, cols, left=left / width, right=1 - right / width,
                                top=1 - top / height, bottom=(bottom + image_block) / height,
                                wspace=gap_x / cell_w, hspace=gap_y / cell_h)
        self._title_y = 1 - 0.12 / height
        for index, name in enumerate(names):
            ax = fig.add_subplot(grid[index // cols, index % cols])
            ax.set_title(name, fontsize="medium")
            ax.set_xlabel(xlabel, fontsize="small")
            ax.tick_params(labelsize="small")
            # Tick labels are most of a frame's cost (text layout and glyphs): keep them few.
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
            ax.grid(True, alpha=0.3)
            self._axes[name] = ax
        if image_shape is not None:
            self._image_axes = fig.add_axes(
                (left / width, 0.15 / height, (width - left - right) / width, image_h / height))
            self._image_axes.set_axis_off()
        self._layout = layout

    def _new_line(self, ax, panel, line: Line):
        color = _line_color(panel, line.key)
        if line.kind == "fine":
            (artist,) = ax.plot([], [], color=color, alpha=0.35, linewidth=1.0)
        else:
            (artist,) = ax.plot([], [], color=color, linewidth=1.6, markersize=3.5, label=line.key)
        self._artists[(panel, line.key, line.kind)] = artist
        return artist

    def _show_image(self, mosaic, label):
        ax = self._image_axes
        artist = self._image_artist
        finite = mosaic[np.isfinite(mosaic)] if mosaic.dtype.kind == "f" else mosaic
        if artist is not None and artist.get_array().shape == mosaic.shape:
            artist.set_data(mosaic)
        else:
            if artist is not None:
                artist.remove()
            artist = self._image_artist = ax.imshow(mosaic, cmap="gray", interpolation="nearest")
        if mosaic.ndim == 2 and finite.size:
            low, high = float(finite.min()), float(finite.max())
            artist.set_clim(low, high if high > low else low + 1.0)
        ax.set_title(label, fontsize="medium")


def _line_color(panel: str, key: str) -> str:
    if key == panel:
        return "C0"
    if key == f"val_{panel}":
        return "C1"
    return f"C{2 + sum(map(ord, key)) % 8}"


# -- image mosaics ----------------------------------------------------------------


def mosaic(value, max_images: int = 8) -> np.ndarray:
    """Tile a batch of images into one array (NaN / white gaps), so one ``imshow`` draws them all.

    Accepts ``(H, W)``, ``(H, W, C)`` with C in 1, 3, 4 (one image), ``(N, H, W)``
    and ``(N, H, W, C)`` (a batch; the first ``max_images`` are kept). Grey images
    become float32 with NaN gaps; RGB(A) become float32 in [0, 1] (values above 1
    are read as 0–255).
    """
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"an image panel needs numbers, got dtype {array.dtype}")
    if array.ndim == 2:
        batch = array[None]
    elif array.ndim == 3 and array.shape[-1] in (3, 4):
        batch = array[None]
    elif array.ndim == 3 and array.shape[-1] == 1:
        batch = array[None, ..., 0]
    elif array.ndim == 3:
        batch = array
    elif array.ndim == 4 and array.shape[-1] in (1, 3, 4):
        batch = array[..., 0] if array.shape[-1] == 1 else array
    else:
        raise ValueError(
            f"an image panel takes (H, W), (H, W, C), (N, H, W) or (N, H, W, C) with C in 1, 3, 4; "
            f"got shape {array.shape}"
        )
    batch = batch[:max_images].astype(np.float32)
    count, height, width = batch.shape[:3]
    if count == 0:
        raise ValueError("an image panel got an empty batch")
    rgb = batch.ndim == 4
    if rgb:
        if np.nanmax(batch) > 1.0:
            batch = batch / 255.0
        batch = np.clip(batch, 0.0, 1.0)
    cols = min(count, 8)
    rows = math.ceil(count / cols)
    shape = (rows * (height + 1) - 1, cols * (width + 1) - 1) + batch.shape[3:]
    tiled = np.full(shape, 1.0 if rgb else np.nan, dtype=np.float32)
    for index in range(count):
        r, c = divmod(index, cols)
        tiled[r * (height + 1):r * (height + 1) + height, c * (width + 1):c * (width + 1) + width] = batch[index]
    return tiled


# -- sinks ----------------------------------------------------------------------------


def rich_display_available() -> bool:
    """True in a shell whose display publisher shows images (a kernel), False in a terminal or script."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    publisher = getattr(shell, "display_pub", None)
    if publisher is None:
        return False
    from IPython.core.displaypub import DisplayPublisher

    # Terminal IPython uses the base publisher, which prints text/plain only;
    # kernels (ipykernel, xeus, pyodide) and capture_output subclass it.
    return type(publisher) is not DisplayPublisher


class DisplaySink:
    """One notebook output, created by the first frame and updated in place by every later one."""

    kind = "display"

    def __init__(self):
        self.handle = None
        self.updates = 0

    def publish(self, png: bytes) -> None:
        """Show ``png``: ``display(..., display_id=True)`` the first time, ``handle.update`` after."""
        bundle = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": TEXT_PLAIN}
        if self.handle is None:
            from IPython.display import display

            self.handle = display(bundle, raw=True, display_id=True)
        else:
            self.handle.update(bundle, raw=True)
            self.updates += 1


class FileSink:
    """Writes every frame to one PNG file, atomically (a viewer never reads half a file)."""

    kind = "file"

    def __init__(self, path, announce: str | None):
        self.path = Path(path).expanduser().resolve()
        self._announce = announce
        self.writes = 0

    def publish(self, png: bytes) -> None:
        """Replace the file's content with ``png``; say where it is the first time."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        partial.write_bytes(png)
        os.replace(partial, self.path)
        self.writes += 1
        if self._announce is not None:
            print(self._announce.format(path=self.path), file=sys.stderr)
            self._announce = None


def make_sink(output: str, path, announce: str | None):
    """The sink for ``output`` ("auto", "display" or "file"); "display" without a shell falls back to a file."""
    if output == "file":
        return FileSink(path, announce)
    if rich_display_available():
        return DisplaySink()
    if output == "display" and _has_shell():
        return DisplaySink()
    return FileSink(path, announce)


def _has_shell() -> bool:
    ipython = sys.modules.get("IPython")
    return ipython is not None and ipython.get_ipython() is not None
