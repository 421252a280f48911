"""LivePlot and live(): real Keras training, real Agg figures, real IPython display publishers.

Redraws are counted where they land: in the outputs recorded by IPython's own
``CapturingDisplayPublisher`` (``capture_output``), each with its display id and
``update`` flag, or in the PNG file. The throttle's clock is injected (a
``FakeClock`` advanced by a Keras callback that runs before LivePlot), so redraw
counts are exact without sleeping.
"""

import base64
import copy
import os
import pickle
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from IPython.utils.capture import capture_output

import tfplotguard
from tfplotguard import live as live_module
from tfplotguard import TFPlotGuardWarning
from tfplotguard.live import LivePlot, Throttle, live
from tfplotguard.live.display import TEXT_PLAIN, mosaic

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[1]
EPOCHS, BATCH = 3, 16  # 48 samples, validation_split=0.25: 3 training batches per epoch


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Ticker(keras.callbacks.Callback):
    """Advances a FakeClock by ``dt`` per training batch (listed before LivePlot, so it ticks first)."""

    def __init__(self, clock, dt):
        super().__init__()
        self.clock, self.dt = clock, dt

    def on_train_batch_end(self, batch, logs=None):
        self.clock.now += self.dt


class RaiseAt(keras.callbacks.Callback):
    """Raises ``error`` at the end of epoch ``epoch`` (listed after LivePlot, which has logged it)."""

    def __init__(self, epoch, error):
        super().__init__()
        self.epoch, self.error = epoch, error

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise self.error


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.random((48, 4), dtype=np.float32)
    return x, x.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def model():
    """One tiny compiled model for the whole module: its train function is traced once."""
    keras.utils.set_random_seed(0)
    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    net.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return net


def fit(model, data, callbacks, epochs=EPOCHS):
    x, y = data
    return model.fit(x, y, epochs=epochs, batch_size=BATCH, validation_split=0.25, verbose=0, callbacks=callbacks)


def lines_of(figure, title):
    """{label: (x, y)} of the epoch-level lines in the axes titled ``title``."""
    ax = next(a for a in figure.axes if a.get_title() == title)
    return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
            for line in ax.get_lines() if not line.get_label().startswith("_")}


def suptitle(figure):
    """The figure's suptitle text (``Figure.get_suptitle`` exists only from matplotlib 3.8 on)."""
    return figure._suptitle.get_text() if figure._suptitle is not None else ""


def pngs(outputs):
    return [base64.b64decode(o.data["image/png"]) for o in outputs]


# -- the callback class ----------------------------------------------------------------------


def test_liveplot_is_one_real_keras_callback_class():
    lp, other = LivePlot(), LivePlot()
    assert isinstance(lp, LivePlot) and isinstance(lp, keras.callbacks.Callback)
    assert isinstance(lp, tf.keras.callbacks.Callback)  # tf.keras is Keras 3 in TensorFlow 2.21
    assert type(lp) is type(other) is LivePlot and LivePlot.__name__ == "LivePlot"
    assert issubclass(LivePlot, keras.callbacks.Callback) and tfplotguard.LivePlot is LivePlot

    class Mine(LivePlot):
        pass

    assert isinstance(Mine(), Mine) and isinstance(Mine(), keras.callbacks.Callback)


def test_bad_arguments_are_refused_with_the_reason():
    for kwargs, error in [({"min_interval": -1}, "min_interval"), ({"max_share": 0}, "max_share"),
                          ({"output": "gui"}, "output")]:
        with pytest.raises(ValueError, match=error):
            live(**kwargs)
    with pytest.raises(TypeError, match="images must be a callable"):
        LivePlot(images=np.zeros((2, 2)))
    with pytest.raises(TypeError, match="scalar"):
        live(output="file").log(0, loss=[1.0, 2.0])


# -- copies: keras-tuner deep-copies every callback before each trial -------------------------------


def _pickled(value):
    return pickle.loads(pickle.dumps(value))


COPIES = pytest.mark.parametrize("make_copy", [copy.copy, copy.deepcopy, _pickled], ids=["copy", "deepcopy", "pickle"])


