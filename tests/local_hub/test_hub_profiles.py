"""The per-release wire facts of the local Hub (``profile_of``) and one behaviour they drive.

The facts are those of ``tests/recordings/README.md`` (sections "Hub 0.12.7" and "Hub 0.12.2").
"""

from __future__ import annotations

import pytest

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
    assert profile.model is Generation.CURRENT and profile.between  # pages every collection


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


@pytest.mark.parametrize("version", ["0.12.2", "0.12.7"])
def test_between_releases_page_every_collection_without_page_limit(version: str) -> None:
    # recorded: "every collection answers 50 rows without page[limit]"; 0.8.13 answers
    # every project (tests/local_hub/test_paging_defaults.py)
    with LocalHub(version) as local:
        hub = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
        for number in range(55):
            Project.objects.using(hub).create(name=f"profile-paging-{number:02d}")
        body = hub.request("core", "GET", "projects")  # a fresh hub: only these 55
        assert len(body["data"]) == 50
        assert body["meta"]["total"] == 55
        hub.close()


#: pattern -> names matched, per release's like syntax (README "Hub 0.12.7" / "Hub 0.12.2")
LIKE_NAMES = ["lk-alpha-one", "lk-beta-one", "lk-alpha-two"]
LIKE_CASES = {
    "0.12.7": {"lk-alpha~": ["lk-alpha-one", "lk-alpha-two"], "~-one": LIKE_NAMES[:2]},
    "0.12.2": {"~lk-alpha": ["lk-alpha-one", "lk-alpha-two"], "lk-alpha~": []},
}


@pytest.mark.parametrize("version", list(LIKE_CASES))
def test_core_like_syntax_follows_the_release(version: str) -> None:
    with LocalHub(version) as local:
        hub = Hub(local.url, auth=PasswordAuth(*local.admin_credentials))
        for name in LIKE_NAMES:
            Project.objects.using(hub).create(name=name)
        for pattern, names in LIKE_CASES[version].items():
            body = hub.request("core", "GET", "projects", params={"filter[name]": pattern})
            assert sorted(row["name"] for row in body["data"]) == sorted(names), pattern
        hub.close()
