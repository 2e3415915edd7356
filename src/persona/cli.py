"""The `persona` command line.

persona generate [--persons N --start D --end D --seed S --out DIR]   synthetic raw data
persona bench --scale N [--workdir DIR]                             benchmark of a full build
persona export-audiences [--db PATH --out DIR]                      audience files for activation
persona export-marts [--db PATH --out DIR --manifest PATH]          every public mart as Parquet
persona validate [--db PATH --docs-dir DIR]                        GX checks of marts, Data Docs
persona tags sync|check|list                                        the tag catalog's files
persona docs-check [--target DIR]                                   description coverage of the docs
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(__doc__)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "generate":
        from persona.generate.__main__ import main as generate_main

        return generate_main(rest)
    if command == "bench":
        from persona.bench import main as bench_main

        return bench_main(rest)
    if command == "export-audiences":
        from persona.audiences import main as export_main

        return export_main(rest)
    if command == "export-marts":
        from persona.export import main as export_marts_main

        return export_marts_main(rest)
    if command == "tags":
        from persona.tags import main as tags_main

        return tags_main(rest)
    if command == "docs-check":
        from persona.docs_check import main as docs_check_main

        return docs_check_main(rest)
    if command == "validate":  # persona validate [--db PATH --docs-dir DIR]: GX suites, Data Docs
        from persona.validation import main as validate_main

        return validate_main(rest)
    print(
        f"persona: unknown command {command!r}; use 'generate', 'bench' or 'export-audiences'.",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
