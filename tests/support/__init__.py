"""What several test modules share: sandbox-state readers, edit builders, clocks, data files.

Nothing here is imported by ``airflow_batchmod`` or ``benchmarks``; what the benchmarks need too
lives in the package (``airflow_batchmod.sandbox``).
"""
