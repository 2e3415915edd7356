"""Audience exports: one Parquet and one CSV file per audience and channel.

The dbt mart ``marts.fct_audience_exports`` already enforces consent (as it stands at build time,
``marts.dim_customer_consents``) and restrictions, and carries no raw phone or e-mail (phones and
e-mails as SHA-256). This module only writes it out, after checking both again:
an export is the last place a mistake could leak personal data.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from persona.consumers.privacy import looks_like_pii

#: what a raw mainland mobile number or an e-mail address looks like inside a value
RAW_PHONE = re.compile(r"(?<![0-9a-f])(\+?86)?1[3-9][0-9]{9}(?![0-9a-f])")
RAW_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
MANIFEST = "manifest.json"


class ExportError(RuntimeError):
    """The warehouse cannot be exported (missing mart, personal data, consent breach)."""


@dataclass(frozen=True)
class ExportedFile:
    audience_code: str
    channel: str
    rows: int
    parquet: str
    csv: str


def _check(table: pa.Table) -> None:
    """Every text value of the export: no raw mainland mobile or e-mail, and nothing the staging
    scrub would mask (a number with a country code, an ID-card number; see scrub_pii)."""
    values = [
        value
        for name in table.column_names
        if pa.types.is_string(table.schema.field(name).type)
        or pa.types.is_large_string(table.schema.field(name).type)
        for value in table.column(name).to_pylist()
    ]
    leaked = [
        v for v in values if v and (RAW_PHONE.search(v) or RAW_EMAIL.search(v) or looks_like_pii(v))
    ]
    if leaked:
        raise ExportError(
            f"{len(leaked)} export values carry what looks like a raw phone, e-mail or ID-card "
            f"number (first: {leaked[0][:3]}...); fix fct_audience_exports before exporting."
        )


def _consent_breaches(con: duckdb.DuckDBPyConnection) -> int:
    """Export rows without consent for their channel's purpose as it stands at build time
    (marketing on sms, email and wecom; third-party sharing given as separate consent on
    ad_platform), or of a person under a restriction request."""
    return con.sql(
        """
        select count(*)
        from marts.fct_audience_exports as exports
        left join marts.dim_customers as customers on exports.one_id = customers.one_id
        left join marts.dim_customer_consents as consents
            on exports.one_id = consents.one_id
            and exports.channel = consents.channel
            and consents.purpose = case exports.channel
                when 'ad_platform' then 'third_party_sharing' else 'marketing' end
        where not coalesce(consents.is_consented, false)
            or coalesce(customers.is_restricted, true)
            or (exports.channel = 'ad_platform'
                and coalesce(consents.legal_basis, '') <> 'separate_consent')
        """
    ).fetchall()[0][0]


def export_audiences(db_path: Path, out_dir: Path) -> list[ExportedFile]:
    """Write ``out_dir/<audience>/<channel>.parquet`` and ``.csv`` for every audience and channel
    in ``marts.fct_audience_exports`` (a channel with nobody to send to gets an empty file, so a
    downstream job sees "nobody" rather than "missing"), plus ``manifest.json``. Files from an
    earlier export that this one no longer writes are removed."""
    if not Path(db_path).exists():
        raise ExportError(f"no warehouse at {db_path}: run `make run` first.")
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = {
            name
            for (name,) in con.sql(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        missing = {
            "fct_audience_exports",
            "dim_audiences",
            "dim_customers",
            "dim_customer_consents",
        } - tables
        if missing:
            raise ExportError(
                f"the warehouse {db_path} has no marts.{', marts.'.join(sorted(missing))}: "
                "run `make run` (dbt build) first."
            )
        breaches = _consent_breaches(con)
        if breaches:
            raise ExportError(
                f"{breaches} export rows lack consent for their channel or belong to a person "
                "under a restriction; not exporting."
            )
        definitions = con.sql(
            "select audience_code, channels, as_of_date from marts.dim_audiences order by 1"
        ).fetchall()
        exports = con.sql(
            """
            select audience_code, channel, one_id, identifier_type, identifier_value, as_of_date
            from marts.fct_audience_exports
            order by audience_code, channel, one_id
            """
        ).arrow()
    if isinstance(exports, pa.RecordBatchReader):
        exports = exports.read_all()
    _check(exports)

    old = out_dir / MANIFEST
    if old.exists():
        for entry in json.loads(old.read_text()).get("files", []):
            for key in ("parquet", "csv"):
                (out_dir / entry[key]).unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)

    written: list[ExportedFile] = []
    codes = exports.column("audience_code").to_pylist()
    channels = exports.column("channel").to_pylist()
    for audience_code, channel_list, _ in definitions:
        for channel in [c for c in channel_list.split(",") if c]:
            rows = [
                i
                for i, (a, c) in enumerate(zip(codes, channels, strict=True))
                if a == audience_code and c == channel
            ]
            part = exports.take(pa.array(rows, type=pa.int64()))
            folder = out_dir / audience_code
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(part, folder / f"{channel}.parquet")
            pacsv.write_csv(part, folder / f"{channel}.csv")
            written.append(
                ExportedFile(
                    audience_code,
                    channel,
                    part.num_rows,
                    f"{audience_code}/{channel}.parquet",
                    f"{audience_code}/{channel}.csv",
                )
            )
    as_of = str(definitions[0][2]) if definitions else None
    manifest = {"as_of_date": as_of, "files": [f.__dict__ for f in written]}
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    for folder in out_dir.iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder)
    return written


def main(argv: list[str]) -> int:
    import argparse
    import os
    import sys

    parser = argparse.ArgumentParser(
        prog="persona export-audiences",
        description="Write one Parquet and one CSV file per audience and channel "
        "(marts.fct_audience_exports: consent enforced, phones and e-mails hashed).",
    )
    parser.add_argument(
        "--db", type=Path, default=Path(os.environ.get("PERSONA_DB", "data/persona.duckdb"))
    )
    parser.add_argument("--out", type=Path, default=Path("data/exports"))
    args = parser.parse_args(argv)
    try:
        files = export_audiences(args.db, args.out)
    except ExportError as error:
        print(f"persona export-audiences: {error}", file=sys.stderr)
        return 1
    total = sum(f.rows for f in files)
    print(f"wrote {len(files)} audience files ({total} rows) to {args.out}/")
    print(f"manifest: {args.out / MANIFEST}")
    for f in files:
        print(f"  {f.audience_code:<28} {f.channel:<6} {f.rows:>7} rows")
    return 0
