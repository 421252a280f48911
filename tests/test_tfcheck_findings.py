"""Every finding rule: one real cell that triggers it and one that does not.

Cells are measured with ``CellCheck`` directly (no shell needed): real
TensorFlow, real matplotlib Agg, real threads. Only the GPU rule runs on
constructed data, because this machine has no GPU.
"""

import queue
import threading
import time
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import keras
import tensorflow as tf

from tfplotguard.check import findings
from tfplotguard.check.cell import CellCheck
from tfplotguard.check.report import Report, format_bytes, history

from attribution_cells import settled
from measured import measure


def rules(report):
    return {f.rule for f in report.findings}


def _burn_python(seconds=0.3):
    t0 = time.thread_time()
    while time.thread_time() - t0 < seconds:
        pass


def _burn_tf(cpu_seconds=0.4):
    m = tf.random.normal((1000, 1000))
    t0 = time.process_time()  # the whole process: TensorFlow's pool threads included
    while time.process_time() - t0 < cpu_seconds:
        r = tf.matmul(m, m)
    return r.numpy()


# -- tensors handed to matplotlib (needs the guard) -------------------------------------


def test_tensor_plotted_once(guarded):
    t = tf.range(100.0)
    _, ax = plt.subplots()
    report = measure(lambda: ax.plot(t))
    assert "tensors_plotted" in rules(report) and "same_tensor_replotted" not in rules(report)
    assert report.guard["conversions"] == 1 and report.guard["bytes_by_device"] == {"CPU:0": 400}
    (finding,) = [f for f in report.findings if f.rule == "tensors_plotted"]
    assert finding.severity == "info" and finding.minor and finding.seconds is None  # not sampled: not weighed


def test_tensors_plotted_is_weighed_by_the_guards_own_time(guarded):
    t = tf.range(100.0)
    _, ax = plt.subplots()
    ax.plot(tf.range(3.0))  # the process's first conversion loads what the guard needs: not this cell's work

    def replot():  # for a fixed 0.3 s: 50 calls (15 ms) got one or two stack samples, all of it noise
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.3:
            ax.plot(t)

    with settled():  # a full collection of the large test process inside the cell is not the guard's work
        report = measure(replot, stacks_ms=1.0)
    found = {f.rule: f for f in report.findings}
    assert found["tensors_plotted"].seconds is not None and found["same_tensor_replotted"].seconds is not None
    # Hundreds of plot calls: matplotlib's own work outweighs the guard's view-taking by far
    assert found["tensors_plotted"].minor and found["same_tensor_replotted"].minor
    plt.close("all")


def test_numpy_array_plotted_is_no_finding(guarded):
    _, ax = plt.subplots()
    report = measure(lambda: ax.plot(np.arange(100.0)))
    assert not rules(report) & {"tensors_plotted", "same_tensor_replotted"}


def test_same_tensor_replotted_is_served_from_the_cache(guarded):
    t = tf.range(100.0)
    _, ax = plt.subplots()
    report = measure(lambda: [ax.plot(t) for _ in range(3)])
    assert "same_tensor_replotted" in rules(report)
    assert report.guard["conversions"] == 1 and report.guard["cache_hits"] == 2


# -- .numpy() ------------------------------------------------------------------------------


def _finding(report, rule_id):
    return next(f for f in report.findings if f.rule == rule_id)


def test_numpy_on_the_same_tensor_in_a_loop():
    x = tf.range(1000.0)
    report = measure(lambda: [x.numpy() for _ in range(5)])
    assert "numpy_in_loop" in rules(report)
    assert report.numpy["max_same_tensor"] == 5
    # weighed by the copies' own measured time
    assert _finding(report, "numpy_in_loop").seconds == pytest.approx(report.numpy["seconds"])
    # ... so in a cell that does real work besides, the same copies are minor: not a warning
    busy = measure(lambda: ([x.numpy() for _ in range(5)], _burn_python(0.1)))
    assert _finding(busy, "numpy_in_loop").minor


def test_float_of_a_tensor_every_step_counts_as_a_host_copy():
    loss = tf.constant(0.5)
    report = measure(lambda: [float(loss) for _ in range(150)])
    assert report.pyvalues["scalars"]["calls"] == 150
    found = _finding(report, "numpy_in_loop")
    assert "float()/int() of a tensor 150 times" in found.message
    assert found.seconds == pytest.approx(report.pyvalues["scalars"]["seconds"])


def test_numpy_once_per_tensor_is_no_loop_finding():
    tensors = [tf.range(float(i + 1)) for i in range(5)]
    report = measure(lambda: [t.numpy() for t in tensors])
    assert report.numpy["calls"] == 5 and "numpy_in_loop" not in rules(report)


def test_numpy_on_a_large_cpu_tensor_is_a_copy():
    big = tf.zeros((3 * 2**20,))  # 12 MiB
    out = {}
    report = measure(lambda: out.setdefault("a", big.numpy()))
    assert "numpy_copy_large_cpu" in rules(report)
    # weighed by the copy's measured time
    assert _finding(report, "numpy_copy_large_cpu").seconds == pytest.approx(report.numpy["large_host"]["seconds"])
    assert report.numpy["large_host"]["calls"] == 1
    # the behaviour the rule rests on: .numpy() copies, np.asarray is a read-only view of the same memory
    view = np.asarray(big)
    assert not np.shares_memory(out["a"], view) and not view.flags.writeable
    assert np.shares_memory(view, np.asarray(big))


