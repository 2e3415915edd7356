"""persona: warehouse-native customer profiles (用户画像) and OneID as a dbt project on DuckDB."""

__version__ = "0.1.0"
