"""The action functions: commands, credentials, uploads and downloads."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

import flamehub
from flamehub.compat import CoreClient, StorageClient
from flamehub.testing import LocalHub

from .conftest import RecordingSession


def test_upload_and_stream_bucket_file(storage_client: StorageClient) -> None:
    bucket = storage_client.create_bucket("bucket-a")
    payload = os.urandom(100_000)
    files = storage_client.upload_to_bucket(
        bucket,
        {"file_name": "data.bin", "content": payload, "content_type": "application/x-data"},
        {"file_name": "note.txt", "content": "a text"},
        {"file_name": "stream.bin", "content": io.BytesIO(b"from a file object")},
    )
    assert [(f.name, f.size) for f in files] == [
        ("data.bin", len(payload)),
        ("note.txt", 6),
        ("stream.bin", 18),
    ]
    chunks = list(storage_client.stream_bucket_file(files[0]))
    assert b"".join(chunks) == payload
    assert {len(chunk) for chunk in chunks[:-1]} == {1024}  # the old default chunk size
    assert b"".join(storage_client.stream_bucket_file(str(files[1].id), chunk_size=2)) == b"a text"
    listed = storage_client.find_bucket_files(filter={"bucket_id": bucket.id}, sort={"by": "name"})
    assert [f.name for f in listed] == ["data.bin", "note.txt", "stream.bin"]


def test_stream_bucket_tarball(storage_client: StorageClient) -> None:
    bucket = storage_client.create_bucket("bucket-a")
    storage_client.upload_to_bucket(
        bucket,
        {"file_name": "a.txt", "content": b"alpha"},
        {"file_name": "b.txt", "content": b"beta"},
    )
    archive = b"".join(storage_client.stream_bucket_tarball(bucket.id, chunk_size=4096))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        contents = {
            member.name: tar.extractfile(member).read()  # type: ignore[union-attr]
            for member in tar.getmembers()
        }
    assert contents == {"a.txt": b"alpha", "b.txt": b"beta"}


def test_stream_of_a_missing_file_raises(storage_client: StorageClient) -> None:
    with pytest.raises(flamehub.NotFound):
        list(storage_client.stream_bucket_file("497dcba3-ecbf-4587-a2dd-5eb0665e6880"))
    with pytest.raises(flamehub.QueryError):
        list(storage_client.stream_bucket_file("497dcba3-ecbf-4587-a2dd-5eb0665e6880", 0))


def test_master_images_and_analysis_commands(
    core_client: CoreClient, storage_client: StorageClient, local: LocalHub
) -> None:
    assert core_client.get_master_images() == []
    core_client.sync_master_images()
    images = core_client.find_master_images(filter={"virtual_path": "python/base"})
    assert [image.virtual_path for image in images] == ["python/base"]
    project = core_client.create_project("project-a", images[0])
    analysis = core_client.create_analysis(project, name="analysis-a", master_image_id=images[0])
    for name, node_type in (("node-a", "default"), ("node-b", "aggregator")):
        node = core_client.create_node(name, node_type=node_type)
        core_client.create_project_node(project, node)
        core_client.create_analysis_node(analysis, node)
    if not local.is_legacy:  # current Hubs want an entrypoint in the analysis' CODE bucket
        code = core_client.find_analysis_buckets(filter={"analysis_id": analysis, "type": "CODE"})
        storage_client.upload_to_bucket(code[0].bucket_id, {"file_name": "main.py", "content": "1"})
        entry = core_client.find_analysis_bucket_files(filter={"analysis_id": analysis})
        assert [row.path for row in entry] == ["main.py"]
        assert core_client.update_analysis_bucket_file(entry[0], is_entrypoint=True).root is True
    locked = core_client.send_analysis_command(analysis, "configurationLock")
    assert locked.configuration_locked is True
    assert core_client.get_analysis(analysis).configuration_locked is True
    assert (
        core_client.send_analysis_command(analysis.id, "configurationUnlock").configuration_locked
        is False
    )
    if local.is_legacy:
        with pytest.raises(flamehub.UnsupportedByHub):
            core_client.build_master_image(images[0])
    else:
        assert core_client.build_master_image(images[0]).id == images[0].id


def test_registry_command(core_client: CoreClient, local: LocalHub) -> None:
    registry = core_client.create_registry("registry-a", "registry.example.org", "admin", "secret")
    local.requests.clear()
    core_client.send_registry_command(registry, "setup")
    sent = [(r.method, r.path) for r in local.requests]
    assert ("POST", "/core/services/registry/command") in sent
    with pytest.raises(flamehub.QueryError):
        core_client.send_registry_command(registry, "no-such-command")


def test_credentials(core_client: CoreClient, local: LocalHub) -> None:
    node = core_client.create_node("node-a")
    analysis = core_client.create_analysis(core_client.create_project("project-a"), name="ana-a")
    if local.is_legacy:  # Hub 0.8.13 predates the credential endpoints (0.11.4)
        for call, target in (
            (core_client.get_node_client_credentials, node),
            (core_client.update_node_client_credentials, node),
            (core_client.get_node_registry_credentials, node),
            (core_client.get_analysis_client_credentials, analysis),
            (core_client.update_analysis_client_credentials, analysis),
        ):
            with pytest.raises(flamehub.UnsupportedByHub):
                call(target)
        return
    credentials = core_client.get_node_client_credentials(node)
    assert credentials.secret
    rotated = core_client.update_node_client_credentials(node.id, "a-new-secret-value")
    assert rotated.id == credentials.id and rotated.secret == "a-new-secret-value"
    assert core_client.get_node_client_credentials(node).secret == "a-new-secret-value"
    analysis_credentials = core_client.get_analysis_client_credentials(analysis)
    assert analysis_credentials.id != credentials.id
    assert core_client.update_analysis_client_credentials(analysis).secret
    with pytest.raises(flamehub.BadRequest):  # the node has no registry project yet
        core_client.get_node_registry_credentials(node)


def test_logs_need_their_analysis_on_current_hubs(
    core_client: CoreClient, local: LocalHub, session: RecordingSession
) -> None:
    analysis = core_client.create_analysis(core_client.create_project("project-a"), name="ana-a")
    node = core_client.create_node("node-a")
    core_client.create_project_node(analysis.project_id, node)
    if local.is_legacy:
        assert core_client.find_analysis_logs(filter={"analysis_id": analysis.id}) == []
        with pytest.raises(flamehub.UnsupportedByHub):
            core_client.create_analysis_node_log(analysis, node, level="info", message="hello")
        with pytest.raises(flamehub.UnsupportedByHub):
            core_client.delete_analysis_node_logs(analysis, node)
        return
    with pytest.raises(flamehub.QueryError):
        core_client.get_analysis_node_logs()
    core_client.create_analysis_node_log(analysis, node, level="info", message="first line")
    core_client.create_analysis_node_log(analysis, node, level="error", message="second line")
    core_client.create_analysis_node_log(analysis, node, "warn", "third line", "running")
    of_node = {"analysis_id": analysis, "node_id": node}
    lines = core_client.find_analysis_node_logs(filter=of_node)
    assert sorted(line.message for line in lines) == ["first line", "second line", "third line"]
    third = session.bodies("POST", "/core/analysis-node-logs")[-1]
    assert (third["level"], third["message"], third["status"]) == ("warn", "third line", "running")
    core_client.delete_analysis_node_logs(analysis, node.id)
    assert (
        core_client.find_analysis_node_logs(filter={"analysis_id": analysis, "node_id": node}) == []
    )
    core_client.delete_analysis_logs(analysis)
    assert core_client.find_analysis_logs(filter={"analysis_id": analysis}) == []
