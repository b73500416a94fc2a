"""Session-wide secret watch: no password, secret or token shows up anywhere the suite looks.

A pytest plugin, registered by ``tests/conftest.py``. From configuration to the end of the
run it collects

- every log record of every logger at every level: ``logging.Logger.callHandlers`` is
  wrapped, and the ``flamehub``, ``urllib3`` and ``requests`` loggers get
  :data:`WATCH_LEVEL` (below DEBUG) when they have no level of their own, so that their
  DEBUG records exist. A record that exists only because of the watch reaches the watch
  and no handler: ``caplog`` and every other handler see what they would see without it;
- ``str``, ``repr`` and the ``body_preview``/``body``/``issues`` of every
  :class:`~flamehub.errors.FlamehubError` created (the ``__init__`` of the class and of its
  subclasses with their own are wrapped);
- ``repr`` of every :class:`~flamehub.Hub`, facade client, auth object (and its ``vars()``),
  :class:`~flamehub.testing.LocalHub`, resource model (built, loaded the checked way, or by
  the generated fast loader; also its ``pprint()`` dump and ``_repr_html_()`` table),
  credentials object and facade update model created; the hubs
  and auth objects still alive at the end are repr'd again;

and every secret the run used: each token a LocalHub issued (``TokenService._issue``), each
client, robot and registry secret stored in one (``Store.insert``/``Store.touch``), each user
password a LocalHub hashed (the admin's ``start123`` too), the credentials auth objects hold
(their ``Secret`` wrappers) and the tokens they obtained (also from mocked token endpoints).
Values shorter than :data:`MIN_SECRET_LENGTH` or in :data:`COMMON_VALUES` are not searched.

:class:`SecretWatchItem` is appended as the last item of every run (of the whole suite or of
any part of it): it searches all collected text for every secret, and fails naming the kind of
secret, the kind of text, the test that produced it and the secret's fingerprint (first three
characters, length, hash), never the secret. It also fails when the run included tests that
always produce logs, errors, reprs or tokens and the watch saw none (a broken hook must not
pass vacuously). ``tests/test_secret_watch.py`` plants leaks into a private watch.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

#: Shorter values are not searched for (they occur by chance).
MIN_SECRET_LENGTH = 8
#: Values tests pass as credentials that are ordinary words, not secrets.
COMMON_VALUES = frozenset({"password", "12345678", "changeme", "username"})
#: Secrets at least ``2 * PREFIX`` long are also searched by their first PREFIX characters
#: (a truncated preview of a body would show that much).
PREFIX = 12
#: The level the watch gives the loggers below: lower than DEBUG, never chosen by a test.
WATCH_LEVEL = 1
WATCHED_LOGGERS = ("flamehub", "urllib3", "requests")
ITEM_NAME = "test_no_secret_in_any_log_error_or_repr_of_the_session"


@dataclass(frozen=True)
class Exclusion:
    """A leak a test makes on purpose, outside flamehub: ignored, and only that one."""

    test: str  # the test's node id, up to its parameters
    detail: str  # where in the text category (the logger, the error class ...)
    before: str  # the text right before the secret
    reason: str


EXCLUSIONS = (
    Exclusion(
        test="tests/local_hub/test_local_hub_server.py::test_secrets_are_not_echoed_or_logged[",
        detail="urllib3.connectionpool DEBUG",
        before="/auth/token/introspect?token=",
        reason="the test sends a token in a query string itself (plain requests, no flamehub) "
        "to check that the local hub's request log redacts it; urllib3 logs the URL it sent",
    ),
)


@dataclass(frozen=True)
class Leak:
    """One secret found in one text (the secret itself is not kept)."""

    kind: str
    fingerprint: str
    category: str
    detail: str
    test: str
    before: str
    after: str

    def describe(self) -> str:
        return (
            f"{self.kind} [{self.fingerprint}] in {self.category} ({self.detail}) "
            f"made by {self.test}: ...{self.before[-40:]}<SECRET>{self.after[:40]}..."
        )

    def excluded_by(self, exclusions: tuple[Exclusion, ...]) -> Exclusion | None:
        for exclusion in exclusions:
            if (
                self.test.startswith(exclusion.test)
                and self.detail.startswith(exclusion.detail)
                and self.before.endswith(exclusion.before)
            ):
                return exclusion
        return None


def fingerprint(secret: str) -> str:
    """``'sta…(8) sha256:1f2e3d4c'``: enough to recognise a secret, not to use it."""
    digest = hashlib.sha256(secret.encode()).hexdigest()[:8]
    return f"{secret[:3]}…({len(secret)}) sha256:{digest}"


class Watch:
    """The secrets and texts of a run, and the search of the ones in the others."""

    def __init__(self) -> None:
        #: secret -> its kind ("LocalHub access token (password grant)" ...)
        self.secrets: dict[str, str] = {}
        #: text -> (category, detail, test) of the first time it was seen
        self.texts: dict[str, tuple[str, str, str]] = {}
        #: what was seen: "log", "error", "repr: hub" ... and "secret: <kind>"
        self.counts: Counter[str] = Counter()
        self.test = "<collection>"
        self.hook_failures: Counter[str] = Counter()
        self._alive: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()

    # -- collecting ---------------------------------------------------------------------

    def secret(self, kind: str, value: Any) -> None:
        if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH:
            return
        if value in COMMON_VALUES or value in self.secrets:
            return
        self.secrets[value] = kind
        self.counts[f"secret: {kind}"] += 1

    def saw(self, category: str) -> None:
        self.counts[category] += 1

    def text(self, category: str, detail: str, text: str) -> None:
        if text and text not in self.texts:
            self.texts[text] = (category, detail, self.test)

    def keep(self, obj: Any) -> None:
        """Repr ``obj`` again at the end if it is still alive then."""
        with self._lock:
            self._alive.add(obj)

    def failed(self, where: str, error: BaseException) -> None:
        self.hook_failures[f"{where}: {type(error).__name__}: {error}"[:200]] += 1

    def finish(self) -> None:
        """Repr the hubs and auth objects still alive (their state changed since creation)."""
        with self._lock:
            alive = list(self._alive)
        self.test = "<end of session>"
        for obj in alive:
            self.text(_category_of(obj), type(obj).__name__, _safe_repr(obj))

    # -- searching ----------------------------------------------------------------------

    def needles(self) -> dict[str, tuple[str, str]]:
        """What to search: each secret, and the prefix of each long one -> (kind, secret)."""
        found: dict[str, tuple[str, str]] = {}
        for secret, kind in self.secrets.items():
            found.setdefault(secret, (kind, secret))
            if len(secret) >= 2 * PREFIX:
                found.setdefault(secret[:PREFIX], (f"{kind} (first {PREFIX} chars)", secret))
        return found

    def leaks(self) -> list[Leak]:
        """Every (secret, text) where the text holds the secret or the prefix of a long one.

        A text is compared with the secrets through its substrings of MIN_SECRET_LENGTH
        characters (a set intersection); only the texts that share one are searched.
        """
        needles = self.needles()
        gram = MIN_SECRET_LENGTH
        by_gram: dict[str, list[str]] = {}
        for needle in needles:
            by_gram.setdefault(needle[:gram], []).append(needle)
        grams = by_gram.keys()
        found: list[Leak] = []
        for text, (category, detail, test) in list(self.texts.items()):
            if len(text) < gram:
                continue
            hits = grams & {text[i : i + gram] for i in range(len(text) - gram + 1)}
            inside = [needle for hit in hits for needle in by_gram[hit] if needle in text]
            if not inside:
                continue
            masked = text  # the context shown must not show this or any other secret
            for needle in sorted(inside, key=len, reverse=True):
                masked = masked.replace(needle, "\x00")
            at = masked.index("\x00")
            before = masked[max(0, at - 80) : at].replace("\x00", "<SECRET>")
            after = masked[at + 1 : at + 81].replace("\x00", "<SECRET>")
            for needle in inside:
                kind, secret = needles[needle]
                found.append(Leak(kind, fingerprint(secret), category, detail, test, before, after))
        return found

    def summary(self) -> str:
        kinds = Counter(kind.split(" (")[0] for kind in self.secrets.values())
        by_kind = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        return (
            f"{len(self.secrets)} secrets ({by_kind}); "
            f"{self.counts['log']} log records, {self.counts['error']} errors, "
            f"{self.counts['repr: hub']} hubs, {self.counts['repr: auth']} auth objects, "
            f"{self.counts['repr: model']} models ({len(self.texts)} distinct texts)"
        )


def _category_of(obj: Any) -> str:
    from flamehub.auth import HubAuth

    return "repr: auth" if isinstance(obj, HubAuth) else "repr: hub"


def _safe_repr(obj: Any) -> str:
    try:
        return repr(obj)
    except Exception as error:  # a half-built object: its repr is not the question here
        return f"<repr failed: {type(error).__name__}>"


# --------------------------------------------------------------------------- the hooks

#: The watch the hooks feed (:func:`watching` swaps it, for the self-test).
ACTIVE = Watch()
#: Whether the hooks are in place (not with ``-p no:tests._secret_watch``).
INSTALLED = False


@contextlib.contextmanager
def watching(watch: Watch) -> Iterator[Watch]:
    """Feed ``watch`` instead of the session's watch while the block runs."""
    global ACTIVE
    previous, ACTIVE = ACTIVE, watch
    try:
        yield watch
    finally:
        ACTIVE = previous


