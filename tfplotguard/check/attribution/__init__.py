"""Where a cell's wall time went: a stack sampler, one category table, plain-data results and their rendering.

``with StackSampler(cell_filename) as s: ...`` then ``s.result()`` gives an
:class:`Attribution`; ``check.report.attribution`` renders it. Pure
standard library: nothing here imports TensorFlow, matplotlib or IPython.
"""

from .categories import CATEGORIES, PATTERNS, Category, category, classify, classify_frame
from .model import Attribution, CategoryShare, LineShare, ThreadShare
from .sampler import DEFAULT_INTERVAL_S, StackSampler

__all__ = [
    "Attribution", "CATEGORIES", "Category", "CategoryShare", "DEFAULT_INTERVAL_S", "LineShare", "PATTERNS",
    "StackSampler", "ThreadShare", "category", "classify", "classify_frame",
]
