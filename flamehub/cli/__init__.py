"""The ``flamehub`` command: the Hub's resources from a shell.

Every resource of the registry is a command (``node``, ``project``, ``analysis-node`` ...)
with ``list``, ``get``, ``create``, ``update``, ``delete`` and its actions::

    flamehub login --url http://localhost:3000 --username admin      # asks for the password
    flamehub node list --filter name__startswith=site- --order -created_at --limit 10
    flamehub node create name=site-a realm_id=<realm-id> --json
    flamehub analysis command <id> buildStart
    flamehub bucket upload <bucket-id> results/ notes.txt
    flamehub bucket-file download <id> --to downloads/
    flamehub bucket download <bucket-id> --to results/               # every file
    flamehub serve --hub-version 0.8.13                              # a local Hub for trying
    eval "$(flamehub completion bash)"

Connection settings come from flags, then ``FLAMEHUB_*`` variables, then the config file
written by ``flamehub login``, which keeps credentials per Hub URL and uses them only with
that URL. Secrets given as flags work but print a warning (other users see command lines):
let ``flamehub login`` ask for them, or use the environment. Hub data is printed with
control characters escaped. Exit codes: 0 success, 1 Hub or query error, 2 usage error,
130 after Ctrl-C, 143 after SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import functools
import getpass
import inspect
import ipaddress
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

import attrs
import requests

from .. import errors, models  # noqa: F401 - models fill the resource registry
from .._version import __version__
from ..dialects import Dialect, Generation
from ..hub import SERVICES, Hub
from ..resources.base import REGISTRY, FieldSpec, Resource, action_spec, meta_of
from ..resources.storage import BucketFile, BucketFileTransferMixin, BucketTransferMixin
from . import _completion, _config, _render, _values
from ._completion import COMPLETE_COMMAND, SHELLS, completion_script

__all__ = [
    "ANY_PORT",
    "DASH_VALUE_OPTIONS",
    "DEFAULT_LOCAL_VERSION",
    "DEFAULT_SERVE_HOST",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "SECRET_FLAGS",
    "UPLOAD_COLUMNS",
    "VERSION_TEXT",
    "CommandError",
    "Terminated",
    "build_parser",
    "main",
]

#: Exit status of a successful command.
EXIT_OK = 0
#: Exit status when the Hub, the query or the input is wrong.
EXIT_ERROR = 1
#: Exit status of a malformed command line (argparse's own).
EXIT_USAGE = 2
#: Exit status after Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130
#: Exit status after SIGTERM (128 + SIGTERM).
EXIT_TERMINATED = 128 + signal.SIGTERM
#: Secret options -> the environment variable to use instead (see :func:`_warn_secret_flags`).
SECRET_FLAGS: dict[str, str] = {
    "password": "--password",
    "robot_secret": "--robot-secret",
    "client_secret": "--client-secret",
    "token": "--token",
}
#: The Hub version ``flamehub serve`` and ``flamehub quickstart`` start by default.
DEFAULT_LOCAL_VERSION = "0.14.0"
#: The ``--port`` of ``flamehub serve`` that means "any free port".
ANY_PORT = 0
#: The address ``flamehub serve`` listens on by default: this machine only.
DEFAULT_SERVE_HOST = "127.0.0.1"
#: What ``--version`` prints, on every command.
VERSION_TEXT = f"flamehub {__version__}"
#: The columns of the table ``bucket upload`` prints: what was stored where.
UPLOAD_COLUMNS = ("path", "size", "id")
#: How ``create --help`` names a field kind (the others by their kind: ``uuid``, ``int`` ...).
FIELD_TYPE_NAMES = {"str": "text", "bool": "true/false", "json": "JSON", "datetime": "date-time"}
#: The schemes a Hub URL may have.
URL_SCHEMES = ("http", "https")
#: Options whose value may start with ``-`` (a descending sort key).
DASH_VALUE_OPTIONS = ("--order",)

Handler = Callable[[argparse.Namespace, TextIO], int]


class CommandError(errors.FlamehubError):
    """A command that cannot run as given (reported as ``error: ...``, exit 1)."""


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so partial downloads are removed."""


#: Secrets typed at a prompt during this run, masked in messages like the others.
_TYPED_SECRETS: list[str] = []


# -- parser ---------------------------------------------------------------------------


