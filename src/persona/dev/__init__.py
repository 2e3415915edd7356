"""Tools for the developers of this project; nothing in a build or a consumer depends on them.

- ``generate`` - the synthetic raw data generator with its ground truth (``persona generate``,
  ``python -m persona.dev.generate``);
- ``bench`` - generate, build and report where the time went (``persona bench``);
- ``compare`` - the marts of two warehouse files compared table by table, e.g. before and after
  a refactoring (``persona compare-marts``);
- ``identifiers`` - the reference normalizers of the identifier normal forms, the oracle the
  tests check the SQL macros against.
"""
