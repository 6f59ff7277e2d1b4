"""ledgerhouse: loader, sample-data generator and CLI beside the dbt project."""

__version__ = "0.1.0"
