"""MkDocs hooks (``mkdocs.yml``: ``hooks:``): repository files the pages link to, and the findings catalogue.

The pages under ``docs/`` link to the notebooks and the benchmark results the way a reader on
GitHub follows them, relative to the page's own file (``../notebooks/01_quickstart.ipynb``).
MkDocs knows only ``docs/``, so such a link would be a broken one to it: :func:`on_files` adds
those files to the site (under the same path, ``notebooks/…``, ``benchmarks/…``) and
:func:`on_page_markdown` points each such link at the site's copy. A link to a repository file
that is not added stays as written, and strict mode reports it.

The catalogue of findings is generated from the findings registry at every build: one page per
rule, ``findings/<id>.md`` (:func:`tfplotguard.check.findings.catalogue.markdown`), listed in the
navigation under "Findings", and a table of them where ``docs/findings/index.md`` says
``<!-- catalogue:table -->``. A rule added to the registry gets its page; one removed loses it.
"""

from __future__ import annotations

import posixpath
import re
import sys
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
#: Repository files the site carries, as globs relative to the repository root.
REPO_FILES = ("notebooks/*.ipynb", "benchmarks/RESULTS*.md")
FINDINGS_PAGE = "findings/index.md"
TABLE_MARKER = "<!-- catalogue:table -->"

_LINK = re.compile(r"(\]\()([^)\s#]+)([^)]*\))")


def _catalogue():
    if str(ROOT) not in sys.path:  # the registry of this tree, whatever is installed
        sys.path.insert(0, str(ROOT))
    from tfplotguard.check.findings import RULES, catalogue

    return RULES, catalogue


def _repo_paths() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for pattern in REPO_FILES for p in ROOT.glob(pattern))


def on_config(config):
    """List one page per finding rule under "Findings" in the navigation."""
    rules, _ = _catalogue()
    for index, item in enumerate(config["nav"]):
        if isinstance(item, dict) and list(item.values()) == [FINDINGS_PAGE]:
            (title,) = item
            pages = [{"The catalogue": FINDINGS_PAGE}] + [{rule_id: f"findings/{rule_id}.md"} for rule_id in rules]
            config["nav"][index] = {title: pages}
    return config


def on_files(files, config):
    """Add the repository files of :data:`REPO_FILES`, and a generated page per finding rule."""
    for path in _repo_paths():
        files.append(File(path, str(ROOT), config["site_dir"], config["use_directory_urls"]))
    rules, catalogue = _catalogue()
    for rule_id in rules:
        files.append(File.generated(config, f"findings/{rule_id}.md",
                                    content=catalogue.markdown(catalogue.entry(rule_id))))
    return files


def on_page_markdown(markdown, page, config, files):
    """Point links that leave ``docs/`` for an added repository file at the site's copy; fill in the table."""
    if page.file.src_uri == FINDINGS_PAGE:
        markdown = markdown.replace(TABLE_MARKER, _table())
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


def _table() -> str:
    rules, catalogue = _catalogue()
    rows = ["| finding | severity | what it says | shown from |", "|---|---|---|---|"]
    for rule_id, rule in rules.items():
        item = catalogue.entry(rule_id)
        shown = "always" if rule.min_share == 0 else f"{100 * rule.min_share:.0f} %"
        summary = re.sub(r"``(.+?)``", r"`\1`", item.summary).replace("|", "\\|")
        rows.append(f"| [`{rule_id}`]({rule_id}.md) | {rule.severity} | {summary} | {shown} |")
    return "\n".join(rows)
