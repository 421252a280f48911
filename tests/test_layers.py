"""The package's layers: every import of a tfplotguard module runs downward, lazy ones included.

``ipython`` → ``check`` → (``guard``, ``live``) → ``core``; ``check`` may use
``live`` (its counters). The top package (``tfplotguard/__init__.py``,
``testing.py``) is the public face and may use every layer.
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


def _layer(parts: tuple[str, ...]) -> str:
    """The layer of a module path inside the package (``("check", "cell")`` → ``"check"``)."""
    return parts[0] if len(parts) > 1 and parts[0] in ALLOWED else TOP


def _imports(path: Path, root: Path):
    """``(line, imported module as a tuple of names below tfplotguard)`` for every import in ``path``."""
    package = path.relative_to(root).with_suffix("").parts[:-1]  # the package a relative import starts from
    for node in ast.walk(ast.parse(path.read_text(), str(path))):  # ast.walk: function-level imports too
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
