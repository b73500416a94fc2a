"""Where the ``flamehub`` command finds the Hub: flags > ``FLAMEHUB_*`` environment > config file.

The config file is ``$XDG_CONFIG_HOME/flamehub/config.json`` (default
``~/.config/flamehub/config.json``), written by ``flamehub login`` with mode 0600 in a
directory of mode 0700. It keeps one set of credentials **per Hub URL**: the last login's
Hub (the default) at the top, the other Hubs logged in to under ``hubs``::

    {"url": "https://hub-a.example.org", "username": "admin", "password": "...",
     "hubs": {"https://hub-b.example.org": {"client_id": "...", "client_secret": "..."}}}

Stored credentials are only ever used with the URL they were stored for: ``--url B`` or
``FLAMEHUB_URL=B`` after ``flamehub login --url A`` sends nothing of A's to B. (With one
Hub the file has the form earlier versions wrote.)

Example::

    settings = resolve(flags={"url": None}, environ=os.environ)
    hub = settings.hub()
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs

from .. import errors
from ..auth import ClientAuth, HubAuth, PasswordAuth, RobotAuth, TokenAuth
from ..hub import (
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_HUB_VERSION,
    ENV_PASSWORD,
    ENV_ROBOT_ID,
    ENV_ROBOT_SECRET,
    ENV_TOKEN,
    ENV_URL,
    ENV_USERNAME,
    Hub,
)

logger = logging.getLogger("flamehub.cli")

#: Environment variable of the XDG base directory for configuration.
XDG_CONFIG_HOME = "XDG_CONFIG_HOME"
#: The config file below the config directory.
CONFIG_RELATIVE = Path("flamehub") / "config.json"
#: Permissions of the config file: it holds secrets.
CONFIG_MODE = 0o600
#: Permissions of the ``flamehub`` config directory (a more open one is tightened to this).
CONFIG_DIR_MODE = 0o700
#: Permission bits the config directory must not have (group and other access).
CONFIG_DIR_FORBIDDEN_BITS = 0o077
#: Key of the per-URL entries in the config file.
HUBS_KEY = "hubs"

#: Setting name -> environment variable.
ENVIRONMENT: dict[str, str] = {
    "url": ENV_URL,
    "username": ENV_USERNAME,
    "password": ENV_PASSWORD,
    "robot_id": ENV_ROBOT_ID,
    "robot_secret": ENV_ROBOT_SECRET,
    "client_id": ENV_CLIENT_ID,
    "client_secret": ENV_CLIENT_SECRET,
    "token": ENV_TOKEN,
    "hub_version": ENV_HUB_VERSION,
}
#: Settings that are secrets: never printed.
SECRETS = frozenset({"password", "robot_secret", "client_secret", "token"})
#: Settings stored per Hub URL (everything but the URL itself).
PER_HUB = tuple(name for name in ENVIRONMENT if name != "url")


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file's path.

    Example::

        config_path({"XDG_CONFIG_HOME": "/tmp/cfg"})   # Path('/tmp/cfg/flamehub/config.json')
    """
    env = os.environ if environ is None else environ
    base = env.get(XDG_CONFIG_HOME) or str(Path.home() / ".config")
    return Path(base) / CONFIG_RELATIVE


def hub_key(url: str) -> str:
    """The form of a Hub URL that stored credentials are filed under.

    Scheme and host are compared case-insensitively and a trailing ``/`` does not count;
    anything else (another port, path or scheme) is another Hub.

    >>> hub_key("HTTPS://Hub.Example.org/")
    'https://hub.example.org'
    """
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, "")
    )


@attrs.frozen
class StoredConfig:
    """The config file's content: the default URL and each Hub URL's settings.

    Example::

        StoredConfig.from_mapping({"url": "http://a", "username": "u"}).for_url("http://a")
    """

    url: str | None = None
    hubs: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> StoredConfig:
        """Read the file's object: the default Hub's settings at the top, others in ``hubs``."""
        url = str(data["url"]) if data.get("url") else None
        entries = data.get(HUBS_KEY)
        hubs: dict[str, dict[str, str]] = {}
        if isinstance(entries, Mapping):
            for key, entry in entries.items():
                if isinstance(entry, Mapping):
                    hubs[hub_key(str(key))] = _settings_of(entry)
        if url:  # the top-level settings belong to the default URL only
            hubs[hub_key(url)] = _settings_of(data)
        return cls(url, hubs)

    def for_url(self, url: str | None) -> dict[str, str]:
        """The settings stored for ``url`` (none for any other URL)."""
        return dict(self.hubs.get(hub_key(url), {})) if url else {}

    def remember(self, url: str, settings: Mapping[str, str]) -> StoredConfig:
        """A copy with ``settings`` stored for ``url``, which becomes the default."""
        hubs = {key: dict(entry) for key, entry in self.hubs.items()}
        hubs[hub_key(url)] = _settings_of(settings)
        return StoredConfig(url, hubs)

    def forget(self, url: str) -> StoredConfig:
        """A copy without ``url``'s settings (the default moves to another stored URL)."""
        hubs = {key: dict(entry) for key, entry in self.hubs.items() if key != hub_key(url)}
        default = self.url if self.url and hub_key(self.url) in hubs else next(iter(hubs), None)
        return StoredConfig(default, hubs)

    def to_json(self) -> dict[str, Any]:
        """The file's JSON object (``hubs`` only when there are Hubs besides the default)."""
        data: dict[str, Any] = {"url": self.url, **self.for_url(self.url)} if self.url else {}
        others = {
            key: dict(entry)
            for key, entry in self.hubs.items()
            if not self.url or key != hub_key(self.url)
        }
        if others:
            data[HUBS_KEY] = others
        return data


