"""Command line: ``python -m persona.dev.generate --persons N --start D --end D --seed S --out DIR
[--workers W]`` (also ``persona generate``)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

DEFAULTS = {
    "persons": 10_000,
    "start": "2024-11-01",
    "end": "2026-10-31",
    "seed": 42,
    "out": "data/raw",
}


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m persona.dev.generate",
        description="Generate synthetic raw channel data (the raw contract) with ground truth.",
    )
    p.add_argument("--persons", type=int, default=DEFAULTS["persons"], help="number of persons")
    p.add_argument("--start", type=_date, default=_date(DEFAULTS["start"]), help="YYYY-MM-DD")
    p.add_argument("--end", type=_date, default=_date(DEFAULTS["end"]), help="YYYY-MM-DD")
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="random seed (>= 0)")
    p.add_argument("--out", type=Path, default=Path(DEFAULTS["out"]), help="output folder")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes writing chunks in parallel (default: one per core, at most 2); "
        "the files do not depend on it",
    )
    p.add_argument(
        "--design-end",
        type=_date,
        default=None,
        help="last day of the window the sample is designed for (arrivals, registrations, "
        "privacy requests); default two years after --start minus a day. --end may go up to "
        "92 days past it; the rows of a day never depend on --end",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="remove what --out holds first (otherwise a folder of the same sample is extended "
        "to the later --end and a folder of another sample is refused)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the generator; 0 on success, 2 for refused arguments (message on stderr)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with 2 on unparsable arguments
    from persona.dev.generate.core import default_workers, generate, validate

    workers = default_workers() if args.workers is None else args.workers
    try:
        validate(args.persons, args.start, args.end, args.seed, args.out, workers, args.design_end)
        summary = generate(
            args.persons,
            args.start,
            args.end,
            args.seed,
            args.out,
            progress=not args.quiet,
            workers=workers,
            design_end=args.design_end,
            fresh=args.fresh,
        )
    except ValueError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