def test_asarray_on_a_large_cpu_tensor_is_no_finding():
    big = tf.zeros((3 * 2**20,))
    small = tf.zeros((1000,))
    report = measure(lambda: (np.asarray(big), small.numpy()))
    assert report.numpy["calls"] == 1 and "numpy_copy_large_cpu" not in rules(report)


# -- Python values into and out of tensors ---------------------------------------------------


ROWS = [[float(i + j) for j in range(64)] for i in range(256)]


def test_nested_lists_converted_every_step():
    report = measure(lambda: [tf.convert_to_tensor(ROWS) for _ in range(60)])  # ~3 ms each: past the 50 ms floor
    found = _finding(report, "python_lists_to_tensors")
    assert "60 times" in found.message and "256×64" in found.message
    # nearly all of the loop is the conversion, timed directly
    assert found.share > 0.5 and not found.minor


def test_an_array_converted_every_step_is_no_list_finding():
    array = np.asarray(ROWS, dtype=np.float32)
    report = measure(lambda: [tf.convert_to_tensor(array) for _ in range(20)])
    assert report.pyvalues["lists"]["calls"] == 0 and "python_lists_to_tensors" not in rules(report)


def test_iterating_a_tensor_element_by_element():
    t = tf.range(300.0)
    report = measure(lambda: sum(float(v) for v in t))
    assert report.pyvalues["elements"]["iterated"] == 300
    found = _finding(report, "tensor_elements_in_python")
    assert "300 by iterating" in found.message and found.share > 0.5
    # slicing's own short lists (begin/end/strides) are TensorFlow's, not the user's
    assert report.pyvalues["lists"]["calls"] == 0


def test_indexing_a_tensor_with_python_ints():
    t = tf.range(200.0)
    report = measure(lambda: [t[i] for i in range(200)])
    assert report.pyvalues["elements"]["indexed"] == 200
    assert "200 by indexing" in _finding(report, "tensor_elements_in_python").message


def test_a_loop_over_the_numpy_view_and_a_slice_are_no_element_finding():
    t = tf.range(300.0)
    report = measure(lambda: (sum(float(v) for v in np.asarray(t)), t[10:20], t[:, None]))
    assert report.pyvalues["elements"] == {"indexed": 0, "iterated": 0, "seconds": 0.0}
    assert not rules(report) & {"tensor_elements_in_python", "numpy_in_loop"}


# -- tf.function -----------------------------------------------------------------------------


def test_retracing_with_python_ints():
    @tf.function
    def scale(x, n):
        return x * n

    x = tf.constant([1.0, 2.0])
    report = measure(lambda: [scale(x, i) for i in range(3)], namespace={"scale": scale})
    assert report.traces == {"scale": 3}
    (finding,) = [f for f in report.findings if f.rule == "retracing"]
    assert "argument n is a Python int" in finding.message and "tf.constant" in finding.fix


def test_functions_made_in_a_loop_are_explained_after_the_collector_freed_their_graphs():
    """A tf.function object made per call is freed by the collector, whenever it runs: its signature is read
    when its trace ends (notebook 03's cell said "input signatures were not available" in one CI run)."""
    import gc

    x = tf.constant([1.0])

    def cell():
        for _ in range(3):
            tf.function(lambda a: a + 1)(x)
            gc.collect()  # the function object and its graph are gone before the report is made

    report = measure(cell)
    (finding,) = [f for f in report.findings if f.rule == "retracing"]
    assert "new tf.function object" in finding.message and "outside the loop" in finding.fix, finding.message


def test_tensors_instead_of_ints_do_not_retrace():
    @tf.function
    def scale(x, n):
        return x * n

    x = tf.constant([1.0, 2.0])
    report = measure(lambda: [scale(x, tf.constant(float(i))) for i in range(3)], namespace={"scale": scale})
    assert report.traces == {"scale": 1} and "retracing" not in rules(report)


def test_retracing_of_a_function_created_in_a_loop():
    x = tf.constant([1.0])
    report = measure(lambda: [tf.function(lambda a: a + 1)(x) for _ in range(3)])
    (finding,) = [f for f in report.findings if f.rule == "retracing"]
    assert "new tf.function object" in finding.message and "outside the loop" in finding.fix


def test_retracing_on_changing_shapes():
    @tf.function
    def total(x):
        return tf.reduce_sum(x)

    report = measure(lambda: [total(tf.zeros((n,))) for n in (2, 3, 4)], namespace={"total": total})
    (finding,) = [f for f in report.findings if f.rule == "retracing"]
    assert "changed shape ((2,) → (3,) → (4,))" in finding.message and "input_signature" in finding.fix


@pytest.mark.parametrize(
    "signatures, cause",
    [
        ([{"x": "tensor float32(2,)"}, {"x": "tensor float64(2,)"}], "changed dtype (float32, float64)"),
        ([{"x": "tensor float32(2,)"}, {"x": "tensor float32(2,)", "y": "python int 1"}], "number or nesting"),
        ([{"x": "python float 1.0"}, {"x": "tensor float32()"}], "switched between a Python value and a tensor"),
        ([{"x": "tensor float32(2,)"}], "not available"),
    ],
)
def test_explain_retrace_causes(signatures, cause):
    assert cause in findings.explain_retrace(signatures)[0]


