"""A wrong ``hub_version`` never loses data silently: the first telling answer of each
service that contradicts it raises ``GenerationMismatch`` (ORM and CLI, both ways)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import pytest

from flamehub import Hub, PasswordAuth
from flamehub.cli import main
from flamehub.dialects import AnswerShape
from flamehub.errors import ConfigurationError, GenerationMismatch
from flamehub.models import Node, Realm
from flamehub.testing import LocalHub

LEGACY, CURRENT = "0.8.13", "0.14.0"
#: (the Hub that answers, the version the user configured)
WRONG = [(CURRENT, LEGACY), (LEGACY, CURRENT)]
ADMIN = ("admin", "start123")


@pytest.fixture(scope="module")
def hubs() -> Iterator[dict[str, LocalHub]]:
    with LocalHub(version=LEGACY) as legacy, LocalHub(version=CURRENT) as current:
        yield {LEGACY: legacy, CURRENT: current}


def _hub(local: LocalHub, configured: str | None) -> Hub:
    return Hub(local.url, auth=PasswordAuth(*ADMIN), hub_version=configured)


@pytest.mark.parametrize(
    ("served", "configured"), WRONG, ids=["legacy-on-current", "current-on-legacy"]
)
def test_a_list_under_the_wrong_version_raises_instead_of_reading_none(
    hubs: dict[str, LocalHub], served: str, configured: str
) -> None:
    hub = _hub(hubs[served], configured)
    with pytest.raises(GenerationMismatch) as caught:
        list(Realm.objects.using(hub).all())
    error = caught.value
    assert isinstance(error, ConfigurationError)
    text = str(error)
    assert f"configured as version {configured}" in text
    expected = "camelCase keys" if served == CURRENT else "snake_case keys"
    assert expected in text and "Drop hub_version" in text
    assert error.method == "GET" and error.url.startswith(hubs[served].url + "/auth/realms")


@pytest.mark.parametrize(
    ("served", "configured"), WRONG, ids=["legacy-on-current", "current-on-legacy"]
)
def test_a_create_under_the_wrong_version_says_the_row_was_written(
    hubs: dict[str, LocalHub], served: str, configured: str
) -> None:
    hub = _hub(hubs[served], configured)
    right = _hub(hubs[served], None)
    realm = Realm.objects.using(right).get(name="master")
    name = f"mismatch-{configured.replace('.', '-')}"
    # the body is spelled for the wrong generation: the Hub keeps what it recognises
    with pytest.raises(GenerationMismatch, match="did carry out this POST") as caught:
        Node.objects.using(hub).create(name=name, realm_id=realm.id)
    # a current Hub's record comes in an envelope, which legacy never sends
    assert ("{data, meta} record envelope" in str(caught.value)) is (served == CURRENT)
    created = Node.objects.using(right).filter(name=name)
    assert created.count() == 1  # the error tells the truth: the Hub stored it
    created.get().delete()


def test_a_matching_version_is_checked_once_per_service(
    hubs: dict[str, LocalHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[object] = []
    original = AnswerShape.of.__func__  # type: ignore[attr-defined]

    def counting(cls: type[AnswerShape], body: object, **options: bool) -> AnswerShape:
        seen.append(body)
        return original(cls, body, **options)  # type: ignore[no-any-return]

    monkeypatch.setattr(AnswerShape, "of", classmethod(counting))
    hub = _hub(hubs[CURRENT], CURRENT)
    for _ in range(3):
        assert Realm.objects.using(hub).filter(name="master").count() == 1
    assert len(seen) == 1
    assert Node.objects.using(hub).count() >= 0
    assert len(seen) == 2  # core is checked on its own first answer


def test_a_detected_version_is_not_second_guessed(hubs: dict[str, LocalHub]) -> None:
    hub = _hub(hubs[LEGACY], None)
    assert [realm.name for realm in Realm.objects.using(hub).filter(name="master")] == ["master"]
    assert hub._shape_checked == set()


def _cli(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    out = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv), out=out)
    return code, err.getvalue()


@pytest.mark.parametrize(
    ("served", "configured"), WRONG, ids=["legacy-on-current", "current-on-legacy"]
)
def test_cli_hub_version_flag_mismatch_is_one_error_line(
    hubs: dict[str, LocalHub], served: str, configured: str, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    url = hubs[served].url
    code, err = _cli(
        "--url", url, "--username", ADMIN[0], "--password", ADMIN[1],
        "--hub-version", configured, "realm", "list",
    )  # fmt: skip
    assert code == 1
    assert err.startswith(f"error: Hub configured as version {configured}")
    assert "--hub-version" in err and err.count("\n") == 1


def test_cli_environment_version_mismatch(hubs: dict[str, LocalHub], tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("FLAMEHUB_HUB_VERSION", LEGACY)
    code, err = _cli(
        "--url", hubs[CURRENT].url, "--username", ADMIN[0], "--password", ADMIN[1],
        "realm", "list",
    )  # fmt: skip
    assert code == 1 and "camelCase keys" in err and "FLAMEHUB_HUB_VERSION" in err
