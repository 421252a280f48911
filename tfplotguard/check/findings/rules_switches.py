"""Global switches of TensorFlow and Keras left on, weighed by what they cost the cell (issue 27).

The switches are read after every cell (:mod:`tfplotguard.check.inspect.switches`,
``report.tf["switches"]``) and the ``%tfcheck`` panel lists every one that is
on. A finding says more: that the switch explains time of *this* cell. It is
made only for a switch that was measured to slow a workload on this machine
(``python -m benchmarks.global_switches``, :data:`COSTS`), only when the cell
used what the switch slows (eager ops, ``tf.function`` calls, a ``tf.data``
pipeline, a Keras model built under the policy), and it is weighed
conservatively: the seconds the cell spent in the categories the switch slows
(the stack attribution), times ``1 − 1/factor``, where ``factor`` is the
smallest slowdown measured for that kind of work over the benchmark's rounds.
A switch measured at under ``min_factor`` is shown in the panel and never
reported here. ``run_functions_eagerly`` has a rule of its own
(``functions_run_eagerly``), weighed directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..format import format_seconds
from ..inspect import switches
from . import weight
from .registry import Found, rule

if TYPE_CHECKING:
    from ..report.model import Report

_KERAS = ("keras_compute", "keras_overhead")


def _eager_ops(report: Report) -> bool:
    ops = (report.tf_times or {}).get("eager_ops") or {}
    return any(not op.startswith("__inference_") for op in ops)


def _function_calls(report: Report) -> bool:
    ops = (report.tf_times or {}).get("eager_ops") or {}
    return any(op.startswith("__inference_") for op in ops) or bool(report.traces)


def _keras(report: Report) -> bool:
    counts = report.counts or {}
    return any(counts.get(k, 0) for k in ("fit", "predict", "evaluate"))


def _pipelines(report: Report) -> bool:
    return any(p.get("stages") for p in report.pipelines or ())


def _stateful_parallel_map(report: Report) -> bool:
    """A pipeline with a parallel map that draws random numbers from a state: op determinism runs it serially."""
    return any(p.get("stateful_parallel_maps", 0) for p in report.pipelines or ())


def _no_gpu(report: Report) -> bool:
    return not (report.tf.get("gpus") or [])


def _keras_policy(prefix: str) -> Callable[[Report], bool]:
    """A Keras model of the cell computes under a policy named ``prefix…`` (the global one only sets new layers')."""
    def used(report: Report) -> bool:
        return any(str(call.get("dtype_policy") or "").startswith(prefix) for call in report.keras_calls or ())
    return used


@dataclass(frozen=True)
class Cost:
    """What a switch was measured to slow: ``{category: (factor, the benchmark's workload)}``, and the evidence
    that the cell used it."""

    factors: dict[str, tuple[float, str]]
    used: Callable[[Report], bool]


#: The smallest slowdown over the benchmark's rounds (``benchmarks/RESULTS_global_switches.md``: 2-core CPU,
#: 2026-12-06), by the attribution category of the work it slowed. Left out: work a switch did not slow in
#: every round there (a Keras fit under check-numerics: 0.90-2.62×; a tf.function loop under dumping:
#: 0.51-5.57×), switches slower by under ``min_factor`` in some round (oneDNN off: a Keras fit 1.20-2.85×),
#: and switches no round measured slower (the panel lists them all). mixed_bfloat16 ran 0.68× (faster) on
#: this CPU: only a float16 policy is named.
COSTS: dict[str, Cost] = {
    "check_numerics": Cost({"tf_eager_ops": (7.7, "an eager training loop"),
                            "tf_function": (1.6, "a loop of tf.function calls")},
                           lambda r: _eager_ops(r) or _function_calls(r)),
    "dump_debug_info": Cost({"tf_eager_ops": (2.7, "an eager training loop")}, _eager_ops),  # run 2, 5 rounds
    "data_debug_mode": Cost({"tf_data_wait": (10.9, "a tf.data pipeline with a parallel map")}, _pipelines),
    "op_determinism": Cost({"tf_data_wait": (1.4, "a tf.data pipeline with a parallel random map")},
                           _stateful_parallel_map),
    "keras_dtype_policy": Cost({"keras_compute": (3.9, "a Keras fit of a small CNN")},
                               lambda r: _no_gpu(r) and _keras_policy("mixed_float16")(r)),
    "keras_floatx": Cost({"keras_compute": (1.4, "a Keras fit of a small CNN")}, _keras_policy("float64")),
}


@rule(id="global_switch", needs=("tf",), thresholds={"min_factor": 1.25})
def global_switch(report: Report, *, min_factor: float) -> list[Found] | None:
    """A global switch of TensorFlow or Keras left on slowed this cell (check-numerics, tf.data debug mode, …).

    Weighed by the seconds the stack attribution put in the categories the switch slows (eager op dispatch,
    running ``tf.function``s, waiting for tf.data, Keras), times ``1 − 1/factor`` with the smallest factor the
    benchmark measured for that work on this machine: the extra time the switch plausibly added, not the
    whole. Without sampled stacks (auto mode) it is not weighed, and so minor. Silent when the switch is on but
    the cell did not use what it slows (no eager ops, no ``tf.function`` call, no pipeline, no model built
    under the policy). ``tf.config.run_functions_eagerly`` has its own rule, ``functions_run_eagerly``.

    Detects: a global switch that an earlier cell may have left on, measured to slow such work on this
    machine, while the cell did that work: ``tf.debugging.enable_check_numerics()`` with eager ops or
    ``tf.function`` calls; ``tf.debugging.experimental.enable_dump_debug_info()`` with eager ops;
    ``tf.data.experimental.enable_debug_mode()`` with a pipeline;
    ``tf.config.experimental.enable_op_determinism()`` with a parallel map that draws random numbers from a
    state; a Keras model built under a ``mixed_float16`` policy without a GPU, or under ``floatx`` float64.

    Why it costs: check-numerics checks the outputs of every op (7.7× an eager training loop here), dumping
    writes every op to files (2.7×); debug
    mode runs every map function as Python, one element at a time (10.9× a pipeline); determinism runs a
    stateful map serially (1.4×); float16 has no fast CPU kernels (3.9× a Keras fit), float64 is twice the
    data (1.4×). The ``%tfcheck`` panel lists every switch that is on, whatever it costs.

    Fix: switch it off as the finding says (``tf.debugging.disable_check_numerics()``,
    ``keras.config.set_dtype_policy("float32")``, …; debug mode and determinism have no public switch-off:
    the fix names the internal one, or a restart), then build again what was built while it was on (a
    dataset built in debug mode stays slow, a layer keeps its policy).

    Thresholds:
        min_factor: the least slowdown the benchmark must have measured for a switch on some work for this rule
            to report it
    """
    left_on = report.tf.get("switches") or {}
    found = []
    for switch_id, value in left_on.items():
        cost = COSTS.get(switch_id)
        if cost is None or not cost.used(report):
            continue
        factors = {cat: fw for cat, fw in cost.factors.items() if fw[0] >= min_factor}
        if not factors:
            continue
        seconds: float | None = None
        spent: dict[str, float] = {}
        if weight.sampled(report):
            spent = {cat: weight.category_seconds(report, cat) or 0.0 for cat in factors}
            seconds = sum(s * (1.0 - 1.0 / factors[cat][0]) for cat, s in spent.items())
            if seconds <= 0.0:
                continue  # the cell spent nothing in what the switch slows
        s = switches.switch(switch_id)
        # The work the cell did most of among what the switch slows (or the worst measured, unsampled).
        main = max(factors, key=lambda cat: (spent.get(cat, 0.0), factors[cat][0]))
        factor, workload = factors[main]
        measured = f"on this machine it made {workload} {factor:.1f}× slower"
        cost_text = (f" About {format_seconds(seconds)} of this cell is its cost ({measured})." if seconds is not None
                     else f" ({measured.capitalize()}.)")
        shown = "" if value == "on" else f" ({value})"
        found.append(Found(
            f"{s.label} is on{shown}: {s.slows}. A global switch: an earlier cell may have left it on.{cost_text}",
            s.fix(value) + ".", seconds=seconds, line=weight.line_for(report, *factors)))
    return found or None
