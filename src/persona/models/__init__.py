"""The model math that the dbt Python models (``python_models/``) call: for the data team.

Each dbt Python model reads its refs, calls one function here and returns a frame; the math is
tested with pytest on small inputs whose answer is known.

- ``clv`` - BG/NBD and Gamma-Gamma customer lifetime value (fits, scores, backtest);
- ``clusters`` - KMeans customer segments with labels that stay stable from run to run;
- ``propensity`` - purchase in 30 days and churn in 90 days, judged on a time split;
- ``lookalike`` - seed audience expansion (positive-unlabeled logistic regression);
- ``features`` - the customer features all of the above share, computed as of any cutoff from
  the day-level histories (``customer_features``, ``Histories``);
- ``identity`` - the OneID graph algorithms (conflict resolution, connected components).
"""
