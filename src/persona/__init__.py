"""persona: warehouse-native customer profiles (用户画像) and OneID as a dbt project on DuckDB.

The package is split by who uses it:

- ``persona.models`` - the model math the dbt Python models (``python_models/``) call: CLV,
  clustering, propensity, lookalike, the shared customer features and the OneID graph
  algorithms. Nothing here reads the warehouse itself; dbt hands the frames in.
- ``persona.consumers`` - tools for the people and systems that read the warehouse: the mart and
  audience exports, the Great Expectations validation, the dashboard's queries, the description
  coverage check of the docs site and the tag catalog's generated files.
- ``persona.dev`` - tools for the developers of this project: the synthetic data generator, the
  build benchmark, the comparison of two warehouses' marts and the reference identifier
  normalizers the tests use as an oracle.

``persona.cli`` is the ``persona`` command line over the consumer and developer tools.
"""

__version__ = "0.1.0"
