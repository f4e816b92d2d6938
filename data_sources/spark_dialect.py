"""A SQLAlchemy dialect for Spark SQL behind HiveServer2 (Spark Thrift server, Kyuubi), on PyHive.

    spark://host:10000/database        (registered in data_sources.engine)

PyHive's own `hive://` dialect breaks the warehouse seam on Spark 4 (issue 19); this one keeps it:

- money exact: Numeric(p, s) is DECIMAL(p, s) in DDL, and a Numeric parameter is rendered as an
  exact decimal literal (`12.34BD`), never a float;
- dates are DATE in DDL and come back as `datetime.date` (Spark sends them as text), also from
  raw driver SQL (the metrics' path), because the cursor converts them;
- no primary/foreign keys or unique constraints in DDL (Spark has none); indexes are declared with
  `ddl_if` in the schema so they are not emitted here;
- tables are created `USING parquet` with their comments;
- `has_table` recognises Spark 4's TABLE_OR_VIEW_NOT_FOUND, so `create_all(checkfirst)` and the
  demo builder see a missing table as missing;
- INSERT keeps its column list, and executemany becomes multi-row VALUES statements of
  `insertmanyvalues_page_size` rows (one statement costs ~1 s on Spark whatever its size up to a
  few thousand rows; one row at a time would take ~190 ms a row).

Values stay bound parameters up to the driver: like PyHive, the DBAPI renders them into the
statement text (HiveServer2 has no server-side parameters), but with Spark's escaping rules:
PyHive doubles quotes only, and in Spark SQL a backslash escapes the closing quote.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from pathlib import Path
from typing import Any, ClassVar

from pyhive import hive
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import default
from sqlalchemy.sql import compiler

_NOT_FOUND = ("TABLE_OR_VIEW_NOT_FOUND", "Table or view not found", "Table not found")


# --- DBAPI: PyHive with Spark's literals and typed dates ---------------------------------------


def render_literal(value: Any) -> str:
    """A Python value as a Spark SQL literal.

    >>> render_literal(decimal.Decimal("12.30")), render_literal("it's \\\\"), render_literal(None)
    ('12.30BD', "'it\\\\'s \\\\\\\\'", 'NULL')
    >>> render_literal(dt.date(2023, 10, 31))
    "DATE '2023-10-31'"
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite decimal: {value}")
        return f"{value:f}BD"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value}")
        return f"{value!r}D"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        escaped = (
            value.replace("\\", "\\\\")
            .replace("'", "\\'")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
        return f"'{escaped}'"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "(" + ", ".join(render_literal(v) for v in value) + ")"
    raise TypeError(f"cannot render {type(value).__name__} as a Spark literal")


def _to_date(value: Any) -> Any:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


class SparkCursor(hive.Cursor):
    """PyHive's cursor with Spark literals and DATE columns as dates."""

    def execute(self, operation: str, parameters: Any = None, **kwargs: Any) -> None:
        if parameters:
            if isinstance(parameters, dict):
                operation = operation % {k: render_literal(v) for k, v in parameters.items()}
            else:
                operation = operation % tuple(render_literal(v) for v in parameters)
        elif "%%" in operation:
            operation = operation.replace("%%", "%")
        super().execute(operation, None, **kwargs)

    def fetchone(self) -> Any:
        row = super().fetchone()
        if row is None:
            return None
        dates = self._date_columns()
        if not dates:
            return row
        row = list(row)
        for i in dates:
            row[i] = _to_date(row[i])
        return tuple(row)

    def _date_columns(self) -> tuple[int, ...]:
        description = self.description or ()
        return tuple(i for i, d in enumerate(description) if d[1] == "DATE_TYPE")


class SparkConnection(hive.Connection):
    def cursor(self, *args: Any, **kwargs: Any) -> SparkCursor:
        return SparkCursor(self, *args, **kwargs)


class _DBAPI:
    """PyHive's module, whose connect() gives SparkConnection."""

    paramstyle = "pyformat"
    apilevel = hive.apilevel
    threadsafety = hive.threadsafety

    def __getattr__(self, name: str) -> Any:
        return getattr(hive, name)

    @staticmethod
    def connect(*args: Any, **kwargs: Any) -> SparkConnection:
        return SparkConnection(*args, **kwargs)


# --- Types ---------------------------------------------------------------------------------------


class SparkNumeric(sqltypes.Numeric):
    """Binds floats as exact decimals of the column's scale (12.345 → 12.35 for scale 2)."""

    def bind_processor(self, dialect: Any) -> Any:
        scale = self.scale

        def process(value: Any) -> Any:
            if value is None or isinstance(value, (int, decimal.Decimal)):
                return value
            exact = decimal.Decimal(repr(float(value)))
            if scale is not None:
                exact = exact.quantize(decimal.Decimal(1).scaleb(-scale), decimal.ROUND_HALF_UP)
            return exact

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if self.asdecimal:
            return lambda v: (
                v if v is None or isinstance(v, decimal.Decimal) else decimal.Decimal(v)
            )
        return lambda v: None if v is None else float(v)


class SparkDate(sqltypes.Date):
    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        return _to_date


class SparkTypeCompiler(compiler.GenericTypeCompiler):
    def visit_NUMERIC(self, type_: Any, **kw: Any) -> str:
        if type_.precision is None:
            return "DECIMAL(38, 10)"
        return f"DECIMAL({type_.precision}, {type_.scale or 0})"

    visit_DECIMAL = visit_NUMERIC

    def visit_INTEGER(self, type_: Any, **kw: Any) -> str:
        return "INT"

    def visit_string(self, type_: Any, **kw: Any) -> str:
        return "STRING"

    visit_VARCHAR = visit_CHAR = visit_NVARCHAR = visit_NCHAR = visit_TEXT = visit_CLOB = (
        visit_string
    )

    def visit_DATE(self, type_: Any, **kw: Any) -> str:
        return "DATE"

    def visit_DATETIME(self, type_: Any, **kw: Any) -> str:
        return "TIMESTAMP"

    visit_TIMESTAMP = visit_DATETIME

    def visit_FLOAT(self, type_: Any, **kw: Any) -> str:
        return "DOUBLE"

    def visit_BLOB(self, type_: Any, **kw: Any) -> str:
        return "BINARY"


# --- Compilers -----------------------------------------------------------------------------------


class _Everything(frozenset):
    def __contains__(self, item: object) -> bool:
        return True


class SparkIdentifierPreparer(compiler.IdentifierPreparer):
    # Every identifier quoted: a cluster may enforce ANSI reserved words (year, month, …).
    reserved_words = _Everything()

    def __init__(self, dialect: Any) -> None:
        super().__init__(dialect, initial_quote="`", escape_quote="``")


class SparkCompiler(compiler.SQLCompiler):
    def visit_concat_op_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        return f"concat({self.process(binary.left, **kw)}, {self.process(binary.right, **kw)})"

    def visit_delete(self, delete_stmt: Any, **kw: Any) -> str:
        # Parquet tables take no DELETE; emptying one is TRUNCATE (slices: spark_writer's swap).
        if delete_stmt._where_criteria:
            return super().visit_delete(delete_stmt, **kw)
        table = delete_stmt.table
        return "TRUNCATE TABLE " + self.preparer.format_table(table)

    def visit_char_length_func(self, fn: Any, **kw: Any) -> str:
        return f"length{self.function_argspec(fn, **kw)}"


class SparkDDLCompiler(compiler.DDLCompiler):
    def create_table_constraints(self, table: Any, **kw: Any) -> str:
        # Spark SQL has no primary, foreign or unique keys: the loads' validation enforces them.
        return ""

    def get_column_specification(self, column: Any, **kwargs: Any) -> str:
        spec = (
            self.preparer.format_column(column)
            + " "
            + self.dialect.type_compiler_instance.process(column.type, type_expression=column)
        )
        if not column.nullable:
            spec += " NOT NULL"
        if column.comment:
            spec += " COMMENT " + render_literal(column.comment)
        return spec

    def post_create_table(self, table: Any) -> str:
        text = "\nUSING parquet"
        if table.comment:
            text += " COMMENT " + render_literal(table.comment)
        return text

    def visit_create_index(self, create: Any, **kw: Any) -> str:
        raise NotImplementedError(
            "Spark SQL has no CREATE INDEX: declare the index with ddl_if (data_sources.schema)"
        )


# --- Dialect -------------------------------------------------------------------------------------


class SparkDialect(default.DefaultDialect):
    name = "spark"
    driver = "pyhive"
    paramstyle = "pyformat"
    positional = False
    statement_compiler = SparkCompiler
    ddl_compiler = SparkDDLCompiler
    type_compiler_cls = SparkTypeCompiler
    preparer = SparkIdentifierPreparer
    supports_statement_cache = True
    supports_alter = True
    supports_sequences = False
    supports_comments = True
    inline_comments = True
    supports_native_boolean = True
    supports_native_decimal = True
    supports_default_values = False
    supports_empty_insert = False
    supports_multivalues_insert = True
    supports_sane_rowcount = False
    supports_sane_multi_rowcount = False
    postfetch_lastrowid = False
    supports_pk_autoincrement = False
    # executemany of an INSERT → multi-row VALUES statements (SQLAlchemy's insertmanyvalues).
    use_insertmanyvalues = True
    use_insertmanyvalues_wo_returning = True
    insertmanyvalues_page_size = 500
    insertmanyvalues_max_parameters = 100_000
    colspecs: ClassVar[dict] = {sqltypes.Numeric: SparkNumeric, sqltypes.Date: SparkDate}
    stage_dir: Path | None = None

    @classmethod
    def import_dbapi(cls) -> Any:
        return _DBAPI()

    def create_connect_args(self, url: Any) -> tuple[list, dict]:
        kwargs: dict[str, Any] = {
            "host": url.host or "127.0.0.1",
            "port": url.port or 10000,
            "username": url.username,
            "password": url.password,
            "database": url.database or "default",
        }
        kwargs.update(url.query)
        # Not PyHive's: a directory shared with the cluster for bulk loads (spark_writer).
        stage = kwargs.pop("stage_dir", None)
        self.stage_dir = Path(stage) if stage else None
        if kwargs.get("password") is None and kwargs.get("auth") is None:
            kwargs.pop("password")
        return [], kwargs

    def _get_server_version_info(self, connection: Any) -> tuple:
        return ()

    def _get_default_schema_name(self, connection: Any) -> str:
        return connection.exec_driver_sql("SELECT current_database()").scalar()

    def do_rollback(self, dbapi_connection: Any) -> None:
        # HiveServer2 has no transactions: each statement commits on its own.
        pass

    def do_commit(self, dbapi_connection: Any) -> None:
        pass

    def has_table(self, connection: Any, table_name: str, schema: str | None = None, **kw: Any):
        name = self.identifier_preparer.quote_identifier(table_name)
        if schema:
            name = self.identifier_preparer.quote_identifier(schema) + "." + name
        try:
            connection.exec_driver_sql(f"DESCRIBE TABLE {name}").fetchall()
        except Exception as exc:  # PyHive raises OperationalError with the server's text
            if any(needle in str(exc) for needle in _NOT_FOUND):
                return False
            raise
        return True

    def get_table_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        sql = "SHOW TABLES"
        if schema:
            sql += " IN " + self.identifier_preparer.quote_identifier(schema)
        return [row[1] for row in connection.exec_driver_sql(sql) if not row[2]]

    def get_schema_names(self, connection: Any, **kw: Any) -> list[str]:
        return [row[0] for row in connection.exec_driver_sql("SHOW DATABASES")]

    def has_index(self, *args: Any, **kw: Any) -> bool:
        return False

    def get_indexes(self, *args: Any, **kw: Any) -> list:
        return []

    def get_pk_constraint(self, *args: Any, **kw: Any) -> dict:
        return {"constrained_columns": [], "name": None}

    def get_foreign_keys(self, *args: Any, **kw: Any) -> list:
        return []

    def is_disconnect(self, e: Any, connection: Any, cursor: Any) -> bool:
        text = str(e)
        return bool(re.search(r"TTransportException|Broken pipe|Connection reset", text))


def is_spark(bind: Any) -> bool:
    """True when an engine or connection speaks to Spark through this dialect."""
    return bind.dialect.name == "spark"
