"""The catalogue of findings: one entry per registered rule, built from the registry.

A rule's docstring is the source of its entry: the first line is its summary;
paragraphs that start with ``Detects:``, ``Why it costs:`` and ``Fix:`` say
what it detects, why that costs time and what to do; a ``Thresholds:``
paragraph has one ``name: meaning`` line per threshold; every other paragraph
(how the rule weighs its cause, what it leaves out) is kept as a detail. The
registry adds the id, the severity, the thresholds' defaults and the least share
a finding must explain. ``examples.json`` (next to this module, written by
``scripts/findings_catalogue.py`` from the pitfall zoo and its measured times)
adds a slow cell and its fixed twin where the zoo has one.

The same entry is the docs site's page ``findings/<id>`` (:func:`markdown`,
through ``scripts/mkdocs_hooks.py``), ``%tfcheck --explain RULE`` in a notebook,
and the target of the link each finding of an HTML report carries (:func:`url`).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import re
from pathlib import Path
from typing import Any

from .registry import RULES, checked_ids

#: Where the docs site is published (``site_url`` of ``mkdocs.yml``; ``tests/test_docs.py`` keeps them equal).
DOCS_URL = "https://tfplotguard.readthedocs.io/en/latest/"
EXAMPLES = Path(__file__).with_name("examples.json")
#: The docstring paragraphs an entry is made of, by their leading label.
LABELS = {"Detects": "detects", "Why it costs": "costs", "Fix": "fix", "Thresholds": "thresholds"}
#: Said of a zoo case whose cells loop for a fixed time (the twin's gain is work done, not time).
FIXED_TIME_NOTE = "Both cells loop for a fixed wall time: compare what they get done in it, not their times."
SEVERITY_WORDS = {"warn": "warning: a cause to fix", "info": "information: real work, or what tfplotguard did"}


@dataclasses.dataclass(frozen=True)
class Threshold:
    """One threshold of a rule: its name, default, meaning, and the ``%config`` setting that replaces it."""

    name: str
    default: object
    meaning: str
    rule: str

    @property
    def key(self) -> str:
        """The key of this threshold in ``TFPlotGuard.rule_thresholds``: ``"rule_id.name"``."""
        return f"{self.rule}.{self.name}"

    @property
    def config(self) -> str:
        """How to set it: ``%config TFPlotGuard.rule_thresholds = {"rule_id.name": …}``."""
        return f'%config TFPlotGuard.rule_thresholds = {{"{self.key}": {self.default!r}}}'


@dataclasses.dataclass(frozen=True)
class Entry:
    """One rule's catalogue entry (see the module docstring)."""

    id: str
    severity: str
    summary: str
    detects: str
    costs: str
    fix: str
    thresholds: tuple[Threshold, ...]
    details: tuple[str, ...]
    min_share: float
    examples: tuple[dict[str, Any], ...]

    @property
    def url(self) -> str:
        """The entry's page on the docs site."""
        return url(self.id)

    def missing(self) -> list[str]:
        """What the rule's docstring lacks for a complete entry (empty when complete)."""
        gaps = [label for label, field in LABELS.items() if field != "thresholds" and not getattr(self, field)]
        documented = {t.name for t in self.thresholds if t.meaning}
        gaps += [f"threshold {name}" for name in RULES[self.id].thresholds if name not in documented]
        return gaps


def url(rule_id: str) -> str:
    """The docs page of the finding rule ``rule_id``."""
    return f"{DOCS_URL}findings/{rule_id}/"


def parse_docstring(doc: str) -> tuple[str, dict[str, str], list[str], dict[str, str]]:
    """``(summary, {field: text}, detail paragraphs, {threshold: meaning})`` of a rule's docstring."""
    paragraphs = [p for p in re.split(r"\n\s*\n", inspect.cleandoc(doc or "")) if p.strip()]
    summary = _join(paragraphs[0]) if paragraphs else ""
    fields: dict[str, str] = {}
    details: list[str] = []
    meanings: dict[str, str] = {}
    for paragraph in paragraphs[1:]:
        label, _, rest = paragraph.partition(":")
        field = LABELS.get(label.strip()) if "\n" not in label else None
        if field == "thresholds":
            meanings.update(_threshold_lines(rest))
        elif field:
            fields[field] = _join(rest)
        else:
            details.append(_join(paragraph))
    return summary, fields, details, meanings


