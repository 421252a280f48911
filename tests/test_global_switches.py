"""Global switches of TensorFlow and Keras left on (issue 27, item 4): read without changing anything, listed in
the ``%tfcheck`` panel, and reported by ``%%tfcheck`` only when they explain the cell.

Every test that switches one on switches it back off in a ``finally``: these switches are process-wide (or
per thread) and would slow, or change, every later test.
"""

import textwrap

import keras
import pytest
import tensorflow as tf
from IPython.utils.capture import capture_output
from tensorflow.python.autograph.utils import ag_logging
from tensorflow.python.data.ops import debug_mode
from tensorflow.python.framework import config as tf_config

from tfplotguard.check.findings import rules_switches
from tfplotguard.check.inspect import switches, tfstate
from tfplotguard.check.report import Report
from keras.src.backend.common import global_state


def _keras_policy(name):
    def on():
        _keras_policy.saved = getattr(global_state.GLOBAL_STATE_TRACKER, "dtype_policy", None)
        keras.config.set_dtype_policy(name)

    def off():
        global_state.set_global_attribute("dtype_policy", _keras_policy.saved)
    return on, off


def _autograph_on():
    _autograph_on.saved = ag_logging.verbosity_level
    tf.autograph.set_verbosity(3)


def _autograph_off():
    ag_logging.verbosity_level = _autograph_on.saved


def _optimizer_on():
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})


def _optimizer_off():
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": False})


#: ``(switch id, value read while on, switch on, switch off)``; ``tmp`` is a temporary directory.
SETTABLE = [
    ("run_functions_eagerly", "on", lambda tmp: tf.config.run_functions_eagerly(True),
     lambda: tf.config.run_functions_eagerly(False)),
    ("check_numerics", "on", lambda tmp: tf.debugging.enable_check_numerics(),
     tf.debugging.disable_check_numerics),
    ("dump_debug_info", None, lambda tmp: tf.debugging.experimental.enable_dump_debug_info(str(tmp)),
     tf.debugging.experimental.disable_dump_debug_info),
    ("data_debug_mode", "on", lambda tmp: tf.data.experimental.enable_debug_mode(),
     lambda: debug_mode.toggle_debug_mode(False)),
    ("op_determinism", "on", lambda tmp: tf.config.experimental.enable_op_determinism(),
     tf_config.disable_op_determinism),
    ("log_device_placement", "on", lambda tmp: tf.debugging.set_log_device_placement(True),
     lambda: tf.debugging.set_log_device_placement(False)),
    ("profiler", "running", lambda tmp: tf.profiler.experimental.start(str(tmp)),
     tf.profiler.experimental.stop),
    ("summary_trace", "on", lambda tmp: tf.summary.trace_on(graph=True), tf.summary.trace_off),
    ("jit", "autoclustering", lambda tmp: tf.config.optimizer.set_jit(True),
     lambda: tf.config.optimizer.set_jit(False)),
    ("optimizer_options", "disable_meta_optimizer=True", lambda tmp: _optimizer_on(), _optimizer_off),
    ("asynchronous", "off (asynchronous)", lambda tmp: tf.config.experimental.set_synchronous_execution(False),
     lambda: tf.config.experimental.set_synchronous_execution(True)),
    ("autograph_verbosity", "level 3", lambda tmp: _autograph_on(), _autograph_off),
    ("keras_dtype_policy", "mixed_float16", lambda tmp: _keras_policy("mixed_float16")[0](),
     lambda: _keras_policy("mixed_float16")[1]()),
    ("keras_floatx", "float64", lambda tmp: keras.config.set_floatx("float64"),
     lambda: keras.config.set_floatx("float32")),
    ("keras_image_format", "channels_first", lambda tmp: keras.config.set_image_data_format("channels_first"),
     lambda: keras.config.set_image_data_format("channels_last")),
    ("tf32_off", "off", lambda tmp: tf.config.experimental.enable_tensor_float_32_execution(False),
     lambda: tf.config.experimental.enable_tensor_float_32_execution(True)),
]


