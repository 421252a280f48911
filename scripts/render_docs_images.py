"""Regenerate the pictures the README and the docs site show, in ``docs/``.

Usage: python scripts/render_docs_images.py [before_after] [status] [report] [attribution]   (default: all four)

- ``docs/before_after.png``: ``plot`` of a ragged tensor on plain matplotlib (the exception it
  really raises here, caught and written into the picture) next to the same call with the guard.
  Drawn in this process with the Agg backend.
- ``docs/tfcheck_status.png``: the bare ``%tfcheck`` panel from ``notebooks/01_quickstart.ipynb``.
- ``docs/tfcheck_report.png``: a ``%%tfcheck --ops`` report from ``notebooks/03_finding_slow_cells.ipynb``.
- ``docs/tfcheck_attribution.png``: the "where the time went" section (the HTML stacked bar, its
  legend and the top lines) of a ``%%tfcheck`` report from ``notebooks/03_finding_slow_cells.ipynb``
  (a ``tf.data`` pipeline fed by a Python generator), under the cell's input; the report's findings
  and folded sections are hidden with CSS, nothing in the section is changed.

The ``%tfcheck`` pictures show the notebooks' stored outputs as a browser renders them: the
cells are taken from the executed notebooks (run ``scripts/execute_notebooks.py`` first to refresh
them), exported to HTML with nbconvert, captured with headless Chromium (Debian: ``apt-get install
chromium``) and cropped to what is drawn. ``# NBVAL_...`` marker lines (instructions to the notebook
tests) are left out of the pictured input.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "notebooks"

#: CSS that leaves only the headline and the "where the time went" section of a ``%%tfcheck`` report
#: (the findings before it and the folded sections after it are hidden).
ATTRIBUTION_ONLY = ".tfcheck-report > ul, .tfcheck-report > details { display: none !important; }"

#: (picture, notebook, text that identifies the cell whose output is pictured, extra CSS for the page)
NOTEBOOK_PICTURES = {
    "status": ("tfcheck_status.png", "01_quickstart.ipynb", "%tfcheck\n", ""),
    "report": ("tfcheck_report.png", "03_finding_slow_cells.ipynb", "%%tfcheck --ops -o rep_redraw", ""),
    "attribution": ("tfcheck_attribution.png", "03_finding_slow_cells.ipynb", "%%tfcheck -o rep_pipeline",
                    ATTRIBUTION_ONLY),
}

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
)


def before_after(out: Path) -> None:
    """Draw ``plot(ragged)`` without the guard (its real exception) and with it, side by side."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import tensorflow as tf

    import tfplotguard

    lengths = tf.constant([30, 80, 55])
    rows = tf.RaggedTensor.from_row_lengths(
        tf.cumsum(tf.random.stateless_normal([165], seed=[1, 2])), lengths)
    code = "plt.plot(ragged)  # 3 rows: 30, 80, 55 values"

    tfplotguard.disable()  # plain matplotlib
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
    try:
        left.plot(rows)
        fig.canvas.draw()
        outcome = "no error (matplotlib has changed: update this picture's text)"
    except Exception as err:  # the point of the picture: what plain matplotlib raises
        outcome = f"{type(err).__name__}:\n{err}"
    for line in list(left.lines):
        line.remove()
    left.text(0.5, 0.5, outcome, ha="center", va="center", wrap=True, color="#cf222e",
              fontsize=11, family="monospace", transform=left.transAxes)
    left.set_xticks([])
    left.set_yticks([])
    left.set_title(f"without tfplotguard\n{code}", fontsize=10, family="monospace", loc="left")

    tfplotguard.enable()
    try:
        lines = right.plot(rows)
    finally:
        tfplotguard.disable()
    right.legend(lines, [f"row {i}: {n} values" for i, n in enumerate(lengths.numpy())], fontsize=9)
    right.set_title(f"with %load_ext tfplotguard\n{code}", fontsize=10, family="monospace", loc="left")
    fig.savefig(out, dpi=100)
    plt.close(fig)


def notebook_picture(out: Path, notebook: str, marker: str, css: str = "") -> None:
    """Render one stored cell (input and outputs) of an executed notebook as a browser shows it;
    ``css``, if given, is added to the page (to hide part of an output)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and (c.source + "\n").startswith(marker)]
    if len(cells) != 1:
        raise SystemExit(f"{notebook}: expected one cell starting with {marker!r}, found {len(cells)}")
    cell = nbformat.from_dict(dict(cells[0]))
    cell.source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("# NBVAL_"))
    if not cell.outputs:
        raise SystemExit(f"{notebook}: the cell has no stored output; run scripts/execute_notebooks.py first")
    mini = nbformat.v4.new_notebook(cells=[cell], metadata=nb.metadata)
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(mini)
    if css:
        if "</head>" not in html:
            raise SystemExit("nbconvert's page has no </head>: cannot add the picture's CSS")
        html = html.replace("</head>", f"<style>{css}</style>\n</head>", 1)

    browser = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(name)), None)
    if browser is None:
        raise SystemExit("headless Chromium is needed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as tmp:
        page, shot = Path(tmp) / "cell.html", Path(tmp) / "shot.png"
        page.write_text(html, encoding="utf-8")
        subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
                        f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
        _crop(shot, out)


def _crop(source: Path, out: Path, margin: int = 12) -> None:
    """Cut the white page around what was drawn."""
    from PIL import Image, ImageChops

    image = Image.open(source).convert("RGB")
    difference = ImageChops.difference(image, Image.new("RGB", image.size, (255, 255, 255)))
    box = difference.point(lambda value: 255 if value > 8 else 0).getbbox()
    if box is None:
        raise SystemExit(f"{source}: the screenshot is blank")
    left, top, right, bottom = box
    image.crop((max(left - margin, 0), max(top - margin, 0), min(right + margin, image.width),
                min(bottom + margin, image.height))).save(out, optimize=True)


def main(argv: list[str]) -> int:
    wanted = argv or ["before_after", *NOTEBOOK_PICTURES]
    unknown = set(wanted) - {"before_after", *NOTEBOOK_PICTURES}
    if unknown:
        raise SystemExit(f"unknown picture(s): {', '.join(sorted(unknown))}")
    DOCS.mkdir(exist_ok=True)
    for name in wanted:
        if name == "before_after":
            out = DOCS / "before_after.png"
            before_after(out)
        else:
            filename, notebook, marker, css = NOTEBOOK_PICTURES[name]
            out = DOCS / filename
            notebook_picture(out, notebook, marker, css)
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