def _threshold_lines(block: str) -> dict[str, str]:
    """``{name: meaning}`` of ``name: meaning`` lines; a line indented deeper than the items continues one."""
    meanings: dict[str, str] = {}
    name: str | None = None
    indent: int | None = None
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        item = re.match(r"\s*(\w+): (.*)", line)
        if item and (indent is None or depth <= indent):
            indent, name = depth, item.group(1)
            meanings[name] = item.group(2).strip()
        elif name is not None:
            meanings[name] += " " + line.strip()
    return meanings


@functools.lru_cache(maxsize=1)
def examples() -> dict[str, Any]:
    """``examples.json``: ``{"measured": str, "rules": {rule_id: [case, ...]}}`` (empty if absent)."""
    try:
        loaded: dict[str, Any] = json.loads(EXAMPLES.read_text(encoding="utf-8"))
        return loaded
    except FileNotFoundError:
        return {"measured": "", "rules": {}}


def entry(rule_id: str) -> Entry:
    """The catalogue entry of ``rule_id`` (ValueError naming the valid ids if it is unknown)."""
    (rule_id,) = checked_ids(rule_id)
    rule = RULES[rule_id]
    summary, fields, details, meanings = parse_docstring(inspect.getdoc(rule.fn) or "")
    thresholds = tuple(Threshold(name, default, meanings.get(name, ""), rule_id)
                       for name, default in rule.thresholds.items())
    return Entry(rule_id, rule.severity, summary, fields.get("detects", ""), fields.get("costs", ""),
                 fields.get("fix", ""), thresholds, tuple(details), rule.min_share,
                 tuple(examples()["rules"].get(rule_id, ())))


def markdown(item: Entry, *, site: bool = True) -> str:
    """The entry as Markdown: the docs page (``site``) or, with absolute links, a notebook's ``--explain``."""
    e = _md
    out = [f"# `{item.id}`", "", f"*{SEVERITY_WORDS[item.severity]}*. {e(item.summary)}", "",
           "## What it detects", "", e(_sentence(item.detects)), "",
           "## Why it costs time", "", e(_sentence(item.costs)), "",
           "## The fix", "", e(_sentence(item.fix)), "", "## When it is shown", "", _shown(item), ""]
    if item.thresholds:
        out += ["## Thresholds", "", "| threshold | default | meaning | set it with |", "|---|---|---|---|"]
        out += [f"| `{t.name}` | `{t.default!r}` | {e(t.meaning)} | `{t.config}` |" for t in item.thresholds]
        out.append("")
    else:
        out += ["## Thresholds", "", "None: the rule fires on what it detects, weighed as above.", ""]
    out += [f'Switch the rule off for this shell: `%config TFPlotGuard.disabled_rules = ["{item.id}"]`.', ""]
    if item.details:
        out += ["## Details", ""] + [p for d in item.details for p in (e(d), "")]
    out += ["## A slow cell and its fixed twin", ""]
    if not item.examples:
        out += ["The pitfall zoo (`benchmarks/zoo/`) has no case for this rule; its tests, with a cell that "
                "triggers it and one that does not, are in `tests/`.", ""]
    for case in item.examples:
        out += _example_md(case)
    if item.examples:
        results = "../../benchmarks/RESULTS_diagnosis.md" if site else None
        where = f"[`benchmarks/RESULTS_diagnosis.md`]({results})" if results else "`benchmarks/RESULTS_diagnosis.md`"
        out += [f"From the pitfall zoo (`benchmarks/zoo/`, case `{item.examples[0]['case']}`"
                f"{' and others' if len(item.examples) > 1 else ''}); the times are the cells' wall times under "
                f"`%%tfcheck` measured by `python -m benchmarks.diagnosis` ({examples()['measured']}; {where}).", ""]
    if not site:
        out += [f"On the docs site: <{item.url}>", ""]
    return "\n".join(out)


