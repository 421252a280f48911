"""MkDocs hooks (``mkdocs.yml``: ``hooks:``): the repository files the docs link to become part of the site.

The pages under ``docs/`` link to the notebooks and the benchmark results the way a reader on
GitHub follows them, relative to the page's own file (``../notebooks/01_quickstart.ipynb``).
MkDocs knows only ``docs/``, so such a link would be a broken one to it: :func:`on_files` adds
those files to the site (under the same path, ``notebooks/…``, ``benchmarks/…``) and
:func:`on_page_markdown` points each such link at the site's copy. A link to a repository file
that is not added stays as written, and strict mode reports it.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
#: Repository files the site carries, as globs relative to the repository root.
REPO_FILES = ("notebooks/*.ipynb", "benchmarks/RESULTS*.md")

_LINK = re.compile(r"(\]\()([^)\s#]+)([^)]*\))")


def _repo_paths() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for pattern in REPO_FILES for p in ROOT.glob(pattern))


def on_files(files, config):
    """Add the repository files of :data:`REPO_FILES` to the site, each at its repository path."""
    for path in _repo_paths():
        files.append(File(path, str(ROOT), config["site_dir"], config["use_directory_urls"]))
    return files


def on_page_markdown(markdown, page, config, files):
    """Point links that leave ``docs/`` for an added repository file at the site's copy."""
    added = set(_repo_paths())
    docs = Path(config["docs_dir"]).resolve().relative_to(ROOT).as_posix()
    page_dir = posixpath.dirname(page.file.src_uri)
    in_repo = posixpath.join(docs, page_dir)  # the page's folder, relative to the repository root

    def rewrite(match):
        target = match.group(2)
        if "://" in target or target.startswith(("/", "mailto:")):
            return match.group(0)
        resolved = posixpath.normpath(posixpath.join(in_repo, target))
        if resolved not in added:
            return match.group(0)
        return match.group(1) + posixpath.relpath(resolved, page_dir or ".") + match.group(3)

    return _LINK.sub(rewrite, markdown)