def test_every_switch_in_the_table_has_a_reader_test():
    tested = {row[0] for row in SETTABLE} | {"intra_op_threads", "inter_op_threads", "onednn_off"}
    assert tested == {s.id for s in switches.SWITCHES}


@pytest.mark.parametrize("switch_id, value, on, off", SETTABLE, ids=[row[0] for row in SETTABLE])
def test_a_switch_left_on_is_read_and_reading_changes_nothing(switch_id, value, on, off, tmp_path):
    assert switch_id not in switches.read()
    try:
        on(tmp_path)
        first = switches.read()
        assert switch_id in first and (value is None or first[switch_id] == value)
        assert switches.read() == first  # reading twice reads the same: nothing was created by the first read
    finally:
        off()
    assert switch_id not in switches.read()


def test_reading_keras_policy_creates_no_policy():
    saved = getattr(global_state.GLOBAL_STATE_TRACKER, "dtype_policy", None)
    global_state.set_global_attribute("dtype_policy", None)
    try:
        assert "keras_dtype_policy" not in switches.read()
        # keras.config.dtype_policy() would have stored the default policy here; the reader does not
        assert getattr(global_state.GLOBAL_STATE_TRACKER, "dtype_policy", None) is None
    finally:
        global_state.set_global_attribute("dtype_policy", saved)


def test_thread_settings_and_onednn_are_read_from_what_their_setters_write(monkeypatch):
    from tensorflow.python.eager import context

    ctx = context.context()  # initialised by the conftest: the setters would refuse, so set their fields
    monkeypatch.setattr(ctx, "_intra_op_parallelism_threads", 1)
    monkeypatch.setattr(switches, "_cores", lambda: 2)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    found = switches.read()
    assert found["intra_op_threads"] == "1 of 2 cores" and found["onednn_off"].startswith("off")
    monkeypatch.setattr(ctx, "_intra_op_parallelism_threads", 2)  # every core: not a slowing setting
    assert "intra_op_threads" not in switches.read()


def test_a_reader_that_breaks_costs_only_its_switch(monkeypatch):
    def broken():
        raise AttributeError("renamed in a later TensorFlow")

    table = tuple(switches.Switch(s.id, s.label, s.slows, s.off, broken if s.id == "check_numerics" else s.read)
                  for s in switches.SWITCHES)
    monkeypatch.setattr(switches, "SWITCHES", table)
    tf.config.run_functions_eagerly(True)
    try:
        assert switches.read() == {"run_functions_eagerly": "on"}
    finally:
        tf.config.run_functions_eagerly(False)


def test_the_cell_state_carries_the_switches():
    tf.debugging.enable_check_numerics()
    try:
        assert tfstate.quick_state()["switches"] == {"check_numerics": "on"}
    finally:
        tf.debugging.disable_check_numerics()
    assert tfstate.quick_state()["switches"] == {}


# -- the %tfcheck panel ----------------------------------------------------------------------------------


def run(ip, cell):
    with capture_output() as cap:
        result = ip.run_cell(cell)
    assert result.success, result.error_in_exec or result.error_before_exec
    return cap


def test_the_panel_lists_the_switches_left_on_with_their_fix(tfcheck):
    text = run(tfcheck, "%tfcheck").outputs[0].data["text/plain"]
    assert "global switches left on" not in text
    tf.debugging.enable_check_numerics()
    tf.data.experimental.enable_debug_mode()
    try:
        cap = run(tfcheck, "%tfcheck -o status")
        bundle = cap.outputs[0].data
    finally:
        tf.debugging.disable_check_numerics()
        debug_mode.toggle_debug_mode(False)
    text = bundle["text/plain"]
    assert "global switches left on" in text and "global switches left on" in bundle["text/html"]
    print(text)
    assert "check numerics  " in text and "on, by tf.debugging.enable_check_numerics(): every op" in text
    assert "Off: tf.debugging.disable_check_numerics()" in text
    assert "tf.data.experimental.enable_debug_mode()" in text and "toggle_debug_mode(False)" in text
    assert tfcheck.user_ns["status"].data["switches"] == {"check_numerics": "on", "data_debug_mode": "on"}