def _connection_options() -> argparse.ArgumentParser:
    """Options every Hub command accepts, before or after its subcommand.

    Defaults are suppressed so that a subcommand's parser does not reset a value
    given before it.
    """
    parent = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    group = parent.add_argument_group("connection (flags > FLAMEHUB_* environment > config)")
    group.add_argument("--url", help="the Hub's base URL (FLAMEHUB_URL)")
    group.add_argument("--username", help="user name for a password login (FLAMEHUB_USERNAME)")
    group.add_argument(
        "--password", help="password (visible to others: prefer the prompt or FLAMEHUB_PASSWORD)"
    )
    group.add_argument("--robot-id", dest="robot_id", help="robot id (FLAMEHUB_ROBOT_ID)")
    group.add_argument(
        "--robot-secret",
        dest="robot_secret",
        help="robot secret, legacy Hubs (visible to others: prefer FLAMEHUB_ROBOT_SECRET)",
    )
    group.add_argument("--client-id", dest="client_id", help="client id (FLAMEHUB_CLIENT_ID)")
    group.add_argument(
        "--client-secret",
        dest="client_secret",
        help="client secret (visible to others: prefer the prompt or FLAMEHUB_CLIENT_SECRET)",
    )
    group.add_argument("--token", help="a bearer token (visible to others: prefer FLAMEHUB_TOKEN)")
    group.add_argument(
        "--hub-version", dest="hub_version", help="skip detection (FLAMEHUB_HUB_VERSION)"
    )
    parent.add_argument("--json", action="store_true", help="machine-readable JSON output")
    _add_version_option(parent)
    return parent


def _add_version_option(parser: argparse.ArgumentParser) -> None:
    """``--version``: flamehub's own version, on every command and subcommand."""
    parser.add_argument(
        "--version", action="version", version=VERSION_TEXT, help="print flamehub's version"
    )


def _resource_commands() -> dict[str, type[Resource]]:
    """Command name -> resource class, of flamehub's resources (``analysis-node`` ...)."""
    return {meta_of(model).name: model for model in REGISTRY.library()}


def _actions_of(owner: type) -> dict[str, str]:
    """Command name -> method name of the declared actions of a resource or manager class.

    On a resource these run on one record (``flamehub analysis command <id> ...``), whatever
    endpoint they call; on its manager they run on the collection (``flamehub master-image
    sync``). The record's own ``delete`` is the CRUD verb, not an action.
    """
    found: dict[str, str] = {}
    for name in sorted(dir(owner)):
        if name.startswith("_") or (issubclass(owner, Resource) and name == "delete"):
            continue
        if action_spec(getattr(owner, name, None)) is not None:
            found[name.replace("_", "-")] = name
    return found


def build_parser(
    generations: Sequence[Generation] | None = None, release: Dialect | None = None
) -> argparse.ArgumentParser:
    """The ``flamehub`` argument parser, with one command per registered resource.

    A resource command offers ``get``/``create``/``update``/``delete`` where the
    resource allows them (:meth:`~flamehub.resources.base.ResourceMeta.allows_any`) on
    one of ``generations`` (default: every generation, the Hub being unknown); a known
    Hub ``release`` narrows the fields its help lists to those that release has.

    Example::

        build_parser().parse_args(["node", "list", "--limit", "5"])
        build_parser([Generation.LEGACY]).parse_args(["analysis-log", "get", "<id>"])
    """
    considered = list(Generation) if generations is None else list(generations)
    connection = _connection_options()
    parser = argparse.ArgumentParser(
        prog="flamehub",
        description="Work with a FLAME Hub from the shell.",
        parents=[connection],
        epilog="Run 'flamehub <command> --help' for a command's options.",
    )
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)

    login = commands.add_parser(
        "login", parents=[connection], help="check credentials and store them (mode 0600)"
    )
    login.add_argument("--no-check", action="store_true", help="store without logging in")
    login.add_argument(
        "--with-token", action="store_true", help="ask for a bearer token instead of a password"
    )
    login.set_defaults(handler=_cmd_login)
    logout = commands.add_parser("logout", help="forget the stored credentials")
    logout.add_argument("--url", help="forget only this Hub's credentials")
    _add_version_option(logout)
    logout.set_defaults(handler=_cmd_logout)

    serve = commands.add_parser("serve", help="run a local in-memory Hub until Ctrl-C")
    serve.add_argument(
        "--hub-version",
        dest="hub_version",
        default=DEFAULT_LOCAL_VERSION,
        help=f"Hub version to emulate (default: {DEFAULT_LOCAL_VERSION})",
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_SERVE_HOST,
        help=f"address to listen on (default: {DEFAULT_SERVE_HOST}, this machine only)",
    )
    serve.add_argument("--port", type=int, default=ANY_PORT, help="port (default: a free one)")
    _add_version_option(serve)
    serve.set_defaults(handler=_cmd_serve)

    quickstart = commands.add_parser(
        "quickstart",
        parents=[connection],
        help="the guided tour (python -m flamehub.quickstart)",
        description="The guided tour: on the Hub of --url, FLAMEHUB_URL or the last login "
        f"if there is one, else on an embedded local Hub of --hub-version "
        f"(default {DEFAULT_LOCAL_VERSION}).",
    )
    quickstart.set_defaults(handler=_cmd_quickstart)

    completion = commands.add_parser("completion", help="print a shell completion script")
    completion.add_argument("shell", choices=SHELLS)
    _add_version_option(completion)
    completion.set_defaults(handler=_cmd_completion)

    for name, model in sorted(_resource_commands().items()):
        _add_resource(commands, connection, name, model, considered, release)
    return parser