def test_a_relaxing_trace_is_the_fix_not_a_retrace():
    """reduce_retracing=True: the second trace relaxes the shape to None, then one trace serves every size."""
    @tf.function(reduce_retracing=True)
    def total(x):
        return tf.reduce_sum(x)

    report = measure(lambda: [total(tf.zeros((n,))) for n in (2, 3, 4, 5)], namespace={"total": total})
    assert report.traces == {"total": 2}
    assert [sig["x"] for sig in report.trace_signatures["total"]] == ["tensor float32(2,)", "tensor float32(None,)"]
    assert "retracing" not in rules(report)


def test_retraces_are_weighed_by_the_tracing_time_measured_without_stacks():
    @tf.function
    def scale(x, n):
        return tf.reduce_sum(tf.nn.relu(x * n))

    x = tf.constant([1.0, 2.0])
    # 40 traces of ~2.6 ms: well past the 50 ms a warning must explain (registry.MIN_SECONDS); 20 came
    # to 49 ms in a clean-clone CI run.
    report = measure(lambda: [scale(x, i) for i in range(40)], namespace={"scale": scale})
    took = report.tf_times["trace_seconds"]["scale"]
    assert len(took) == 40 and all(t > 0 for t in took)
    (finding,) = [f for f in report.findings if f.rule == "retracing"]
    assert finding.seconds == pytest.approx(sum(took[1:]))  # the first trace stays after the fix
    assert finding.share > 0.1 and not finding.minor


def test_a_large_share_of_a_cell_nobody_waits_for_is_minor():
    """84 % of a 6 ms cell is no warning: a finding must also explain 50 ms (registry.MIN_SECONDS)."""
    @tf.function
    def scale(x, n):
        return x * n

    x = tf.constant([1.0])
    report = measure(lambda: [scale(x, i) for i in range(3)], namespace={"scale": scale})
    (finding,) = [f for f in report.findings if f.rule == "retracing"]
    assert finding.seconds < findings.registry.MIN_SECONDS and finding.minor and not report.warnings()


def test_trace_times_agree_with_tensorflows_own_graph_building_timer():
    from tensorflow.python.eager.polymorphic_function import tracing_compilation

    @tf.function
    def deep(x, n):
        for _ in range(30):
            x = tf.tanh(x) * n
        return x

    cell = tracing_compilation._graph_building_time_counter.get_cell()
    before = cell.value()
    report = measure(lambda: [deep(tf.ones((3,)), i) for i in range(4)])
    tensorflows = (cell.value() - before) / 1e6
    ours = sum(report.tf_times["trace_seconds"]["deep"])
    assert ours == pytest.approx(tensorflows, rel=0.2, abs=0.003)


@pytest.mark.parametrize(
    "later, earlier, relaxes",
    [
        ({"x": "tensor float32(None, 8)"}, {"x": "tensor float32(32, 8)"}, True),
        ({"x": "tensor float32(None,)"}, {"x": "tensor float32(2, 3)"}, False),  # rank changed
        ({"x": "tensor float64(None,)"}, {"x": "tensor float32(2,)"}, False),  # dtype changed
        ({"x": "tensor float32(None,)", "n": "python int 2"}, {"x": "tensor float32(2,)", "n": "python int 1"}, False),
        ({"x": "tensor float32(3,)"}, {"x": "tensor float32(2,)"}, False),
    ],
)
def test_what_counts_as_a_relaxed_shape(later, earlier, relaxes):
    assert findings.rules_tf._relaxes(later, earlier) is relaxes


def test_a_keras_step_function_retraced_is_named_as_keras_with_a_fix_for_the_data():
    report = Report(wall_s=1.0, traces={"one_step_on_data": 2},
                    trace_signatures={"one_step_on_data": [{"#1[0]": "tensor float32(None, 8)"},
                                                           {"#1[0]": "tensor float64(None, 8)"}]},
                    trace_origins={"one_step_on_data": {"owner": "keras", "via": "tf.function", "objects": 1,
                                                        "variable_traces": 0}},
                    tf_times={"trace_seconds": {"one_step_on_data": [0.3, 0.4]}})
    (finding,) = findings.rules_tf.retracing(report)
    assert finding.message.startswith("Keras traced its own step function one_step_on_data 2 times")
    assert "arrived as float32, float64" in finding.message and "tf.function" not in finding.fix
    assert "fit / evaluate / predict" in finding.fix and finding.share == pytest.approx(0.4)


def test_keras_relaxing_its_step_for_a_smaller_last_batch_is_no_finding():
    report = Report(wall_s=1.0, traces={"one_step_on_data": 2},
                    trace_signatures={"one_step_on_data": [{"#1[0]": "tensor float32(32, 8)"},
                                                           {"#1[0]": "tensor float32(None, 8)"}]},
                    trace_origins={"one_step_on_data": {"owner": "keras", "via": "tf.function", "objects": 1,
                                                        "variable_traces": 0}})
    assert findings.rules_tf.retracing(report) == []


