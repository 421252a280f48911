"""The tf.data pipelines a cell iterates, read from the Dataset objects (``check.pipeline``), the Keras call
arguments kept (``check.callcounts``), and the rules that read them, on real TensorFlow and Keras."""

import time

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.data.ops import iterator_ops

from tfplotguard.check import findings
from tfplotguard.check.probes import data as pipeline, keras as callcounts

from measured import measure

X = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")


def by_rule(report):
    return {f.rule: f for f in report.findings}


def rows():
    yield from X


def test_describe_reads_each_kind_of_pipeline_without_running_it():
    gen = pipeline.describe(tf.data.Dataset.from_generator(
        rows, output_signature=tf.TensorSpec((8,), tf.float32)).batch(8))
    assert gen["stages"] == ["from_generator", "batch"] and gen["generator"] and gen["source"] == "generator"
    assert not gen["prefetch"] and gen["maps"] == 0

    py = pipeline.describe(tf.data.Dataset.from_tensor_slices(X).map(
        lambda x: tf.py_function(lambda v: v, [x], tf.float32)))
    assert py["py_function"] == "tf.py_function" and py["sequential_maps"] == 1 and py["source"] == "tensors"

    @tf.function
    def through_numpy(x):  # a tf.function inside the map: its ops are read from the function library
        return tf.numpy_function(lambda v: v, [x], tf.float32)

    good = pipeline.describe(tf.data.Dataset.from_tensor_slices(X).map(
        through_numpy, num_parallel_calls=tf.data.AUTOTUNE).cache().batch(8).prefetch(tf.data.AUTOTUNE))
    assert good["text"] == "from_tensor_slices → map → cache → batch → prefetch"
    assert good["parallel_maps"] == 1 and good["sequential_maps"] == 0 and good["cache"] and good["prefetch"]
    assert good["py_function"] == "tf.numpy_function" and good["map_functions"] == ["through_numpy"]

    files = pipeline.describe(tf.data.TFRecordDataset(["a.tfrecord", "b.tfrecord"]))
    assert files["reader"] == "TFRecordDataset" and files["source"] == "files" and not files["interleave"]


