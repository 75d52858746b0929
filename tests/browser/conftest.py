"""The browser tests reuse the DAG tests' Airflow home (one migrated metadata database)."""

from tests.dags.conftest import airflow_environment, run_dag

__all__ = ["airflow_environment", "run_dag"]