def _add_resource(
    commands: Any,
    connection: argparse.ArgumentParser,
    name: str,
    model: type[Resource],
    generations: Sequence[Generation],
    release: Dialect | None = None,
) -> None:
    meta = meta_of(model)
    present = [g for g in generations if g in meta.generations] or list(generations)
    command = commands.add_parser(name, help=f"{meta.verbose_name_plural} ({meta.service} service)")
    _add_version_option(command)
    sub = command.add_subparsers(dest="verb", metavar="<action>", required=True)
    added: set[str] = set()  # collection actions never shadow a subcommand above

    def leaf(verb: str, help_text: str, description: str | None = None) -> argparse.ArgumentParser:
        added.add(verb)
        parser = sub.add_parser(
            verb,
            parents=[connection],
            help=help_text,
            description=description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.set_defaults(model=model)
        return parser

    def record_verb(
        verb: str, operation: str, help_text: str, fields: str | None = None
    ) -> argparse.ArgumentParser | None:
        """A record verb, if ``operation`` exists on one of the generations considered."""
        where = [g for g in present if meta.allows_any(operation, [g])]
        if not where:
            return None
        if len(where) < len(present):
            help_text += f" ({', '.join(g.value for g in where)} Hubs)"
        description = help_text
        if fields is not None:
            description += "\n\n" + _fields_help(model, fields, where, release)
        parser = leaf(verb, help_text, description)
        parser.set_defaults(operation=operation)
        return parser

    listing = leaf("list", f"list {meta.verbose_name_plural}")
    listing.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a lookup such as name__startswith=site- or id__in=a,b (repeatable)",
    )
    listing.add_argument(
        "--exclude", action="append", default=[], metavar="KEY=VALUE", help="exclude matches"
    )
    listing.add_argument(
        "--order",
        action="append",
        default=[],
        metavar="KEYS",
        help="sort keys, '-' for descending, comma-separated or repeated",
    )
    listing.add_argument("--limit", type=int, help="at most this many rows")
    listing.add_argument("--offset", type=int, default=0, help="skip this many rows")
    listing.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="RELATIONS",
        help="relations to show (any: the Hub embeds what it can, the rest is batched)",
    )
    listing.add_argument("--fields", help="columns to show, comma-separated")
    _add_format_option(listing)
    listing.set_defaults(handler=_cmd_list)

    getting = record_verb("get", "gettable", f"show one {meta.name} by id")
    if getting is not None:
        getting.add_argument("id")
        getting.add_argument("--include", action="append", default=[], metavar="RELATIONS")
        getting.add_argument("--fields", help="fields to show, comma-separated")
        getting.set_defaults(handler=_cmd_get)
    creating = record_verb(
        "create", "creatable", f"create one {meta.name} from key=value fields", "create"
    )
    if creating is not None:
        creating.add_argument("values", nargs="*", metavar="KEY=VALUE")
        creating.set_defaults(handler=_cmd_create)
    # update/delete of one id, or of every row matching --filter (flamehub.cli._bulk, #14)
    from ._bulk import add_filter_options, run_delete, run_update

    updating = record_verb("update", "updatable", f"change fields of one {meta.name}", "update")
    if updating is not None:
        updating.add_argument("id", nargs="?", help="the id (leave out with --filter)")
        updating.add_argument("values", nargs="*", metavar="KEY=VALUE")
        add_filter_options(updating, "update")
        updating.set_defaults(handler=functools.partial(run_update, by_id=_cmd_update))
    deleting = record_verb("delete", "deletable", f"delete one {meta.name} by id")
    if deleting is not None:
        deleting.add_argument("id", nargs="?", help="the id (leave out with --filter)")
        add_filter_options(deleting, "delete")
        deleting.set_defaults(handler=functools.partial(run_delete, by_id=_cmd_delete))

    for verb, method in _actions_of(model).items():
        doc = _render.plain_text(inspect.getdoc(getattr(model, method)) or "")
        acting = leaf(verb, doc.split("\n", 1)[0] or f"the {method} action", doc or None)
        acting.add_argument("id")
        acting.add_argument(
            "arguments", nargs="*", metavar="ARG", help="positional arguments or key=value"
        )
        acting.set_defaults(handler=_cmd_action, method=method)

    for verb, method in _actions_of(type(model.objects)).items():
        if verb in added:
            continue
        doc = _render.plain_text(inspect.getdoc(getattr(type(model.objects), method)) or "")
        acting = leaf(verb, doc.split("\n", 1)[0] or f"the {method} action", doc or None)
        acting.add_argument(
            "arguments", nargs="*", metavar="ARG", help="positional arguments or key=value"
        )
        acting.set_defaults(handler=_cmd_collection_action, method=method)

    if issubclass(model, BucketTransferMixin):
        uploading = leaf("upload", "upload files and directories into the bucket")
        uploading.add_argument("id", help="the bucket's id")
        uploading.add_argument("paths", nargs="+", metavar="PATH")
        uploading.add_argument("--prefix", default="", help="a directory inside the bucket")
        uploading.add_argument(
            "--overwrite",
            action="store_true",
            help="replace files at the same paths: delete them, then upload (default: refuse)",
        )
        uploading.set_defaults(handler=_cmd_upload)
        fetching = leaf("download", "download every file of the bucket into a directory")
        fetching.add_argument("id", help="the bucket's id")
        fetching.add_argument("--to", default=".", help="the directory (default: .)")
        fetching.add_argument(
            "--overwrite", action="store_true", help="replace existing files (default: refuse)"
        )
        fetching.set_defaults(handler=_cmd_download_all)
    if issubclass(model, BucketFileTransferMixin):
        downloading = leaf("download", "download the file")
        downloading.add_argument("id", help="the file's id")
        downloading.add_argument("--to", default=".", help="a file or directory (default: .)")
        downloading.add_argument(
            "--overwrite", action="store_true", help="replace an existing file (default: refuse)"
        )
        downloading.set_defaults(handler=_cmd_download)
    if name == "analysis":  # the workflow (flamehub.cli._workflow)
        from ._workflow import add_run_command

        add_run_command(leaf)


