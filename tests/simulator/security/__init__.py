"""Security tests: the sandbox boundary and every host read of what the sandbox wrote."""