def test_explain_keras_retrace_says_what_was_observed_when_signatures_agree():
    same = [{"#1": "python IteratorSpec x"}, {"#1": "python IteratorSpec x"}]
    cause, fix = findings.rules_tf.explain_keras_retrace(same)
    assert "not in these measurements" in cause and "fit / evaluate / predict" in fix


def test_run_functions_eagerly_on():
    def cell():
        tf.config.run_functions_eagerly(True)

    try:
        report = measure(cell)
    finally:
        tf.config.run_functions_eagerly(False)
    assert "functions_run_eagerly" in rules(report)


def test_run_functions_eagerly_left_on_is_weighed_by_the_bodies_run_eagerly():
    @tf.function
    def forward(x):
        for _ in range(10):
            x = tf.tanh(x)
        return x

    x = tf.ones((4, 4))
    tf.config.run_functions_eagerly(True)
    try:
        report = measure(lambda: [forward(x) for _ in range(50)])
    finally:
        tf.config.run_functions_eagerly(False)
    (finding,) = [f for f in report.findings if f.rule == "functions_run_eagerly"]
    assert report.tf_times["eager_function_calls"] == 50 and "50 tf.function call(s) ran eagerly" in finding.message
    assert 0 < finding.seconds <= report.wall_s and finding.share > 0.5
    assert report.traces == {}  # nothing traced: the bodies ran as plain Python
    assert "eager_op_loop" not in {f.rule for f in report.warnings()}  # one cause, one finding


def test_run_functions_eagerly_off_is_no_finding():
    report = measure(lambda: tf.function(lambda: tf.constant(1.0))())
    assert "functions_run_eagerly" not in rules(report)


# -- eager op loops, variables rebuilt ------------------------------------------------------------------


def _eager_steps(steps=150):
    w = tf.Variable(tf.random.normal((16, 1)) * 0.1)
    xs, ys = tf.random.normal((64, 16)), tf.random.normal((64, 1))

    def cell():
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(xs @ w - ys))
            w.assign_sub(0.01 * tape.gradient(loss, w))

    return cell


def test_an_eager_training_loop_is_many_small_ops():
    report = measure(_eager_steps(), interval_ms=20)
    (finding,) = [f for f in report.findings if f.rule == "eager_op_loop"]
    assert "small eager ops were dispatched one at a time" in finding.message and "MatMul" in finding.message
    assert "@tf.function" in finding.fix
    assert finding.seconds is None and finding.minor  # no stacks sampled: not weighed


def test_an_eager_loop_longer_than_the_ops_counted_is_still_named():
    report = measure(_eager_steps(steps=400), interval_ms=20)
    assert report.tf_times["eager_ops_capped"]
    (finding,) = [f for f in report.findings if f.rule == "eager_op_loop"]
    assert finding.message.startswith("More than ") and "small eager ops were dispatched one at a time" in finding.message
    assert "eager ops were counted" in finding.message


def test_lookup_tables_built_at_each_call_are_named_as_rebuilt_and_one_table_is_not():
    """A table built in the function a loop calls fills every key again per call: named as tables rebuilt, with
    one table before the loop as the fix; the same lookups through one table are not called rebuilt."""
    keys = tf.constant([f"tok{i}" for i in range(5000)])
    ids = tf.range(1, 5001, dtype=tf.int64)
    tokens = tf.constant([["tok1", "tok77", "nope"]])

    def encode(batch):
        return tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(keys, ids), 0).lookup(batch)

    report = measure(lambda: [encode(tokens) for _ in range(60)], interval_ms=20)
    (finding,) = [f for f in report.findings if f.rule == "eager_op_loop"]
    assert "60 lookup tables were created and filled" in finding.message and "HashTableV2 ×60" in finding.message
    assert "build the table once, before the loop" in finding.fix
    table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(keys, ids), 0)
    report = measure(lambda: [table.lookup(tokens) for _ in range(1200)], interval_ms=20)
    assert not any("lookup tables were created" in f.message for f in report.findings)


def test_a_global_seed_set_at_every_step_is_named_and_the_seed_still_works():
    """In eager mode tf.random.set_seed clears the kernel cache: set at every call of a helper, every traced
    function rebuilds its kernels. Named, weighed by TensorFlow's work; the seed does what it did (the same
    draws after each set) and the probe leaves set_seed as it found it."""
    from tensorflow.python.eager import context

    original = context.Context._set_global_seed
    layers = [tf.random.stateless_normal((64, 64), seed=[i, 1]) for i in range(6)]

    @tf.function
    def encode(x):
        for w in layers:
            x = tf.nn.relu(x @ w)
        return x

    batch = tf.random.stateless_normal((8, 64), seed=[7, 7])
    draws = []

    def embed():
        tf.random.set_seed(42)
        draws.append(float(tf.random.uniform(())))
        return encode(batch)

    encode(batch)
    report = measure(lambda: [embed() for _ in range(120)], stacks_ms=1.0)
    (finding,) = [f for f in report.findings if f.rule == "kernel_cache_cleared"]
    assert "set 120 times in this cell" in finding.message and "set the seed once" in finding.fix
    assert finding.seconds and finding.seconds > 0
    assert len(set(draws)) == 1  # the same draw after every set: the seed works under the probe
    assert context.Context._set_global_seed is original