@COPIES
def test_a_copy_keeps_the_settings_and_nothing_of_the_run(make_copy, tmp_path):
    lp = LivePlot(["loss"], batches=False, min_interval=0.25, max_share=0.5, output="file", path=tmp_path / "a.png",
                  title="run", figsize=(4, 3), dpi=60, max_points=100)
    twin = make_copy(lp)
    assert type(twin) is LivePlot and isinstance(twin, keras.callbacks.Callback)
    assert twin.live is not lp.live and twin.live._lock is not lp.live._lock
    assert twin.live.metrics == ["loss"] and twin.batches is False and twin.images is None
    assert (twin.live.throttle.min_interval, twin.live.throttle.max_share) == (0.25, 0.5)
    assert (twin.live.output, twin.live.path, twin.live.title, twin.live.max_points) == ("file", tmp_path / "a.png",
                                                                                         "run", 100)
    assert twin.live._figure_options == {"figsize": (4, 3), "dpi": 60, "max_cols": 3}
    assert twin.live.clock is time.perf_counter  # the default clock, by reference, not a copy
    assert twin.history == {} and twin.redraws == 0 and twin.figure is None and twin.model is None


@COPIES
def test_a_copy_of_a_liveplot_that_trained_starts_empty_with_its_own_display(ip, model, data, make_copy):
    lp = LivePlot()
    with capture_output() as first:
        fit(model, data, [lp])
    drawn, figure = lp.redraws, lp.figure
    twin = make_copy(lp)
    # nothing of the run: no values, no frame, no output, no model (Keras sets it at the next fit)
    assert twin.history == {} and twin.redraws == 0 and twin.figure is None and twin.live.output_kind is None
    assert twin.model is None and twin.live._lock is not lp.live._lock
    with capture_output() as second:
        history = fit(model, data, [twin])
    assert twin.history == history.history and twin.finished and twin.redraws >= 1
    assert suptitle(twin.figure) == "epoch 3/3 · done"  # epochs 1-3 again: the copy has no earlier epochs
    assert twin.figure is not figure and lp.figure is figure and lp.redraws == drawn
    assert len(lp.history["loss"]) == EPOCHS  # the original did not see the second fit
    ids = [{o.transient["display_id"] for o in run.outputs} for run in (first, second)]
    assert len(ids[0]) == len(ids[1]) == 1 and ids[0] != ids[1]  # one output each, not shared
    assert second.outputs[0].update is False  # the copy's first frame is a new display, not an update


def test_the_keras_tuner_pattern_deepcopies_the_callback_list_per_trial(ip, model, data):
    original = [LivePlot()]
    runs = []
    for _trial in range(2):
        callbacks = copy.deepcopy(original)  # what keras-tuner does before each trial
        with capture_output() as captured:
            history = fit(model, data, callbacks)
        assert callbacks[0].history == history.history and callbacks[0].finished
        runs.append({o.transient["display_id"] for o in captured.outputs})
    assert len(runs[0]) == len(runs[1]) == 1 and runs[0] != runs[1]
    assert original[0].history == {} and original[0].redraws == 0


