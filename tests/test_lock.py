"""The lock and pyproject.toml agree: every runtime, test and browser requirement is pinned, in range.

README's fresh-machine commands install with ``-c requirements/test.lock``: a requirement that
the lock lacks would be resolved to whatever is newest that day, and a pin outside its range
would make pip refuse to install. Both are caught here, before CI or a new user meets them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib
except ImportError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "test.lock"
PYPROJECT = ROOT / "pyproject.toml"


def locked_versions(lock_text: str) -> dict[str, Version]:
    """The ``name==version`` pins of a pip-compile lock, keyed by canonical name."""
    pins = {}
    for raw in lock_text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"lock line is not an exact pin: {raw!r}"
        pins[canonicalize_name(requirement.name)] = Version(spec.version)
    return pins


#: The extras the lock covers (scripts/refresh_lock.sh resolves them together, into one file).
LOCKED_EXTRAS = ("test", "browser", "dev")


def locked_requirements(pyproject: dict) -> list[Requirement]:
    """The requirements the lock must cover: the runtime dependencies and the locked extras."""
    project = pyproject["project"]
    extras = [r for extra in LOCKED_EXTRAS for r in project["optional-dependencies"][extra]]
    return [Requirement(r) for r in project["dependencies"] + extras]


def lock_problems(pyproject_text: str, lock_text: str) -> list[str]:
    """Every way the lock fails pyproject.toml: requirements missing from it, pins out of range."""
    pins = locked_versions(lock_text)
    problems = []
    for requirement in locked_requirements(tomllib.loads(pyproject_text)):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement} is not pinned in the lock")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{name}=={pins[name]} in the lock does not satisfy {requirement}")
    return problems


def test_every_requirement_is_pinned_in_range():
    problems = lock_problems(PYPROJECT.read_text(), LOCK.read_text())
    assert not problems, "refresh the lock: bash scripts/refresh_lock.sh --no-upgrade\n" + "\n".join(problems)


def test_the_lock_pins_transitive_packages_too():
    pins = locked_versions(LOCK.read_text())
    direct = {canonicalize_name(r.name) for r in locked_requirements(tomllib.loads(PYPROJECT.read_text()))}
    # TensorFlow alone brings dozens; a lock of only the direct requirements would still drift.
    assert {"keras", "ml-dtypes", "protobuf", "jupyter-client"} <= set(pins)
    assert len(pins) > 3 * len(direct)


def test_a_requirement_missing_from_the_lock_is_reported():
    lock = "\n".join(line for line in LOCK.read_text().splitlines() if not line.startswith("psutil=="))
    assert lock_problems(PYPROJECT.read_text(), lock) == ["psutil>=5.9 is not pinned in the lock"]


def test_a_pin_out_of_range_is_reported():
    lock = LOCK.read_text()
    (matplotlib_pin,) = [line for line in lock.splitlines() if line.startswith("matplotlib==")]
    broken = lock.replace(matplotlib_pin, "matplotlib==3.6.3")
    assert lock_problems(PYPROJECT.read_text(), broken) == [
        "matplotlib==3.6.3 in the lock does not satisfy matplotlib>=3.7"
    ]


def test_a_new_requirement_in_pyproject_needs_a_new_pin():
    pyproject = PYPROJECT.read_text().replace('"psutil>=5.9",', '"psutil>=5.9",\n    "tabulate>=0.9",', 1)
    assert lock_problems(pyproject, LOCK.read_text()) == ["tabulate>=0.9 is not pinned in the lock"]


@pytest.mark.parametrize("line", ["numpy>=1.23", "numpy"])
def test_an_inexact_lock_line_is_refused(line):
    with pytest.raises((AssertionError, ValueError)):
        locked_versions(line)


def test_the_refresh_script_resolves_every_locked_extra():
    # An extra that the test above checks but pip-compile is not asked for would pass here only
    # until the next full refresh silently dropped its pins.
    script = (ROOT / "scripts" / "refresh_lock.sh").read_text()
    assert all(f"--extra {extra}" in script for extra in LOCKED_EXTRAS)


def test_a_browser_requirement_missing_from_the_lock_is_reported():
    lock = "\n".join(line for line in LOCK.read_text().splitlines() if not line.startswith("playwright=="))
    assert lock_problems(PYPROJECT.read_text(), lock) == ["playwright>=1.40 is not pinned in the lock"]