def test_a_seed_set_between_long_computations_is_not_named():
    """Rebuilding kernels is milliseconds: between two sets of the seed with 0.1 s of work each, it is not the cost."""
    big = tf.random.stateless_normal((1800, 1800), seed=[3, 3])

    def step():
        tf.random.set_seed(1)
        for _ in range(3):
            tf.linalg.matmul(big, big).numpy()

    report = measure(lambda: [step() for _ in range(21)], stacks_ms=1.0)
    work = sum(c["seconds"] for c in report.attribution["categories"]
               if c["id"] in ("tf_function", "tf_eager_ops", "tf_compute"))
    assert report.tf_times["cache_clears"] == 21
    assert work / 21 > 0.05, work  # the machine did give each step more work than the rule's floor
    assert "kernel_cache_cleared" not in {f.rule for f in report.findings}


def test_the_same_loop_in_a_tf_function_and_a_few_big_ops_are_no_eager_loop():
    w = tf.Variable(tf.random.normal((16, 1)) * 0.1)
    xs, ys = tf.random.normal((64, 16)), tf.random.normal((64, 1))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(xs @ w - ys))
        w.assign_sub(0.01 * tape.gradient(loss, w))

    report = measure(lambda: [step() for _ in range(300)])
    assert "eager_op_loop" not in rules(report)
    big = tf.random.normal((800, 800))
    report = measure(lambda: [tf.matmul(big, big) for _ in range(8)], interval_ms=20)
    assert "eager_op_loop" not in rules(report)


def test_layers_built_in_a_loop_and_thrown_away():
    x = tf.random.normal((8, 4))

    def cell():
        for _ in range(12):
            layer = keras.layers.Dense(3)
            layer(x)

    report = measure(cell)
    (finding,) = [f for f in report.findings if f.rule == "variables_rebuilt"]
    assert report.tf_times["variables_created"] == 24 and report.tf_times["variables_discarded"] >= 10
    assert "built inside a loop and thrown away" in finding.message and "once, before the loop" in finding.fix


def test_a_model_built_once_keeps_its_variables_and_is_no_finding():
    kept = []

    def cell():
        model = keras.Sequential([keras.Input((4,))] + [keras.layers.Dense(4) for _ in range(12)])
        kept.append(model)

    report = measure(cell)
    assert report.tf_times["variables_created"] == 24 and report.tf_times["variables_discarded"] == 0
    assert "variables_rebuilt" not in rules(report)


# -- who used the CPU ---------------------------------------------------------------------------


def test_tensorflow_compute_bound_is_information_with_what_helps():
    report = measure(_burn_tf, interval_ms=50)
    (finding,) = [f for f in report.findings if f.rule == "tf_compute_bound"]
    assert finding.severity == "info" and "real computation, not overhead" in finding.message
    assert "intra-op=0 inter-op=0" in finding.message
    # This machine has no GPU: no advice measured slower here (float16 on a CPU), the GPU named as the way.
    assert "less work" in finding.fix and "run it on a GPU" in finding.fix
    assert "mixed precision is not advised" in finding.fix and "set_global_policy" not in finding.fix
    assert report.top_group() == "tf_pool"
    # measured without stacks: weighed by the pools' CPU spread over the cores, at most the wall time
    assert 0 < finding.seconds <= report.wall_s


def test_the_main_threads_cpu_is_no_finding():
    """The attribution section shows where a Python cell's time went; a finding must name a cause."""
    report = measure(_burn_python, interval_ms=50)
    assert report.top_group() == "main"
    assert not rules(report) & {"cpu_in_main_thread", "tf_compute_bound"}


def test_cheap_cell_says_nothing_about_cpu():
    report = measure(lambda: tf.constant(1.0) + 1)
    assert not rules(report) & {"tf_compute_bound"}


# -- matplotlib ---------------------------------------------------------------------------------


@pytest.fixture
def interactive():
    was = matplotlib.is_interactive()
    plt.ion()
    try:
        yield
    finally:
        matplotlib.interactive(was)


def test_interactive_mode_with_pauses_in_a_tensorflow_loop(interactive):
    fig, ax = plt.subplots()
    m = tf.random.normal((200, 200))

    def loop():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # Agg: "non-interactive, cannot be shown"
            for _ in range(4):
                ax.plot(np.asarray(tf.reduce_mean(tf.matmul(m, m), axis=0)))
                plt.pause(0.03)

    report = measure(loop)
    (finding,) = [f for f in report.findings if f.rule == "interactive_redraws"]
    assert "4 plt.pause calls" in finding.message
    # Agg redraws nothing on a pyplot change, interactive or not: ioff would change nothing here.
    assert matplotlib.get_backend().lower() == "agg" and "plt.ioff()" not in finding.fix
    assert report.mpl["draws"] >= 1 and finding.seconds >= 4 * 0.03 and not finding.minor
    plt.close(fig)


