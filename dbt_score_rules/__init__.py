"""ledgerhouse conventions as dbt-score rules (configured in pyproject.toml).

dbt-score imports this namespace because ``rule_namespaces`` names it and the
repository root is on the path when ``dbt-score lint`` runs from it.
"""