class _Patches:
    """Attribute replacements, undone in reverse order."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def on_undo(self, undo: Callable[[], None]) -> None:
        self._undo.append(undo)

    def set(self, owner: Any, name: str, value: Any) -> None:
        if name in vars(owner):
            previous = vars(owner)[name]
            self._undo.append(lambda: setattr(owner, name, previous))
        else:
            self._undo.append(lambda: delattr(owner, name))
        setattr(owner, name, value)

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()


def _wrap_inits(
    patches: _Patches, classes: list[type], on_created: Callable[[Any], None], where: str
) -> None:
    """Call ``on_created(obj)`` once per new object of ``classes``, after its ``__init__``.

    Each class gets its own wrapper (calling the class's ``__init__``, or its parent's when it
    has none); only the outermost wrapper of an object's class reports it, fully built.
    """
    reporter: dict[type, type | None] = {}

    def outermost(cls: type) -> type | None:
        if cls not in reporter:
            reporter[cls] = next(
                (k for k in cls.__mro__ if getattr(vars(k).get("__init__"), "_watched", False)),
                None,
            )
        return reporter[cls]

    def wrap(klass: Any, original: Any) -> Any:
        def watched_init(self: Any, *args: Any, **kwargs: Any) -> None:
            if original is None:
                super(klass, self).__init__(*args, **kwargs)
            else:
                original(self, *args, **kwargs)
            if outermost(type(self)) is klass:
                try:
                    on_created(self)
                except Exception as error:
                    ACTIVE.failed(where, error)

        watched_init._watched = True  # type: ignore[attr-defined]
        if original is not None:
            watched_init.__doc__ = original.__doc__
            watched_init.__wrapped__ = original  # type: ignore[attr-defined]
        return watched_init

    for klass in classes:
        patches.set(klass, "__init__", wrap(klass, vars(klass).get("__init__")))


def _subclasses(base: type) -> list[type]:
    found: list[type] = [base]
    for klass in found:
        subclasses: list[type] = klass.__subclasses__()
        found.extend(sub for sub in subclasses if sub not in found)
    return found


def _install_logging(patches: _Patches) -> None:
    call_handlers = logging.Logger.callHandlers

    def callHandlers(self: logging.Logger, record: logging.LogRecord) -> None:
        try:
            _record_log(record)
        except Exception as error:
            ACTIVE.failed("log record", error)
        if record.levelno < _level_without_watch(self):
            return  # the record exists only because of the watch: no handler sees it
        call_handlers(self, record)

    patches.set(logging.Logger, "callHandlers", callHandlers)
    for name in WATCHED_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            patches.on_undo(functools.partial(logger.setLevel, logging.NOTSET))
            logger.setLevel(WATCH_LEVEL)


def _level_without_watch(logger: logging.Logger | None) -> int:
    """The effective level ``logger`` would have without the watch (0: nothing to hide)."""
    watched = False
    while logger is not None:
        level = logger.level
        if level == WATCH_LEVEL:
            watched = True
        elif level:
            return level if watched else 0
        logger = logger.parent
    return 0


def _record_log(record: logging.LogRecord) -> None:
    watch = ACTIVE
    watch.saw("log")
    detail = f"{record.name} {record.levelname}"
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep its parts
        message = f"{record.msg!r} % {record.args!r}"
    watch.text("log", detail, message)
    if record.args:
        watch.text("log", f"{detail} args", _safe_repr(record.args))
    if record.exc_info and record.exc_info[1] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        watch.text("log", f"{detail} exc_info", text)


def _record_error(error: BaseException) -> None:
    watch = ACTIVE
    watch.saw("error")
    name = type(error).__name__
    watch.text("error", f"str({name})", str(error))
    watch.text("error", f"repr({name})", _safe_repr(error))
    for attribute in ("body_preview", "body", "issues"):
        value = getattr(error, attribute, None)
        if value:
            watch.text("error", f"{name}.{attribute}", _safe_repr(value))


def _record_auth(auth: Any) -> None:
    from flamehub.auth import Secret

    watch = ACTIVE
    watch.saw("repr: auth")
    name = type(auth).__name__
    for attribute, value in list(vars(auth).items()):
        if isinstance(value, Secret):  # _PasswordAuth__password -> "PasswordAuth password"
            watch.secret(f"{name} {attribute.rsplit('__', 1)[-1].strip('_')}", value.reveal())
    watch.text("repr: auth", name, _safe_repr(auth))
    watch.text("repr: auth", f"vars({name})", _safe_repr(vars(auth)))
    watch.keep(auth)


def _record_hub(hub: Any) -> None:
    watch = ACTIVE
    watch.saw("repr: hub")
    watch.text("repr: hub", type(hub).__name__, _safe_repr(hub))
    watch.keep(hub)


def _record_model(model: Any) -> None:
    watch = ACTIVE
    watch.saw("repr: model")
    watch.text("repr: model", type(model).__name__, _safe_repr(model))
    if hasattr(model, "_repr_html_"):  # a resource: its pprint() dump and notebook table too
        name = type(model).__name__
        watch.text("repr: model", f"{name}.pprint()", _safe_call(_pprint_text, model))
        watch.text("repr: model", f"{name}._repr_html_()", _safe_call(model._repr_html_))


def _pprint_text(model: Any) -> str:
    shown = io.StringIO()
    model.pprint(file=shown)
    return shown.getvalue()


def _safe_call(call: Any, *args: Any) -> str:
    try:
        return str(call(*args))
    except Exception as error:  # a half-built object: its display is not the question here
        return f"<display failed: {type(error).__name__}>"


def _install_flamehub(patches: _Patches) -> None:
    from flamehub import compat, errors
    from flamehub.auth import HubAuth, _GrantAuth
    from flamehub.hub import Hub
    from flamehub.resources import base, convert, core

    error_classes = _subclasses(errors.FlamehubError)
    _wrap_inits(
        patches,
        [k for k in error_classes if k is errors.FlamehubError or "__init__" in vars(k)],
        _record_error,
        "FlamehubError",
    )
    auth_classes = [k for k in _subclasses(HubAuth) if "__init__" in vars(k)]
    _wrap_inits(patches, auth_classes, _record_auth, "auth")
    _wrap_inits(patches, [Hub, compat._HubServiceClient], _record_hub, "hub")
    models = [core.ClientCredentials, core.RegistryCredentials, compat.UpdateModel]
    _wrap_inits(patches, models, _record_model, "model")

    # resource models: built (__attrs_post_init__), loaded the checked way (_mark_loaded),
    # loaded by the generated loader (which fills __dict__ without either)
    post_init = base.Resource.__attrs_post_init__
    mark_loaded = base.Resource._mark_loaded
    loader_for = convert.WireConverter.loader_for

    def watched_post_init(self: Any) -> None:
        post_init(self)
        _record_model(self)

    def watched_mark_loaded(self: Any, hub: Any) -> None:
        mark_loaded(self, hub)
        _record_model(self)

    watched_loaders: dict[Any, Any] = {}

    def watched_loader_for(self: Any, cls: type) -> Any:
        load = loader_for(self, cls)
        if load not in watched_loaders:

            def watched_load(row: Any, hub: Any) -> Any:
                instance = load(row, hub)
                _record_model(instance)
                return instance

            watched_loaders[load] = watched_load
        return watched_loaders[load]

    patches.set(base.Resource, "__attrs_post_init__", watched_post_init)
    patches.set(base.Resource, "_mark_loaded", watched_mark_loaded)
    patches.set(convert.WireConverter, "loader_for", watched_loader_for)

    # the tokens auth objects obtained (from local hubs, or from mocked token endpoints)
    request_token = _GrantAuth._request_token

    def _request_token(self: Any, body: dict[str, Any], grant: str) -> Any:
        token = request_token(self, body, grant)
        name = type(self).__name__
        ACTIVE.secret(f"access token obtained by {name}", token.access)
        ACTIVE.secret(f"refresh token obtained by {name}", token.refresh)
        return token

    patches.set(_GrantAuth, "_request_token", _request_token)


def _install_local_hub(patches: _Patches) -> None:
    try:
        from flamehub.testing import _auth, _effects, _hub, _seed, _store
    except ImportError:  # pragma: no cover - flamehub[local] not installed
        return

    issue = _auth.TokenService._issue

    def _issue(self: Any, session: Any, *, with_refresh: bool, grant: str) -> dict[str, Any]:
        body = issue(self, session, with_refresh=with_refresh, grant=grant)
        ACTIVE.secret(f"LocalHub access token ({grant} grant)", body.get("access_token"))
        ACTIVE.secret(f"LocalHub refresh token ({grant} grant)", body.get("refresh_token"))
        return body

    insert, touch = _store.Store.insert, _store.Store.touch

    def harvest(store: Any, row: Any, table: str | None) -> None:
        if not isinstance(row, dict):
            return
        if row.get("secret"):
            if table is None:
                table = "clients" if row.get("id") in store.table("clients") else "robots"
            ACTIVE.secret(f"LocalHub {table.rstrip('s')} secret", row["secret"])
        if row.get("accountSecret"):
            ACTIVE.secret("LocalHub registry account secret", row["accountSecret"])

    def watched_insert(self: Any, key: str, row: Any) -> Any:
        inserted = insert(self, key, row)
        harvest(self, inserted, key)
        return inserted

    def watched_touch(self: Any, row: Any) -> None:
        touch(self, row)
        harvest(self, row, None)

    hash_password = _auth.hash_password

    def watched_hash_password(password: str) -> str:
        ACTIVE.secret("LocalHub user password", password)
        return hash_password(password)

    patches.set(_auth.TokenService, "_issue", _issue)
    patches.set(_store.Store, "insert", watched_insert)
    patches.set(_store.Store, "touch", watched_touch)
    patches.set(_effects, "hash_password", watched_hash_password)
    patches.set(_seed, "hash_password", watched_hash_password)
    _wrap_inits(patches, [_hub.LocalHub], _record_hub, "LocalHub")


# --------------------------------------------------------------------------- the check


class SecretLeak(AssertionError):
    """The watch found a secret, or saw nothing (the message never holds a secret)."""


#: A run that included one of these test files must have seen at least one of each kind
#: (each file alone was checked to produce it).
_SECRETS_TEST = "tests/robustness/test_secrets.py"
_RECORDS_TEST = "tests/local_hub/test_local_hub_records.py"
_CLIENTS_TEST = "tests/compat/test_clients.py"
_NODES_TEST = "tests/replay/test_nodes.py"
_ACTIONS_TEST = "tests/resources/test_core_actions.py"
_UPLOADS_TEST = "tests/files/test_uploads.py"
PRODUCERS = {
    "log": (_SECRETS_TEST, _RECORDS_TEST, _UPLOADS_TEST, _CLIENTS_TEST),
    "error": (_SECRETS_TEST, "tests/unit/test_auth.py", _NODES_TEST, _ACTIONS_TEST),
    "repr: hub": (_SECRETS_TEST, "tests/unit/test_hub.py", _NODES_TEST, _CLIENTS_TEST),
    "repr: auth": (_SECRETS_TEST, "tests/unit/test_auth.py", _NODES_TEST, _ACTIONS_TEST),
    "repr: model": (_SECRETS_TEST, _NODES_TEST, _ACTIONS_TEST, _UPLOADS_TEST),
    "LocalHub tokens": (_SECRETS_TEST, _RECORDS_TEST, _CLIENTS_TEST, _UPLOADS_TEST),
}


def check(watch: Watch, ran: list[str]) -> list[str]:
    """The problems of a run whose tests were ``ran`` (node ids): leaks, a blind watch."""
    watch.finish()
    counts = Counter(watch.counts)
    counts["LocalHub tokens"] = sum(
        n for key, n in watch.counts.items() if key.startswith("secret: LocalHub access token")
    )
    blind = [
        f"{what}: none, although the run included tests of {path}"
        for what, paths in PRODUCERS.items()
        if not counts[what]
        for path in paths
        if any(test.startswith(path) for test in ran)
    ]
    leaks, used = [], set()
    for leak in watch.leaks():
        exclusion = leak.excluded_by(EXCLUSIONS)
        if exclusion is None:
            leaks.append(leak)
        else:
            used.add(exclusion)
    stale = [
        exclusion
        for exclusion in EXCLUSIONS
        if exclusion not in used and any(test.startswith(exclusion.test) for test in ran)
    ]
    problems = []
    if leaks:
        problems.append(f"{len(leaks)} secret(s) leaked:")
        problems.extend(f"  {leak.describe()}" for leak in sorted(leaks, key=Leak.describe))
    if blind:
        problems.append("the watch saw nothing where it must have seen something:")
        problems.extend(f"  {line}" for line in blind)
    if stale:
        problems.append("exclusions that no longer match anything (remove them):")
        problems.extend(f"  {exclusion.test} {exclusion.detail}" for exclusion in stale)
    if watch.hook_failures:
        problems.append(f"the watch's hooks failed: {watch.hook_failures.most_common(5)}")
    return problems


class SecretWatchItem(pytest.Item):
    """The last item of every run: no text of the run holds one of its secrets."""

    def runtest(self) -> None:
        ran = [item.nodeid for item in self.session.items if item is not self]
        problems = check(ACTIVE, ran)
        if problems:
            raise SecretLeak("\n".join([*problems, f"watched: {ACTIVE.summary()}"]))
        self.config.stash[_SUMMARY] = ACTIVE.summary()

    def reportinfo(self) -> tuple[str, int | None, str]:
        return __file__, None, ITEM_NAME

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, SecretLeak):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


_SUMMARY = pytest.StashKey[str]()
_PATCHES = pytest.StashKey[_Patches]()


def pytest_configure(config: pytest.Config) -> None:
    global INSTALLED
    patches = _Patches()
    config.stash[_PATCHES] = patches
    _install_logging(patches)
    _install_flamehub(patches)
    _install_local_hub(patches)
    INSTALLED = True


def pytest_unconfigure(config: pytest.Config) -> None:
    global INSTALLED
    patches = config.stash.get(_PATCHES, None)
    if patches is not None:
        patches.undo()
        INSTALLED = False


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Run the check after every other item (appended after any reordering and selection)."""
    if not items:
        return
    item = SecretWatchItem.from_parent(
        session, name=ITEM_NAME, nodeid=f"tests/_secret_watch.py::{ITEM_NAME}"
    )
    items[:] = [*(kept for kept in items if not isinstance(kept, SecretWatchItem)), item]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    ACTIVE.test = item.nodeid
    try:
        return (yield)
    finally:
        ACTIVE.test = "<between tests>"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    summary = config.stash.get(_SUMMARY, None)
    if summary:
        terminalreporter.write_line(f"secret watch: no leak; {summary}")