def test_canvas_draw_every_step_is_a_redraw_finding_whatever_the_mode():
    assert not matplotlib.is_interactive()
    fig, ax = plt.subplots()
    line, = ax.plot(np.arange(20000.0))

    def loop():  # ten redraws of 9-14 ms each: past the shown floor on a fast machine too (five of 100 points: 44 ms)
        for step in range(11):
            line.set_ydata(np.arange(20000.0) * step)
            fig.canvas.draw()

    report = measure(loop)
    (finding,) = [f for f in report.findings if f.rule == "interactive_redraws"]
    assert report.mpl["draws"] == 11 and report.mpl["redraws"] == 10 and "10 more times" in finding.message
    assert 0 < report.mpl["redraw_s"] < report.mpl["draw_s"] and finding.seconds == report.mpl["redraw_s"]
    assert not finding.minor and "plt.ioff()" not in finding.fix
    plt.close(fig)


def test_rendering_an_animation_is_no_redraw():
    """to_jshtml draws the figure once per frame: that is the cell's job (the survey of notebook 04 found it)."""
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots()
    (line,) = ax.plot([], [])
    anim = FuncAnimation(fig, lambda i: line.set_data(np.arange(i), np.arange(i)), frames=20)
    report = measure(lambda: anim.to_jshtml(), stacks_ms=1.0)
    plt.close(fig)
    assert report.mpl["redraws"] == 0 and "interactive_redraws" not in rules(report)


def test_one_figure_drawn_once_or_figures_saved_once_each_are_no_redraws(interactive):
    import io

    def cell():
        for _ in range(4):  # four figures, each saved once and closed
            fig, ax = plt.subplots()
            ax.plot(np.arange(10.0))
            fig.savefig(io.BytesIO(), format="png")
            plt.close(fig)

    report = measure(cell)
    assert report.mpl["draws"] == 4 and report.mpl["redraws"] == 0
    assert "interactive_redraws" not in rules(report)


def test_a_new_figure_per_iteration_says_how_many_stay_open_and_their_canvas_buffers():
    plt.close("all")

    def cell():
        for step in range(12):
            fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
            ax.plot(np.arange(10.0) * step)
            fig.canvas.draw()

    report = measure(cell, stacks_ms=1.0)
    (finding,) = [f for f in report.findings if f.rule == "figure_per_iteration"]
    assert report.counts["figures"] == 12 and report.mpl["open_figures"] == 12
    assert report.mpl["open_bytes"] == 12 * 200 * 150 * 4  # each drawn Agg canvas: width × height × RGBA
    assert "12 of the cell's 12 new figures" in finding.message and "12 more than before" in finding.message
    assert format_bytes(12 * 200 * 150 * 4) in finding.message and "plt.close(fig)" in finding.fix
    assert finding.seconds is not None and finding.seconds > 0
    plt.close("all")


def test_several_figures_from_several_lines_are_no_figure_per_iteration():
    def cell():
        for _ in range(2):
            plt.figure()
            plt.figure()
            plt.figure()
            plt.figure()
            plt.figure()
            plt.figure()

    report = measure(cell)
    assert report.counts["figures"] == 12 and "figure_per_iteration" not in rules(report)
    plt.close("all")


def test_one_plotting_call_per_point():
    fig, ax = plt.subplots()
    xs = np.random.default_rng(0).random(60)
    report = measure(lambda: [ax.plot(x, x, "o") for x in xs])
    (finding,) = [f for f in report.findings if f.rule == "plot_call_per_point"]
    assert "60 plotting calls" in finding.message and "60 data points" in finding.message
    assert "ax.scatter(xs, ys)" in finding.fix
    plt.close(fig)


def test_one_call_with_many_artists_is_no_call_per_point():
    fig, ax = plt.subplots()
    report = measure(lambda: (ax.plot(np.ones((5, 60))), ax.bar(range(60), range(60)), ax.scatter(range(60), range(60))))
    assert report.mpl["call_sites"][0][3] == 3 and report.mpl["call_sites"][0][4] == 60 + 60 + 1
    assert "plot_call_per_point" not in rules(report)
    plt.close(fig)


def test_interactive_mode_alone_costs_nothing_on_agg(interactive):
    fig, ax = plt.subplots()
    m = tf.random.normal((200, 200))
    report = measure(lambda: [ax.plot(np.asarray(tf.reduce_mean(tf.matmul(m, m), axis=0))) for _ in range(4)])
    assert report.mpl["interactive"] and report.mpl["draws"] == 0
    assert "interactive_redraws" not in rules(report)


def test_pyplot_from_a_worker_thread(guarded):
    def cell():
        thread = threading.Thread(target=lambda: plt.plot([1, 2, 3]), name="plotter")
        thread.start()
        thread.join()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the guard's own once-per-thread warning
        report = measure(cell)
    (finding,) = [f for f in report.findings if f.rule == "pyplot_off_main_thread"]
    assert report.guard["pyplot_thread_calls"] >= 1 and "queue.Queue" in finding.fix
    # a crash risk, not a cost: full weight, shown first, even unweighed by time
    assert finding.share == 1.0 and finding.seconds is None and not finding.minor
    assert report.findings[0].rule == "pyplot_off_main_thread"


