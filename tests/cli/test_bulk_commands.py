"""``flamehub <resource> update --filter ... key=value`` and ``delete --filter ...``
(issue #14) against a LocalHub of each generation: the count, the confirmation, ``--yes``."""

from __future__ import annotations

import io
import json
import uuid

import pytest

from flamehub import Hub, PasswordAuth
from flamehub.models import Node, Realm
from flamehub.testing import LocalHub


@pytest.fixture
def prefix(flamehub_env: LocalHub) -> str:
    """Three nodes ``<prefix>0..2`` and one that does not match."""
    name = f"site-{uuid.uuid4().hex[:6]}-"
    with Hub(flamehub_env.url, auth=PasswordAuth(*flamehub_env.admin_credentials)) as hub:
        realm = Realm.objects.using(hub).get(name="master")
        Node.objects.using(hub).bulk_create(
            [Node(name=f"{name}{i}", realm_id=realm.id) for i in range(3)]
            + [Node(name=f"other-{name}", realm_id=realm.id)]
        )
    return name


def rows(local: LocalHub, prefix: str) -> list[Node]:
    with Hub(local.url, auth=PasswordAuth(*local.admin_credentials)) as hub:
        return list(Node.objects.using(hub).filter(name__startswith=prefix))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_update_by_filter_with_yes_prints_the_count(cli, flamehub_env, prefix) -> None:
    result = cli("node", "update", "--filter", f"name__startswith={prefix}", "hidden=true", "--yes")
    assert result.code == 0, result.err
    assert result.out == "Updated 3 nodes\n"
    assert {node.hidden for node in rows(flamehub_env, prefix)} == {True}
    assert rows(flamehub_env, f"other-{prefix}")[0].hidden is False
    none = cli("node", "update", "--filter", "name=no-such-node", "hidden=true", "--json")
    assert none.code == 0 and json.loads(none.out) == {"updated": 0}


def test_delete_by_filter_asks_first(cli, flamehub_env, prefix, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    refused = cli("node", "delete", "--filter", f"name__startswith={prefix}")
    assert refused.code == 1 and "aborted; nothing was changed" in refused.err
    assert f"Delete 3 nodes matching (name__startswith='{prefix}')? [y/N]" in refused.err
    assert len(rows(flamehub_env, prefix)) == 3
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    done = cli("node", "delete", "--filter", f"name__startswith={prefix}", "--json")
    assert done.code == 0, done.err
    assert json.loads(done.out) == {"deleted": 3}
    assert rows(flamehub_env, prefix) == [] and len(rows(flamehub_env, f"other-{prefix}")) == 1


def test_without_a_terminal_yes_is_required(cli, flamehub_env, prefix, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    result = cli("node", "delete", "--filter", f"name__startswith={prefix}")
    assert result.code == 1 and "add --yes" in result.err
    assert len(rows(flamehub_env, prefix)) == 3
    result = cli("node", "update", "--filter", f"name__startswith={prefix}", "hidden=true")
    assert result.code == 1 and "add --yes" in result.err
    assert {node.hidden for node in rows(flamehub_env, prefix)} == {False}


def test_mistakes_fail_before_any_change(cli, flamehub_env, prefix) -> None:
    flamehub_env.requests.clear()
    both = cli("node", "delete", "some-id", "--filter", f"name={prefix}0", "--yes")
    assert both.code == 1 and "either an id" in both.err
    bad_field = cli("node", "update", "--filter", f"name={prefix}0", "colour=red", "--yes")
    assert bad_field.code == 1 and "colour" in bad_field.err
    no_values = cli("node", "update", "--filter", f"name={prefix}0", "--yes")
    assert no_values.code == 1 and "key=value" in no_values.err
    no_id = cli("node", "delete")
    assert no_id.code == 1 and "--filter" in no_id.err
    writes = [r for r in flamehub_env.requests if r.method in ("POST", "DELETE")]
    assert [r.path for r in writes if not r.path.startswith("/auth/")] == []
    assert len(rows(flamehub_env, prefix)) == 3
