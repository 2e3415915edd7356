-- every usable identifier's OneID after erasure: built after the suppression list and its purge
-- depends_on: {{ ref('privacy_erased_identifiers') }}
select * from {{ ref('int_identity_clusters_assigned') }}
