"""TensorFlow probes with real TensorFlow: traces, ops per device, .numpy() counting, tensors, state."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.framework import ops as tf_ops

import tfplotguard
from tfplotguard import TFPlotGuardWarning
from tfplotguard.check.inspect import tfstate
from tfplotguard.check.probes.numpy_calls import NumpyProbe
from tfplotguard.check.probes.ops import OpProbe, function_name


def _watch(fn, ops=False):
    watch = OpProbe(ops=ops)
    assert watch.start()
    try:
        fn()
    finally:
        watch.stop()
    return watch


def test_python_ints_retrace_and_tensors_do_not():
    @tf.function
    def scale(x, n):
        return x * n

    x = tf.constant([1.0, 2.0])
    ints = _watch(lambda: [scale(x, i) for i in range(3)])
    assert ints.traces == {"scale": 3}
    signatures = ints.signatures({"scale": scale})["scale"]
    assert [s["n"] for s in signatures] == ["python int 0", "python int 1", "python int 2"]
    assert signatures[0]["x"] == "tensor float32(2,)"

    @tf.function
    def scale2(x, n):
        return x * n

    tensors = _watch(lambda: [scale2(x, tf.constant(float(i))) for i in range(3)])
    assert tensors.traces == {"scale2": 1}
    assert tensors.signatures() == {}


def test_a_function_created_in_a_loop_is_traced_per_object():
    x = tf.constant([1.0])
    watch = _watch(lambda: [tf.function(lambda a: a + 1)(x) for _ in range(3)])
    assert watch.traces == {"<lambda>": 3}


def test_control_flow_branches_and_tf1_graphs_are_not_traces():
    @tf.function
    def branchy(x):
        y = tf.cond(x[0] > 0, lambda: x * 2, lambda: x * 3)
        for _ in tf.range(2):
            y = y + 1.0
        return y

    def build():
        branchy(tf.constant([1.0]))
        with tf.Graph().as_default():
            tf.constant(1.0) + 1

    assert _watch(build).traces == {"branchy": 1}


def test_ops_are_counted_per_device_and_type():
    x = tf.constant([1.0, 2.0])

    def work():
        with tf.device("/CPU:1"):
            tf.add(x, 1.0)
            tf.strings.format("{}", x)
        tf.cast(x, tf.int32)

    counts = _watch(work, ops=True).ops_by_device()
    assert counts["CPU:1"] == {"AddV2": 1, "StringFormat": 1}
    assert counts["CPU:0"] == {"Cast": 1}


def test_op_callback_is_removed_after_the_cell():
    from tensorflow.python.eager import context

    watch = _watch(lambda: None, ops=True)
    assert watch._callback not in context.context().op_callbacks
    watch.stop()  # a second stop is harmless


def test_eager_ops_are_counted_up_to_a_limit_then_the_callback_takes_itself_out():
    from tensorflow.python.eager import context
    from tensorflow.python.framework import func_graph

    from tfplotguard.check.probes.ops import EAGER_OPS_COUNTED

    init = vars(func_graph.FuncGraph)["__init__"]
    x = tf.constant([1.0, 2.0])
    watch = OpProbe()
    assert watch.start()
    try:
        for _ in range(EAGER_OPS_COUNTED + 50):
            tf.add(x, x)
        left = watch._callback in context.context().op_callbacks
    finally:
        watch.stop()
    times = watch.times()
    assert not left and times["eager_ops_capped"] and times["eager_ops"] == {"AddV2": EAGER_OPS_COUNTED}
    assert times["eager_op_interval_s"] > 0
    assert vars(func_graph.FuncGraph)["__init__"] is init
    # --ops counts every one
    every = _watch(lambda: [tf.add(x, x) for _ in range(EAGER_OPS_COUNTED + 50)], ops=True)
    assert every.eager_ops == {"AddV2": EAGER_OPS_COUNTED + 50} and not every.eager_ops_capped


def test_a_callback_registered_after_ours_misses_no_op():
    """Ours takes itself out only when it is the last in TensorFlow's list (taking out one before another
    while TensorFlow iterates over the list would make it skip the next one for that op)."""
    from tensorflow.python.framework import op_callbacks

    from tfplotguard.check.probes.ops import EAGER_OPS_COUNTED

    seen = []
    x = tf.constant([1.0, 2.0])
    watch = OpProbe()
    assert watch.start()
    def theirs(op_type, *args, **kwargs):
        seen.append(op_type)

    op_callbacks.add_op_callback(theirs)
    try:
        for _ in range(EAGER_OPS_COUNTED + 50):
            tf.add(x, x)
    finally:
        # Only its own: clear_op_callbacks() leaves TensorFlow's context so that a later
        # tf.debugging.enable_check_numerics() fails ("'NoneType' object is not iterable").
        op_callbacks.remove_op_callback(theirs)
        watch.stop()
    assert len(seen) == EAGER_OPS_COUNTED + 50 and not watch.eager_ops_capped


def test_a_trace_that_adds_no_op_is_still_a_trace_and_gradients_are_their_own():
    w = tf.Variable(1.0)

    @tf.function
    def nothing():
        return None

    @tf.function
    def scaled(x):
        return x * w

    def cell():
        nothing()
        with tf.GradientTape() as tape:
            y = scaled(tf.constant(2.0))
        tape.gradient(y, w)

    watch = _watch(cell)
    assert watch.traces == {"nothing": 1, "scaled": 1, "scaled (backward)": 1}
    origins = watch.origins()
    assert origins["scaled"]["owner"] == "user" and origins["scaled"]["objects"] == 1
    assert origins["scaled (backward)"]["owner"] == "unknown"


def test_numpy_calls_are_counted_and_the_original_method_restored():
    original = vars(tf_ops._EagerTensorBase)["numpy"]
    x = tf.range(1000.0)
    watch = NumpyProbe()
    assert watch.start()
    try:
        for _ in range(4):
            x.numpy()
        tf.Variable([1.0, 2.0]).numpy()
        np.asarray(x)  # the buffer protocol: not a .numpy() call
        tfplotguard.to_numpy(x)
    finally:
        watch.stop()
    assert vars(tf_ops._EagerTensorBase)["numpy"] is original
    summary = watch.summary()
    assert summary["calls"] == 5 and summary["max_same_tensor"] == 4
    assert summary["bytes"] == 4 * 4000 + 8
    assert summary["largest_host"]["device"] == "CPU:0"


def test_numpy_calls_inside_tensorflow_are_not_the_users():
    """Under run_functions_eagerly, TensorFlow's own gradient code calls .numpy() every step."""
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.matmul(x, w))
        return tape.gradient(loss, w)

    x = tf.ones((3, 2))
    tf.config.run_functions_eagerly(True)
    watch = NumpyProbe()
    assert watch.start()
    try:
        for _ in range(5):
            step(x)
        x.numpy()  # the user's own call
    finally:
        watch.stop()
        tf.config.run_functions_eagerly(False)
    assert watch.summary()["calls"] == 1


