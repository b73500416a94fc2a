"""``LocalHub``: an embedded, in-memory FLAME Hub on a loopback port."""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from ._faults import Fault
from ._generations import (
    DEFAULT_ACCESS_TOKEN_LIFETIME,
    DEFAULT_REFRESH_TOKEN_LIFETIME,
    Generation,
    generation_of,
    profile_of,
)
from ._seed import ADMIN_PASSWORD, ADMIN_USERNAME, system_identity
from ._seed import seed as seed_store
from ._server import HubApp, ServerThread
from ._state import HubConfig, HubState, HubStats, RequestLog

__all__ = ["DEFAULT_HOST", "DEFAULT_VERSION", "Credentials", "LocalHub"]

#: The Hub version a ``LocalHub()`` pretends to be.
DEFAULT_VERSION = "0.14.0"
#: Only loopback: the local Hub is a test double, never a network service.
DEFAULT_HOST = "127.0.0.1"


class Credentials(NamedTuple):
    """A login pair: ``(username, password)`` or ``(client/robot id, secret)``.

    Example::

        username, password = hub.admin_credentials
        client_id, secret = hub.system_credentials  # for client_credentials (robot on 0.8)
    """

    id: str
    secret: str


class LocalHub:
    """An in-memory fake FLAME Hub (auth, core, storage) speaking the real HTTP API.

    It serves both wire generations: ``version < 0.12`` behaves like the recorded Hub
    0.8.13 (snake_case, bare records, robots), ``>= 0.13`` like Hub 0.14.0 (camelCase,
    ``{data, meta}`` envelopes, ``meta.schema``, the expression filter dialect), and 0.12.x
    like the recorded 0.12.2 and 0.12.7: the current data model, spoken per service in
    snake_case with bare records (0.12.7's authup in camelCase, without robots). A fresh hub
    holds the ``master`` realm, the user ``admin``/``start123``, the built-in permissions
    and a ``system`` client (current) or robot (legacy).

    Example::

        from flamehub.testing import Fault, LocalHub

        with LocalHub(version="0.14.0", access_token_lifetime=1) as hub:
            token = requests.post(f"{hub.url}/auth/token", json={
                "grant_type": "password", "username": "admin", "password": "start123",
            }).json()["access_token"]
            hub.inject(Fault("status", route=r"^/core/nodes", status=503, times=1))
            requests.get(f"{hub.url}/core/nodes", headers={"Authorization": f"Bearer {token}"})
            assert hub.stats.token_requests["password"] == 1

    Uploaded files live in a temporary directory (or ``data_dir``) that :meth:`stop`
    removes when the hub created it.
    """

    def __init__(
        self,
        version: str = DEFAULT_VERSION,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        access_token_lifetime: float | None = None,
        refresh_token_lifetime: float = DEFAULT_REFRESH_TOKEN_LIFETIME,
        seed: int | None = None,
        skip_approval: bool = True,
        data_dir: str | Path | None = None,
        master_images: Iterable[str] = (),
    ) -> None:
        # the data model decides the server's behaviour (Hub 0.12.x: current, spoken in
        # snake_case by its legacy-wire services), generation_of the Hub's own generation
        generation = profile_of(version).model
        self._owns_data_dir = data_dir is None
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._cleanup: weakref.finalize[Any, Any] | None = None
        self._version = version.lstrip("v")
        self._host = host
        self._port = port
        lifetime = access_token_lifetime
        if lifetime is None:
            lifetime = DEFAULT_ACCESS_TOKEN_LIFETIME[generation.value]
        if lifetime <= 0 or refresh_token_lifetime <= 0:
            raise ValueError("token lifetimes must be positive")
        self._config_args = (
            generation,
            float(lifetime),
            float(refresh_token_lifetime),
            skip_approval,
        )
        self._seed = seed
        self._master_images = tuple(master_images)
        self._state: HubState | None = None
        self._server: ServerThread | None = None
        self._state = self._new_state()

    # -- lifecycle ----------------------------------------------------------------------

    def _ensure_data_dir(self) -> Path:
        if self._data_dir is None:
            self._data_dir = Path(tempfile.mkdtemp(prefix="flamehub-local-hub-"))
            # removed at stop(), or when the hub is garbage collected / the process exits
            self._cleanup = weakref.finalize(self, shutil.rmtree, str(self._data_dir), True)
        self._data_dir.mkdir(parents=True, exist_ok=True)
        return self._data_dir

    def _new_state(self) -> HubState:
        data_dir = self._ensure_data_dir()
        generation, access, refresh, skip_approval = self._config_args
        config = HubConfig(
            version=self._version,
            generation=generation,
            access_token_lifetime=access,
            refresh_token_lifetime=refresh,
            skip_approval=skip_approval,
            data_dir=data_dir,
        )
        state = HubState(config, seed=self._seed)
        state.master_images = self._master_images
        seed_store(state)
        return state

    @property
    def _live_state(self) -> HubState:
        if self._state is None:  # pragma: no cover - set in __init__
            raise RuntimeError("the local hub has no state")
        return self._state

    def start(self) -> LocalHub:
        """Bind the port and serve from a daemon thread; returns ``self``."""
        if self._server is not None:
            return self
        if self._data_dir is None:  # stopped before: start over as a fresh hub
            self._state = self._new_state()
        self._ensure_data_dir()
        self._server = ServerThread(HubApp(self._live_state), self._host, self._port)
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving; removes the data directory the hub created."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._owns_data_dir and self._cleanup is not None:
            self._cleanup()
            self._cleanup = None
            self._data_dir = None

    def reset(self) -> None:
        """Back to a fresh hub: data, files, tokens, faults, request log and counters."""
        state = self._live_state
        with state.store.lock:
            state.store.clear()
            state.tokens.revoke_all()
            state.faults.clear()
            state.requests.clear()
            state.stats.reset()
            if state.config.data_dir.exists():
                for child in state.config.data_dir.iterdir():
                    shutil.rmtree(child, ignore_errors=True)
            seed_store(state)

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"<LocalHub {self._version} ({self.generation.value}) {where}>"

    # -- addresses ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._server is not None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (services below ``/auth`` etc.)."""
        if self._server is None:
            raise RuntimeError("the local hub is not started; call start() first")
        return f"http://{self._server.host}:{self._server.port}"

    @property
    def auth_url(self) -> str:
        """``<url>/auth``."""
        return f"{self.url}/auth"

    @property
    def core_url(self) -> str:
        """``<url>/core``."""
        return f"{self.url}/core"

    @property
    def storage_url(self) -> str:
        """``<url>/storage``."""
        return f"{self.url}/storage"

    # -- facts --------------------------------------------------------------------------

    @property
    def version(self) -> str:
        """The Hub version this hub pretends to be."""
        return self._version

    @property
    def generation(self) -> Generation:
        """``Generation.LEGACY`` (< 0.13) or ``Generation.CURRENT``."""
        return generation_of(self._version)

    @property
    def is_legacy(self) -> bool:
        """True for Hub < 0.13."""
        return self.generation is Generation.LEGACY

    @property
    def admin_credentials(self) -> Credentials:
        """``("admin", "start123")``."""
        return Credentials(ADMIN_USERNAME, ADMIN_PASSWORD)

    @property
    def system_credentials(self) -> Credentials:
        """Id and secret of the built-in ``system`` client (current) or robot (legacy)."""
        row = system_identity(self._live_state)
        if row is None:
            raise RuntimeError("the system identity was deleted")
        return Credentials(row["id"], row["secret"])

    @property
    def data_dir(self) -> Path:
        """Where uploaded file contents are kept."""
        return self._live_state.config.data_dir

    # -- test helpers -------------------------------------------------------------------

    @property
    def requests(self) -> RequestLog:
        """Every request received (method, path, query); ``hub.requests.clear()``."""
        return self._live_state.requests

    @property
    def stats(self) -> HubStats:
        """Counters, e.g. ``hub.stats.token_requests["password"]``."""
        return self._live_state.stats

    def inject(self, fault: Fault) -> Fault:
        """Activate ``fault`` and return it (its ``fired`` counts hits)."""
        return self._live_state.faults.add(fault)

    def clear_faults(self) -> None:
        """Deactivate every fault."""
        self._live_state.faults.clear()

    @property
    def faults(self) -> list[Fault]:
        """The active faults."""
        return list(self._live_state.faults)
