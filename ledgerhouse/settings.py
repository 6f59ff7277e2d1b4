"""Connection settings from the one place dbt reads them: ``profiles.yml``.

The CLI never keeps its own copy of hosts, ports or file paths. It parses the
project's ``profiles.yml`` (or the one in ``DBT_PROFILES_DIR``), renders the
same ``{{ env_var('X', 'default') }}`` calls dbt renders, and picks the target
the same way dbt does: ``--target`` if given, else the profile's ``target:``
(``LEDGERHOUSE_TARGET``, default ``duckdb``).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_TYPES = ("duckdb", "postgres", "spark")


class SettingsError(ValueError):
    """profiles.yml is missing, malformed, or names a target we cannot use."""


def project_root() -> Path:
    """The dbt project folder: ``LEDGERHOUSE_PROJECT_DIR``/``DBT_PROJECT_DIR``, else the repo."""
    for var in ("LEDGERHOUSE_PROJECT_DIR", "DBT_PROJECT_DIR"):
        value = os.environ.get(var)
        if value:
            return Path(value).resolve()
    package_parent = Path(__file__).resolve().parents[1]
    if (package_parent / "dbt_project.yml").exists():
        return package_parent
    return Path.cwd().resolve()


def profiles_path(root: Path | None = None) -> Path:
    """``$DBT_PROFILES_DIR/profiles.yml`` if set, else ``profiles.yml`` at the project root."""
    directory = os.environ.get("DBT_PROFILES_DIR")
    base = Path(directory) if directory else (root or project_root())
    return base / "profiles.yml"


@dataclass(frozen=True)
class TargetSettings:
    """One rendered dbt output (``outputs.<name>`` of the profile)."""

    name: str
    type: str
    # duckdb
    duckdb_path: Path | None = None
    duckdb_settings: dict[str, str] = field(default_factory=dict)
    # postgres
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = "ledgerhouse"
    schema: str = "public"
    connect_timeout: int = 10
    # spark (method session): the profile's server_side_parameters
    spark_conf: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """Where this target points, for progress and error messages."""
        if self.type == "duckdb":
            return f"duckdb {self.duckdb_path}"
        if self.type == "spark":
            return (f"spark {self.spark_conf.get('spark.master', 'local')} "
                    f"{self.spark_conf.get('spark.sql.warehouse.dir', '')}")
        return f"postgres {self.user}@{self.host}:{self.port}/{self.dbname}"


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is not None:
        return value
    if default is None:
        raise SettingsError(f"profiles.yml needs environment variable {name} (no default)")
    return default


def _as_number(value: Any) -> int | float:
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError as exc:
            raise SettingsError(f"profiles.yml: {text!r} is not a number") from exc


def _check_number(value: Any) -> str:
    _as_number(value)
    return str(value)


def _render(value: Any, env: Any) -> Any:
    """Render every string the way dbt does (env_var, as_number)."""
    if isinstance(value, dict):
        return {k: _render(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, env) for v in value]
    if isinstance(value, str) and "{{" in value:
        return env.from_string(value).render()
    return value


def _jinja_env() -> Any:
    from jinja2 import Environment, StrictUndefined

    # A plain (string) render: values are converted where they are used, so a
    # password such as "1e5" stays the string it is.
    env = Environment(undefined=StrictUndefined, autoescape=False)
    env.globals["env_var"] = _env_var
    env.filters["as_number"] = _check_number
    return env


def _profile_name(root: Path) -> str:
    project_file = root / "dbt_project.yml"
    if project_file.exists():
        data = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and data.get("profile"):
            return str(data["profile"])
    return "ledgerhouse"


def load_profile(root: Path | None = None) -> tuple[str, dict[str, Any]]:
    """(default target name, {output name: rendered output}) of the project's profile."""
    root = root or project_root()
    path = profiles_path(root)
    if not path.exists():
        raise SettingsError(f"{path}: not found (set DBT_PROFILES_DIR or run from the project)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    name = _profile_name(root)
    profile = data.get(name) if isinstance(data, dict) else None
    if not isinstance(profile, dict) or not isinstance(profile.get("outputs"), dict):
        raise SettingsError(f"{path}: no profile {name!r} with outputs")
    env = _jinja_env()
    try:
        rendered = _render(profile, env)
    except SettingsError:
        raise
    except Exception as exc:  # jinja syntax errors and the like
        raise SettingsError(f"{path}: cannot render: {exc}") from exc
    return str(rendered.get("target", "duckdb")), rendered["outputs"]


def target_settings(target: str | None = None, root: Path | None = None) -> TargetSettings:
    """Settings of ``target`` (default: the profile's target, i.e. LEDGERHOUSE_TARGET)."""
    root = root or project_root()
    default_target, outputs = load_profile(root)
    name = target or default_target
    if name not in outputs:
        raise SettingsError(
            f"unknown target {name!r} (expected one of: {', '.join(sorted(outputs))})"
        )
    output = outputs[name]
    kind = str(output.get("type", ""))
    if kind not in SUPPORTED_TYPES:
        raise SettingsError(
            f"target {name!r} has type {kind!r} (the CLI supports {', '.join(SUPPORTED_TYPES)})"
        )
    if kind == "duckdb":
        raw_path = str(output.get("path", "ledgerhouse.duckdb"))
        path = Path(raw_path) if raw_path == ":memory:" else _resolve(root, raw_path)
        # The CLI opens DuckDB once per run, so the open-time config_options and
        # the per-cursor settings of the profile both apply at connect time.
        settings = {
            str(k): str(v)
            for section in ("config_options", "settings")
            for k, v in (output.get(section) or {}).items()
        }
        if "temp_directory" in settings:
            settings["temp_directory"] = str(_resolve(root, settings["temp_directory"]))
        _check_duckdb_file_name(path, root)
        return TargetSettings(name=name, type=kind, duckdb_path=path, duckdb_settings=settings)
    if kind == "spark":
        return _spark_settings(name, output)
    return TargetSettings(
        name=name,
        type=kind,
        host=str(output.get("host", "127.0.0.1")),
        port=int(_as_number(output.get("port", 5432))),
        user=str(output.get("user", "postgres")),
        password=str(output.get("password") or ""),
        dbname=str(output.get("dbname") or output.get("database") or "ledgerhouse"),
        schema=str(output.get("schema", "public")),
        connect_timeout=int(_as_number(output.get("connect_timeout", 10))),
    )


def warehouse_schemas(root: Path) -> set[str]:
    """Every schema the warehouse has: the raw ones and each ``+schema`` of dbt_project.yml."""
    from ledgerhouse.entities import AUDIT_SCHEMA, ENTITIES

    names = {AUDIT_SCHEMA, *(entity.raw_schema for entity in ENTITIES)}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("+schema", "schema") and isinstance(value, str):
                    names.add(value.strip())
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    with contextlib.suppress(OSError, yaml.YAMLError):  # dbt reports a broken project
        walk(yaml.safe_load((root / "dbt_project.yml").read_text(encoding="utf-8")))
    return {name.lower() for name in names}


def _check_duckdb_file_name(path: Path, root: Path) -> None:
    """DuckDB names the database after the file (``portfolio.duckdb`` -> ``portfolio``); a
    name that is also one of the warehouse's schemas makes ``portfolio.x`` ambiguous and
    dbt's views fail to bind, so such a file is refused before anything is written."""
    if str(path) == ":memory:":
        return
    catalog = path.name.lstrip(".").split(".", 1)[0].lower()  # as DuckDB does
    if catalog in warehouse_schemas(root):
        raise SettingsError(
            f"{path}: DuckDB would name this database {catalog!r}, which is also a schema of "
            f"the warehouse (dbt's views would fail with 'Ambiguous reference'); "
            f"choose another file name (expected e.g. ledgerhouse.duckdb)"
        )


def _spark_settings(name: str, output: dict[str, Any]) -> TargetSettings:
    """A Spark output the loader can use: dbt-spark's ``session`` method only.

    The loader starts its own local SparkSession with the same
    ``server_side_parameters`` dbt uses (master, warehouse dir, metastore), so
    both see the same tables. A thrift/http output points at a cluster the
    loader cannot write files into (docs/spark.md)."""
    method = str(output.get("method", ""))
    if method != "session":
        raise SettingsError(
            f"target {name!r} uses method {method!r}; `ledgerhouse` loads only through a "
            f"`session` target (expected method: session; see docs/spark.md for clusters)"
        )
    conf = {str(k): str(v) for k, v in (output.get("server_side_parameters") or {}).items()}
    return TargetSettings(name=name, type="spark", schema=str(output.get("schema", "default")),
                          spark_conf=conf)


def _resolve(root: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (root / path)
