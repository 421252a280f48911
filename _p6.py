import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from benchmarks import guard_bench as g
from benchmarks.timing import interleaved
import tensorflow as tf
for name in sys.argv[1:]:
    build, call, small, large = g.CASES[name]
    na = build(large); ta = tuple(tf.constant(a) for a in na)
    for _ in range(2):
        t = interleaved(g._variants(call, na, ta), repeats=15)
        print(name, {k: round(v / t["numpy"], 3) for k, v in t.items()}, round(t["numpy"]*1e3, 2))
