"""What every dbt Python model of persona shares: the as-of date, one native thread, typed text.

- `as_of_date(relation)`: the one as-of date (decided by models/calendar/int_as_of_date.sql), read
  the same way by every Python model: `as_of_date(dbt.ref("int_as_of_date"))`. The model calls
  `dbt.ref` itself, so that dbt sees the dependency.
- `refit_on_date(relation)`: the fit date of persisted model state (int_as_of_date.refit_on).
- `frame(relation)`: a ref as a pandas DataFrame, on DuckDB (a relation) and Spark (a DataFrame).
- `single_threaded()`: run fits on one thread of the native pools (OpenMP, BLAS).
- `typed(frame, text_columns)`: text columns as pandas' string dtype.
"""

from __future__ import annotations

import pandas as pd
from threadpoolctl import threadpool_limits


def frame(relation) -> pd.DataFrame:
    """What a dbt Python model's `dbt.ref(...)` returns, as a pandas DataFrame: a DuckDB relation
    (dbt-duckdb), a Spark DataFrame (dbt-spark, dbt-databricks) or already a pandas DataFrame."""
    if isinstance(relation, pd.DataFrame):
        return relation
    if hasattr(relation, "toPandas"):
        return relation.toPandas()
    return relation.df()


def as_of_date(relation) -> pd.Timestamp:
    """The as-of date (midnight, no zone) from int_as_of_date: a dbt relation or its DataFrame
    (see `frame`). Anything but exactly one non-null date stops the model with a clear message."""
    frame_ = frame(relation)
    if (
        "as_of_date" not in frame_.columns
        or len(frame_) != 1
        or pd.isna(frame_["as_of_date"].iloc[0])
    ):
        raise ValueError(
            "int_as_of_date must hold exactly one as_of_date (models/calendar/int_as_of_date.sql); "
            f"got {len(frame_)} row(s) with columns {list(frame_.columns)}"
        )
    return pd.Timestamp(frame_["as_of_date"].iloc[0])


def refit_on_date(relation) -> pd.Timestamp:
    """The fit date of the models whose state persists (int_as_of_date.refit_on, var
    model_refit_every), read like `as_of_date`."""
    frame_ = frame(relation)
    if "refit_on" not in frame_.columns or len(frame_) != 1 or pd.isna(frame_["refit_on"].iloc[0]):
        raise ValueError(
            "int_as_of_date must hold exactly one refit_on (models/calendar/int_as_of_date.sql); "
            f"got {len(frame_)} row(s) with columns {list(frame_.columns)}"
        )
    return pd.Timestamp(frame_["refit_on"].iloc[0])


def single_threaded():
    """Run fits and predictions on one thread of the native pools (OpenMP, BLAS). dbt runs several
    Python models at once, and spin-waiting OpenMP threads on oversubscribed cores made the
    synthetic evaluation of the tests take 25.7 s instead of 0.8 s (measured on 2 cores with 2
    busy processes); one thread per model is also what the dbt thread count assumes."""
    return threadpool_limits(limits=1)


def typed(frame: pd.DataFrame, text_columns: list[str]) -> pd.DataFrame:
    """Text columns as pandas' string dtype, so that an all-null column still lands in the
    warehouse as VARCHAR (an all-None object column would become DuckDB's NULL type and break the
    marts' contracts)."""
    return frame.astype({column: "string" for column in text_columns})
