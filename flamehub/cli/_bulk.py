"""``flamehub <resource> update --filter ... key=value`` and ``delete --filter ...``.

Both count the matching rows first, ask before changing them (``--yes`` skips the
question; without a terminal to ask, ``--yes`` is required), then run
:meth:`~flamehub.QuerySet.update` or :meth:`~flamehub.QuerySet.delete` and print how
many rows changed. Without ``--filter`` they act on one id, as before.

Example::

    flamehub node update --filter name__startswith=test- hidden=true --yes
    flamehub node delete --filter name__startswith=test-
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from ..resources.base import meta_of
from . import EXIT_OK, CommandError, Handler, _connect, _render, _values

#: Answers that confirm.
YES = frozenset({"y", "yes"})


def add_filter_options(parser: argparse.ArgumentParser, verb: str) -> None:
    """``--filter`` (repeatable) and ``--yes`` on an ``update``/``delete`` subcommand."""
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"{verb} every row matching this lookup instead of one id (repeatable)",
    )
    parser.add_argument(
        "--yes", "-y", action="store_true", help="do not ask before changing the rows"
    )


def _words(options: argparse.Namespace) -> list[str]:
    """The key=value words of ``update --filter``: argparse may have put the first in ``id``."""
    words = list(getattr(options, "values", []) or [])
    if options.id is not None:
        if "=" not in options.id:
            raise CommandError(
                f"give either an id ({options.id!r}) or --filter, not both: --filter "
                "changes every matching row"
            )
        words.insert(0, options.id)
    return words


def _confirm(options: argparse.Namespace, question: str) -> None:
    if options.yes:
        return
    if not sys.stdin.isatty():
        raise CommandError(f"{question} needs confirmation: add --yes (no terminal to ask)")
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    if input().strip().lower() not in YES:
        raise CommandError("aborted; nothing was changed")


def _described(options: argparse.Namespace, count: int) -> str:
    meta = meta_of(options.model)
    noun = meta.name if count == 1 else meta.verbose_name_plural
    return f"{count} {noun}"


def run_update(options: argparse.Namespace, out: TextIO, by_id: Handler) -> int:
    """``update ID key=value`` (``by_id``) or ``update --filter ... key=value``."""
    if not options.filter:
        if options.id is None or not options.values:
            raise CommandError("give the id and key=value fields, or --filter and the fields")
        return by_id(options, out)
    values = _values.parse_assignments(_words(options))
    if not values:
        raise CommandError("give the fields to set as key=value after the --filter lookups")
    lookups = _values.parse_assignments(options.filter, lookups=True)
    with _connect(options) as hub:
        manager = options.model.objects.using(hub)
        manager.none().update(**values)  # checks the values; none() sends nothing
        query = manager.filter(**lookups)
        count = query.count()
        if count:
            _confirm(options, f"Update {_described(options, count)} matching {query._where!r}?")
            count = query.update(**values)
    _report(options, out, "updated", count)
    return EXIT_OK


def run_delete(options: argparse.Namespace, out: TextIO, by_id: Handler) -> int:
    """``delete ID`` (``by_id``) or ``delete --filter ...``."""
    if not options.filter:
        if options.id is None:
            raise CommandError("give the id of the row to delete, or --filter")
        return by_id(options, out)
    if options.id is not None:
        _words(options)  # refuses an id beside --filter
    lookups = _values.parse_assignments(options.filter, lookups=True)
    with _connect(options) as hub:
        query = options.model.objects.using(hub).filter(**lookups)
        count = query.count()
        if count:
            _confirm(options, f"Delete {_described(options, count)} matching {query._where!r}?")
            count, _ = query.delete()
    _report(options, out, "deleted", count)
    return EXIT_OK


def _report(options: argparse.Namespace, out: TextIO, done: str, count: int) -> None:
    if getattr(options, "json", False):
        answer: dict[str, Any] = {done: count}
        out.write(_render.to_json(answer) + "\n")
    else:
        out.write(_render.printable(f"{done.capitalize()} {_described(options, count)}") + "\n")