def _settings_of(entry: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(entry[name]) for name in PER_HUB if entry.get(name) is not None}


def load_config(path: Path) -> StoredConfig:
    """The stored settings (empty when there is no file); refuses a file of another user."""
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return StoredConfig()
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise errors.ConfigurationError(
            f"{path} belongs to another user (uid {info.st_uid}); it is not used. "
            "Remove it and run 'flamehub login'"
        )
    try:
        data = json.loads(text)
    except ValueError as error:
        raise errors.ConfigurationError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise errors.ConfigurationError(f"{path} does not hold a JSON object")
    return StoredConfig.from_mapping(data)


def secure_directory(directory: Path) -> None:
    """Create ``directory`` with mode 0700, or tighten it; refuse one of another user.

    Example::

        secure_directory(config_path().parent)
    """
    directory.mkdir(parents=True, exist_ok=True, mode=CONFIG_DIR_MODE)
    if not hasattr(os, "getuid"):
        return  # no POSIX owners here
    info = os.stat(directory)
    if info.st_uid != os.getuid() or os.lstat(directory).st_uid != os.getuid():
        raise errors.ConfigurationError(
            f"{directory} belongs to another user (uid {info.st_uid}): refusing to store "
            "credentials there; set XDG_CONFIG_HOME to a directory of your own"
        )
    if stat.S_IMODE(info.st_mode) & CONFIG_DIR_FORBIDDEN_BITS:
        logger.warning(
            "%s was open to other users (mode %o); tightened to %o",
            directory,
            stat.S_IMODE(info.st_mode),
            CONFIG_DIR_MODE,
        )
        os.chmod(directory, CONFIG_DIR_MODE)


def save_config(path: Path, config: StoredConfig) -> None:
    """Write ``config`` to ``path`` with mode 0600, through a new temporary file and a rename.

    The temporary file gets a random name and is created with ``O_EXCL | O_NOFOLLOW``, so
    a symlink planted under any name in the directory is never followed; the rename
    replaces a symlink at ``path`` itself instead of writing through it.

    Example::

        save_config(config_path(), StoredConfig().remember("http://localhost:3000", {...}))
    """
    secure_directory(path.parent)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(temporary, flags, CONFIG_MODE)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(config.to_json(), handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.chmod(temporary, CONFIG_MODE)  # whatever the umask; created by us, O_EXCL
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@attrs.frozen
class Settings:
    """The resolved connection settings (secrets are hidden from ``repr``)."""

    url: str | None = None
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    robot_id: str | None = None
    robot_secret: str | None = attrs.field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = attrs.field(default=None, repr=False)
    token: str | None = attrs.field(default=None, repr=False)
    hub_version: str | None = None

    def auth(self) -> HubAuth | None:
        """The auth these settings describe: token, client, robot, then password."""
        if self.token:
            return TokenAuth(self.token)
        if self.client_id and self.client_secret:
            return ClientAuth(self.client_id, self.client_secret)
        if self.robot_id and self.robot_secret:
            return RobotAuth(self.robot_id, self.robot_secret)
        if self.username and self.password:
            return PasswordAuth(self.username, self.password)
        return None

    def hub(self) -> Hub:
        """A :class:`~flamehub.Hub` for these settings; refuses to guess a URL."""
        if not self.url:
            raise errors.ConfigurationError(
                f"no Hub URL: run 'flamehub login', set {ENV_URL} or pass --url"
            )
        return Hub(self.url, auth=self.auth(), hub_version=self.hub_version or None)

    def storable(self) -> dict[str, str]:
        """The non-empty settings of this Hub, for its entry in the config file."""
        return {key: value for key, value in attrs.asdict(self).items() if value}


def resolve(
    flags: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    stored: Mapping[str, Any] | StoredConfig | None = None,
) -> Settings:
    """Merge the sources, each setting from the first that has it: flags, environment, file.

    The URL comes from the flag, ``FLAMEHUB_URL`` or the file's default; the file's other
    settings are those stored for **that** URL, none if it was never logged in to.

    Example::

        resolve({"url": "http://hub"}, {"FLAMEHUB_USERNAME": "admin"}, {"password": "x"})
    """
    env = os.environ if environ is None else environ
    if stored is None:
        config = load_config(config_path(env))
    elif isinstance(stored, StoredConfig):
        config = stored
    else:
        config = StoredConfig.from_mapping(stored)
    url = flags.get("url") or env.get(ENV_URL) or config.url or None
    file_settings = config.for_url(url)
    values: dict[str, str | None] = {"url": url}
    for name in PER_HUB:
        values[name] = flags.get(name) or env.get(ENVIRONMENT[name]) or file_settings.get(name)
        values[name] = values[name] or None
    return Settings(**values)
