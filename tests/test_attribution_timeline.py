"""The category timeline of the cell's thread: real cells, the memory bound, the JSON round trip."""

import json
import math

import matplotlib.pyplot as plt
import pytest

from attribution_cells import run_cell
from tfplotguard.check.attribution.timeline import Timeline
from tfplotguard.check.attribution import Attribution

FIGURES_THEN_LOOP = (
    "t0 = time.perf_counter()\n"
    "while time.perf_counter() - t0 < 0.2:\n"
    "    fig, ax = plt.subplots()\n"
    "    plt.close(fig)\n"
    "t1 = time.perf_counter()\n"
    "s = 0\n"
    "while time.perf_counter() - t1 < 0.3:\n"
    "    s += 1\n"
)


def _share(timeline, cid, lo, hi):
    """The share of ``cid`` in the sampled time of the buckets starting in [lo, hi) seconds."""
    idx = [i for i, t in enumerate(timeline["t"]) if lo <= t < hi]
    total = sum(sum(ys[i] for i in idx) for ys in timeline["categories"].values())
    mine = sum(timeline["categories"].get(cid, [0.0] * len(timeline["t"]))[i] for i in idx)
    return mine / total if total else 0.0


def test_figures_then_a_loop_show_up_in_that_order():
    import time

    plt.close(plt.figure())  # warm pyplot up: the first figure of a process costs far more
    att = run_cell(FIGURES_THEN_LOOP, {"plt": plt, "time": time})
    tl = att.timeline
    assert tl is not None and len(tl["t"]) == len(next(iter(tl["categories"].values())))
    assert all(len(ys) == len(tl["t"]) for ys in tl["categories"].values())
    assert tl["t"][1] - tl["t"][0] == pytest.approx(tl["width_s"])
    assert _share(tl, "mpl_figure", 0.0, 0.15) >= 0.6
    assert _share(tl, "cell", 0.25, 0.45) >= 0.8
    # every sampled second of the cell's thread is in the timeline, once
    sampled = sum(c.seconds for c in att.categories if c.id != "unattributed")
    assert sum(map(sum, tl["categories"].values())) == pytest.approx(sampled, rel=0.02, abs=1e-3)


def test_a_long_cell_sampled_finely_keeps_at_most_200_buckets():
    att = run_cell("import time\nt0 = time.perf_counter()\nwhile time.perf_counter() - t0 < 0.4:\n    pass\n",
                   interval_s=0.0005, age_divisor=None, timeline_bucket_s=0.0001)
    tl = att.timeline
    assert 100 <= len(tl["t"]) <= 200  # 4000 buckets of 0.1 ms merged down to at most 200
    assert tl["width_s"] >= 0.4 / 200
    ratio = tl["width_s"] / 0.0001  # doubled a whole number of times
    assert ratio == pytest.approx(2 ** round(math.log2(ratio)))
    assert sum(tl["categories"]["cell"]) == pytest.approx(att.seconds("cell"), rel=0.02)


def test_merging_keeps_the_seconds_and_their_order():
    s = Timeline(buckets=4, bucket_s=1.0)
    for end in (0.5, 1.5, 2.5, 3.5):
        s.add("a", end, 0.5)
    s.add("b", 4.5, 0.5)  # past the 4th bucket: 2 buckets of 2 s, then a third
    tl = s.to_dict()
    assert tl["width_s"] == 2.0 and tl["t"] == [0.0, 2.0, 4.0]
    assert tl["categories"] == {"a": [1.0, 1.0, 0.0], "b": [0.0, 0.0, 0.5]}
    s.add("c", 7.0, 3.0)  # 4..7 s: split over the buckets it spans
    assert s.to_dict()["categories"]["c"] == [0.0, 0.0, 2.0, 1.0]


def test_the_timeline_round_trips_through_json():
    att = run_cell("import time\nt0 = time.perf_counter()\nwhile time.perf_counter() - t0 < 0.05:\n    pass\n")
    back = Attribution.from_dict(json.loads(json.dumps(att.to_dict())))
    assert back == att and back.timeline["categories"]
    old = att.to_dict()
    del old["timeline"]  # a report saved before the timeline existed still loads
    assert Attribution.from_dict(old).timeline is None
