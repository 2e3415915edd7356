"""``persona serve``: the read-only profile API (FastAPI), over the published marts.

Endpoints (OpenAPI docs at ``/docs``, the schema at ``/openapi.json``):

* ``GET /v1/lookup?identifier=...&type=...&appid=...&platform=...``: who is this?
* ``GET /v1/profiles/{one_id}``: the masked profile (golden record, a consent summary: restricted,
  may message per channel, per purpose and channel; identifiers, RFM, lifecycle, CLV, cluster,
  propensity)
* ``GET /v1/profiles/{one_id}/consents``: consent per purpose and channel with its legal basis,
  latest decision and its source (marts.dim_customer_consents), and whether the person is
  restricted
* ``GET /v1/profiles/{one_id}/timeline?limit=&cursor=``: orders, visits, service tickets and
  campaign messages, newest first, a page at a time (``next_cursor``)
* ``GET /v1/profiles/{one_id}/tags``: the rule tags with the catalog's bilingual names
* ``GET /v1/profiles/{one_id}/audiences``: the audiences and trigger lists the person is in
* ``GET /v1/audiences/{audience_code}/members/{one_id}``: ``{"is_member": true|false}``
* ``GET /health``: which publication is served

It reads the copy ``persona publish`` writes (never the warehouse a build writes), read-only, and
reopens it when the file is replaced. Bad input gets a 4xx with ``{"error": code, "detail": ...}``;
the input is never echoed back (it may be a phone number).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path
from typing import Any

import duckdb
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from persona.consumers import profile as profiles
from persona.consumers import timeline as timelines
from persona.consumers.profile import LookupInputError, Marts, NotInPublication
from persona.consumers.publish import DEFAULT_PUBLISHED_DB

__all__ = ["PublishedMarts", "app_from_environment", "create_app", "main"]

CATALOG = "published"


class NotPublished(RuntimeError):
    pass


class PublishedMarts:
    """The published file, opened read-only; reopened when the file at ``path`` is replaced
    (another inode, size or modification time). Each thread gets its own cursor."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._signature: tuple[int, int, int] | None = None
        self._generation = 0
        self._con: Any = None
        self._marts: Marts | None = None
        self._local = threading.local()

    def _stat(self) -> tuple[int, int, int]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError as error:
            raise NotPublished(
                f"no published marts at {self.path}: run `persona publish` (or make run)."
            ) from error
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def _open(self, signature: tuple[int, int, int]) -> None:
        # a fresh in-memory instance per publication: DuckDB caches instances by path, and the
        # path now names another file
        con = duckdb.connect(":memory:")
        quoted = str(self.path.resolve()).replace("'", "''")
        try:
            con.execute(f"attach '{quoted}' as {CATALOG} (read_only)")
        except duckdb.Error as error:
            con.close()
            raise NotPublished(f"cannot open the published marts {self.path}: {error}") from error
        self._con = con
        self._marts = Marts(con, CATALOG)
        self._signature = signature
        self._generation += 1

    def session(self) -> tuple[Marts, Any]:
        """The marts and this thread's cursor on the current publication."""
        signature = self._stat()
        if signature != self._signature:
            with self._lock:
                if signature != self._signature:
                    self._open(signature)
        local = self._local
        if getattr(local, "generation", None) != self._generation:
            local.cursor = self._con.cursor()
            local.generation = self._generation
            local.marts = self._marts
        return local.marts, local.cursor

    def publication(self) -> dict[str, Any]:
        marts, cursor = self.session()
        rows = (
            marts.rows(
                f"select source_path, published_at from {marts.name('publication.publications')}",
                con=cursor,
            )
            if marts.has("publication.publications")
            else []
        )
        answer: dict[str, Any] = {"path": str(self.path)}
        if rows:
            answer["published_at"] = profiles._jsonable(rows[0]["published_at"])
        answer["erasure_list"] = marts.has("privacy.erased_identifiers")
        return answer


def _error(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "detail": detail})


