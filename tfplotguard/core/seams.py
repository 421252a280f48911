"""Named points between the steps that install or remove state, where a test can interrupt.

Everything that installs state in steps (the extension's load and unload, the
cell runner, auto mode, a cell's measurement, the stack sampler) calls
:func:`at` between its steps. It does nothing unless a test sets :data:`hook`:
the interrupt-safety tests record every step of a whole session, then raise
``KeyboardInterrupt`` at each one in turn and assert that nothing is left
behind (``tests/test_measuring_changes_nothing.py``).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

#: Called with the step's name at every :func:`at`; None outside tests.
hook: Optional[Callable[[str], None]] = None


def at(step: str) -> None:
    """A named point between two install (or uninstall) steps: calls :data:`hook` with ``step``, if set."""
    if hook is not None:
        hook(step)


def undo(step: str, action: Callable[..., Any], *args: Any) -> Any:
    """One undo step, ``action(*args)``, at its seam; an interrupt never leaves it half done.

    A ``KeyboardInterrupt`` (or any other non-``Exception``) raised at the seam or inside the
    action runs the action once more, to its end, and then goes on: every undo tolerates running
    twice (removing what is already gone does nothing). Registered on an ``ExitStack``, which runs
    the remaining undos past an interrupted one and raises the interrupt at the end.
    """
    try:
        at(step)
        return action(*args)
    except Exception:
        raise
    except BaseException:
        action(*args)
        raise