# -- the finding ---------------------------------------------------------------------------------------------


def findings_of(ip, name="r"):
    return {f.rule: f for f in ip.user_ns[name].findings}


EAGER_LOOP = textwrap.dedent("""\
    %%tfcheck --quiet -o r
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 0.6:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(xs @ wv - ys))
        wv.assign_sub(0.01 * tape.gradient(loss, wv))
    """)


def _eager_setup(ip):
    run(ip, "import time\nimport tensorflow as tf\nwv = tf.Variable(tf.zeros((16, 1)))\n"
            "xs = tf.random.normal((64, 16))\nys = tf.random.normal((64, 1))")


def test_check_numerics_left_on_explains_an_eager_loop(tfcheck):
    _eager_setup(tfcheck)
    tf.debugging.enable_check_numerics()  # an earlier cell
    try:
        run(tfcheck, EAGER_LOOP)
    finally:
        tf.debugging.disable_check_numerics()
    found = findings_of(tfcheck)["global_switch"]
    assert found.severity == "warn" and not found.minor
    assert "tf.debugging.enable_check_numerics() is on" in found.message and "disable_check_numerics()" in found.fix
    eager = next(c["seconds"] for c in tfcheck.user_ns["r"].attribution["categories"] if c["id"] == "tf_eager_ops")
    # weighed conservatively: a part of the eager op time, never more than it
    assert 0.05 < found.seconds < eager


def test_check_numerics_left_on_is_silent_on_a_cell_that_runs_no_op(tfcheck):
    _eager_setup(tfcheck)
    tf.debugging.enable_check_numerics()
    try:
        run(tfcheck, "%%tfcheck --quiet -o r\nt0 = time.perf_counter()\n"
                     "while time.perf_counter() - t0 < 0.4:\n    sum(range(1000))")
    finally:
        tf.debugging.disable_check_numerics()
    assert tfcheck.user_ns["r"].tf["switches"] == {"check_numerics": "on"}  # on, and in the report
    assert "global_switch" not in findings_of(tfcheck)  # but the cell used nothing it slows


def test_the_same_eager_loop_without_the_switch_has_no_finding(tfcheck):
    _eager_setup(tfcheck)
    run(tfcheck, EAGER_LOOP)
    assert "global_switch" not in findings_of(tfcheck) and tfcheck.user_ns["r"].tf["switches"] == {}


def test_data_debug_mode_left_on_explains_a_pipeline(tfcheck):
    tf.data.experimental.enable_debug_mode()  # an earlier cell; the dataset is built while it is on
    try:
        run(tfcheck, "import tensorflow as tf\n"
                     "ds = tf.data.Dataset.range(4000).map(lambda i: tf.cast(i, tf.float32) * 2.0,\n"
                     "    num_parallel_calls=tf.data.AUTOTUNE).batch(8).prefetch(tf.data.AUTOTUNE)")
        run(tfcheck, "%%tfcheck --quiet -o r\nfor batch in ds:\n    pass")
    finally:
        debug_mode.toggle_debug_mode(False)
    found = findings_of(tfcheck)["global_switch"]
    assert "tf.data.experimental.enable_debug_mode() is on" in found.message
    assert "toggle_debug_mode(False)" in found.fix and "build the datasets again" in found.fix
    assert found.seconds is not None and found.seconds < tfcheck.user_ns["r"].wall_s


def _report(switches_on, categories, **kwargs):
    rows = [{"id": cid, "label": cid, "colour": "#000", "seconds": s, "share": s} for cid, s in categories.items()]
    return Report(kind="cell", source="x", wall_s=1.0, tf={"imported": True, "switches": switches_on, "gpus": []},
                  attribution={"categories": rows, "lines": []}, **kwargs)