def create_app(published_path: str | Path) -> FastAPI:
    """The API over the published marts at ``published_path``."""
    store = PublishedMarts(published_path)
    app = FastAPI(
        title="persona profile API",
        version="1",
        description=(
            "Read-only: look a person up by any identifier, read their masked profile, tags and "
            "audiences. Personal data is masked (phones 138****8000, e-mails j***@example.com, "
            "other identifiers keep a quarter at each end); it serves the copy `persona publish` "
            "made of the marts."
        ),
    )
    app.state.store = store

    @app.exception_handler(LookupInputError)
    async def _bad_input(request: Request, error: LookupInputError) -> JSONResponse:
        return _error(400, error.code, error.message)

    @app.exception_handler(NotPublished)
    async def _not_published(request: Request, error: NotPublished) -> JSONResponse:
        return _error(503, "not_published", str(error))

    @app.exception_handler(NotInPublication)
    async def _not_in_publication(request: Request, error: NotInPublication) -> JSONResponse:
        return _error(503, error.code, error.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's default answer echoes the input; this one names the fields only
        fields = sorted({".".join(str(p) for p in e.get("loc", ())) for e in error.errors()})
        return _error(422, "invalid_request", f"missing or invalid: {', '.join(fields)}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return _error(error.status_code, code, str(error.detail))

    @app.exception_handler(UnicodeDecodeError)
    async def _undecodable(request: Request, error: UnicodeDecodeError) -> JSONResponse:
        return _error(400, "undecodable_input", "The request is not valid UTF-8 once decoded.")

    @app.get("/health", summary="Which publication is served")
    def health() -> dict[str, Any]:
        return {"status": "ok", "publication": store.publication()}

    @app.get("/v1/lookup", summary="Look a person up by any identifier")
    def lookup(
        identifier: str = Query(
            ...,
            description="As a person would type it: 138 0013 8000, +86-138-0013-8000, "
            "Jo@QQ.com, M123, wx1234:oAbc (appid:openid), tmall:buyer42, a device id, ...",
        ),
        type: str | None = Query(  # noqa: A002 - the API's parameter name
            None,
            description="member_id, member_card, phone, email, cookie_id, device_id, openid, "
            "unionid, wecom_userid or buyer_id; guessed when not given",
        ),
        appid: str | None = Query(None, description="the appid of a bare openid"),
        platform: str | None = Query(None, description="the platform of a bare buyer id"),
    ) -> dict[str, Any]:
        marts, cursor = store.session()
        return profiles.lookup(marts, identifier, type, appid, platform, con=cursor).as_dict()

    def _unknown_one_id() -> JSONResponse:
        return _error(404, "unknown_one_id", "No person has this OneID in the published marts.")

    @app.get("/v1/profiles/{one_id}", summary="A person's masked profile")
    def get_profile(one_id: str) -> Any:
        marts, cursor = store.session()
        answer = profiles.profile(marts, one_id, con=cursor)
        return _unknown_one_id() if answer is None else answer

    @app.get(
        "/v1/profiles/{one_id}/consents",
        summary="A person's consent per purpose and channel, and whether they are restricted",
    )
    def get_consents(one_id: str) -> Any:
        """Consent as it stands at build time (marts.dim_customer_consents): one row per purpose
        (marketing, personalisation, third_party_sharing, analytics) and channel (sms, email,
        wecom, push, ad_platform) with a decision on file; no row means no decision, so no
        consent. `is_consented` is the answer (a grant, not overruled); `status` the latest
        decision (granted, withdrawn, unreadable); `is_restricted`: the person asked to restrict
        the use of their data, so they are not messaged whatever their consent. 503
        `consents_not_published` when the publication predates the mart."""
        marts, cursor = store.session()
        profiles.check_one_id(one_id)
        answer = profiles.consents(marts, one_id, con=cursor)
        return _unknown_one_id() if answer is None else answer

    @app.get("/v1/profiles/{one_id}/timeline", summary="A person's timeline, newest first")
    def get_timeline(
        one_id: str,
        limit: int = Query(
            50, ge=1, le=timelines.MAX_LIMIT, description="rows per page (1 to 500; 50)"
        ),
        cursor: str | None = Query(
            None, max_length=1000, description="the next_cursor of the previous page"
        ),
    ) -> Any:
        """Orders (with the net amount in yuan), visits (web, app and mini-program sessions),
        service tickets and campaign messages across channels, newest first. Pass the answer's
        `next_cursor` as `cursor` for the next page; it is null on the last page. 503
        `timeline_not_published` when the publication holds no timeline mart."""
        marts, cursor_ = store.session()
        profiles.check_one_id(one_id)
        if not profiles.known_one_id(marts, one_id, con=cursor_):
            return _unknown_one_id()
        page = timelines.timeline(marts, one_id, limit, cursor, con=cursor_)
        return {
            "one_id": one_id,
            "events": [
                {key: profiles._jsonable(value) for key, value in row.items()} for row in page.rows
            ],
            "next_cursor": page.next_cursor,
            "kinds": page.kinds,
        }

    @app.get("/v1/profiles/{one_id}/tags", summary="A person's tags, with bilingual names")
    def get_tags(one_id: str) -> Any:
        marts, cursor = store.session()
        answer = profiles.tags(marts, one_id, con=cursor)
        return _unknown_one_id() if answer is None else {"one_id": one_id, "tags": answer}

    @app.get(
        "/v1/profiles/{one_id}/audiences",
        summary="The audiences and trigger lists a person is in",
    )
    def get_audiences(one_id: str) -> Any:
        marts, cursor = store.session()
        answer = profiles.audiences(marts, one_id, con=cursor)
        return _unknown_one_id() if answer is None else {"one_id": one_id, "audiences": answer}

    @app.get(
        "/v1/audiences/{audience_code}/members/{one_id}",
        summary="Is this person in this audience?",
    )
    def membership(audience_code: str, one_id: str) -> Any:
        marts, cursor = store.session()
        if not profiles.audience_exists(marts, audience_code, con=cursor):
            return _error(404, "unknown_audience", "No audience has this code (see dim_audiences).")
        if not profiles.known_one_id(marts, one_id, con=cursor):
            return _unknown_one_id()
        return {
            "audience_code": audience_code,
            "one_id": one_id,
            "is_member": profiles.is_member(marts, audience_code, one_id, con=cursor),
        }

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="persona serve",
        description=(
            "Serve the read-only profile API (lookup by any identifier, masked profile, tags, "
            "audiences, membership checks) over the published marts; OpenAPI docs at /docs. "
            "Publish first: persona publish (make run does it). The API reopens the published "
            "file when a new publication replaces it."
        ),
    )
    parser.add_argument(
        "--published",
        default=os.environ.get("PERSONA_PUBLISHED_DB", DEFAULT_PUBLISHED_DB),
        help=f"the published marts (default: $PERSONA_PUBLISHED_DB, else {DEFAULT_PUBLISHED_DB})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8600, help="port (8600)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (1); each opens the published file read-only",
    )
    parser.add_argument(
        "--log-level", default="info", help="uvicorn's log level (info; warning for benches)"
    )
    args = parser.parse_args(argv)
    if not Path(args.published).exists():
        print(
            f"persona serve: no published marts at {args.published}; run `persona publish "
            "--db WAREHOUSE --out FILE` first (make run publishes data/published/marts.duckdb).",
            file=sys.stderr,
        )
        return 1
    import uvicorn

    if args.workers > 1:
        # worker processes import the app: they find the published file in the environment
        os.environ["PERSONA_PUBLISHED_DB"] = str(Path(args.published).resolve())
        uvicorn.run(
            "persona.consumers.api:app_from_environment",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            access_log=False,
        )
    else:
        uvicorn.run(
            create_app(args.published),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=False,
        )
    return 0


def app_from_environment() -> FastAPI:
    """The app over $PERSONA_PUBLISHED_DB (uvicorn's factory for --workers)."""
    return create_app(os.environ.get("PERSONA_PUBLISHED_DB", DEFAULT_PUBLISHED_DB))


if __name__ == "__main__":
    raise SystemExit(main())
