"""Grid governance dashboard: data contract, metrics, charts and maps for community grid governance."""

__version__ = "0.1.0"
