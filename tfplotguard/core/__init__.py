"""The bottom layer: recognising TensorFlow values and converting them, the convert-once cache,
settings, errors and warnings, the patch helper and the process-state list.

Nothing here imports another tfplotguard layer, TensorFlow or IPython.
"""
