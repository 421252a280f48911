"""nbval settings for the example notebooks.

stderr is not compared: TensorFlow writes native log lines there, with
timestamps, from C++ and asynchronously (they may land in a later cell or
not at all). stdout, results and display text are all compared, through the
sanitizers in ``nbval_sanitize.cfg``.
"""


def pytest_collection_modifyitems(items):
    for item in items:
        notebook = item.parent
        if type(notebook).__name__ == "IPyNbFile" and "stderr" not in notebook.skip_compare:
            notebook.skip_compare = notebook.skip_compare + ("stderr",)
