"""The `persona` command line: `persona COMMAND [ARGS]`, `persona COMMAND --help` for its options.

The commands are the table COMMANDS below, grouped by who they are for; the help text, the
dispatcher and the unknown-command message are all made from it.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    module: str  # the module whose main(argv) -> int runs the command
    usage: str  # the arguments, as shown in the help
    help: str  # one line


#: (audience, its commands), in the order the help lists them
COMMANDS: tuple[tuple[str, tuple[Command, ...]], ...] = (
    (
        "for the people who run the warehouse",
        (
            Command(
                "run",
                "persona.run",
                "[--db PATH --raw DIR --full-refresh --build-only] [-- DBT ARGS]",
                "build the warehouse; one at a time, says what changed, skips when nothing did",
            ),
        ),
    ),
    (
        "for the people and systems that read the warehouse",
        (
            Command(
                "export-marts",
                "persona.consumers.export",
                "[--db PATH --out DIR --manifest PATH]",
                "every public mart as Parquet",
            ),
            Command(
                "export-audiences",
                "persona.consumers.audiences",
                "[--db PATH --out DIR]",
                "audience files for activation",
            ),
            Command(
                "validate",
                "persona.consumers.validation",
                "[--db PATH --docs-dir DIR --accept-changes]",
                "GX checks of the marts, Data Docs",
            ),
            Command(
                "publish",
                "persona.consumers.publish",
                "[--db PATH --out PATH]",
                "the marts the profile API reads, copied atomically",
            ),
            Command(
                "serve",
                "persona.consumers.api",
                "[--published PATH --host H --port P]",
                "the read-only profile API (FastAPI; docs at /docs)",
            ),
            Command(
                "tags",
                "persona.consumers.tags",
                "sync|check|list",
                "the tag catalog's generated files",
            ),
            Command(
                "docs-check",
                "persona.consumers.docs_check",
                "[--target DIR]",
                "description coverage of the docs",
            ),
        ),
    ),
    (
        "for developers",
        (
            Command(
                "generate",
                "persona.dev.generate.__main__",
                "[--persons N --start D --end D --seed S --out DIR --workers W]",
                "synthetic raw data",
            ),
            Command(
                "bench",
                "persona.dev.bench",
                "--scale N [--workdir DIR]",
                "benchmark of a full build",
            ),
            Command(
                "bench-daily",
                "persona.dev.bench_daily",
                "--scale N [--days K --workdir DIR]",
                "a full build, then one new day: both timed",
            ),
            Command(
                "bench-api",
                "persona.dev.bench_api",
                "--published PATH --raw DIR [--requests N --concurrency C]",
                "latency of the profile API on loopback",
            ),
            Command(
                "dbt-spark",
                "persona.spark",
                "DBT_ARGS (e.g. build --target spark)",
                "dbt on Spark, Python models on the local session",
            ),
            Command(
                "compare-marts",
                "persona.dev.compare",
                "BEFORE.duckdb AFTER.duckdb [--schema S --ignore-column T.C ...]",
                "the marts of two warehouses, table by table",
            ),
        ),
    ),
)

BY_NAME: dict[str, Command] = {
    command.name: command for _, commands in COMMANDS for command in commands
}


def help_text() -> str:
    """The usage line and every command with its arguments and help, by audience."""
    lines = ["usage: persona COMMAND [ARGS]   (persona COMMAND --help for a command's options)"]
    for audience, commands in COMMANDS:
        lines += ["", f"{audience}:"]
        for command in commands:
            lines += [f"  persona {command.name} {command.usage}", f"      {command.help}"]
    lines += ["", "(persona.models has no command: the dbt Python models call it.)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(help_text())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    command = BY_NAME.get(name)
    if command is None:
        names = ", ".join(f"'{known}'" for known in BY_NAME)
        print(f"persona: unknown command {name!r}; the commands are {names}.", file=sys.stderr)
        return 2
    return importlib.import_module(command.module).main(rest)


if __name__ == "__main__":
    raise SystemExit(main())
