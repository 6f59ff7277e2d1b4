"""Shared building blocks of the four brokerage batch DAGs (see docs/airflow.md)."""
