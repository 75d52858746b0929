"""Benchmarks for airflow-provider-batchmod: they print figures and never assert timings.

Run everything with ``make bench`` (``python -m benchmarks``), or one benchmark by name,
e.g. ``python -m benchmarks throughput``. See ``benchmarks/__main__.py``.
"""
