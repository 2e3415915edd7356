"""Tools for the people and systems that read the warehouse: marketers, BI, activation.

- ``export`` - every public mart as Parquet (``persona export-marts``);
- ``audiences`` - audience files per audience and channel for activation
  (``persona export-audiences``);
- ``validation`` - Great Expectations checks of the marts BI reads, with Data Docs
  (``persona validate``);
- ``dashboard_data`` - the queries behind the Streamlit dashboard (``dashboard/app.py``);
- ``docs_check`` - description coverage of the documentation site (``persona docs-check``);
- ``privacy`` - phone numbers, e-mails and ID-card numbers inside text, found and masked as the
  SQL macro ``scrub_pii`` does (export files holding any are refused);
- ``tags`` - the tag catalog and the files generated from it (``persona tags sync|check|list``).
"""