def test_weighed_by_the_slowed_time_times_one_minus_one_over_the_factor(monkeypatch):
    monkeypatch.setitem(rules_switches.COSTS, "profiler",
                        rules_switches.Cost({"tf_eager_ops": (4.0, "an eager loop"), "tf_function": (1.1, "a loop")},
                                            rules_switches._eager_ops))
    report = _report({"profiler": "running"}, {"tf_eager_ops": 0.8, "tf_function": 0.2},
                     tf_times={"eager_ops": {"MatMul": 500}})
    (found,) = rules_switches.global_switch.fn(report, min_factor=1.25)
    assert found.seconds == pytest.approx(0.8 * 0.75)  # tf_function's 1.1× is under min_factor: not counted
    assert "tf.profiler.experimental.stop()" in found.fix and "(running)" in found.message
    assert "on this machine it made an eager loop 4.0× slower" in found.message
    assert rules_switches.global_switch.fn(_report({"profiler": "running"}, {"tf_eager_ops": 0.8}),
                                           min_factor=1.25) is None  # no eager op ran: not used


def test_a_switch_measured_not_to_slow_is_never_a_finding():
    measured = {sid for sid, cost in rules_switches.COSTS.items() if max(f for f, _ in cost.factors.values()) >= 1.25}
    for switch_id in {s.id for s in switches.SWITCHES} - measured:
        report = _report({switch_id: "on"}, {c: 0.9 for c in ("tf_eager_ops", "tf_function", "keras_compute")},
                         tf_times={"eager_ops": {"MatMul": 500, "__inference_f_1": 10}}, counts={"fit": 1})
        assert rules_switches.global_switch.fn(report, min_factor=1.25) is None, switch_id


def test_the_data_probe_tells_stateful_random_maps_from_stateless_ones():
    from tfplotguard.check.probes.data import describe

    stateful = tf.data.Dataset.range(4).map(lambda i: tf.random.uniform(()), num_parallel_calls=2)
    stateless = tf.data.Dataset.range(4).map(lambda i: tf.random.stateless_uniform((), seed=(1, i)),
                                             num_parallel_calls=2)
    serial = tf.data.Dataset.range(4).map(lambda i: tf.random.uniform(()))
    assert describe(stateful)["stateful_parallel_maps"] == 1
    assert "stateful_parallel_maps" not in describe(stateless) and describe(stateless)["random_maps"] == 1
    assert "stateful_parallel_maps" not in describe(serial)  # serial already: determinism changes nothing


def test_the_optimizer_options_fix_puts_each_back_at_its_default():
    s = switches.switch("optimizer_options")
    assert s.fix("disable_meta_optimizer=True, constant_folding=False") == \
        "tf.config.optimizer.set_experimental_options({'disable_meta_optimizer': False, 'constant_folding': True})"


KERAS_SETUP = textwrap.dedent("""\
    import numpy as np
    import keras
    xk = np.random.default_rng(0).random((256, 16, 16, 3), dtype=np.float32)
    yk = np.zeros(256, dtype=np.int64)
    def build():
        m = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(16, 3, activation='relu'),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)])
        m.compile('sgd', keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return m
    """)
KERAS_CELL = "%%tfcheck --quiet -o r\nmodel.fit(xk, yk, batch_size=32, epochs=3, verbose=0)"


def test_a_mixed_float16_policy_without_a_gpu_explains_a_fit_of_a_model_built_under_it(tfcheck):
    saved = getattr(global_state.GLOBAL_STATE_TRACKER, "dtype_policy", None)
    run(tfcheck, KERAS_SETUP)
    try:
        keras.config.set_dtype_policy("mixed_float16")  # an earlier cell
        run(tfcheck, "model = build()\nmodel.fit(xk, yk, batch_size=32, epochs=1, verbose=0)")  # built under it
        run(tfcheck, KERAS_CELL)
    finally:
        global_state.set_global_attribute("dtype_policy", saved)
    report = tfcheck.user_ns["r"]
    assert report.keras_calls[0]["dtype_policy"] == "mixed_float16"
    found = findings_of(tfcheck)["global_switch"]
    assert "keras.config.set_dtype_policy('mixed_…') is on (mixed_float16)" in found.message
    assert "keras.config.set_dtype_policy('float32')" in found.fix and "build the model again" in found.fix
    assert found.seconds is not None and found.seconds < report.wall_s


