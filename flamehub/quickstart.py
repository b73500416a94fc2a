"""The quickstart: a short tour of flamehub against a real or an embedded Hub.

Run it with::

    python -m flamehub.quickstart                     # embedded local Hub (flamehub[local])
    FLAMEHUB_URL=http://localhost:3000 FLAMEHUB_USERNAME=admin FLAMEHUB_PASSWORD=start123 \\
        python -m flamehub.quickstart                 # a Hub you run

It logs in, finds the master realm, creates two nodes, queries them with lookups and
slicing, uploads a file into a new bucket and downloads it back, and removes everything
it created, also when a step fails.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from typing import TextIO

import flamehub
from flamehub import Hub, PasswordAuth
from flamehub.hub import (
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_PASSWORD,
    ENV_ROBOT_ID,
    ENV_ROBOT_SECRET,
    ENV_TOKEN,
    ENV_URL,
    ENV_USERNAME,
    auth_from_env,
)
from flamehub.models import Bucket, Node, NodeType, Realm

__all__ = [
    "DEFAULT_LOCAL_VERSION",
    "SAMPLE_FILE_BYTES",
    "main",
    "run",
]

#: The Hub version the embedded local Hub speaks unless told otherwise.
DEFAULT_LOCAL_VERSION = "0.14.0"
#: Size of the file the tour uploads and downloads.
SAMPLE_FILE_BYTES = 64 * 1024


@contextlib.contextmanager
def _connect(local_version: str, out: TextIO, given: Hub | None = None) -> Iterator[Hub]:
    if given is not None:  # the caller's connection (``flamehub quickstart --url ...``)
        out.write(f"Using the Hub at {given.core_url} (given by the caller)\n")
        yield given
        return
    if os.environ.get(ENV_URL):
        if auth_from_env(os.environ) is None:
            missing = [name for name in (ENV_USERNAME, ENV_PASSWORD) if not os.environ.get(name)]
            raise flamehub.ConfigurationError(
                f"{ENV_URL} is set but {' and '.join(missing) or 'no credentials'} "
                f"{'is' if len(missing) == 1 else 'are'} not: set {ENV_USERNAME} and "
                f"{ENV_PASSWORD} (or {ENV_TOKEN}, {ENV_CLIENT_ID}/{ENV_CLIENT_SECRET}, "
                f"{ENV_ROBOT_ID}/{ENV_ROBOT_SECRET})"
            )
        hub = Hub.from_env()
        out.write(f"Using the Hub at {os.environ[ENV_URL]} (from {ENV_URL})\n")
        with hub:
            yield hub
        return
    from flamehub.testing import LocalHub

    with LocalHub(version=local_version) as local:
        username, password = local.admin_credentials
        out.write(
            f"No {ENV_URL} set: started an embedded local Hub {local.version} at {local.url}\n"
        )
        with Hub(local.url, auth=PasswordAuth(username, password)) as hub:
            yield hub


def run(
    local_version: str = DEFAULT_LOCAL_VERSION, out: TextIO = sys.stdout, hub: Hub | None = None
) -> None:
    """Run the tour, printing each step to ``out``; on ``hub`` when one is given.

    Example::

        from flamehub.quickstart import run
        run("0.8.13")
    """
    suffix = uuid.uuid4().hex[:6]
    created: list[Node | Bucket] = []
    nodes: list[Node] = []
    with _connect(local_version, out, hub) as hub:
        previous = flamehub.connect(hub)
        try:
            out.write(f"1. Hub version {hub.version} ({hub.generation.value} API generation)\n")
            master = Realm.objects.get(name="master")
            out.write(f"2. Logged in; the master realm is {master.id}\n")

            for index, kind in enumerate((NodeType.DEFAULT, NodeType.AGGREGATOR)):
                node = Node.objects.create(
                    name=f"quickstart-{suffix}-{index}", realm_id=master.id, type=kind
                )
                created.append(node)
                nodes.append(node)
            listed = ", ".join(f"{node.name} ({node.type})" for node in nodes)
            out.write(f"3. Created nodes {listed}\n")

            ours = Node.objects.filter(name__startswith=f"quickstart-{suffix}-")
            newest = ours.order_by("-created_at", "-name")[:1]
            out.write(f"4. {ours.count()} nodes start with quickstart-{suffix}-; ")
            out.write(f"newest: {[node.name for node in newest]}\n")
            visible = ours.exclude(hidden=True)
            out.write(f"   not hidden: {sorted(str(node.name) for node in visible)}\n")
            first = nodes[0]
            first.hidden = True
            first.save()
            out.write(
                f"   after hiding {first.name}: "
                f"{[node.name for node in ours.exclude(hidden=True)]} remain visible\n"
            )

            bucket = Bucket.objects.create(name=f"quickstart-{suffix}")
            created.append(bucket)
            payload = os.urandom(SAMPLE_FILE_BYTES)
            (uploaded,) = bucket.upload(("hello/data.bin", payload))
            out.write(f"5. Uploaded {uploaded.path} ({uploaded.size} bytes) to {bucket.name}\n")
            target = io.BytesIO()
            uploaded.download(to=target)
            same = hashlib.sha256(target.getvalue()).digest() == hashlib.sha256(payload).digest()
            if not same:
                raise RuntimeError("the downloaded bytes differ from the uploaded ones")
            out.write(f"6. Downloaded it back: {len(target.getvalue())} bytes, identical\n")
        finally:
            cleaned = 0
            with contextlib.suppress(flamehub.FlamehubError):  # what is left is named below
                if nodes:  # one QuerySet.delete(): a DELETE per node, concurrently
                    ours = Node.objects.filter(name__startswith=f"quickstart-{suffix}-")
                    cleaned += ours.delete()[0]
            for bucket in (item for item in created if isinstance(item, Bucket)):
                with contextlib.suppress(flamehub.FlamehubError):
                    bucket.storage_files.delete()  # a bucket is deleted once empty
                    bucket.delete()
                    cleaned += 1
            if created:
                out.write(f"7. Cleaned up {cleaned} objects\n")
                if cleaned < len(created):
                    out.write(f"   {len(created) - cleaned} could not be deleted\n")
            flamehub.connect(previous)
    out.write("Done.\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point of ``python -m flamehub.quickstart``."""
    parser = argparse.ArgumentParser(
        prog="python -m flamehub.quickstart", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--hub-version",
        default=DEFAULT_LOCAL_VERSION,
        help="API generation of the embedded Hub: 0.14.0 (current) or 0.8.13 (legacy)",
    )
    options = parser.parse_args(argv)
    try:
        run(options.hub_version)
    except flamehub.FlamehubError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
