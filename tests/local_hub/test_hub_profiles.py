"""The per-release wire facts of the local Hub (``profile_of``) and one behaviour they drive.

The facts are those of ``tests/recordings/README.md`` (sections "Hub 0.12.7" and "Hub 0.12.2").
"""

from __future__ import annotations

from flamehub import Hub, PasswordAuth
from flamehub.models import Project
from flamehub.testing import LocalHub
from flamehub.testing._generations import Generation, profile_of


def test_0_12_7_mixes_generations_per_service() -> None:
    profile = profile_of("0.12.7")
    assert profile.authup == "1.0.0-beta.56"
    assert profile.service("auth").generation is Generation.CURRENT
    assert profile.service("core").generation is Generation.LEGACY
    assert profile.service("storage").generation is Generation.LEGACY
    assert {s.like_syntax for s in profile.services.values()} == {"rapiq2"}
    assert not profile.robots
    assert profile.unpaged_limit == 50


def test_0_12_2_is_legacy_with_rapiq0_robots_and_current_bucket_files() -> None:
    profile = profile_of("0.12.2")
    assert {s.generation for s in profile.services.values()} == {Generation.LEGACY}
    assert {s.like_syntax for s in profile.services.values()} == {"rapiq0"}
    assert profile.robots and profile.current_bucket_file
    assert not profile.service("core").include_on_record
    assert profile_of("0.8.13").service("core").include_on_record
    assert not profile_of("0.8.13").current_bucket_file


def test_0_12_2_single_record_get_ignores_include_but_list_honours_it() -> None:
    # recorded: hub-0.12.2/analysis-buckets-and-include.json
    with LocalHub("0.12.2") as local:
        hub = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
        project = Project.objects.using(hub).create(name="profile-include-project")
        single = hub.request(
            "core", "GET", f"projects/{project.id}", params={"include": "master_image"}
        )
        assert single["id"] == str(project.id)
        assert "master_image" not in single
        listed = hub.request(
            "core",
            "GET",
            "projects",
            params={"filter[id]": str(project.id), "include": "master_image"},
        )
        assert "master_image" in listed["data"][0]
        hub.close()
