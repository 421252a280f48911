"""The cell thread's categories over time, in a bounded number of buckets (``--plot``'s second panel)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..summaries import CategoryTimeline

#: At most this many buckets, this wide at first (doubling when full).
BUCKETS = 200
BUCKET_S = 0.005


class Timeline:
    """Seconds per category per time bucket since the cell started.

    At most ``buckets`` buckets, ``bucket_s`` wide at first; when a sample falls
    past the last one, adjacent buckets merge pairwise and the width doubles (a
    1 s cell keeps 5 ms buckets, a 100 s cell 640 ms ones). A sample's weight is
    spread over the buckets its interval ``[end − weight, end]`` spans.
    """

    def __init__(self, buckets: int = BUCKETS, bucket_s: float = BUCKET_S):
        if not buckets >= 2 or not bucket_s > 0:
            raise ValueError("timeline_buckets must be >= 2 and timeline_bucket_s > 0")
        self.limit = int(buckets)
        self.width = float(bucket_s)
        self._buckets: list[dict[str, float]] = []  # one {category: seconds} per bucket, oldest first

    def add(self, cat: str, end: float, weight: float) -> None:
        """Spread ``weight`` seconds of ``cat`` over the buckets of ``[end − weight, end]`` (seconds since start)."""
        if end >= self.width * self.limit:
            self._widen(end)
        width, buckets = self.width, self._buckets
        last = min(int(end / width), self.limit - 1)
        while len(buckets) <= last:
            buckets.append({})
        start = end - weight
        if start >= last * width:  # within one bucket: most looks
            bucket = buckets[last]
            bucket[cat] = bucket.get(cat, 0.0) + weight
            return
        start = max(0.0, start)
        span = end - start
        for i in range(int(start / width), last + 1):
            lo, hi = max(start, i * width), min(end, (i + 1) * width)
            if hi > lo:
                bucket = buckets[i]
                bucket[cat] = bucket.get(cat, 0.0) + weight * (hi - lo) / span

    def _widen(self, end: float) -> None:
        buckets = self._buckets
        while end >= self.width * self.limit:
            merged = []
            for i in range(0, len(buckets), 2):
                pair = dict(buckets[i])
                for c, v in (buckets[i + 1].items() if i + 1 < len(buckets) else ()):
                    pair[c] = pair.get(c, 0.0) + v
                merged.append(pair)
            buckets[:] = merged
            self.width *= 2

    def to_dict(self) -> CategoryTimeline:
        """``{"t": [bucket starts, s], "width_s", "categories": {id: [s per bucket]}}``, largest category first."""
        buckets, width = [dict(b) for b in self._buckets], self.width
        totals: dict[str, float] = {}
        for bucket in buckets:
            for c, v in bucket.items():
                totals[c] = totals.get(c, 0.0) + v
        order = sorted(totals, key=lambda c: -totals[c])
        return {
            "t": [round(i * width, 9) for i in range(len(buckets))],
            "width_s": width,
            "categories": {c: [round(b.get(c, 0.0), 9) for b in buckets] for c in order},
        }