def test_the_watch_counts_iterators_per_dataset_and_puts_the_original_back():
    original, original_next = iterator_ops.OwnedIterator.__init__, iterator_ops.OwnedIterator.__next__
    ds = tf.data.Dataset.from_tensor_slices(X).map(lambda x: x * 2).batch(16)
    watch = pipeline.DataProbe().start()
    try:
        for _ in range(3):
            sum(1 for _ in ds)
        next(iter(tf.data.Dataset.range(3)))
    finally:
        watch.stop()
    assert iterator_ops.OwnedIterator.__init__ is original
    summary = watch.summary()
    assert [(p["text"], p["iterators"]) for p in summary] == [
        ("from_tensor_slices → map → batch", 3), ("range", 1)]
    sum(1 for _ in ds)  # after stop(): not counted
    assert watch.summary()[0]["iterators"] == 3
    assert iterator_ops.OwnedIterator.__next__ is original_next
    # The elements taken from Python, per dataset (the end of the data is not one).
    assert [p.get("elements") for p in watch.summary()] == [3 * -(-len(X) // 16), 1]


def test_keras_call_arguments_are_kept_and_keras_own_pipeline_is_marked():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=4)
    report = measure(lambda: model.fit(X, X[:, :1], batch_size=16, epochs=2, verbose=0))
    assert report.keras_calls == [{"method": "fit", "batch_size": 16, "epochs": 2, "verbose": 0,
                                   "steps_per_execution": 4, "input": "array", "examples": 64, "parameters": 9,
                                   "dtype_policy": "float32", "jit_compile": False}]
    assert report.pipelines and all(p["owner"] == "keras" for p in report.pipelines)
    assert callcounts.call_arguments("predict", model, (tf.data.Dataset.range(2),), {})["input"] == "dataset"


def test_a_dataset_iterated_every_epoch_without_cache_is_no_cache_and_with_cache_is_not():
    def epochs(ds):
        return lambda: [sum(1 for _ in ds) for _ in range(3)]

    mapped = tf.data.Dataset.from_tensor_slices(X).map(tf.tanh, num_parallel_calls=tf.data.AUTOTUNE)
    report = measure(epochs(mapped.batch(8).prefetch(2)))
    finding = by_rule(report)["no_cache"]
    assert "3 iterators were made" in finding.message and ".cache()" in finding.fix
    assert finding.seconds is None and finding.minor  # not stack-sampled: not weighed
    assert "no_cache" not in by_rule(measure(epochs(mapped.cache().batch(8).prefetch(2))))


def test_a_random_augmentation_is_never_told_to_cache():
    """Caching after a random map freezes the augmentation: the model silently trains on one draw."""
    def epochs(ds):
        return lambda: [sum(1 for _ in ds) for _ in range(3)]

    def augment(x):
        return x + tf.random.uniform(tf.shape(x))

    source = tf.data.Dataset.from_tensor_slices(X)
    only_random = source.map(augment).batch(8)
    assert pipeline.describe(only_random)["random_maps"] == 1
    assert "no_cache" not in by_rule(measure(epochs(only_random)))
    both = source.map(tf.tanh).map(augment).batch(8)
    finding = by_rule(measure(epochs(both)))["no_cache"]
    assert "map(preprocess).cache().map(augment)" in finding.fix and "freeze" in finding.fix


def test_python_in_tensorflows_threads_without_a_pipeline_is_still_cpu_in_tf_python():
    def burn(x):
        t0 = time.thread_time()
        while time.thread_time() - t0 < 0.05:
            pass
        return x

    @tf.function
    def step(x):
        return tf.numpy_function(burn, [x], tf.float32)

    step(tf.constant(1.0))
    report = measure(lambda: [step(tf.constant(1.0)) for _ in range(8)], interval_ms=20)
    assert report.pipelines == []
    rules = by_rule(report)
    assert "input_bound" not in rules and "py_function" not in rules
    assert "tf.numpy_function" in rules["cpu_in_tf_python"].message, report.thread_groups


def test_fit_printing_progress_for_many_epochs_is_an_unweighed_note():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    from IPython.utils.capture import capture_output

    with capture_output():
        report = measure(lambda: model.fit(X, X[:, :1], batch_size=64, epochs=20, verbose=1))
    finding = by_rule(report)["keras_verbose_flood"]
    assert finding.severity == "info" and finding.minor and finding.seconds is None
    assert "epochs=20, verbose=1" in finding.message and "verbose=2" in finding.fix
    quiet = measure(lambda: model.fit(X, X[:, :1], batch_size=64, epochs=20, verbose=0))
    assert "keras_verbose_flood" not in by_rule(quiet)


def test_numpy_function_in_a_tf_function_is_named_with_or_without_a_sample_of_its_thread():
    def np_softclip(a):
        return np.tanh(a) * 3.0

    m = tf.constant(np.random.default_rng(0).normal(size=(256, 256)).astype("float32"))

    @tf.function
    def step(x):
        return tf.reduce_sum(tf.numpy_function(np_softclip, [tf.matmul(x, x)], tf.float32))

    step(m)
    report = measure(lambda: [step(m) for _ in range(300)], interval_ms=20, stacks_ms=1.0)
    rules = by_rule(report)
    finding = rules["py_function"]
    assert "np_softclip" in finding.message and "tf.numpy_function" in finding.message
    assert 0 < finding.seconds <= report.wall_s and "np_softclip" in finding.fix
    assert "cpu_in_tf_python" not in rules  # one cause, one finding
    # The stack sampler's looks at TensorFlow's thread are luck (1-5 of ~200 in such a cell, under load
    # none): without any, the timed calls still name the function.
    report.attribution["threads"] = [t for t in report.attribution["threads"]
                                     if t["name"] != "<native thread running Python>"]
    report.findings, _ = findings.evaluate(report, rules=[findings.RULES["py_function"]])
    finding = by_rule(report)["py_function"]
    assert "(np_softclip)" in finding.message and "np_softclip" in finding.fix


def test_the_python_tensorflows_threads_call_is_timed_per_function_and_call():
    def np_halve(a):
        return a / 2

    def eager_double(t):
        return t * 2

    @tf.function
    def step(x):
        return tf.py_function(eager_double, [tf.numpy_function(np_halve, [x], tf.float32)], tf.float32)

    step(tf.constant(1.0))
    report = measure(lambda: [step(tf.constant(1.0)) for _ in range(7)])
    calls = {row["function"]: row for row in report.tf_python_calls}
    assert calls.keys() == {"np_halve", "eager_double"}, report.tf_python_calls
    for row in calls.values():
        assert row["calls"] == 7 and row["filename"] == __file__ and 0 < row["seconds"] < report.wall_s
    assert measure(lambda: step(tf.constant(1.0))).tf_python_calls[0]["calls"] == 1  # per measurement


def test_a_py_function_that_mostly_waits_is_told_to_run_in_parallel_and_one_that_computes_is_not():
    """tensorflow/docs guide/data_performance's mapped_function sleeps in a tf.py_function: the GIL is free
    while it sleeps, so num_parallel_calls does overlap the calls (the guide measures it); a function that
    computes in Python is told to become TensorFlow ops instead."""
    def sleeps(x):
        time.sleep(0.01)
        return x

    def burns(x):
        t0 = time.thread_time()
        while time.thread_time() - t0 < 0.01:
            pass
        return x

    def loop(fn, parallel=None):
        ds = tf.data.Dataset.from_tensor_slices(X[:24]).map(
            lambda v: tf.py_function(fn, [v], tf.float32), num_parallel_calls=parallel)
        return lambda: [time.sleep(0.002) for _ in ds]

    waiting = by_rule(measure(loop(sleeps), interval_ms=20, stacks_ms=1.0))["py_function"]
    assert "mostly waited" in waiting.message and "num_parallel_calls=tf.data.AUTOTUNE" in waiting.fix
    computing = by_rule(measure(loop(burns), interval_ms=20, stacks_ms=1.0))["py_function"]
    assert "cannot spread it over cores" in computing.message
    assert "mostly waited" not in computing.message


def test_a_new_pipeline_per_step_is_named_as_such_not_as_a_slow_structure():
    """``ds.skip(i).take(1)`` per step builds a pipeline per step: prefetch or parallel maps would not help."""
    ds = tf.data.Dataset.from_tensor_slices(X).map(lambda v: v * 2.0)

    def per_step():
        return [next(iter(ds.skip(i).take(1))) for i in range(40)]

    rules = by_rule(measure(per_step, interval_ms=20, stacks_ms=1.0))
    finding = rules["pipeline_per_step"]
    # the probe keeps 32 datasets per cell and counts the rest
    assert "at least 32 datasets of the same shape" in finding.message and "skip(i)" in finding.message
    assert "it = iter(ds)" in finding.fix and "input_bound" not in rules

    def once():
        it = iter(ds)
        return [next(it) for _ in range(40)]

    assert "pipeline_per_step" not in by_rule(measure(once, interval_ms=20, stacks_ms=1.0))


def test_a_bare_range_is_never_told_to_prefetch_and_the_pipeline_that_works_is_named():
    """tensorflow/docs guide/data_performance's fast_benchmark iterates Dataset.range(epochs) around the pipeline."""
    inner = tf.data.Dataset.range(20000).map(lambda v: v + 1).batch(256)

    def loop():
        for _ in tf.data.Dataset.range(2):
            for _ in inner:
                pass

    finding = by_rule(measure(loop, interval_ms=20, stacks_ms=1.0)).get("input_bound")
    assert finding is None or "(range)" not in finding.message, finding.message


def test_a_cheap_map_before_batch_is_told_to_batch_first_and_a_heavy_one_is_not():
    """tf.data pays a function call per element: a map of a few element-wise ops costs more in calls than in
    ops, and runs as well over a batch (the tf.data guide's 'vectorizing mapping'); a heavy map does not shrink."""
    data = np.random.default_rng(0).random((30000, 8)).astype("float32")

    def normalise(x):
        return (x - 0.5) / 0.25

    cheap = tf.data.Dataset.from_tensor_slices(data).map(normalise).batch(512)
    assert pipeline.describe(cheap)["elementwise_maps"] == 1
    finding = by_rule(measure(lambda: [float(tf.reduce_sum(b)) for b in cheap], interval_ms=20,
                              stacks_ms=1.0)).get("input_bound")
    assert finding is not None and "batch first" in finding.fix, finding

    def heavy(x):
        m = tf.reshape(tf.tile(x, [8]), (8, 8))
        return tf.linalg.matmul(m, m)

    assert "elementwise_maps" not in pipeline.describe(
        tf.data.Dataset.from_tensor_slices(data).map(heavy).batch(512))


def test_parallel_reads_and_maps_are_advised_only_when_the_machine_had_an_idle_core():
    """On busy cores, num_parallel_calls and interleave wait for the same cores (measured 0.94-1.52x here)."""
    import subprocess
    import sys

    images = tf.random.normal((300, 96, 96))

    def preprocess(image):
        for _ in range(4):
            image = tf.tanh(tf.linalg.matmul(image, image) / 96.0)
        return image

    ds = tf.data.Dataset.from_tensor_slices(images).map(preprocess).batch(16).prefetch(2)

    def cell():  # read for 0.5 s at least: one pass took 0.1 s on a CI machine, under the meter's idle floor
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.5:
            for b in ds:
                float(tf.reduce_sum(b))

    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
    try:
        report = measure(cell, interval_ms=20, stacks_ms=1.0)
    finally:
        for p in burners:
            p.kill()
            p.wait()
    assert report.idle_cores is not None and 0.0 <= report.idle_cores <= report.cores + 0.2
    finding = by_rule(report).get("input_bound")
    said = "" if finding is None else finding.message + finding.fix
    if report.idle_cores < findings.rules_data.IDLE_FOR_PARALLEL:
        assert "num_parallel_calls" not in said, (report.idle_cores, said)
    else:  # the burners did not fill the cores (more cores than this test expects): the advice stands
        assert finding is not None and "num_parallel_calls" in said, (report.idle_cores, said)


def test_a_shuffle_after_a_heavy_map_is_named_and_not_told_to_prefetch():
    """The shuffle buffer fills with mapped elements before the first comes out: a prefetch cannot
    shorten that, shuffling the cheap inputs before the map does (benchmarks/fixes.py)."""
    src = tf.data.Dataset.range(3000)

    def heavy(i):
        x = tf.random.stateless_normal([80, 80], seed=tf.stack([i, i]))
        return tf.reduce_sum(tf.linalg.matmul(x, x))

    slow = src.map(heavy).shuffle(3000, seed=1).batch(32)
    finding = by_rule(measure(lambda: next(iter(slow)), interval_ms=20, stacks_ms=1.0)).get("input_bound")
    assert finding is not None and "shuffle comes after the map" in finding.message, finding
    assert "prefetch" not in finding.fix and "shuffle what is cheap before the map" in finding.fix
    fixed = src.shuffle(3000, seed=1).map(heavy).batch(32)
    quiet = by_rule(measure(lambda: next(iter(fixed)), interval_ms=20, stacks_ms=1.0)).get("input_bound")
    assert quiet is None or "shuffle comes after" not in quiet.message


def test_a_shard_after_the_map_is_named_first_and_not_told_to_prefetch():
    """Every element is mapped, then all but one in n dropped: sharding first maps only the kept ones
    (benchmarks/fixes.py: 0.20x); a prefetch would overlap the waste, not remove it."""
    src = tf.data.Dataset.range(4800)  # 2,400: 136 ms waited on a fast machine, under the shown floor

    def heavy(i):
        x = tf.random.stateless_normal([80, 80], seed=tf.stack([i, i]))
        return tf.reduce_sum(tf.linalg.matmul(x, x))

    def read(ds):
        return lambda: sum(float(tf.reduce_sum(b)) for b in ds)

    slow = src.map(heavy).shard(8, 0).batch(32)
    finding = by_rule(measure(read(slow), interval_ms=20, stacks_ms=1.0)).get("input_bound")
    assert finding is not None and "it shards after its map" in finding.message, finding
    assert "prefetch" not in finding.fix and "shard first" in finding.fix
    fixed = src.shard(8, 0).map(heavy).batch(32)
    quiet = by_rule(measure(read(fixed), interval_ms=20, stacks_ms=1.0)).get("input_bound")
    assert quiet is None or "shards after" not in quiet.message


def test_an_element_of_many_columns_is_named_and_not_told_to_parallelise_its_map():
    """A dict of 120 columns: every element is 120 tensors that slicing and batching handle one by one. Packing
    them into one array is the fix (benchmarks/fixes.py); a parallel map or a prefetch did not help."""
    rng = np.random.default_rng(0)
    columns = {f"c{i:03d}": rng.normal(size=12_000).astype("float32") for i in range(120)}

    def read(ds):
        return lambda: [float(tf.reduce_sum(b)) for b in ds]

    slow = tf.data.Dataset.from_tensor_slices(columns).batch(256).map(lambda c: tf.stack(list(c.values()), axis=1))
    finding = by_rule(measure(read(slow), interval_ms=20, stacks_ms=1.0)).get("input_bound")
    assert finding is not None and "a structure of 120 tensors" in finding.message, finding
    assert "num_parallel_calls" not in finding.fix and "prefetch" not in finding.fix
    assert "np.stack(list(columns.values()), axis=1)" in finding.fix
    fixed = tf.data.Dataset.from_tensor_slices(np.stack(list(columns.values()), axis=1)).batch(256)
    quiet = by_rule(measure(read(fixed), interval_ms=20, stacks_ms=1.0)).get("input_bound")
    assert quiet is None or "tensors" not in quiet.message


def _records(folder, count, per_file):
    """``count`` small records written ``per_file`` to a file under ``folder``; the files' paths."""
    paths = []
    for start in range(0, count, per_file):
        paths.append(str(folder / f"part_{start:06d}.tfrecord"))
        with tf.io.TFRecordWriter(paths[-1]) as writer:
            for i in range(start, min(count, start + per_file)):
                writer.write(tf.io.serialize_tensor(tf.constant([float(i)] * 8)).numpy())
    return paths


def test_many_tiny_files_are_named_and_not_told_to_read_them_in_parallel(tmp_path):
    """Opening a file and its reader is the cost: interleave measured 3.0x slower on 10,000 one-record files."""
    (tmp_path / "tiny").mkdir()
    (tmp_path / "one").mkdir()
    tiny, one = _records(tmp_path / "tiny", 2000, 1), _records(tmp_path / "one", 2000, 2000)

    def read(files):
        return lambda: [int(tf.size(b)) for b in tf.data.TFRecordDataset(files).batch(100)]

    finding = by_rule(measure(read(tiny), interval_ms=20, stacks_ms=1.0)).get("input_bound")
    assert finding is not None and "it reads 2,000 files of about" in finding.message, finding
    assert "interleave" not in finding.fix.split(";")[0] and "num_parallel_calls" not in finding.fix
    assert "a few large files" in finding.fix
    quiet = by_rule(measure(read(one), interval_ms=20, stacks_ms=1.0)).get("input_bound")
    assert quiet is None or ("files of about" not in quiet.message and "one after another" not in quiet.message)


def test_a_cache_before_take_read_again_is_named_and_not_told_to_prefetch():
    """tf.data discards a cache its iterator stopped reading early: every pass maps again (a prefetch: no gain)."""
    src = tf.data.Dataset.range(3000)

    def heavy(i):
        x = tf.random.stateless_normal([80, 80], seed=tf.stack([i, i]))
        return tf.reduce_sum(tf.linalg.matmul(x, x))

    def read(ds):
        return lambda: [float(tf.reduce_sum(b)) for b in ds]

    slow = src.map(heavy).cache().take(150).batch(25).repeat(20)
    finding = by_rule(measure(read(slow), interval_ms=20, stacks_ms=1.0)).get("input_bound")
    assert finding is not None and "its cache comes before take" in finding.message, finding
    assert "prefetch" not in finding.fix and "ds.take(k).cache()" in finding.fix
    fixed = src.map(heavy).take(150).cache().batch(25).repeat(20)
    quiet = by_rule(measure(read(fixed), interval_ms=20, stacks_ms=1.0)).get("input_bound")
    assert quiet is None or "cache comes before take" not in quiet.message


@pytest.mark.parametrize("stages, iterators, named", [
    (["range", "map", "cache", "take", "batch", "repeat"], 1, True),
    (["range", "map", "cache", "take", "batch"], 2, True),  # read twice
    (["range", "map", "cache", "take", "batch"], 1, False),  # read once: the cache is never read anyway
    (["range", "map", "take", "cache", "batch", "repeat"], 1, False),  # the fix
    (["range", "take", "map", "cache", "repeat"], 1, False),
])
def test_a_cache_before_take_matters_only_when_read_again(stages, iterators, named):
    from tfplotguard.check.findings.rules_data import _cache_before_take

    assert _cache_before_take({"stages": stages, "text": "", "iterators": iterators}) is named


def test_a_map_that_reduces_a_captured_tensor_at_every_element_is_named_and_a_lookup_is_not():
    """A map closing over a large tensor and reducing it (its column norms here) redoes that for every element:
    the cause is the captured work, not tf.data's call per element (blind set 9's statistics in a map, not blind)."""
    table = tf.random.normal((4000, 128))  # at 3000 x 64 the cell waited 139 ms on a CI machine: under the floor

    def scale(row):
        return row / tf.norm(table, axis=0)  # the same 128 norms, from 512,000 values, for each row

    slow = tf.data.Dataset.from_tensor_slices(table).map(scale).batch(50)
    finding = by_rule(measure(lambda: [float(tf.reduce_sum(b)) for b in slow], interval_ms=20,
                              stacks_ms=1.0)).get("input_bound")
    assert slow._input_dataset._map_func is not None
    assert finding is not None and "reduces a tensor it captured from outside (512,000 values)" in finding.message
    assert "compute it once, before building the pipeline" in finding.fix and "batch first" not in finding.fix

    norms = tf.norm(table, axis=0)
    fixed = tf.data.Dataset.from_tensor_slices(table).map(lambda row: row / norms).batch(50)
    lookup = tf.data.Dataset.range(4000).map(lambda i: tf.gather(table, i)).batch(50)
    projected = tf.data.Dataset.from_tensor_slices(table).map(lambda row: tf.linalg.matvec(tf.tile(table[:128], [20, 1]), row))
    images = tf.data.Dataset.from_tensor_slices(tf.random.normal((20, 400, 400))).map(lambda im: im - tf.reduce_mean(im))
    inside = tf.data.Dataset.from_tensor_slices(table).map(lambda row: row * tf.reduce_mean(tf.ones((600, 600))))
    for ds in (fixed, lookup, projected.batch(50), images.batch(5), inside.batch(50)):  # per-element work; no capture
        report = measure(lambda ds=ds: [float(tf.reduce_sum(b)) for b in ds], interval_ms=20, stacks_ms=1.0)
        said = " ".join(f.message for f in report.findings)
        assert "captured from outside" not in said, said
        assert not (report.pipelines or [{}])[0].get("captured_reduced"), report.pipelines


def test_elements_taken_one_at_a_time_are_told_to_batch_and_not_to_prefetch():
    """An unbatched dataset iterated from Python: each ``next`` is an eager op and its hand-over (58-105 µs here
    whatever the element), which a prefetch does not shorten (measured: no gain) and batching removes."""
    data = np.random.default_rng(0).random((12000, 16)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices(data).map(lambda v: v * 2.0)
    report = measure(lambda: [x.numpy() for x in ds], interval_ms=20, stacks_ms=1.0)
    assert report.pipelines[0]["elements"] == 12000
    finding = by_rule(report).get("input_bound")
    assert finding is not None and "12,000 elements one at a time" in finding.message, finding
    assert ".batch(1000)" in finding.fix and "prefetch" not in finding.fix
    # Elements that each take real work to make (a heavy map) are that work, not the iterator's step.
    def work(v):
        m = tf.reshape(tf.tile(v, [4096]), (256, 256))
        return m @ m @ m @ m @ m @ m @ m  # six products: 0.17-0.19 ms an element waited on a fast machine with three

    heavy = tf.data.Dataset.from_tensor_slices(data[:1000]).map(work)
    heavy_report = measure(lambda: [x.numpy() for x in heavy], interval_ms=20, stacks_ms=1.0)
    waited = sum(c["seconds"] for c in heavy_report.attribution["categories"] if c["id"] == "tf_data_wait")
    assert waited / 1000 > 0.0002, waited  # the machine made each element slower than a step: what is tested
    slow_map = by_rule(heavy_report).get("input_bound")
    assert slow_map is None or "one at a time, unbatched" not in slow_map.message, slow_map



def test_an_iterator_that_cannot_be_hashed_is_iterated_as_usual_and_not_counted():
    """The element count keys iterators weakly; a subclass without a hash must still run, uncounted (fails open)."""
    class Unhashable(iterator_ops.OwnedIterator):
        def __eq__(self, other):
            return self is other

    assert Unhashable.__hash__ is None
    ds = tf.data.Dataset.range(5)
    watch = pipeline.DataProbe().start()
    try:
        got = [int(x) for x in Unhashable(ds)]
    finally:
        watch.stop()
    assert got == [0, 1, 2, 3, 4]
    assert [p.get("elements") for p in watch.summary()] == [None]


def test_a_cheap_map_after_batch_is_not_told_to_run_in_parallel_and_a_heavy_one_is():
    """A map that only stacks or slices a batch's columns costs microseconds per batch: running it in parallel
    overlaps nothing that costs (blind set 10's CSV twin: 0.24-0.31 s, and 0.25-0.32 s with
    num_parallel_calls and a prefetch). A heavy map after batch still gets the advice."""
    from tfplotguard.check.findings.rules_data import _defects

    columns = tuple(np.zeros((2048, 6), "float32").T)
    cheap = tf.data.Dataset.from_tensor_slices(columns).batch(512).map(lambda *cols: tf.stack(cols[:3], axis=1))

    def heavy(*cols):
        m = tf.stack(cols, axis=1)
        return tf.linalg.matmul(m, m, transpose_a=True)

    heavier = tf.data.Dataset.from_tensor_slices(columns).batch(512).map(heavy)
    told = [[fix for _, fix in _defects(pipeline.describe(ds), waited=1.0, min_wait_s=0.15, idle_cores=1.0,
                                        own_s=0.0)] for ds in (cheap, heavier)]
    assert not any("num_parallel_calls" in fix for fix in told[0]), told[0]
    assert any("num_parallel_calls" in fix for fix in told[1]), told[1]