def test_a_policy_set_after_the_model_was_built_is_silent(tfcheck):
    saved = getattr(global_state.GLOBAL_STATE_TRACKER, "dtype_policy", None)
    run(tfcheck, KERAS_SETUP + "model = build()\nmodel.fit(xk, yk, batch_size=32, epochs=1, verbose=0)")
    try:
        keras.config.set_dtype_policy("mixed_float16")  # on, but the model computes in float32
        run(tfcheck, KERAS_CELL)
    finally:
        global_state.set_global_attribute("dtype_policy", saved)
    assert tfcheck.user_ns["r"].tf["switches"]["keras_dtype_policy"] == "mixed_float16"
    assert "global_switch" not in findings_of(tfcheck)


def test_dump_debug_info_left_on_explains_an_eager_loop(tfcheck, tmp_path):
    _eager_setup(tfcheck)
    tf.debugging.experimental.enable_dump_debug_info(str(tmp_path))
    try:
        run(tfcheck, EAGER_LOOP)
    finally:
        tf.debugging.experimental.disable_dump_debug_info()
    found = findings_of(tfcheck)["global_switch"]
    assert "enable_dump_debug_info(...) is on (on, to " in found.message
    assert found.fix == "tf.debugging.experimental.disable_dump_debug_info()."


DATA_CELL = textwrap.dedent("""\
    def augment(i):
        img = tf.random.uniform((48, 48, 3), seed=1)
        return tf.image.resize(tf.image.random_flip_left_right(img, seed=2), (64, 64))
    ds = tf.data.Dataset.range(768).map(augment, num_parallel_calls=tf.data.AUTOTUNE).batch(32).prefetch(2)
    """)


def test_op_determinism_explains_a_parallel_map_that_draws_from_a_state(tfcheck):
    tf.config.experimental.enable_op_determinism()  # an earlier cell, for reproducible runs
    try:
        run(tfcheck, "import tensorflow as tf\n" + DATA_CELL)
        run(tfcheck, "%%tfcheck --quiet -o r\nfor batch in ds:\n    pass")
    finally:
        tf_config.disable_op_determinism()
    report = tfcheck.user_ns["r"]
    assert report.pipelines[0]["stateful_parallel_maps"] == 1
    found = findings_of(tfcheck).get("global_switch")
    assert found is not None, [str(f) for f in report.findings]
    assert "enable_op_determinism() is on" in found.message and "stateless random ops" in found.fix
    waited = next(c["seconds"] for c in report.attribution["categories"] if c["id"] == "tf_data_wait")
    assert found.seconds <= waited * (1 - 1 / 1.4) + 1e-9  # the smallest factor measured bounds it


def test_op_determinism_is_silent_on_a_stateless_map(tfcheck):
    tf.config.experimental.enable_op_determinism()
    try:
        run(tfcheck, "import tensorflow as tf\n" + DATA_CELL.replace(
            "tf.random.uniform((48, 48, 3), seed=1)", "tf.random.stateless_uniform((48, 48, 3), seed=(1, 2))").replace(
            "tf.image.random_flip_left_right(img, seed=2)", "tf.image.stateless_random_flip_left_right(img, (3, 4))"))
        run(tfcheck, "%%tfcheck --quiet -o r\nfor batch in ds:\n    pass")
    finally:
        tf_config.disable_op_determinism()
    assert tfcheck.user_ns["r"].tf["switches"] == {"op_determinism": "on"}
    assert "global_switch" not in findings_of(tfcheck)