def test_pyplot_from_the_main_thread_with_a_worker_computing(guarded):
    results = queue.Queue()

    def cell():
        thread = threading.Thread(target=lambda: results.put(np.arange(3.0)))
        thread.start()
        thread.join()
        plt.plot(results.get())

    report = measure(cell)
    assert report.guard["pyplot_thread_calls"] == 0 and "pyplot_off_main_thread" not in rules(report)


# -- host memory, cell after cell (reads the report history) ----------------------------------


@pytest.fixture
def cells():
    """Run functions as consecutive measured cells recorded in the history (one namespace)."""
    history.clear_history()
    ns = {}

    def run(fn):
        report = measure(lambda: fn(ns), namespace=ns)
        history.record(report)
        return report

    yield run
    history.clear_history()
    ns.clear()


def test_tensors_kept_in_a_list_cell_after_cell(cells):
    cells(lambda ns: ns.setdefault("kept", []))
    for _ in range(3):
        # 48 MB a cell, kept as a NumPy copy: TensorFlow's CPU allocator reuses memory freed earlier in
        # this long-lived process (other tests) without growing RSS, a new NumPy buffer always does
        report = cells(lambda ns: ns["kept"].append(tf.random.normal((12_000_000,)).numpy()))
    rss = [(r.rss_before >> 20, r.rss_after >> 20) for r in history.reports()]
    found = [f for f in report.findings if f.rule == "host_memory_growth"]
    assert len(found) == 1, rss
    (finding,) = found
    assert [row["name"] for row in report.held] == ["kept"] and report.held[0]["bytes"] == 3 * 48_000_000
    assert "`kept` (a list of 3 arrays/tensors)" in finding.message
    assert "45.8 MiB, 91.6 MiB, 137 MiB" in finding.message and "convert-once cache" in finding.message
    growth = sum(r.rss_after - r.rss_before for r in history.reports()[-3:])
    assert finding.seconds is None and finding.share == pytest.approx(growth / report.rss_after)


def test_results_reduced_to_floats_do_not_grow(cells):
    cells(lambda ns: ns.setdefault("means", []))
    for _ in range(3):
        report = cells(lambda ns: ns["means"].append(float(tf.reduce_mean(tf.random.normal((12_000_000,))))))
    assert "host_memory_growth" not in rules(report) and report.held == []


def test_memory_growth_without_a_holder_is_observed_not_explained(cells):
    cells(lambda ns: ns.setdefault("blob", []))
    for _ in range(3):  # bytes objects: not arrays or tensors, so no holder the rule can name
        report = cells(lambda ns: ns["blob"].append(b"x" * 48_000_000))
    (finding,) = [f for f in report.findings if f.rule == "host_memory_growth"]
    assert finding.minor and finding.share is None and "not established" in finding.message


def test_matplotlib_is_restored_after_the_cell():
    originals = (vars(plt)["pause"], vars(matplotlib.figure.Figure)["draw"])
    measure(lambda: (plt.plot([1, 2]), plt.gcf().canvas.draw()))
    assert (vars(plt)["pause"], vars(matplotlib.figure.Figure)["draw"]) == originals


# -- GPU present, ops on CPU (constructed data: no GPU on this machine) --------------------------------


def _gpu_case(ops, gpus):
    report = Report(ops=ops, tf={"imported": True, "gpus": gpus})
    found = findings.rules_tf.gpu_idle_ops_on_cpu(report)
    return found[0] if found else None


def test_gpu_present_but_ops_on_cpu():
    finding = _gpu_case({"CPU:0": {"Cast": 30, "StringFormat": 5}, "GPU:0": {"MatMul": 3}}, ["GPU:0"])
    assert finding is not None and "35 of 38 eager ops ran on the CPU" in finding.message
    assert "Cast ×30" in finding.message and "tf.device('/GPU:0')" in finding.fix


def test_gpu_ops_on_gpu_or_no_gpu_is_no_finding():
    assert _gpu_case({"CPU:0": {"Cast": 2}, "GPU:0": {"MatMul": 40}}, ["GPU:0"]) is None
    assert _gpu_case({"CPU:0": {"Cast": 30}}, []) is None


@pytest.fixture
def constructed_gpu():
    from tfplotguard.check.inspect import tfstate

    tfstate.CONSTRUCTED_GPUS = ["GPU:0"]
    try:
        yield
    finally:
        tfstate.CONSTRUCTED_GPUS = None


def test_a_constructed_gpu_counts_ops_per_device_and_a_cpu_scope_is_named(constructed_gpu):
    a = tf.random.normal((50, 50))

    def cell():
        with tf.device("/CPU:0"):
            for _ in range(20):
                tf.matmul(a, a)

    report = measure(cell, interval_ms=20)  # no --ops: counted because a GPU is (said to be) present
    assert report.tf["gpus"] == ["GPU:0"] and report.ops == {"CPU:0": {"MatMul": 20}}
    (finding,) = [f for f in report.findings if f.rule == "gpu_idle_ops_on_cpu"]
    assert "20 of 20 eager ops ran on the CPU although GPU:0 is present" in finding.message
    report = measure(lambda: [tf.matmul(a, a) for _ in range(20)])
    assert report.ops == {"GPU:0": {"MatMul": 20}} and "gpu_idle_ops_on_cpu" not in rules(report)