def test_liveplot_is_defined_on_first_access_as_one_picklable_class():
    script = textwrap.dedent("""
        import pickle
        import sys
        import tfplotguard
        import tfplotguard.live
        from tfplotguard import *  # noqa: F403
        print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
        assert "LivePlot" not in dir(tfplotguard), "a <TAB> would import Keras"
        from tfplotguard import LivePlot  # before Keras was imported: this imports it
        import keras
        module = sys.modules["tfplotguard.live"]
        assert LivePlot is tfplotguard.LivePlot is module.LivePlot is module.keras.LivePlot, "one class object"
        assert LivePlot.__module__ == "tfplotguard.live.keras" and LivePlot.__qualname__ == "LivePlot"
        assert LivePlot.__bases__[-1] is keras.callbacks.Callback, LivePlot.__mro__
        assert type(pickle.loads(pickle.dumps(LivePlot()))) is LivePlot
        assert "LivePlot" in dir(tfplotguard) and "LivePlot" in dir(module)
        print("OK")
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "OK"]


# -- Done when: display updates, throttle, final figure, exception ---------------------------------


def test_fit_updates_one_output_in_place_through_the_display_publisher(ip, model, data):
    clock = FakeClock()
    lp = LivePlot(clock=clock)
    before = live_module.counters()
    with capture_output() as captured:
        history = fit(model, data, [Ticker(clock, 0.25), lp])
    outputs = captured.outputs
    # 9 batches at t = 0.25 … 2.25: frames at 0.5, 1.0, 1.5, 2.0 (0.5 s apart, the first 0.5 s after
    # the start), and the final one
    assert lp.redraws == 5 and len(outputs) == 5
    assert [o.update for o in outputs] == [False, True, True, True, True]  # one display, updated in place
    assert len({o.transient["display_id"] for o in outputs}) == 1
    assert all(o.data["text/plain"] == TEXT_PLAIN for o in outputs)
    assert all(png.startswith(PNG_SIGNATURE) for png in pngs(outputs))
    # the final frame holds every epoch, with exactly the values Keras logged
    lines = lines_of(lp.figure, "loss")
    assert lines["loss"] == ([1.0, 2.0, 3.0], history.history["loss"])
    assert lines["val_loss"] == ([1.0, 2.0, 3.0], history.history["val_loss"])
    assert lines_of(lp.figure, "mae")["val_mae"][1] == history.history["val_mae"]
    assert lp.history == history.history and all(type(v) is float for v in lp.history["loss"])
    assert suptitle(lp.figure) == "epoch 3/3 · done"
    # process-wide accounting for %%tfcheck
    after = live_module.counters()
    assert after["redraws"] - before["redraws"] == 5 and after["seconds"] > before["seconds"]
    assert tfplotguard.live.plot_seconds is live_module.plot_seconds  # also when tfplotguard.live is the function


@pytest.mark.parametrize("dt, expected", [(0.0, 1), (0.1, 2), (0.25, 5), (1.0, 10)])
def test_the_throttle_bounds_redraws_by_time(tmp_path, model, data, dt, expected):
    clock = FakeClock()
    lp = LivePlot(clock=clock, output="file", path=tmp_path / "curve.png")
    fit(model, data, [Ticker(clock, dt), lp])
    # At most one frame per 0.5 s of (fake) time, plus the final frame; never one per batch when fast.
    elapsed = 9 * dt
    assert lp.redraws == expected <= min(9, int(elapsed / 0.5)) + 1
    assert lp.live.throttled > 0
    assert (tmp_path / "curve.png").read_bytes().startswith(PNG_SIGNATURE)


def test_throttle_keeps_both_the_interval_and_the_time_share():
    throttle = Throttle(min_interval=0.5, max_share=0.0625)
    throttle.start(10.0)
    assert not throttle.due(10.499) and throttle.due(10.5)  # the first frame: min_interval after the start
    throttle.drawn(10.5, 10.515625)  # a fast frame: the interval decides
    assert not throttle.due(10.999) and throttle.due(11.0)
    throttle.drawn(11.0, 11.5)  # a slow frame: 33/64 s spent; the next and the final one may cost 1/2 s each,
    assert not throttle.due(34.249) and throttle.due(34.25)  # so wait until 6.25 % of the run covers 97/64 s
    late = Throttle(min_interval=0.5, max_share=0.0625)
    late.start(0.0, expected_cost=0.25)  # frames have cost 1/4 s in this process: the first waits for 8 s
    assert not late.due(7.999) and late.due(8.0)


def test_an_exception_mid_fit_still_leaves_the_final_figure(ip, model, data):
    clock = FakeClock()
    lp = LivePlot(clock=clock)
    names = dict(lp=lp, model=model, data=data, fit=fit, RaiseAt=RaiseAt, Ticker=Ticker, clock=clock)
    ip.user_ns.update(names)
    try:
        with capture_output() as captured:
            result = ip.run_cell("fit(model, data, [Ticker(clock, 0.25), lp, RaiseAt(1, RuntimeError('diverged'))])")
    finally:
        for name in names:
            ip.user_ns.pop(name, None)
    assert isinstance(result.error_in_exec, RuntimeError)
    # Keras never called on_train_end; IPython's post_run_cell did close the run.
    assert lp.finished
    assert len(lp.history["loss"]) == 2
    assert lines_of(lp.figure, "loss")["loss"][0] == [1.0, 2.0]
    assert suptitle(lp.figure) == "epoch 2/3 · stopped by RuntimeError"
    outputs = captured.outputs
    # frames at t = 0.5, 1.0, 1.5 while training, then the final one, all in the same output
    assert [o.update for o in outputs] == [False, True, True, True] and lp.redraws == 4
    assert len({o.transient["display_id"] for o in outputs}) == 1


def test_tfcheck_reports_live_plottings_share_of_the_cell(ip, model, data, monkeypatch):
    from tfplotguard.check import report as rep

    # The first frame's expected cost is what frames cost earlier in this process: after slow
    # frames of other tests (matplotlib 3.7 draws slower) a short fit could afford its final
    # frame only. With no history the first epoch draws, so the cell has two frames at least.
    monkeypatch.setattr(sys.modules["tfplotguard.live.throttle"], "_FRAME_COST", [0.0])  # the module, not the function
    names = dict(LivePlot=LivePlot, model=model, data=data, fit=fit)
    ip.user_ns.update(names)
    ip.run_line_magic("load_ext", "tfplotguard")
    try:
        with capture_output() as captured:
            result = ip.run_cell("%%tfcheck\nlp = LivePlot(min_interval=0.0, max_share=1.0)\nfit(model, data, [lp])")
        assert result.success
        report = rep.last_report()
        lp = ip.user_ns["lp"]
        assert report.live["redraws"] == lp.redraws >= 2
        assert 0 < report.live["seconds"] < report.wall_s
        text = captured.outputs[-1].data["text/plain"]
        assert f"live plot    {lp.redraws} redraws in" in text and "% of the cell)" in text
        assert "interactive_redraws" not in [f.rule for f in report.findings]
    finally:
        ip.run_line_magic("unload_ext", "tfplotguard")
        for name in (*names, "lp"):
            ip.user_ns.pop(name, None)


def test_keyboard_interrupt_in_a_with_block_writes_the_final_png(tmp_path, model, data, capsys):
    path = tmp_path / "runs" / "curve.png"
    with pytest.raises(KeyboardInterrupt):
        with LivePlot(output="file", path=path, clock=FakeClock()) as lp:
            fit(model, data, [lp, RaiseAt(0, KeyboardInterrupt())])
    assert lp.finished and lp.live.output_kind == "file"
    assert suptitle(lp.figure) == "epoch 1/3 · stopped by KeyboardInterrupt"
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    err = capsys.readouterr().err
    assert err.count("the live plot is written to") == 1 and str(path) in err


def test_the_image_panel_is_converted_once_per_shown_epoch(ip, model, data):
    x, _ = data
    calls = []

    def predictions(net):
        calls.append(1)
        return tf.tile(tf.reshape(net(x[:4]), (4, 1, 1)), (1, 5, 5))  # four 5x5 "images", a tensor

    lp = LivePlot(images=predictions, clock=FakeClock())
    with capture_output():
        fit(model, data, [lp])
    # a frozen clock: no frame is due during training, so the images are made once, for the final frame
    assert len(calls) == 1
    tiled, label = lp.live._image
    assert type(tiled) is np.ndarray and tiled.shape == (5, 4 * 6 - 1) and label == "images after epoch 3"
    shown = lp.figure.axes[-1].get_images()[0].get_array()
    assert shown.shape == (5, 23)


# -- custom loops ------------------------------------------------------------------------------


def test_live_in_a_custom_training_loop(ip):
    keras.utils.set_random_seed(1)
    w = tf.Variable(tf.zeros((4, 1)))
    xs = tf.random.stateless_normal((32, 4), seed=(1, 2))
    ys = xs @ tf.ones((4, 1))
    clock = FakeClock()
    with capture_output() as captured:
        with live(clock=clock, title="regression") as board:
            for step in range(12):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean((xs @ w - ys) ** 2)
                w.assign_sub(0.1 * tape.gradient(loss, w))
                board.log(step, loss=loss)  # an EagerTensor: converted to a float now
                if step % 4 == 3:
                    board.log(step, val_loss=loss * 1.1)
                    board.image(tf.reshape(w, (2, 2)))
                clock.now += 0.2
    assert board.history.keys() == {"loss", "val_loss"}
    assert all(type(v) is float for v in board.history["loss"]) and len(board.history["loss"]) == 12
    assert board.steps["val_loss"] == [3.0, 7.0, 11.0]
    assert board.history["loss"][-1] < board.history["loss"][0]
    assert set(lines_of(board.figure, "loss")) == {"loss", "val_loss"}  # paired in one panel
    outputs = captured.outputs
    # 12 steps 0.2 s apart from t = 0: frames at 0.6, 1.2, 1.8 (0.5 s apart at least), and the final one
    assert board.redraws == len(outputs) == 4 and [o.update for o in outputs] == [False, True, True, True]
    assert suptitle(board.figure) == "regression · step 11 · done"


def test_in_terminal_ipython_the_plot_goes_to_a_png_file(ip, tmp_path, capsys):
    path = tmp_path / "live.png"
    board = live(path=path)
    for step in range(3):
        board.log(step, loss=1.0 / (step + 1))
    board.close()
    # the terminal shell's publisher shows text only, so the frames went to the file
    assert board.output_kind == "file" and path.read_bytes().startswith(PNG_SIGNATURE)
    assert capsys.readouterr().err.count(str(path)) == 1


def test_a_script_imports_lazily_writes_png_and_closes_at_exit(tmp_path):
    script = textwrap.dedent("""
        import sys
        import atexit
        import tfplotguard
        from tfplotguard.live import live
        print(sorted(m for m in ("tensorflow", "keras", "matplotlib", "IPython") if m in sys.modules))
        atexit.register(lambda: print("final:", board.finished, board.figure._suptitle.get_text()))
        board = live()
        for step in range(4):
            board.log(step, loss=1.0 / (step + 1))
        raise RuntimeError("boom")  # never closed: the atexit hook draws the final frame
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1 and "RuntimeError: boom" in done.stderr
    assert done.stdout.splitlines()[0] == "[]"  # import tfplotguard(.live): no TensorFlow, Keras, matplotlib
    assert done.stderr.count("the live plot is written to") == 1
    assert (tmp_path / "liveplot.png").read_bytes().startswith(PNG_SIGNATURE)
    assert "final: True step 3 · stopped by RuntimeError" in done.stdout


# -- threads ------------------------------------------------------------------------------------


class PyplotUser(keras.callbacks.Callback):
    """What the lore suggests and must not be done: pyplot from the training thread."""

    def __init__(self):
        super().__init__()
        self.reused_thread_ident = None

    def on_epoch_end(self, epoch, logs=None):
        import matplotlib.pyplot as plt

        from tfplotguard.guard import GUARD

        if self.reused_thread_ident is None:
            self.reused_thread_ident = threading.get_ident() in GUARD._warned_threads
        plt.figure()


def test_values_from_a_worker_thread_are_drawn_on_the_main_thread(ip, guarded, model, data, capsys):
    lp = LivePlot(clock=FakeClock())
    with capture_output() as captured:
        worker = threading.Thread(target=fit, args=(model, data, [lp]), name="trainer")
        worker.start()
        worker.join()
        drawn_in_thread = len(captured.outputs)
        lp.show()  # from the main thread
    assert drawn_in_thread == 0 and lp.live.deferred > 0
    assert "ended on thread 'trainer'" in captured.stderr + capsys.readouterr().err
    assert len(captured.outputs) == 1 and lp.finished
    assert lines_of(lp.figure, "loss")["loss"][0] == [1.0, 2.0, 3.0]
    assert guarded.stats()["pyplot_thread_calls"] == 0  # LivePlot never touches pyplot

    # pyplot from the training thread: the guard warns once, with the fix
    user = PyplotUser()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        worker = threading.Thread(target=fit, args=(model, data, [user]), name="trainer2")
        worker.start()
        worker.join()
    ours = [w for w in caught if issubclass(w.category, TFPlotGuardWarning)]
    assert guarded.stats()["pyplot_thread_calls"] >= EPOCHS
    # (the guard remembers threads by ident, which Python reuses: a recycled ident is not warned again)
    assert len(ours) == (0 if user.reused_thread_ident else 1)
    if ours:
        assert "thread 'trainer2'" in str(ours[0].message) and "matplotlib.figure.Figure()" in str(ours[0].message)


# -- the mosaic --------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, tiled", [
    ((6, 5), (6, 5)), ((6, 5, 3), (6, 5, 3)), ((6, 5, 1), (6, 5)), ((3, 6, 5), (6, 17)),
    ((10, 4, 4, 1), (9, 39)), ((2, 4, 4, 3), (4, 9, 3)),
])
def test_mosaic_tiles_one_image_or_a_batch(shape, tiled):
    assert mosaic(np.ones(shape, np.float32), max_images=10).shape == tiled


def test_mosaic_refuses_what_is_not_an_image():
    with pytest.raises(ValueError, match="got shape"):
        mosaic(np.ones((2, 3, 4, 5, 6)))
    with pytest.raises(TypeError, match="numbers"):
        mosaic(np.array([["a"]]))