def _field_type(spec: FieldSpec) -> str:
    """How ``create --help`` names a field's type: its kind, or an enum's values."""
    if spec.kind == "enum" and isinstance(spec.type, type) and issubclass(spec.type, enum.Enum):
        return "one of " + ", ".join(str(member.value) for member in spec.type)
    return FIELD_TYPE_NAMES.get(spec.kind, spec.kind)


def _fields_help(
    model: type[Resource],
    body: str,
    generations: Sequence[Generation],
    release: Dialect | None = None,
) -> str:
    """The fields a ``body`` ("create" or "update") may carry, as ``create --help`` lists them.

    Read from the resource declaration: each field's type (an enum's values), whether a
    create needs it, and the Hubs that have it when not all of ``generations`` do.
    """
    meta = meta_of(model)
    lines: list[tuple[str, str]] = []
    for name, spec in meta.scalar_fields.items():
        sendable = spec.options.create if body == "create" else spec.options.update
        where = [  # a known release: its own fields (since/until), else its generation's
            g
            for g in generations
            if spec.exists_on(release if release is not None and release.generation is g else g)
        ]
        if not sendable or not where:
            continue
        notes = [_field_type(spec)]
        if body == "create":
            needed = [g for g in where if name in meta.required_on_create(g)]
            if needed:
                notes.append("required" + _only_on(needed, where))
        if len(where) < len(generations):
            notes.append(_only_on(where, generations).strip(" ()"))
        lines.append((f"{name}=", "; ".join(notes)))
    if not lines:
        return f"fields: none can be set on {body}"
    width = max(len(key) for key, _ in lines)
    return "fields (KEY=VALUE):\n" + "\n".join(
        f"  {key.ljust(width)}  {text}" for key, text in lines
    )


def _only_on(some: Sequence[Generation], every: Sequence[Generation]) -> str:
    """`` (legacy Hubs)`` when ``some`` is not ``every`` generation, else nothing."""
    if len(some) == len(every):
        return ""
    return f" ({', '.join(g.value for g in some)} Hubs)"


# -- helpers --------------------------------------------------------------------------


def _settings(options: argparse.Namespace) -> _config.Settings:
    flags = {name: getattr(options, name, None) for name in _config.ENVIRONMENT}
    return _config.resolve(flags)


def _check_url(url: str) -> None:
    """Refuse a Hub URL that cannot be meant as given, with what to write instead."""
    parts = urlsplit(url)
    if "://" in url and (parts.scheme not in URL_SCHEMES or not parts.netloc):
        raise CommandError(f"the Hub URL {url!r} must start with http:// or https://")
    if parts.scheme not in URL_SCHEMES or not parts.netloc:
        raise CommandError(
            f"the Hub URL {url!r} has no http:// or https:// scheme; did you mean "
            f"'https://{url}' (or 'http://{url}' for a Hub on this machine)?"
        )
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if last in SERVICES:
        base = urlunsplit(
            (parts.scheme, parts.netloc, parts.path.rstrip("/")[: -len(last) - 1], "", "")
        )
        raise CommandError(
            f"the Hub URL {url!r} ends in the {last} service's /{last}; give the Hub's base "
            f"URL instead ({base!r}): flamehub finds /auth, /core and /storage below it"
        )


