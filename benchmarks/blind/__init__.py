"""A blind test set of slow notebook cells, written without reading the finding rules, and its scorer."""
