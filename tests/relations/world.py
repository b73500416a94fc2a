"""The data of the issue's examples on a LocalHub: 60 nodes in 5 realms, 120 analyses in
7 projects (each project with a master image). Shared by ``tests/relations`` and
``benchmarks/relations.py``."""

from __future__ import annotations

from dataclasses import dataclass, field

from flamehub import Hub, PasswordAuth
from flamehub.models import Analysis, MasterImage, Node, Project, ProjectNode, Realm
from flamehub.testing import LocalHub

LEGACY = "0.8.13"
CURRENT = "0.14.0"
VERSIONS = [LEGACY, CURRENT]
GENERATION_IDS = ["legacy", "current"]

REALMS = 5
NODES = 60
PROJECTS = 7
ANALYSES = 120
#: Nodes per project: project i has nodes i .. i+3, so neighbouring projects share three.
PROJECT_NODES = 4
#: The token endpoint: not a request of the query being measured.
TOKEN_PATH = "/auth/token"
#: The master images the Hub's sync finds: three, so projects share them.
IMAGE_PATHS = ("python/base", "python/slim", "r/base")


def start_local(version: str) -> LocalHub:
    """A started LocalHub that knows :data:`IMAGE_PATHS`."""
    return LocalHub(version=version, master_images=IMAGE_PATHS).start()


@dataclass
class World:
    local: LocalHub
    hub: Hub
    realms: list[Realm] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    images: list[MasterImage] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    analyses: list[Analysis] = field(default_factory=list)

    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every request since the last :meth:`clear`, tokens left out."""
        return [
            (record.method, record.path)
            for record in self.local.requests.snapshot()
            if record.path != TOKEN_PATH
        ]

    def clear(self) -> None:
        self.local.requests.clear()


def build_world(local: LocalHub) -> World:
    """Fill ``local`` with the issue's data and log in as its admin."""
    hub = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
    world = World(local, hub)
    world.realms = [Realm.objects.using(hub).create(name=f"realm-{i}") for i in range(REALMS)]
    nodes = Node.objects.using(hub)
    world.nodes = [
        nodes.create(name=f"node-{i:02d}", realm_id=world.realms[i % REALMS].id)
        for i in range(NODES)
    ]
    MasterImage.objects.sync(using=hub)
    world.images = list(MasterImage.objects.using(hub).order_by("path"))
    world.projects = [
        Project.objects.using(hub).create(
            name=f"study-{i}", master_image_id=world.images[i % len(world.images)].id
        )
        for i in range(PROJECTS)
    ]
    memberships = ProjectNode.objects.using(hub)
    for index, project in enumerate(world.projects):
        for node in world.nodes[index : index + PROJECT_NODES]:
            memberships.create(project_id=project.id, node_id=node.id)
    analyses = Analysis.objects.using(hub)
    world.analyses = [
        analyses.create(project_id=world.projects[i % PROJECTS].id, name=f"analysis-{i:03d}")
        for i in range(ANALYSES)
    ]
    return world
