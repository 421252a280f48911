"""The check layer: measuring a cell (probes, the CPU meter and its sampler), findings and reports.

Uses ``guard`` (its counters), ``live`` (its counters, for the live-plot row)
and ``core``; never IPython's magics machinery: ``ipython/`` drives it.
"""
