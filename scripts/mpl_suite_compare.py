#!/usr/bin/env python
"""Run matplotlib's own tests with and without tfplotguard and report what fails only with it.

    python scripts/mpl_suite_compare.py [--modules NAME ...] [--out build/mpl_suite_compare.md]

Each selected test module of the installed matplotlib (they ship inside the
package: ``pytest --pyargs matplotlib.tests.test_axes``) runs twice, in
subprocesses, each writing JUnit XML:

1. ``plain`` — matplotlib alone;
2. ``guard`` — TensorFlow imported, then ``tfplotguard.enable()`` for the whole
   session (``scripts/mpl_suite_plugin.py``).

A test that fails (failure or error) in the guarded run but not in the plain
run is a regression; such tests are re-run once with TensorFlow imported but
the guard off (``tf``), so a failure caused by importing TensorFlow is told
apart from one caused by the guard. Tests that fail in both runs (image
comparisons without the baseline images the wheel does not ship, optional
dependencies) are counted, not judged — but the images those tests draw before
failing are compared between the two runs, pixel for pixel. The script exits 1
if any test fails only because of the guard or any image differs, and writes a
markdown summary to ``--out``.

The default selection (the modules that exercise the patched entry points:
Axes, lines, collections, images, contours, 3-D, pyplot, animation, units,
dates, ``data=``, patches, legends, colorbars, figures: ~2,500 tests) takes
about five minutes for both runs on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"

DEFAULT_MODULES = (
    "matplotlib.tests.test_axes",
    "matplotlib.tests.test_lines",
    "matplotlib.tests.test_collections",
    "matplotlib.tests.test_image",
    "matplotlib.tests.test_contour",
    "matplotlib.tests.test_triangulation",
    "matplotlib.tests.test_quiver",
    "matplotlib.tests.test_streamplot",
    "matplotlib.tests.test_pyplot",
    "matplotlib.tests.test_animation",
    "matplotlib.tests.test_units",
    "matplotlib.tests.test_category",
    "matplotlib.tests.test_preprocess_data",
    "matplotlib.tests.test_datetime",
    "matplotlib.tests.test_polar",
    "matplotlib.tests.test_patches",
    "matplotlib.tests.test_legend",
    "matplotlib.tests.test_colorbar",
    "matplotlib.tests.test_figure",
    "mpl_toolkits.mplot3d.tests.test_axes3d",
    "mpl_toolkits.mplot3d.tests.test_art3d",
    "mpl_toolkits.mplot3d.tests.test_legend3d",
)


def run_pytest(mode: str, targets: list[str], workdir: Path, timeout: int, use_pyargs: bool = True,
               select: str | None = None):
    """Run pytest on ``targets`` in ``mode`` (in ``workdir/mode``, where matplotlib writes its
    ``result_images``); return (JUnit XML path, stats JSON path, seconds, returncode)."""
    workdir = workdir / mode
    workdir.mkdir(parents=True, exist_ok=True)
    junit = workdir / f"{mode}.xml"
    stats = workdir / f"{mode}.stats.json"
    ini = workdir / "pytest.ini"
    # Not the project's pytest settings. mpl_toolkits is a namespace package: without this, pytest
    # would import the 3-D tests as "mplot3d.tests..." and run their package __init__.
    ini.write_text("[pytest]\nconsider_namespace_packages = true\n")
    env = dict(os.environ, TFPLOTGUARD_MPL_MODE=mode, TFPLOTGUARD_MPL_STATS=str(stats),
               MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join([str(SCRIPTS), str(REPO), os.environ.get("PYTHONPATH", "")]))
    import matplotlib

    # The rootdir is where matplotlib and mpl_toolkits are installed, so that test ids (and the JUnit
    # class names) are "matplotlib.tests.test_axes::test_x", unique across modules.
    rootdir = Path(matplotlib.__file__).resolve().parent.parent
    command = [sys.executable, "-m", "pytest", "-c", str(ini), "--rootdir", str(rootdir), "-p", "no:cacheprovider",
               "-p", "mpl_suite_plugin", "-q", "-o", "junit_family=xunit2",
               f"--junitxml={junit}",
               "--tb=line", "-rN"]
    command += (["-k", select] if select else []) + (["--pyargs"] if use_pyargs else []) + targets
    started = time.monotonic()
    with open(workdir / f"{mode}.log", "w") as log:
        result = subprocess.run(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                timeout=timeout)
    return junit, stats, time.monotonic() - started, result.returncode


def failure_reasons(junit: Path) -> Counter:
    """Why tests failed in one run: missing baseline images vs everything else (by message)."""
    reasons = Counter()
    for case in ET.parse(junit).getroot().iter("testcase"):
        for tag in ("failure", "error"):
            element = case.find(tag)
            if element is not None:
                message = element.get("message") or ""
                reasons["baseline image missing" if "Baseline image" in message else message[:80]] += 1
                break
    return reasons


def outcomes(junit: Path) -> dict[str, str]:
    """``test id → passed | failed | skipped`` from a JUnit XML file (errors count as failed)."""
    results = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif case.find("skipped") is not None:
            outcome = "skipped"
        else:
            outcome = "passed"
        # a test can appear twice (a teardown error after a pass): the worst outcome wins
        if results.get(test_id) != "failed":
            results[test_id] = outcome
    return results


def compare_result_images(plain_dir: Path, guard_dir: Path) -> tuple[int, list[str]]:
    """Compare the PNGs both runs drew for image-comparison tests: (how many compared, which differ).

    Without baseline images every image comparison fails in both runs, but each run still saves
    what it drew: identical pixels there show that the guard changed no drawing.
    """
    import numpy as np
    from matplotlib.image import imread

    compared, differing = 0, []
    for plain_png in sorted((plain_dir / "result_images").rglob("*.png")):
        if plain_png.stem.endswith(("-expected", "-failed-diff")):
            continue
        relative = plain_png.relative_to(plain_dir)
        guard_png = guard_dir / relative
        compared += 1
        if not guard_png.exists():
            differing.append(f"{relative} (not drawn in the guarded run)")
            continue
        a, b = imread(plain_png), imread(guard_png)
        if a.shape != b.shape or not np.array_equal(a, b):
            differing.append(str(relative))
    return compared, differing


def node_id(test_id: str) -> str:
    """JUnit ``classname::name`` → a pytest node id (``path/test_x.py::Class::name``) to re-run it."""
    classname, name = test_id.split("::", 1)
    parts = classname.split(".")
    for cut in range(len(parts), 1, -1):  # the longest prefix that is a module file
        relative = Path(*parts[: cut - 1]) / f"{parts[cut - 1]}.py"
        for root in map(Path, sys.path):
            if (root / relative).is_file():
                return "::".join([str(root / relative)] + parts[cut:] + [name])
    return test_id


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="+", default=list(DEFAULT_MODULES),
                        help="test modules to run (dotted names, run with --pyargs)")
    parser.add_argument("--out", default=str(REPO / "build" / "mpl_suite_compare.md"),
                        help="where to write the markdown summary")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per pytest run")
    parser.add_argument("--keep", metavar="DIR", help="keep the JUnit XML and logs in DIR")
    parser.add_argument("-k", dest="select", metavar="EXPR", help="only tests matching this pytest -k expression")
    args = parser.parse_args(argv)

    import matplotlib

    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mpl_suite_"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"matplotlib {matplotlib.__version__}: {len(args.modules)} test modules; work dir {workdir}", flush=True)
    runs = {}
    for mode in ("plain", "guard"):
        junit, stats, seconds, code = run_pytest(mode, args.modules, workdir, args.timeout, select=args.select)
        if not junit.exists():
            print(f"{mode} run wrote no JUnit XML (exit {code}); see {workdir / mode / (mode + '.log')}",
                  file=sys.stderr)
            return 2
        runs[mode] = {"outcomes": outcomes(junit), "reasons": failure_reasons(junit), "seconds": seconds, "exit": code,
                      "stats": json.loads(stats.read_text()) if stats.exists() else {}}
        counts = Counter(runs[mode]["outcomes"].values())
        print(f"{mode}: {sum(counts.values())} tests, {dict(counts)} in {seconds:.0f} s", flush=True)

    plain, guarded = runs["plain"]["outcomes"], runs["guard"]["outcomes"]
    only_guard = sorted(t for t, o in guarded.items() if o == "failed" and plain.get(t) != "failed")
    only_plain = sorted(t for t, o in plain.items() if o == "failed" and guarded.get(t) != "failed")
    missing = sorted(set(plain) ^ set(guarded))

    caused_by_tf = []
    if only_guard:
        rerun = [node_id(t) for t in only_guard]
        junit, _, _, _ = run_pytest("tf", rerun, workdir, args.timeout, use_pyargs=False)
        tf_outcomes = outcomes(junit) if junit.exists() else {}
        caused_by_tf = [t for t in only_guard if tf_outcomes.get(t) == "failed"]
    caused_by_guard = [t for t in only_guard if t not in caused_by_tf]
    images_compared, images_differing = compare_result_images(workdir / "plain", workdir / "guard")

    stats = runs["guard"]["stats"]
    both_failed = sum(1 for t, o in guarded.items() if o == "failed" and plain.get(t) == "failed")
    lines = [
        "# matplotlib's own tests with and without tfplotguard",
        "",
        f"matplotlib {matplotlib.__version__}, Python {sys.version.split()[0]}; "
        f"modules: {', '.join(m.rsplit('.', 1)[-1] for m in args.modules)}.",
        "",
        "| run | tests | passed | failed | skipped | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for mode, run in runs.items():
        counts = Counter(run["outcomes"].values())
        lines.append(f"| {mode} | {len(run['outcomes'])} | {counts['passed']} | {counts['failed']} | "
                     f"{counts['skipped']} | {run['seconds']:.0f} |")
    lines += [
        "",
        f"- **failures only with the guard: {len(caused_by_guard)}**"
        + (f" (and {len(caused_by_tf)} that also fail with TensorFlow imported and the guard off)" if caused_by_tf else ""),
        f"- failures only without the guard: {len(only_plain)}",
        f"- failing in both runs: {both_failed} (plain run: "
        + ", ".join(f"{n} × {reason}" for reason, n in runs["plain"]["reasons"].most_common(6))
        + "; the wheel ships no baseline images)",
        f"- tests present in only one run: {len(missing)}",
        f"- **images drawn by image-comparison tests, plain vs guarded run: {images_compared} compared, "
        f"{len(images_differing)} differ**",
        f"- guarded run: guard enabled at the end: {stats.get('enabled_at_end')}, "
        f"{stats.get('stats', {}).get('patched')} attributes patched, "
        f"{stats.get('wrapper_calls')} patched calls went through the guard's wrapper",
    ]
    for title, items in (("Failing only with the guard", caused_by_guard),
                         ("Failing only with TensorFlow imported (guard not involved)", caused_by_tf),
                         ("Failing only without the guard", only_plain), ("In one run only", missing),
                         ("Images that differ between the runs", images_differing)):
        if items:
            lines += ["", f"## {title}", ""] + [f"- `{t}`" for t in items[:200]]
    report = "\n".join(lines) + "\n"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)
    return 1 if caused_by_guard or images_differing else 0


if __name__ == "__main__":
    sys.exit(main())