def test_ops_whose_type_arrives_as_bytes_are_counted():
    watch = _watch(lambda: tf.linspace(0.0, 10.0, 50), ops=True)
    assert watch.errors == 0
    assert sum(watch.ops.values()) >= 1


def test_numpy_watch_leaves_a_foreign_replacement_alone():
    original = vars(tf_ops._EagerTensorBase)["numpy"]
    watch = NumpyProbe()
    watch.start()
    try:
        def foreign(self):
            return original(self)

        tf_ops._EagerTensorBase.numpy = foreign
        with pytest.warns(TFPlotGuardWarning, match="numpy was replaced by another library"):
            watch.stop()
        assert vars(tf_ops._EagerTensorBase)["numpy"] is foreign
    finally:
        tf_ops._EagerTensorBase.numpy = original


def test_describe_tensor_and_changed_tensors():
    x = tf.zeros((3, 4))
    v = tf.Variable(tf.ones(5, dtype=tf.int64))
    assert tfstate.describe_tensor(x) == {"kind": "eager", "shape": [3, 4], "dtype": "float32",
                                          "device": "CPU:0", "bytes": 48}
    assert tfstate.describe_tensor(v)["bytes"] == 40
    assert tfstate.describe_tensor(np.zeros(3)) is None
    ns = {"x": x, "keep": 1, "_hidden": x}
    before = tfstate.namespace_ids(ns)
    ns["v"] = v
    ns["x"] = tf.zeros(2)
    ns["_other"] = tf.zeros(1)
    changed = tfstate.changed_tensors(ns, before)
    assert [(t["name"], t["change"]) for t in changed] == [("v", "new"), ("x", "changed")]


def test_status_has_every_probe():
    tf.constant(1.0) + 1  # logical devices are only listed once TensorFlow has initialised
    state = tfstate.status()
    assert state["imported"] and state["version"] == tf.__version__
    assert state["executing_eagerly"] is True and state["functions_run_eagerly"] is False
    assert "CPU:0" in state["physical_devices"]
    assert state["context_initialized"] and {"/device:CPU:0", "/device:CPU:1"} <= set(state["logical_devices"])
    assert state["strategy"] == {"in_scope": False, "name": "DefaultDistributionStrategy", "replicas": 1}
    assert state["gpu_memory"] == {}  # no GPU on this machine: the live GPU path is untested here
    assert isinstance(state["intra_op_threads"], int) and isinstance(state["soft_device_placement"], bool)


def test_status_sees_a_strategy_in_scope():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        state = tfstate.status()["strategy"]
    assert state == {"in_scope": True, "name": "MirroredStrategy", "replicas": 2}


@pytest.mark.parametrize("name, expected", [("__backward_f_81", "f (backward)"), ("f", "f"),
                                            ("Dataset_map_lambda", "Dataset_map_lambda")])
def test_function_name(name, expected):
    assert function_name(name) == expected


def test_probes_and_a_measured_cell_leave_tensorflow_configurable():
    """Before the first op, nothing tfcheck does may fix TensorFlow's device or thread configuration,
    and the thread settings it reports follow what the user sets meanwhile."""
    script = textwrap.dedent("""\
        import os
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
        import tensorflow as tf
        from tfplotguard.check.inspect import tfstate
        from tfplotguard.check.cell import CellCheck
        state = tfstate.status()
        assert state["logical_devices"] is None and not state["context_initialized"], state
        CellCheck({}, ops=True).start().stop()
        assert not tfstate.context_initialized()
        assert tfstate.quick_state()["intra_op_threads"] == 0
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(3)
        # read before init, cached between reads: a setting changed meanwhile must show
        assert tfstate.quick_state()["intra_op_threads"] == 1, tfstate.quick_state()
        assert tfstate.quick_state()["inter_op_threads"] == 3, tfstate.quick_state()
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        assert len(tf.config.list_logical_devices("CPU")) == 2
        print("OK")
        """)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=180)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("OK"), proc.stdout + proc.stderr
