"""Whose work a cell's measurements are: the user's, Keras's or tf.data's (issue 13, items 11-13).

Real cells, measured with ``CellCheck`` directly: traces of Keras's and
tf.data's own functions are not the user's retracing, Python running inside
tf.data's threads is Python work, and a cell run off the main thread is its
own "main".
"""

import threading
import time

import keras
import numpy as np
import tensorflow as tf

from tfplotguard.check import findings

from measured import measure

X = np.random.default_rng(0).normal(size=(512, 8)).astype("float32")
Y = (X.sum(axis=1, keepdims=True) > 0).astype("float32")


def by_rule(report):
    return {f.rule: f for f in report.findings}


def make_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


# -- item 12: whose function was traced ------------------------------------------------------


def test_a_first_fit_traces_keras_steps_and_is_no_retracing():
    model = make_model()
    report = measure(lambda: model.fit(X, Y, epochs=2, batch_size=64, validation_split=0.2, verbose=0))
    origins = report.trace_origins
    # Keras 3 names its steps one_step_on_data / multi_step_on_iterator, Keras 2 train_function.
    keras_steps = {name: n for name, n in report.traces.items()
                   if origins[name]["owner"] == "keras" and origins[name]["via"] == "tf.function"}
    assert sum(keras_steps.values()) >= 2, report.traces
    if "one_step_on_data" in report.traces:
        assert origins["Dataset_map_permutation"] == {
            "owner": "keras", "via": "tf.data", "objects": 2, "variable_traces": 0}
    assert "retracing" not in by_rule(report)


def test_predict_in_a_loop_is_keras_rebuilding_its_pipeline_not_retracing():
    model = make_model()
    report = measure(lambda: [model.predict(X[i:i + 1], verbose=0) for i in range(12)])
    assert report.traces["Dataset_map_permutation"] == 12
    rules = by_rule(report)
    assert "retracing" not in rules
    # One finding for the one cause: the counted predict calls, not also the pipelines they built.
    assert "pipelines_rebuilt" not in rules
    finding = rules["keras_call_in_loop"]
    assert finding.severity == "warn"
    assert "Model.predict was called 12 times" in finding.message and "1 example(s)" in finding.message
    assert "model(x, training=False)" in finding.fix


def test_dataset_map_with_lambdas_is_tf_data_tracing_the_users_function():
    def cell():
        for k in range(3):
            ds = tf.data.Dataset.range(10).map(lambda i, k=k: i * k)
            sum(int(v) for v in ds)

    report = measure(cell)
    assert report.traces == {"Dataset_map_lambda": 3}
    assert report.trace_origins["Dataset_map_lambda"]["owner"] == "user"
    assert report.trace_origins["Dataset_map_lambda"]["via"] == "tf.data"
    assert not {"retracing", "pipelines_rebuilt"} & set(by_rule(report))


def test_building_a_dataset_in_a_loop_says_build_it_once():
    report = measure(lambda: [list(tf.data.Dataset.range(2).map(lambda i: i + 1)) for _ in range(10)])
    finding = by_rule(report)["pipelines_rebuilt"]
    assert "10 times" in finding.message and "outside the loop" in finding.fix


def test_a_train_step_creating_optimizer_variables_is_traced_twice_and_is_no_retracing():
    model = make_model()
    optimizer = keras.optimizers.Adam()
    loss_fn = keras.losses.BinaryCrossentropy()

    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(64, drop_remainder=True)
    report = measure(lambda: [train_step(xb, yb) for xb, yb in ds])
    assert report.traces["train_step"] == 2
    assert report.trace_origins["train_step"] == {
        "owner": "user", "via": "tf.function", "objects": 1, "variable_traces": 1}
    assert "retracing" not in by_rule(report)


def test_a_variable_creating_step_that_also_retraces_on_python_ints_still_warns():
    v = []

    @tf.function
    def step(x, n):
        if not v:
            v.append(tf.Variable(1.0))
        return x * n * v[0]

    report = measure(lambda: [step(tf.constant(1.0), n) for n in range(3)])
    finding = by_rule(report)["retracing"]
    # The traces row's count (issue 27): the variable-creating trace and its retrace, then n=1 and n=2.
    assert report.traces["step"] == 4
    assert "step was traced 4 times in this cell (one of them the second trace" in finding.message
    assert "is a Python int" in finding.message


def test_same_signatures_from_one_object_say_what_was_observed_without_a_cause():
    same = [{"x": "tensor float32(2,)"}, {"x": "tensor float32(2,)"}]
    cause, fix = findings.explain_retrace(same, objects=1, traces=2)
    assert "one tf.function object traced again" in cause and "not in these measurements" in cause
    assert "outside the loop" not in fix and "pretty_printed_concrete_signatures" in fix
    cause, fix = findings.explain_retrace(same, objects=2, traces=2)
    assert "new tf.function object" in cause and "outside the loop" in fix


# -- item 13: Python inside tf.data is Python work --------------------------------------------


def _burn(seconds):
    t0 = time.thread_time()
    while time.thread_time() - t0 < seconds:
        pass


def test_a_python_generator_inside_tf_data_is_python_work_not_tensorflows_pool():
    def gen():
        for i in range(8):
            _burn(0.06)  # the user's Python, run by tf.data on one of TensorFlow's native threads
            yield float(i)

    def cell():
        ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec((), tf.float32)).prefetch(2)
        return sum(float(v) for v in ds)

    report = measure(cell, interval_ms=20)
    python_native = report.group_cpu("tf_python")
    assert python_native >= 0.3, report.thread_groups
    assert python_native > report.group_cpu("tf_pool") + report.group_cpu("tf_data")
    rules = by_rule(report)
    assert "tf_compute_bound" not in rules
    assert "set_intra_op_parallelism_threads" not in " ".join(f.fix for f in report.findings)
    # The pipeline's structure names the cause: one finding, input_bound, not also cpu_in_tf_python.
    assert "cpu_in_tf_python" not in rules
    finding = rules["input_bound"]
    assert "Dataset.from_generator" in finding.message and "TensorFlow's threads running that Python" in finding.message
    assert "from_tensor_slices" in finding.fix


# -- item 11: the cell's own thread is its main -------------------------------------------------


def test_a_cell_measured_off_the_main_thread_files_its_cpu_under_main():
    out = {}

    def run():
        out["report"] = measure(lambda: _burn(0.3), interval_ms=50)

    thread = threading.Thread(target=run, name="subshell-like")
    thread.start()
    thread.join()
    report = out["report"]
    assert report.group_cpu("main") >= 0.25, report.thread_groups
    assert report.group_cpu("python") < 0.1
    assert report.top_group() == "main"
