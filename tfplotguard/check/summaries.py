"""The measurement contract: what each probe hands over, and which report sections a rule may need.

Every section of a :class:`~tfplotguard.check.report.model.Report` that a rule
reads is named in :data:`MEASUREMENTS`; the findings registry refuses a rule
whose ``needs`` names anything else, so a renamed section fails at import, not
by a rule silently finding nothing. The sections' shapes are typed here (as
``TypedDict``: plain dicts at run time, so the JSON stays as it is) and checked
by the type checker wherever a rule or a rendering reads them.
"""

from __future__ import annotations

#: The report sections rules may name in ``needs`` (a rule whose section was not measured is skipped).
MEASUREMENTS = (
    "attribution", "counts", "guard", "keras_calls", "live", "mpl", "numpy", "ops", "pipelines", "pyvalues",
    "tensors", "tf", "tf_python_calls", "tf_times", "thread_groups", "timeline", "trace_origins",
    "trace_signatures", "traces", "held", "gpu_memory",
)
