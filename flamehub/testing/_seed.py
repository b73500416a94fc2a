"""What a freshly started Hub contains: the master realm, the admin, the permissions and
the built-in machine identities."""

from __future__ import annotations

from ._auth import ADMIN_ROLE, SYSTEM_IDENTITY, hash_password, new_secret
from ._generations import Generation
from ._schema import ALL_PERMISSIONS, HUB_PERMISSIONS, fill_defaults, resource
from ._state import HubState
from ._store import Row

__all__ = ["ADMIN_EMAIL", "ADMIN_PASSWORD", "ADMIN_USERNAME", "MASTER_REALM", "seed"]

MASTER_REALM = "master"
ADMIN_USERNAME = "admin"
#: The documented default password of a fresh Hub's admin.
ADMIN_PASSWORD = "start123"
ADMIN_EMAIL = "admin@example.com"
#: authup's built-in public clients of the current generation (recorded on 0.14.0).
CONSOLE_CLIENTS = ("admin-console", "account-console")
#: The built-in client the authup of Hub 0.12.x seeds instead (recorded on 0.12.2 and 0.12.7).
WEB_CLIENT = "web"
#: The client Hub 0.12.2's core creates for its registry (recorded; 0.12.7 had none).
REGISTRY_CLIENT = "registry"
#: Robots a fresh 0.8 Hub has (besides those of nodes).
LEGACY_ROBOTS = (SYSTEM_IDENTITY, "registry")


def _insert(state: HubState, key: str, values: dict[str, object]) -> Row:
    return state.store.insert(key, fill_defaults(resource(key), state.generation, values))


def seed(state: HubState) -> None:
    """Fill an empty store like a fresh Hub of the state's generation."""
    generation = state.generation
    with state.store.lock:
        master = _insert(state, "realms", {"name": MASTER_REALM, "builtIn": True})
        for name in ALL_PERMISSIONS[generation]:
            _insert(state, "permissions", {"name": name, "builtIn": name not in HUB_PERMISSIONS})
        role = _insert(state, "roles", {"name": ADMIN_ROLE, "builtIn": True})
        admin = _insert(
            state,
            "users",
            {
                "name": ADMIN_USERNAME,
                "displayName": ADMIN_USERNAME,
                "email": ADMIN_EMAIL,
                "realmId": master["id"],
                "_password": hash_password(ADMIN_PASSWORD),
            },
        )
        _insert(
            state,
            "user-roles",
            {
                "userId": admin["id"],
                "userRealmId": master["id"],
                "roleId": role["id"],
                "roleRealmId": None,
            },
        )
        if generation is Generation.LEGACY:
            for name in LEGACY_ROBOTS:
                _insert(
                    state, "robots", {"name": name, "realmId": master["id"], "secret": new_secret()}
                )
            return
        _insert(
            state,
            "clients",
            {
                "name": SYSTEM_IDENTITY,
                "displayName": SYSTEM_IDENTITY,
                "builtIn": True,
                "authMethod": "secret",
                "secret": new_secret(),
                "realmId": master["id"],
            },
        )
        profile = state.config.profile
        if not profile.between:
            for name in CONSOLE_CLIENTS:
                _insert(
                    state,
                    "clients",
                    {"name": name, "displayName": name, "builtIn": True, "realmId": master["id"]},
                )
            return
        _insert(
            state,
            "clients",
            {
                "name": WEB_CLIENT,
                "builtIn": True,
                "grantTypes": "authorization_code refresh_token",
                "realmId": master["id"],
            },
        )
        if profile.robots:  # authup beta.52 (0.12.2): a system robot next to the client
            _insert(state, "clients", {"name": REGISTRY_CLIENT, "realmId": master["id"]})
            _insert(
                state,
                "robots",
                {"name": SYSTEM_IDENTITY, "realmId": master["id"], "secret": new_secret()},
            )


def system_identity(state: HubState) -> Row | None:
    """The built-in ``system`` client (current) or robot (legacy)."""
    table = "robots" if state.generation is Generation.LEGACY else "clients"
    return state.store.first(table, name=SYSTEM_IDENTITY)
