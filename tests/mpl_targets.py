"""What the guard patches in matplotlib, as the tests compare it: every target's current attribute."""

from __future__ import annotations

from tfplotguard import guard as _guard


def snapshot_patch_targets() -> dict:
    """``{label: the attribute now on its owner (or ABSENT)}`` for every attribute the guard may patch."""
    from matplotlib._pylab_helpers import Gcf

    targets = dict(_guard.patch_targets())
    targets.update(_guard.draw_targets())
    targets.update({f"Gcf.{name}": (Gcf, name) for name in _guard.PYPLOT_STATE_METHODS})
    return {key: owner.__dict__.get(name, _guard.ABSENT) for key, (owner, name) in targets.items()}