def test_real_ops_on_this_cpu_only_machine_are_no_gpu_finding():
    x = tf.constant([1.0, 2.0])
    report = measure(lambda: [tf.cast(x, tf.int32) for _ in range(20)], ops=True)
    assert report.ops["CPU:0"]["Cast"] == 20 and "gpu_idle_ops_on_cpu" not in rules(report)


# -- the rule runner ------------------------------------------------------------------------------------


def test_a_broken_rule_becomes_a_note_and_the_others_still_run():
    def broken(report):
        raise RuntimeError("oops")

    report = Report(tf={"functions_run_eagerly": True})
    found, notes = findings.evaluate(report, rules=(broken, findings.rules_tf.functions_run_eagerly))
    assert [f.rule for f in found] == ["functions_run_eagerly"]
    assert notes == ["rule broken failed: RuntimeError: oops"]


# -- the registry ---------------------------------------------------------------------------------------


def test_every_rule_has_one_id_a_severity_and_a_summary():
    listed = findings.listing()
    assert [rule_id for rule_id, _, _ in listed] == findings.rule_ids() and len(set(findings.rule_ids())) == len(listed)
    assert {"tf_compute_bound", "retracing"} <= set(findings.rule_ids()) and "cpu_in_tf_pools" not in findings.rule_ids()
    assert "cpu_in_main_thread" not in findings.rule_ids()
    assert all(severity in ("warn", "info") and summary for _, severity, summary in listed)


def test_a_disabled_rule_is_skipped():
    try:
        report = measure(lambda: tf.config.run_functions_eagerly(True))
        assert "functions_run_eagerly" in rules(report)
        check = CellCheck({}, interval_ms=None, disabled_rules={"functions_run_eagerly"}).start()
        assert "functions_run_eagerly" not in rules(check.stop(None))
    finally:
        tf.config.run_functions_eagerly(False)


def test_unknown_rule_ids_are_refused_naming_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown finding rule id\(s\) 'no_such_rule'; valid ids: retracing, "):
        findings.checked_ids(["retracing", "no_such_rule"])


# -- Python loops and output (stack-sampled: the cell is this file) ------------------------------


def _sampled(fn):
    return measure(fn, interval_ms=20, stacks_ms=2, cell_filename=__file__)


def _python_loop(seconds=0.4):
    total, t0 = 0.0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for v in range(1000):
            total += (v * 0.5) ** 2
    return total


def test_a_pure_python_loop_is_named_with_its_line():
    report = _sampled(_python_loop)
    found = _finding(report, "python_hot_loop")
    assert found.severity == "info" and not found.minor and found.share >= 0.5
    assert found.line is not None and "total += (v * 0.5) ** 2" in found.message
    assert "(here `" not in found.message  # no call into compiled code on that line


def _compiled_call_loop(seconds=0.4):
    rng = np.random.default_rng(0)
    total, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(500):
            total += rng.integers(0, 10, size=3).sum()
    return total


def test_a_loop_whose_time_is_a_compiled_call_names_that_call():
    """Generator.integers is written in C (Cython): the sampler sees the cell's own frame, and the finding says
    which call on the line that can be (blind set 9's `rng.choice` per draw was "no library call beneath it")."""
    found = _finding(_sampled(_compiled_call_loop), "python_hot_loop")
    assert "(here `rng.integers(…)`" in found.message, found.message
    assert found.fix.startswith("if `rng.integers(…)` holds the time, call it fewer times")


def test_a_sleep_and_a_vectorised_line_are_no_python_loop():
    a = np.random.default_rng(0).random((1500, 1500))
    report = _sampled(lambda: time.sleep(0.4))
    assert "python_hot_loop" not in rules(report)
    report = _sampled(lambda: (a @ a.T).mean(axis=0))
    assert "python_hot_loop" not in rules(report)


def test_logging_in_a_loop_is_output_time():
    import io
    import logging

    log = logging.getLogger("tfplotguard-test-output")
    log.propagate, log.level = False, logging.INFO
    handler = logging.StreamHandler(io.StringIO())
    log.addHandler(handler)
    try:
        report = _sampled(lambda: [log.info("step %d", i) for i in range(15000)])
        quiet = _sampled(lambda: (_python_loop(0.1), log.info("done")))
    finally:
        log.removeHandler(handler)
    found = _finding(report, "output_in_loop")
    assert not found.minor and found.share > 0.5
    assert "output_in_loop" not in {f.rule for f in quiet.warnings()}


def test_output_caught_in_one_or_two_samples_is_not_weighed():
    """In a 10 ms cell a single sample caught in print weighs 20 %: that measures the sampler (constructed data)."""
    attribution = {"interval_s": 0.002, "categories": [{"id": "output", "seconds": 0.004}, {"id": "cell", "seconds": 0.006}],
                   "lines": [{"line": 3, "source": "print(x)", "seconds": 0.004, "category": "output"}]}
    short = Report(wall_s=0.010, attribution=attribution)
    found = findings.RULES["output_in_loop"](short)[0]
    assert found.seconds is None and found.minor
    attribution["categories"][0]["seconds"] = 0.5
    long = Report(wall_s=0.6, attribution=attribution)
    found = findings.RULES["output_in_loop"](long)[0]
    assert found.share == pytest.approx(0.5 / 0.6) and not found.minor and found.line == 3
