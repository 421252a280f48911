"""What tfplotguard registered with IPython and removes again, tolerantly: event callbacks, list entries."""


def unregister_event(shell, name: str, callback) -> None:
    """Remove ``callback`` from the shell's ``name`` event; nothing happens if it is already gone.

    IPython raises ``ValueError`` for an unknown callback (a reset shell, or a
    second unload): an unload must go on regardless.
    """
    try:
        shell.events.unregister(name, callback)
    except ValueError:
        pass


def remove_item(items: list, item) -> None:
    """Remove the first entry of ``items`` equal to ``item``; nothing happens if there is none.

    Equality, not identity: every access to a bound method makes a new object, and the shell's
    lists (configurables, transformers, callbacks) hold what was registered, by equality.
    """
    for index, existing in enumerate(items):
        if existing == item:
            del items[index]
            return
