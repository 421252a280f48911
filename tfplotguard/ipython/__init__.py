"""The ipython layer: the per-shell extension owner, the ``%tfcheck`` magics and ``%config TFPlotGuard``.

The top of the layers: it drives ``check`` and holds the ``guard``; nothing
below imports it. Loaded only by ``load_ipython_extension``.
"""
