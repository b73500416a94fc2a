"""The analysis workflow (flamehub.workflow) on the local Hub, both generations.

- ``local``: a LocalHub per generation (module scope) with a master image to sync;
- ``worker``: the simulated Hub worker attached to it, fast (``WORKER_STEP`` seconds a
  status change), stopped after the test;
- ``hub``: a flamehub Hub logged in as admin; ``site``: a registry, an aggregator and a
  default node with that registry, a project with both nodes approved and a master image;
- ``code``: ``src/main.py`` and ``src/lib/util.py``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import flamehub
from flamehub import Hub, PasswordAuth
from flamehub.models import MasterImage, Node, Project, ProjectNode, Registry
from flamehub.testing import LocalHub
from flamehub.testing._worker import Worker, simulate_worker
from flamehub.workflow import PollPolicy

#: The Hub versions of the two generations (0.8.13: before 0.8.22's distribution).
VERSIONS = ("0.8.13", "0.14.0")
#: Seconds between two status changes of the simulated worker.
WORKER_STEP = 0.01
#: Polls of the tests: soon and often (the worker is fast).
FAST = PollPolicy(first=0.005, factor=1.5, maximum=0.02)
#: The master image the local Hub's ``sync`` creates.
IMAGE_PATH = "python/base"


@pytest.fixture(scope="module", params=VERSIONS, ids=["legacy", "current"])
def local(request: pytest.FixtureRequest) -> Iterator[LocalHub]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with LocalHub(version=request.param, master_images=(IMAGE_PATH,)) as started:
        yield started


@pytest.fixture
def worker(local: LocalHub) -> Iterator[Worker]:
    simulated = simulate_worker(local, step_seconds=WORKER_STEP)
    yield simulated
    simulated.stop()


@pytest.fixture
def hub(local: LocalHub, worker: Worker) -> Iterator[Hub]:
    local.clear_faults()
    retry = flamehub.RetryPolicy(total=2, backoff_factor=0)
    with Hub(local.url, auth=PasswordAuth(*local.admin_credentials), retry=retry) as client:
        yield client


@dataclass
class Site:
    """What an analysis needs on the Hub."""

    project: Project
    image: MasterImage
    registry: Registry
    aggregator: Node
    default: Node


def make_site(hub: Hub, *, registry: bool = True) -> Site:
    tag = uuid.uuid4().hex[:8]
    MasterImage.objects.sync(using=hub)
    image = MasterImage.objects.using(hub).get(virtual_path=IMAGE_PATH)
    store = Registry.objects.using(hub).create(name=f"reg-{tag}", host=f"{tag}.registry.test")
    registry_id = store.id if registry else None
    nodes = Node.objects.using(hub)
    aggregator = nodes.create(name=f"agg-{tag}", type="aggregator", registry_id=registry_id)
    default = nodes.create(name=f"site-{tag}", type="default", registry_id=registry_id)
    project = Project.objects.using(hub).create(name=f"study-{tag}", master_image_id=image.id)
    for node in (aggregator, default):
        ProjectNode.objects.using(hub).create(project_id=project.id, node_id=node.id).approve()
    return Site(project, image, store, aggregator, default)


@pytest.fixture
def site(hub: Hub) -> Site:
    return make_site(hub)


@pytest.fixture
def code(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    (source / "lib").mkdir(parents=True)
    (source / "main.py").write_text("from lib.util import answer\nprint(answer)\n")
    (source / "lib" / "util.py").write_text("answer = 42\n")
    return source
