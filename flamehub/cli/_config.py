"""Where the ``flamehub`` command finds the Hub: flags > ``FLAMEHUB_*`` environment > config file.

The config file is ``$XDG_CONFIG_HOME/flamehub/config.json`` (default
``~/.config/flamehub/config.json``), written by ``flamehub login`` with mode 0600.

Example::

    settings = resolve(flags={"url": None}, environ=os.environ)
    hub = settings.hub()
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .. import errors
from ..auth import HubAuth, PasswordAuth, RobotAuth, TokenAuth
from ..hub import (
    ENV_HUB_VERSION,
    ENV_PASSWORD,
    ENV_ROBOT_ID,
    ENV_ROBOT_SECRET,
    ENV_TOKEN,
    ENV_URL,
    ENV_USERNAME,
    Hub,
)

#: Environment variable of the XDG base directory for configuration.
XDG_CONFIG_HOME = "XDG_CONFIG_HOME"
#: The config file below the config directory.
CONFIG_RELATIVE = Path("flamehub") / "config.json"
#: Permissions of the config file: it holds secrets.
CONFIG_MODE = 0o600
#: Permissions of the ``flamehub`` config directory.
CONFIG_DIR_MODE = 0o700

#: Setting name -> environment variable.
ENVIRONMENT: dict[str, str] = {
    "url": ENV_URL,
    "username": ENV_USERNAME,
    "password": ENV_PASSWORD,
    "robot_id": ENV_ROBOT_ID,
    "robot_secret": ENV_ROBOT_SECRET,
    "token": ENV_TOKEN,
    "hub_version": ENV_HUB_VERSION,
}
#: Settings that are secrets: never printed.
SECRETS = frozenset({"password", "robot_secret", "token"})


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file's path.

    Example::

        config_path({"XDG_CONFIG_HOME": "/tmp/cfg"})   # Path('/tmp/cfg/flamehub/config.json')
    """
    env = os.environ if environ is None else environ
    base = env.get(XDG_CONFIG_HOME) or str(Path.home() / ".config")
    return Path(base) / CONFIG_RELATIVE


def load_config(path: Path) -> dict[str, str]:
    """The stored settings (empty when there is no file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
    except ValueError as error:
        raise errors.ConfigurationError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise errors.ConfigurationError(f"{path} does not hold a JSON object")
    return {str(k): str(v) for k, v in data.items() if k in ENVIRONMENT and v is not None}


def save_config(path: Path, settings: Mapping[str, str]) -> None:
    """Write ``settings`` to ``path`` with mode 0600 (created with it: never world-readable).

    Example::

        save_config(config_path(), {"url": "http://localhost:3000", "username": "admin", ...})
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=CONFIG_DIR_MODE)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, CONFIG_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(dict(settings), handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.chmod(temporary, CONFIG_MODE)
    os.replace(temporary, path)


@attrs.frozen
class Settings:
    """The resolved connection settings (secrets are hidden from ``repr``)."""

    url: str | None = None
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    robot_id: str | None = None
    robot_secret: str | None = attrs.field(default=None, repr=False)
    token: str | None = attrs.field(default=None, repr=False)
    hub_version: str | None = None

    def auth(self) -> HubAuth | None:
        """The auth these settings describe: token, robot, then password."""
        if self.token:
            return TokenAuth(self.token)
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
        """The non-empty settings, for the config file."""
        return {key: value for key, value in attrs.asdict(self).items() if value}


def resolve(
    flags: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    stored: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the sources, each setting from the first that has it: flags, environment, file.

    Example::

        resolve({"url": "http://hub"}, {"FLAMEHUB_USERNAME": "admin"}, {"password": "x"})
    """
    env = os.environ if environ is None else environ
    file_settings = load_config(config_path(env)) if stored is None else dict(stored)
    values: dict[str, str | None] = {}
    for name, variable in ENVIRONMENT.items():
        flag = flags.get(name)
        values[name] = flag or env.get(variable) or file_settings.get(name) or None
    return Settings(**values)
