"""The bare ``%tfcheck`` panel gathered: TensorFlow, matplotlib, tfplotguard and the process, read once."""

from __future__ import annotations

from typing import Any

from .. import guard
from . import history
from .cpu import threads as cpu
from .format import format_bytes, format_seconds
from .inspect import switches, tfstate
from .probes import mpl as mplprobe
from .report.status import StatusReport


def status_report(auto_on: bool = False) -> StatusReport:
    """The ``%tfcheck`` panel: TensorFlow, matplotlib, tfplotguard and the process."""
    tf = tfstate.status()
    mpl = mplprobe.state()
    stats = guard.stats()
    proc = cpu.process()
    process = {"cores": cpu.cpu_count(), "rss": proc.memory_info().rss, "threads": proc.num_threads()}
    left_on = tf.get("switches") if tf.get("imported") else switches.read()
    data = {"tensorflow": tf, "matplotlib": mpl, "guard": stats, "auto_mode": auto_on,
            "reports": len(history.reports()), "process": process, "switches": left_on or {}}

    if not tf.get("imported"):
        tf_rows: list[list[Any]] = [["TensorFlow", "not imported (%tfcheck never imports it)"]]
    else:
        strategy = tf.get("strategy")
        if isinstance(strategy, dict):
            strategy = (f"{strategy['name']}, {strategy['replicas']} replica(s)"
                        + ("" if strategy["in_scope"] else " (no strategy scope: default)"))
        logical = tf.get("logical_devices")
        tf_rows = [
            ["version", tf.get("version")],
            ["executing eagerly", str(tf.get("executing_eagerly"))],
            ["functions run eagerly", str(tf.get("functions_run_eagerly"))],
            ["physical devices", ", ".join(tf.get("physical_devices") or []) or "none"],
            ["logical devices", ", ".join(tfstate.short_device(d) for d in logical) if logical is not None
             else "not initialised yet (no op has run; listing would fix the device configuration)"],
            ["soft placement", str(tf.get("soft_device_placement"))],
            ["intra/inter-op threads", f"{tf.get('intra_op_threads')} / {tf.get('inter_op_threads')} (0 = one per core)"],
            ["strategy", str(strategy)],
        ]
        for device, info in sorted((tf.get("gpu_memory") or {}).items()):
            tf_rows.append([f"{device} memory", f"now {format_bytes(info['current'])}, peak {format_bytes(info['peak'])}"])
    if mpl.get("imported"):
        mpl_rows = [["version", mpl["version"]], ["backend", mpl["backend"]],
                    ["interactive", str(mpl["interactive"])]]
    else:
        mpl_rows = [["matplotlib", mplprobe.NOT_IMPORTED]]
    by_device = ", ".join(f"{format_bytes(n)} from {d}" for d, n in sorted(stats.get("bytes_by_device", {}).items()))
    guard_rows = [
        ["guard", "enabled" if stats.get("enabled") else "disabled"],
        ["conversions", f"{stats.get('conversions', 0)} in {stats.get('calls', 0)} calls"
                        + (f" ({by_device})" if by_device else "")],
        ["cache", f"{stats.get('cache_hits', 0)} hits, {stats.get('cache_entries', 0)} entries, "
                  f"{format_bytes(stats.get('cache_bytes', 0))}"],
        ["errors (fail-open)", str(stats.get("errors", 0))],
        ["auto mode", "on" if auto_on else "off"],
        ["reports kept", str(data["reports"])],
    ]
    last = history.last_report()
    if last is not None:
        guard_rows.append(["last report", f"{format_seconds(last.wall_s)} wall, {last.source[:40]}"])
    proc_rows = [["cores", str(process["cores"])], ["resident memory", format_bytes(process["rss"])],
                 ["threads", str(process["threads"])]]
    sections = [["TensorFlow", tf_rows]]
    if left_on:
        sections.append(["global switches left on (each can slow every later cell)", switch_rows(left_on)])
    sections += [["matplotlib", mpl_rows], ["tfplotguard", guard_rows], ["process", proc_rows]]
    return StatusReport(sections=sections, data=data)


def switch_rows(left_on: dict[str, str]) -> list[list[str]]:
    """One panel row per switch not at its default: what set it, its value, what it slows, how to switch it off."""
    rows = []
    for switch_id, value in left_on.items():
        try:
            s = switches.switch(switch_id)
        except KeyError:
            continue
        rows.append([switch_id.replace("_", " "), f"{value}, by {s.label}: {s.slows}. Off: {s.fix(value)}"])
    return rows
