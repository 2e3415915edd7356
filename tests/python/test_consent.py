"""Consent per person, purpose and channel against the generator's truth, on the default sample.

`_truth/consent.parquet` resolves each person's consent events by the contract's rules (latest
decision wins, a withdrawal wins a tie, a future grant does not count, a future withdrawal does)
without the CRM opt-in flags and WeCom contacts, so it is compared where those cannot decide:
every purpose but marketing, and marketing on push and ad_platform. Each person is mapped to the
OneID that holds most of their identifiers. The hand-made cases of each rule and each export gate
are dbt unit tests (models/core/consent/_consent__unit_tests.yml,
models/activation/audiences/_audiences__unit_tests.yml).
"""

from __future__ import annotations

import duckdb


def test_consent_matches_the_truth(default_sample) -> None:
    workdir, raw = default_sample
    con = duckdb.connect(str(workdir / "w.duckdb"), read_only=True)
    truth = raw / "_truth"
    con.execute(
        f"""
        create temp table person_one_ids as
        select person_id, one_id from (
            select
                truth.person_id, clusters.one_id,
                row_number() over (
                    partition by truth.person_id order by count(*) desc, clusters.one_id
                ) as rank
            from read_parquet('{truth}/identity.parquet') as truth
            inner join intermediate.int_identity_clusters as clusters
                using (identifier_type, identifier_value)
            group by truth.person_id, clusters.one_id
        )
        where rank = 1
        """
    )
    compared, agree, disagree = con.execute(
        f"""
        select
            count(*),
            count(*) filter (where consents.is_consented = (truth.status = 'granted')),
            count(*) filter (where consents.is_consented != (truth.status = 'granted'))
        from read_parquet('{truth}/consent.parquet') as truth
        inner join person_one_ids using (person_id)
        left join marts.dim_customer_consents as consents
            on consents.one_id = person_one_ids.one_id
            and consents.purpose = truth.purpose
            and consents.channel = truth.channel
        where not (truth.purpose = 'marketing' and truth.channel in ('sms', 'email', 'wecom'))
        """
    ).fetchone()
    con.close()
    assert compared > 1000
    assert disagree == 0
    # the rest are decisions made by an identifier OneID keeps on another fragment of the person
    assert agree >= 0.97 * compared, (agree, compared)
