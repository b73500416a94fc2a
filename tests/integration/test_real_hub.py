"""Opt-in: the ORM against a real FLAME Hub.

Two ways to run these:

- ``FLAMEHUB_INTEGRATION_URL=http://localhost:3000`` (plus ``FLAMEHUB_USERNAME`` /
  ``FLAMEHUB_PASSWORD``, default ``admin``/``start123``): a Hub you already run;
- ``FLAMEHUB_INTEGRATION_COMPOSE=/path/to/docker-compose.yml``: testcontainers starts
  the Hub's own compose file (needs a Docker engine and ``flamehub[integration]``).

Without either, every test here is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from flamehub import Hub, PasswordAuth
from flamehub.models import Node, Realm

pytestmark = pytest.mark.integration

URL_VARIABLE = "FLAMEHUB_INTEGRATION_URL"
COMPOSE_VARIABLE = "FLAMEHUB_INTEGRATION_COMPOSE"
COMPOSE_URL = "http://localhost:3000"
STARTUP_SECONDS = 300


def _docker_reason() -> str | None:
    if shutil.which("docker") is None:
        return "no docker command on this machine"
    try:
        import docker  # type: ignore[import-not-found]

        docker.from_env().ping()
    except Exception as error:  # no engine, no permission, no package
        return f"no Docker engine reachable ({type(error).__name__})"
    try:
        import testcontainers.compose  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return "testcontainers is not installed (pip install 'flamehub[integration]')"
    return None


@pytest.fixture(scope="module")
def real_hub() -> Iterator[Hub]:
    auth = PasswordAuth(
        os.environ.get("FLAMEHUB_USERNAME", "admin"),
        os.environ.get("FLAMEHUB_PASSWORD", "start123"),
    )
    if os.environ.get(URL_VARIABLE):
        with Hub(os.environ[URL_VARIABLE], auth=auth) as hub:
            yield hub
        return
    compose_file = os.environ.get(COMPOSE_VARIABLE)
    if not compose_file:
        pytest.skip(
            f"opt-in: set {URL_VARIABLE} to a running Hub, or {COMPOSE_VARIABLE} to the "
            "Hub's docker-compose file (needs a Docker engine)"
        )
    reason = _docker_reason()
    if reason:
        pytest.skip(f"{COMPOSE_VARIABLE} is set but {reason}")
    from testcontainers.compose import DockerCompose

    path = Path(compose_file)
    with DockerCompose(str(path.parent), compose_file_name=path.name):
        hub = Hub(COMPOSE_URL, auth=auth)
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                hub.version  # noqa: B018 - waits for core to answer
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)
        yield hub
        hub.close()


def test_master_realm_and_node_lifecycle(real_hub: Hub) -> None:
    master = Realm.objects.using(real_hub).get(name="master")
    name = f"flamehub-it-{uuid.uuid4().hex[:8]}"
    node = Node.objects.using(real_hub).create(name=name, realm_id=master.id)
    try:
        assert Node.objects.using(real_hub).filter(name=name).count() == 1
        node.hidden = True
        node.save()
        assert Node.objects.using(real_hub).get(id=node.id).hidden is True
        prefix = Node.objects.using(real_hub).filter(name__startswith="flamehub-it-")
        assert node.id in {row.id for row in prefix}
    finally:
        node.delete()
    with pytest.raises(Node.DoesNotExist):
        Node.objects.using(real_hub).get(id=node.id)
