"""Grid governance dashboard: data contract, metrics, charts and maps for 网格化治理."""

__version__ = "0.1.0"
