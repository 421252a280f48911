"""IPython event callbacks that tfplotguard removes again, tolerantly."""


def unregister_event(shell, name: str, callback) -> None:
    """Remove ``callback`` from the shell's ``name`` event; nothing happens if it is already gone.

    IPython raises ``ValueError`` for an unknown callback (a reset shell, or a
    second unload): an unload must go on regardless.
    """
    try:
        shell.events.unregister(name, callback)
    except ValueError:
        pass