def _connect(options: argparse.Namespace, settings: _config.Settings | None = None) -> Hub:
    """The Hub of the connection settings, checked before anything is sent.

    A user name without a password is asked for the password at a terminal and refused
    elsewhere, rather than sending requests without credentials.
    """
    settings = _settings(options) if settings is None else settings
    if settings.url:
        _check_url(settings.url)
    if settings.username and settings.auth() is None:
        if not sys.stdin.isatty():
            raise CommandError(
                f"no password given for user {settings.username!r}: set "
                f"{_config.ENVIRONMENT['password']}, run 'flamehub login', or run the "
                "command in a terminal to be asked for it"
            )
        settings = attrs.evolve(settings, password=_prompt("Password", secret=True))
    return settings.hub()


def _split_words(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _progress(stream: TextIO = sys.stderr) -> bool:
    """Show tqdm bars only for a person watching a terminal (and when tqdm is installed)."""
    if not stream.isatty():
        return False
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def _emit(
    options: argparse.Namespace,
    out: TextIO,
    value: Any,
    fields: str | None = None,
    *,
    hub: Hub | None = None,
    model: type[Resource] | None = None,
    columns: Sequence[str] = (),
) -> None:
    """Write one record, a list of records or an action result, as JSON or readably.

    A table's columns are ``fields``, else ``columns``, else those :mod:`._render` picks
    from ``model``'s declaration for the Hub's generation, then the included relations.
    """
    data = _render.plain(value)
    wanted = _split_words([fields]) if fields else None
    if wanted and isinstance(data, dict):
        data = {key: data.get(key) for key in wanted}
    if wanted and isinstance(data, list):
        data = [
            {key: row.get(key) for key in wanted} if isinstance(row, dict) else row for row in data
        ]
    output = _output_format(options)
    if output == "json":
        out.write(_render.to_json(data) + "\n")
    elif isinstance(data, list) and all(isinstance(row, dict) for row in data):
        model = model or getattr(options, "model", None)
        chosen = wanted or list(columns) or _table_columns(options, hub, model, data)
        rows = [_summarized(model, row) for row in data]
        if output == "csv":
            out.write(_render.render_csv(rows, chosen))
        else:
            out.write(_render.render_table(rows, chosen) + "\n")
    elif isinstance(data, dict):
        record = _summarized(model or getattr(options, "model", None), data)
        out.write(_render.render_record(record) + "\n")
    elif data is not None:
        out.write(_render.printable(str(data)) + "\n")


# -- output formats (issue #14): --format table|json|csv on list commands ----------------

#: What ``--format`` accepts (``--json`` is ``--format json``).
OUTPUT_FORMATS = ("table", "json", "csv")


def _add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        help="table (default), json (as --json) or csv (cells a spreadsheet would run as "
        "formulas, starting with = + - @, get a leading ')",
    )


def _output_format(options: argparse.Namespace) -> str:
    """``--format``, with ``--json`` as its alias; both, disagreeing, is a usage error."""
    chosen = getattr(options, "format", None)
    if getattr(options, "json", False):
        if chosen not in (None, "json"):
            raise CommandError(f"--json and --format {chosen} contradict each other: give one")
        return "json"
    return chosen or "table"


