"""persona.spark on a real local SparkSession (run by `make test-spark` in .venv-spark)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

pyspark = pytest.importorskip("pyspark", reason="make test-spark runs these in .venv-spark")

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

from persona import spark as persona_spark  # noqa: E402


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("warehouse")
    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .getOrCreate()
    )
    yield session
    session.stop()


def test_an_empty_frame_keeps_its_columns_and_types(spark) -> None:
    frame = pd.DataFrame(
        {
            "node_id": pd.Series([], dtype="int64"),
            "is_used": pd.Series([], dtype="bool"),
            "reason": pd.Series([], dtype="object"),
        }
    )
    result = persona_spark.to_spark(spark, frame)
    assert result.count() == 0
    assert [(f.name, f.dataType) for f in result.schema.fields] == [
        ("node_id", T.LongType()),
        ("is_used", T.BooleanType()),
        ("reason", T.StringType()),
    ]


def test_missing_values_become_nulls_and_types_follow_the_values(spark) -> None:
    frame = pd.DataFrame(
        {
            "score": [0.5, np.nan],
            "label": pd.Series(["a", pd.NA], dtype="string"),
            "seen_at": [pd.Timestamp("2025-01-02 03:04:05"), pd.NaT],
            "day": [dt.date(2025, 1, 2), None],
            "all_null": [None, None],
        }
    )
    result = persona_spark.to_spark(spark, frame)
    types = {f.name: f.dataType for f in result.schema.fields}
    assert types == {
        "score": T.DoubleType(),
        "label": T.StringType(),
        "seen_at": T.TimestampType(),
        "day": T.DateType(),
        "all_null": T.StringType(),
    }
    rows = result.collect()
    assert rows[0]["score"] == 0.5 and rows[0]["label"] == "a"
    assert rows[0]["seen_at"] == dt.datetime(2025, 1, 2, 3, 4, 5)
    assert rows[0]["day"] == dt.date(2025, 1, 2)
    assert all(value is None for value in rows[1].asDict().values())


def test_a_spark_frame_passes_through_and_anything_else_is_refused(spark) -> None:
    frame = spark.range(3)
    assert persona_spark.to_spark(spark, frame) is frame
    with pytest.raises(TypeError, match="must return a DataFrame"):
        persona_spark.to_spark(spark, [1, 2])


def test_install_adds_the_session_method_once() -> None:
    from dbt.adapters.spark.impl import SparkAdapter

    persona_spark.install()
    persona_spark.install()
    helpers = SparkAdapter.python_submission_helpers.fget(object.__new__(SparkAdapter))
    assert helpers["session"] is persona_spark.SessionPythonJobHelper
    assert {"job_cluster", "all_purpose_cluster"} <= set(helpers)


def test_a_python_model_script_runs_and_writes_its_table(spark) -> None:
    script = "\n".join(
        [
            "def model(dbt, session):",
            "    import pandas as pd",
            "    return pd.DataFrame({'n': pd.Series([], dtype='int64')})",
            "class dbtObj:",
            "    def __init__(self, load_df_function):",
            "        pass",
            persona_spark.MATERIALIZATION_MARKER,
            'df.write.mode("overwrite").format("parquet").option("overwriteSchema", "true")'
            '.saveAsTable("default.persona_empty_model")',
        ]
    )
    persona_spark.SessionPythonJobHelper({"name": "persona_empty_model"}, None).submit(script)
    table = spark.table("default.persona_empty_model")
    assert table.count() == 0 and table.columns == ["n"]
    with pytest.raises(RuntimeError, match="does not end with dbt-spark's materialization code"):
        persona_spark.SessionPythonJobHelper({"name": "x"}, None).submit("def model(): pass")
