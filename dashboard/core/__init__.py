"""The core: the data contract, settings, periods, loading and validation, selection, formatting."""
