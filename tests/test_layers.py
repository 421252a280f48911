"""The package's layers: every import of a tfplotguard module runs downward, lazy ones included.

``ipython`` → ``check`` → (``guard``, ``live``) → ``core``; ``check`` may use
``live`` (its counters). The top package (``tfplotguard/__init__.py``,
``testing.py``) is the public face and may use every layer.

Inside ``check/`` the same holds, in the order its data flows (:data:`CHECK_RANKS`):
the contract (``format``, ``summaries``, ``history``) at the bottom; one-off
inspections; the probes and the stack attribution; the CPU meter (which reads
one probe); the findings; the report and its renderings; and on top the
measured cell and the status panel that put them together. A module may import
its own sub-package and anything ranked lower. Imports under ``if TYPE_CHECKING:``
never run and are skipped (a rule names the ``Report`` it reads that way).
"""

import ast
from pathlib import Path

import tfplotguard

PACKAGE = Path(tfplotguard.__file__).parent

#: What each layer may import (itself always).
ALLOWED = {
    "core": set(),
    "guard": {"core"},
    "live": {"core"},
    "check": {"guard", "live", "core"},
    "ipython": {"check", "guard", "live", "core"},
}
TOP = "top"

#: Inside ``check/``: each part's rank; a part may import lower ranks (and itself) only.
CHECK_RANKS = {
    "format": 0, "summaries": 0, "history": 0,
    "inspect": 1,
    "probes": 2, "attribution": 2,
    "cpu": 3,
    "findings": 4,
    "report": 5,
    "cell": 6, "status": 6,
}


def _layer(parts: tuple[str, ...]) -> str:
    """The layer of a module path inside the package (``("check", "cell")`` → ``"check"``)."""
    return parts[0] if len(parts) > 1 and parts[0] in ALLOWED else TOP


def _imports(path: Path, root: Path):
    """``(line, imported module as a tuple of names below tfplotguard)`` for every import in ``path``."""
    package = path.relative_to(root).with_suffix("").parts[:-1]  # the package a relative import starts from
    tree = ast.parse(path.read_text(), str(path))
    type_only = {id(n) for node in ast.walk(tree) if _is_type_checking_block(node) for n in ast.walk(node)}
    for node in ast.walk(tree):  # ast.walk: function-level imports too
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "tfplotguard":
                    yield node.lineno, tuple(alias.name.split(".")[1:])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + tuple(node.module.split(".") if node.module else ())
            elif node.module and node.module.split(".")[0] == "tfplotguard":
                target = tuple(node.module.split(".")[1:])
            else:
                continue
            if node.module is None or not target:  # `from . import x` / `from .. import guard`: x is the module
                for alias in node.names:
                    yield node.lineno, target + (alias.name,)
            else:
                yield node.lineno, target


def _is_type_checking_block(node) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (getattr(test, "id", None) == "TYPE_CHECKING"
                                         or getattr(test, "attr", None) == "TYPE_CHECKING")


def _check_part(parts: tuple[str, ...]) -> str | None:
    """The part of ``check/`` a module path lies in (``("check", "cpu", "meter")`` → ``"cpu"``), else None."""
    if len(parts) >= 2 and parts[0] == "check" and parts[1] != "__init__":
        return parts[1]
    return None


def layering_violations(package: Path = PACKAGE) -> list[str]:
    """Every import against the layering, as ``file:line: layer -> layer (module)``."""
    found = []
    for path in sorted(package.rglob("*.py")):
        source = _layer(path.relative_to(package).with_suffix("").parts)
        for line, target in _imports(path, package):
            target_layer = target[0] if target and target[0] in ALLOWED else TOP
            if source == TOP or target_layer == source:
                continue
            if target_layer == TOP or target_layer not in ALLOWED[source]:
                found.append(f"{path.relative_to(package)}:{line}: {source} -> {target_layer} "
                             f"(tfplotguard.{'.'.join(target)})")
        found += _check_violations(path, package)
    return found


def _check_violations(path: Path, package: Path) -> list[str]:
    """Imports inside ``check/`` against :data:`CHECK_RANKS` (an unknown part is a violation too)."""
    found = []
    part = _check_part(path.relative_to(package).with_suffix("").parts)
    if part is None:
        return found
    if part not in CHECK_RANKS:
        return [f"{path.relative_to(package)}: check/{part} has no rank in CHECK_RANKS"]
    for line, target in _imports(path, package):
        other = _check_part(target)
        if other is None or other == part:
            continue
        if CHECK_RANKS.get(other, 99) >= CHECK_RANKS[part]:
            found.append(f"{path.relative_to(package)}:{line}: check/{part} -> check/{other} "
                         f"(tfplotguard.{'.'.join(target)})")
    return found


def test_imports_run_downward_only():
    assert layering_violations() == []


def test_the_check_sees_a_lazy_back_edge(tmp_path):
    # A copy of the package with one function-level upward import: the check must name it.
    for path in PACKAGE.rglob("*.py"):
        copy = tmp_path / path.relative_to(PACKAGE)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(path.read_text())
    convert = tmp_path / "core" / "convert.py"
    convert.write_text(convert.read_text() + "\n\ndef _back_edge():\n    from ..guard import GUARD\n\n    return GUARD\n")
    violations = layering_violations(tmp_path)
    assert len(violations) == 1 and violations[0].startswith("core/convert.py:") and "core -> guard" in violations[0]


def test_the_check_sees_a_back_edge_inside_check(tmp_path):
    # A finding rule that imports the report's renderer at run time: check/findings -> check/report.
    for path in PACKAGE.rglob("*.py"):
        copy = tmp_path / path.relative_to(PACKAGE)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(path.read_text())
    rules = tmp_path / "check" / "findings" / "rules_tf.py"
    rules.write_text(rules.read_text() + "\n\ndef _back_edge():\n    from ..report import render\n\n    return render\n")
    violations = layering_violations(tmp_path)
    assert len(violations) == 1 and "check/findings -> check/report" in violations[0], violations


def test_type_only_imports_are_not_edges(tmp_path):
    module = tmp_path / "check" / "findings" / "typed.py"
    module.parent.mkdir(parents=True)
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..report.model import Report\n")
    assert _check_violations(module, tmp_path) == []
