"""Helpers of the robustness tests: local hubs, seeded rows, connected clients."""

from __future__ import annotations

from typing import Any

import flamehub
from flamehub import Hub, PasswordAuth, RetryPolicy
from flamehub.testing import LocalHub
from flamehub.testing._schema import fill_defaults, resource

LEGACY = "0.8.13"
CURRENT = "0.14.0"
VERSIONS = (LEGACY, CURRENT)
GENERATION_IDS = ("legacy", "current")


def seed_rows(local_hub: LocalHub, key: str, rows: list[dict[str, Any]]) -> list[str]:
    """Insert rows (canonical camelCase fields) straight into the hub's store; their ids.

    Rows get strictly increasing ``createdAt`` stamps, so creation order is insertion order.
    """
    state = local_hub._live_state
    res = resource(key)
    ids: list[str] = []
    with state.store.lock:
        for values in rows:
            row = state.store.insert(key, fill_defaults(res, state.generation, dict(values)))
            ids.append(row["id"])
    return ids


def master_realm_id(local_hub: LocalHub) -> str:
    row = local_hub._live_state.store.first("realms", name="master")
    assert row is not None
    return str(row["id"])


def seed_nodes(local_hub: LocalHub, names: list[str]) -> list[str]:
    realm = master_realm_id(local_hub)
    return seed_rows(local_hub, "nodes", [{"name": name, "realmId": realm} for name in names])


def connect(local_hub: LocalHub, **kwargs: Any) -> Hub:
    """A flamehub Hub logged in as the local hub's admin (fast retries unless told)."""
    kwargs.setdefault("retry", RetryPolicy(total=3, backoff_factor=0.0))
    username, password = local_hub.admin_credentials
    return flamehub.Hub(local_hub.url, auth=PasswordAuth(username, password), **kwargs)