def text(item: Entry) -> str:
    """The entry as plain text, for a terminal."""
    out = [f"{item.id} ({SEVERITY_WORDS[item.severity]})", f"  {_plain(item.summary)}", ""]
    for title, body in (("What it detects", item.detects), ("Why it costs time", item.costs),
                        ("The fix", item.fix)):
        out += [title, f"  {_plain(_sentence(body))}", ""]
    out += ["When it is shown", f"  {_plain(_shown(item))}", ""]
    out.append("Thresholds" if item.thresholds else "Thresholds: none")
    for t in item.thresholds:
        out += [f"  {t.name} = {t.default!r}: {_plain(t.meaning)}", f"    {t.config}"]
    out += ["", f'Switch it off: %config TFPlotGuard.disabled_rules = ["{item.id}"]']
    if item.details:
        out += ["", "Details"] + [f"  {_plain(d)}" for d in item.details]
    for case in item.examples:
        out += ["", f"Zoo case {case['case']}: {_plain(case['title'])}"]
        if case["setup"]:
            out += ["  # setup, not measured:"] + [f"  {line}" for line in case["setup"].splitlines()]
        if case.get("fixed_time"):
            out.append(f"  ({FIXED_TIME_NOTE})")
        for label, key in (("Slow cell", "slow"), ("Fixed twin", "twin")):
            cells, runs = _cells(case[key])
            out += [f"{label} ({_ms(case[key + '_ms'])}{f'; {runs}' if runs else ''})"]
            out += [f"  {line}" for cell in cells for line in cell.splitlines()]
    out += ["", f"More: {item.url}"]
    return "\n".join(out)


def _example_md(case: dict[str, Any]) -> list[str]:
    out = [f"### `{case['case']}`: {_md(case['title'])}", ""]
    if case.get("constructed"):
        out += [f"*Constructed:* {_md(case['constructed'])}", ""]
    if case["setup"]:
        out += ["Setup (run first, not measured):", "", "```python", case["setup"].rstrip("\n"), "```", ""]
    if case.get("fixed_time"):
        out += [f"{FIXED_TIME_NOTE}", ""]
    for label, key in (("Slow cell", "slow"), ("Fixed twin", "twin")):
        cells, runs = _cells(case[key])
        out += [f"{label}, {_ms(case[key + '_ms'])}{f' ({runs})' if runs else ''}:", ""]
        for cell in cells:
            out += ["```python", cell.rstrip("\n"), "```", ""]
    return out


def _cells(cells: list[str]) -> tuple[list[str], str]:
    """The cells to show, and how they ran when there are several (the time is the last one's)."""
    if len(cells) == 1:
        return cells, ""
    if len(set(cells)) == 1:
        return cells[:1], f"this cell run {len(cells)} times in a row, the time the last run's"
    return cells, "cells run one after another, the time the last one's"


def _shown(item: Entry) -> str:
    share = f"{100 * item.min_share:.0f} %"
    if item.min_share == 0:
        return "Always, first: it carries the full weight whatever time it took."
    return (f"As a {'warning' if item.severity == 'warn' else 'note'} when it explains at least {share} of the cell "
            f"and at least 50 ms; otherwise it is minor: kept in the report's JSON and shown with `%%tfcheck --all`.")


def _ms(value: float | None) -> str:
    return "not measured" if value is None else f"{value:,.0f} ms"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".") if text else ""


def _join(paragraph: str) -> str:
    return " ".join(line.strip() for line in paragraph.strip().splitlines())


def _md(text: str) -> str:
    """reStructuredText's inline code and roles as Markdown: ``x`` and :mod:`~a.b` become `x` and `b`."""
    text = re.sub(r":\w+:`~?([\w.]+)`", lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", text)
    return re.sub(r"``(.+?)``", r"`\1`", text)


def _plain(text: str) -> str:
    return _md(text).replace("`", "")