def _summarized(model: type[Resource] | None, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with each included relation as its name (or id), for a table or record."""
    relations = meta_of(model).relations if model else {}
    return {key: _render.summary(cell) if key in relations else cell for key, cell in row.items()}


def _check_fields(options: argparse.Namespace, hub: Hub) -> None:
    """Refuse a ``--fields`` name the resource does not have, before the listing is sent."""
    wanted = _split_words([options.fields]) if options.fields else []
    if not wanted:
        return
    model: type[Resource] = options.model
    known = _render.declared_columns(model, hub.dialect_for(meta_of(model).service))
    known += [name for name in _split_words(options.include) if name in meta_of(model).relations]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise errors.QueryError(
            f"{model.__name__} has no field {unknown[0]!r}; fields it can show on Hub "
            f"{hub.version}: {', '.join(sorted(known))}"
        )


def _release(hub: Hub | None, model: type[Resource]) -> Dialect | None:
    """The dialect of the Hub release serving ``model`` (known by then: the command's own
    request detected it)."""
    if hub is None:
        return None
    return hub.dialect_for(meta_of(model).service)


def _table_columns(
    options: argparse.Namespace,
    hub: Hub | None,
    model: type[Resource] | None,
    rows: list[dict[str, Any]],
) -> list[str]:
    if model is None:  # an action's answer: whatever keys it has
        return _render.default_columns(sorted({key for row in rows for key in row}))
    included = _split_words(getattr(options, "include", None) or [])
    return _render.default_columns(_render.declared_columns(model, _release(hub, model))) + [
        name for name in included if name in meta_of(model).relations
    ]


def _stored_secrets() -> list[str]:
    """The secrets of the config file, to mask them in messages (none if it is unreadable)."""
    try:
        stored = _config.load_config(_config.config_path())
    except (errors.FlamehubError, OSError):
        return []
    return [
        value
        for entry in stored.hubs.values()
        for name, value in entry.items()
        if name in _config.SECRETS
    ]


def _one_line(error: BaseException, secrets: Sequence[str | None] = ()) -> str:
    """The error as one printable line, each whole secret replaced by ``<hidden>``."""
    text = " ".join(str(error).split()) or type(error).__name__
    return _render.printable(errors.mask_secrets(text, secrets))


def _warn_secret_flags(options: argparse.Namespace, err: TextIO) -> None:
    """Tell the person at the terminal that a secret on the command line is readable by others.

    Printed when stderr is a terminal (a person typed the command), so scripts' error
    output keeps its one-line form.
    """
    if not err.isatty():
        return
    for name, flag in SECRET_FLAGS.items():
        if getattr(options, name, None):
            err.write(
                f"warning: {flag} is visible to other users of this machine (ps, shell "
                f"history); leave it out to be asked for it by 'flamehub login', or set "
                f"{_config.ENVIRONMENT[name]}\n"
            )


# -- commands -------------------------------------------------------------------------


def _cmd_list(options: argparse.Namespace, out: TextIO) -> int:
    with _connect(options) as hub:
        query = options.model.objects.using(hub)
        if options.filter:
            query = query.filter(**_values.parse_assignments(options.filter, lookups=True))
        if options.exclude:
            query = query.exclude(**_values.parse_assignments(options.exclude, lookups=True))
        if options.order:
            query = query.order_by(*_split_words(options.order))
        if options.include:
            query = _with_relations(query, options.include)
        if options.limit is not None or options.offset:
            if (options.limit is not None and options.limit < 0) or options.offset < 0:
                raise CommandError("--limit and --offset must not be negative")
            end = None if options.limit is None else options.offset + options.limit
            query = query[options.offset : end]
        _check_fields(options, hub)
        _emit(options, out, list(query), options.fields, hub=hub)
    return EXIT_OK


def _cmd_get(options: argparse.Namespace, out: TextIO) -> int:
    with _connect(options) as hub:
        query = options.model.objects.using(hub)
        if options.include:
            query = _with_relations(query, options.include)
        _check_fields(options, hub)
        _emit(options, out, query.get(id=options.id), options.fields, hub=hub)
    return EXIT_OK


def _with_relations(query: Any, words: list[str]) -> Any:
    """(relations) ``--include``: forward relations by select_related (the Hub's include
    where it can), reverse ones (related managers) by prefetch_related."""
    names = _split_words(words)
    forward = [name for name in names if name.split("__")[0] in meta_of(query.model).relations]
    reverse = [name for name in names if name not in forward]
    if forward:
        query = query.select_related(*forward)
    if reverse:
        query = query.prefetch_related(*reverse)
    return query


def _cmd_create(options: argparse.Namespace, out: TextIO) -> int:
    values = _values.parse_assignments(options.values)
    with _connect(options) as hub:
        _emit(options, out, options.model.objects.using(hub).create(**values), hub=hub)
    return EXIT_OK


def _cmd_update(options: argparse.Namespace, out: TextIO) -> int:
    values = _values.parse_assignments(options.values)
    with _connect(options) as hub:
        _emit(options, out, options.model.objects.using(hub)._update(options.id, values), hub=hub)
    return EXIT_OK


def _cmd_delete(options: argparse.Namespace, out: TextIO) -> int:
    with _connect(options) as hub:
        options.model.objects.using(hub)._delete(options.id)
    if getattr(options, "json", False):
        out.write(_render.to_json({"deleted": options.id}) + "\n")
    else:
        out.write(_render.printable(f"Deleted {meta_of(options.model).name} {options.id}") + "\n")
    return EXIT_OK


def _action_arguments(options: argparse.Namespace) -> tuple[list[Any], dict[str, Any]]:
    positional = [_values.parse_scalar(word) for word in options.arguments if "=" not in word]
    keywords = _values.parse_assignments(word for word in options.arguments if "=" in word)
    return positional, keywords


def _call_action(
    options: argparse.Namespace,
    out: TextIO,
    method: Callable[..., Any],
    positional: list[Any],
    keywords: dict[str, Any],
) -> int:
    try:
        inspect.signature(method).bind(*positional, **keywords)
    except TypeError as error:
        raise CommandError(f"{options.verb}: {error}") from error
    _emit(options, out, method(*positional, **keywords))
    return EXIT_OK


def _cmd_action(options: argparse.Namespace, out: TextIO) -> int:
    positional, keywords = _action_arguments(options)
    with _connect(options) as hub:
        target = options.model.objects.using(hub).get(id=options.id)
        return _call_action(options, out, getattr(target, options.method), positional, keywords)


def _cmd_collection_action(options: argparse.Namespace, out: TextIO) -> int:
    positional, keywords = _action_arguments(options)
    if "using" in keywords:
        raise CommandError(f"{options.verb}: 'using' is set by the connection options")
    with _connect(options) as hub:
        keywords["using"] = hub
        method = getattr(options.model.objects, options.method)
        return _call_action(options, out, method, positional, keywords)


def _cmd_upload(options: argparse.Namespace, out: TextIO) -> int:
    for path in options.paths:
        if not Path(path).exists():
            raise CommandError(f"no such file or directory: {path}")
    with _connect(options) as hub:
        bucket = options.model.objects.using(hub).get(id=options.id)
        uploaded = bucket.upload(
            *options.paths,
            prefix=options.prefix,
            progress=_progress(),
            overwrite=options.overwrite,
        )
        _emit(options, out, uploaded, hub=hub, model=BucketFile, columns=UPLOAD_COLUMNS)
    return EXIT_OK


def _cmd_download(options: argparse.Namespace, out: TextIO) -> int:
    with _connect(options) as hub:
        stored = options.model.objects.using(hub).get(id=options.id)
        path = stored.download(to=options.to, progress=_progress(), overwrite=options.overwrite)
    if getattr(options, "json", False):
        out.write(_render.to_json({"id": options.id, "path": str(path)}) + "\n")
    else:
        out.write(_render.printable(f"Saved {path}") + "\n")
    return EXIT_OK


def _cmd_download_all(options: argparse.Namespace, out: TextIO) -> int:
    with _connect(options) as hub:
        bucket = options.model.objects.using(hub).get(id=options.id)
        paths = bucket.download_all(
            to=options.to, progress=_progress(), overwrite=options.overwrite
        )
    if getattr(options, "json", False):
        out.write(_render.to_json({"id": options.id, "paths": [str(p) for p in paths]}) + "\n")
    else:
        for path in paths:
            out.write(_render.printable(f"Saved {path}") + "\n")
    return EXIT_OK


def _prompt(label: str, secret: bool = False) -> str:
    if not sys.stdin.isatty():
        raise CommandError(f"{label} is missing and there is no terminal to ask for it")
    answer = getpass.getpass(f"{label}: ") if secret else input(f"{label}: ")
    if not answer:
        raise CommandError(f"{label} is required")
    if secret:
        _TYPED_SECRETS.append(answer)
    return answer


def _cmd_login(options: argparse.Namespace, out: TextIO) -> int:
    flags = {name: getattr(options, name, None) for name in _config.ENVIRONMENT}
    # login stores what it is told now: flags and environment, prompting for the rest
    settings = _config.resolve(flags, stored={})
    values = {name: getattr(settings, name) for name in _config.ENVIRONMENT}
    if not values["url"]:
        values["url"] = _prompt("Hub URL")
    if options.with_token:
        values["token"] = values["token"] or _prompt("Token", secret=True)
    elif values["client_id"]:
        values["client_secret"] = values["client_secret"] or _prompt("Client secret", secret=True)
    elif values["robot_id"]:
        values["robot_secret"] = values["robot_secret"] or _prompt("Robot secret", secret=True)
    elif not values["token"]:
        if not values["username"]:
            values["username"] = _prompt("Username")
        if not values["password"]:
            values["password"] = _prompt("Password", secret=True)
    _check_url(values["url"])
    settings = _config.Settings(**values)
    if not options.no_check:
        from ..models import Realm

        with settings.hub() as hub:
            list(Realm.objects.using(hub)[:1])
    path = _config.config_path()
    stored = _config.load_config(path)
    entry = {key: value for key, value in settings.storable().items() if key != "url"}
    assert settings.url is not None  # prompted for above
    _config.save_config(path, stored.remember(settings.url, entry))
    who = settings.username or settings.client_id or settings.robot_id or "a token"
    out.write(_render.printable(f"Logged in to {settings.url} as {who}; saved to {path}") + "\n")
    return EXIT_OK


def _cmd_logout(options: argparse.Namespace, out: TextIO) -> int:
    path = _config.config_path()
    if not path.exists():
        out.write(f"Not logged in ({path} does not exist)\n")
        return EXIT_OK
    stored = _config.load_config(path)
    if options.url and stored.for_url(options.url):
        remaining = stored.forget(options.url)
        if remaining.hubs:
            _config.save_config(path, remaining)
            out.write(_render.printable(f"Forgot {options.url} in {path}") + "\n")
            return EXIT_OK
    elif options.url:
        out.write(_render.printable(f"Not logged in to {options.url}") + "\n")
        return EXIT_OK
    path.unlink()
    out.write(f"Removed {path}\n")
    return EXIT_OK


def _cmd_serve(options: argparse.Namespace, out: TextIO) -> int:
    from ..testing import LocalHub

    if not _is_loopback(options.host):
        sys.stderr.write(
            f"warning: listening on {_render.printable(options.host)}, reachable from other "
            "machines: the local Hub's admin password is the same for everyone (printed "
            "below) and anyone who can connect may read and change its data\n"
        )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with LocalHub(version=options.hub_version, host=options.host, port=options.port) as local:
            username, password = local.admin_credentials
            out.write(f"Local FLAME Hub {local.version} running at {local.url}\n")
            out.write(f"  admin username: {username}\n  admin password: {password}\n")
            out.write(f"  export FLAMEHUB_URL={local.url}\nPress Ctrl-C to stop.\n")
            out.flush()
            try:
                while not stop.wait(timeout=0.5):
                    pass
            except KeyboardInterrupt:
                pass
        out.write("Stopped.\n")
    finally:
        signal.signal(signal.SIGTERM, previous)
    return EXIT_OK


def _is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (``localhost``, 127.x, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any address


def _cmd_quickstart(options: argparse.Namespace, out: TextIO) -> int:
    from .. import quickstart

    settings = _settings(options)
    if not settings.url:  # no Hub given anywhere: the tour starts its own
        quickstart.run(settings.hub_version or DEFAULT_LOCAL_VERSION, out)
        return EXIT_OK
    with _connect(options, settings) as hub:
        quickstart.run(out=out, hub=hub)
    return EXIT_OK


def _cmd_completion(options: argparse.Namespace, out: TextIO) -> int:
    out.write(completion_script(options.shell))
    return EXIT_OK


def _stored_hub_version() -> str | None:
    """``FLAMEHUB_HUB_VERSION`` or the stored ``hub_version`` (None if unset or unreadable)."""
    try:
        return _settings(argparse.Namespace()).hub_version
    except (errors.FlamehubError, OSError):
        return None


def _line_hub_version(argv: Sequence[str]) -> str | None:
    """The value of a ``--hub-version`` on the command line (the last one), else None."""
    found: str | None = None
    for index, word in enumerate(argv):
        if word == "--hub-version" and index + 1 < len(argv):
            found = argv[index + 1]
        elif word.startswith("--hub-version="):
            found = word.partition("=")[2]
    return found


def _cmd_complete(argv: Sequence[str], out: TextIO) -> int:
    """The hidden ``flamehub __complete <shell> <cword> <words...>`` the scripts call.

    Prints the candidates for ``words[cword]``, one a line; never contacts the Hub.
    """
    return _completion.run(build_parser(), argv, out, hub_version=_stored_hub_version())


# -- entry point ----------------------------------------------------------------------


def _join_dash_values(argv: Sequence[str]) -> list[str]:
    """``--order -created_at`` -> ``--order=-created_at``, so argparse keeps the value."""
    words = list(argv)
    joined: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else None
        if word in DASH_VALUE_OPTIONS and following is not None and following.startswith("-"):
            joined.append(f"{word}={following}")
            index += 2
            continue
        joined.append(word)
        index += 1
    return joined


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the ``flamehub`` command; returns the exit status.

    Errors of the Hub, the query, the connection or the local files are reported as one
    ``error: ...`` line on stderr (exit 1), never with a traceback; secrets are masked.

    Example::

        from flamehub.cli import main
        main(["node", "list", "--limit", "3", "--json"])
    """
    out = sys.stdout if out is None else out
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == [COMPLETE_COMMAND]:
        return _cmd_complete(argv[1:], out)
    # a known Hub (--hub-version, FLAMEHUB_HUB_VERSION or the stored setting) narrows the
    # record verbs to its generation; an unknown one offers those of any generation
    generations, release = _completion.hub_generations(
        _line_hub_version(argv) or _stored_hub_version()
    )
    parser = build_parser(generations, release)
    try:
        options = parser.parse_args(_join_dash_values(argv))
    except SystemExit as exit_:
        return int(exit_.code) if isinstance(exit_.code, int) else EXIT_USAGE
    secrets = [getattr(options, name, None) for name in _config.SECRETS]
    secrets += [os.environ.get(_config.ENVIRONMENT[name]) for name in _config.SECRETS]
    secrets += _stored_secrets()
    _TYPED_SECRETS.clear()
    _warn_secret_flags(options, sys.stderr)
    handler: Handler = options.handler
    try:
        with _sigterm_unwinds():
            return handler(options, out)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("error: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except (errors.FlamehubError, requests.RequestException, OSError, ValueError) as error:
        print(f"error: {_one_line(error, [*secrets, *_TYPED_SECRETS])}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        _TYPED_SECRETS.clear()


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While a command runs, SIGTERM raises :class:`Terminated` (clean-up code runs).

    Only the main thread can install signal handlers; elsewhere nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
