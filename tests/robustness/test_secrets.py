"""No password, secret or token ever shows up in logs, exception messages or reprs.

A module fixture runs a broad set of scenarios on local Hubs of both generations (every auth
kind, failing logins, token renewal, API errors, retries, timeouts, unreachable hubs, models
with secret fields, malformed answers) while a DEBUG handler on the root logger records
everything (flamehub, urllib3, requests, the local hub). It keeps ``str``/``repr``/traceback
of every exception and ``repr`` of hubs, auth objects and models, and collects every secret
the scenarios used or the local Hubs issued (passwords, client/robot secrets, all access and
refresh tokens from the hubs' token stores). The tests then search all of it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import responses

from flamehub import ClientAuth, Hub, PasswordAuth, RetryPolicy, RobotAuth, TokenAuth
from flamehub.auth import HubAuth
from flamehub.errors import FlamehubError
from flamehub.models import Client, Node, Project, Realm, Robot, User
from flamehub.testing import Fault, LocalHub

from ._support import CURRENT, LEGACY

WRONG_PASSWORD = "Wr0ng-Pa55word-for-admin"
USER_PASSWORD = "Us3r-Secret-Passw0rd"
STATIC_TOKEN = "static-bogus-token-Zq83hW2kd91"
WRONG_SECRET = "f" * 24 + "wrong-client-secret"
#: Secrets at least this long are also searched by a prefix of it (truncated previews).
PREFIX = 12
#: The local Hubs' access token lifetime (seconds of real time: longer than the run).
TOKEN_LIFETIME = 600.0


@dataclass
class Evidence:
    secrets: set[str] = field(default_factory=set)
    logs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reprs: list[str] = field(default_factory=list)
    error_types: set[str] = field(default_factory=set)
    used: dict[str, int] = field(default_factory=dict)  # secrets that really worked

    def catch(self, call: Callable[[], Any]) -> Any:
        """Run ``call``; keep the text of a FlamehubError (anything else fails the test)."""
        try:
            return call()
        except FlamehubError as error:
            self.error_types.add(type(error).__name__)
            self.errors.append(str(error))
            self.errors.append(repr(error))
            self.errors.append("".join(traceback.format_exception(error)))
            for name in ("body", "issues", "body_preview", "args"):
                if hasattr(error, name):
                    self.errors.append(repr(getattr(error, name)))
            return None

    def show(self, *objects: Any) -> None:
        for item in objects:
            self.reprs.append(repr(item))
            self.reprs.append(str(item))
            if isinstance(item, (Hub, HubAuth)):  # they keep credentials in Secret wrappers
                self.reprs.append(repr(vars(item)))

    def harvest(self, local: LocalHub) -> None:
        """Every token the hub issued and every secret its identities hold."""
        state = local._live_state
        self.secrets.update(state.tokens._tokens)
        for table in ("clients", "robots"):
            for row in state.store.rows(table):
                if row.get("secret"):
                    self.secrets.add(str(row["secret"]))


class _Collector(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.sink = sink
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(self.format(record))
        self.sink.append(repr(record.args))


@pytest.fixture(scope="module")
def evidence() -> Iterator[Evidence]:
    found = Evidence()
    handler = _Collector(found.logs)
    root = logging.getLogger()
    names = ("flamehub", "urllib3", "requests", "werkzeug", "flamehub.testing")
    previous = {name: logging.getLogger(name).level for name in names}
    previous_root = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        for version in (LEGACY, CURRENT):
            _scenarios(found, version)
        _malformed_answers_holding_secrets(found)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_root)
        for name, level in previous.items():
            logging.getLogger(name).setLevel(level)
    found.secrets.update({WRONG_PASSWORD, USER_PASSWORD, STATIC_TOKEN, WRONG_SECRET, "start123"})
    yield found


def _scenarios(found: Evidence, version: str) -> None:
    legacy = version == LEGACY
    with LocalHub(version=version, access_token_lifetime=TOKEN_LIFETIME) as local:
        found.show(local)
        username, password = local.admin_credentials
        fast = RetryPolicy(total=2, backoff_factor=0)

        # a user logs in, works, and the token is renewed (refresh grant) once the client's
        # clock has passed the renewal point (the Hub's tokens outlive the run)
        now = [0.0]
        auth = PasswordAuth(username, password)
        auth.clock = lambda: now[0]
        hub = Hub(local.url, auth=auth, retry=fast)
        found.show(hub, hub.auth)
        realm = Realm.objects.using(hub).get(name="master")
        node = Node.objects.using(hub).create(name="secret-test", realm_id=realm.id)
        now[0] += TOKEN_LIFETIME
        project = Project.objects.using(hub).create(name="secret-project")
        found.show(realm, node, project, Node.objects.using(hub).filter(name="secret-test"))
        found.used[f"password-{version}"] = local.stats.tokens_issued["password"]
        found.used[f"refresh-{version}"] = local.stats.tokens_issued["refresh_token"]

        # a user with a password (a secret field of a model)
        user = found.catch(
            lambda: User.objects.using(hub).create(
                name="secret-user",
                email="secret-user@example.com",
                password=USER_PASSWORD,
                realm_id=realm.id,
            )
        )
        found.show(user)
        user_hub = Hub(local.url, auth=PasswordAuth("secret-user", USER_PASSWORD), retry=fast)
        found.catch(lambda: Realm.objects.using(user_hub).count())
        found.used[f"user-login-{version}"] = local.stats.tokens_issued["password"] - 1
        found.show(user_hub, user_hub.auth)

        # machine identities with their secrets
        system_id, system_secret = local.system_credentials
        if legacy:
            robot = Robot.objects.using(hub).with_fields("secret").get(name="system")
            found.show(robot)
            machine = Hub(local.url, auth=RobotAuth(system_id, system_secret), retry=fast)
            wrong = Hub(local.url, auth=RobotAuth(system_id, WRONG_SECRET), retry=fast)
        else:
            client = Client.objects.using(hub).with_fields("secret").get(name="system")
            found.show(client)
            creds = node.client_credentials(using=hub)
            found.show(creds)
            if creds.secret:
                found.secrets.add(creds.secret)
            rotated = node.rotate_client_secret(using=hub)
            found.show(rotated)
            if rotated.secret:
                found.secrets.add(rotated.secret)
            machine = Hub(local.url, auth=ClientAuth(system_id, system_secret), retry=fast)
            wrong = Hub(local.url, auth=ClientAuth(system_id, WRONG_SECRET), retry=fast)
            robot_on_current = Hub(local.url, auth=RobotAuth(system_id, system_secret))
            found.catch(lambda: Node.objects.using(robot_on_current).count())
            found.show(robot_on_current, robot_on_current.auth)
        found.used[f"machine-{version}"] = int(
            found.catch(lambda: Node.objects.using(machine).count()) is not None
        )
        found.catch(lambda: Node.objects.using(wrong).count())
        found.show(machine, machine.auth, wrong, wrong.auth)

        # failing logins
        bad = Hub(local.url, auth=PasswordAuth(username, WRONG_PASSWORD), retry=fast)
        found.catch(lambda: Node.objects.using(bad).count())
        found.show(bad, bad.auth)
        static = Hub(local.url, auth=TokenAuth(STATIC_TOKEN), retry=fast)
        found.catch(lambda: Node.objects.using(static).count())
        found.show(static, static.auth)
        issued = next(iter(local._live_state.tokens._tokens))
        token_hub = Hub(local.url, auth=TokenAuth(issued), retry=fast)
        found.catch(lambda: Node.objects.using(token_hub).count())
        found.show(token_hub, token_hub.auth)

        # API errors, retries, timeouts, malformed answers, an unreachable hub
        found.catch(lambda: Node.objects.using(hub).get(id="00000000-0000-4000-8000-000000000000"))
        found.catch(lambda: Node.objects.using(hub).create(name="secret-test", realm_id=realm.id))
        found.catch(lambda: Project.objects.using(hub).create(name=""))
        local.inject(Fault("status", route=r"^/core/nodes$", method="GET", times=1))
        found.catch(lambda: list(Node.objects.using(hub).all()))
        local.inject(Fault("reset", route=r"^/core/projects$", method="GET"))
        found.catch(lambda: list(Project.objects.using(hub).all()))
        local.clear_faults()
        slow = Hub(local.url, auth=PasswordAuth(username, password), timeout=(2, 0.2), retry=fast)
        local.inject(Fault("latency", route=r"^/core/nodes$", delay=0.5))
        found.catch(lambda: Node.objects.using(slow).count())
        local.clear_faults()
        local.inject(Fault("truncate", route=r"^/auth/token$", times=1))
        fresh = Hub(local.url, auth=PasswordAuth(username, password), retry=fast)
        found.catch(lambda: Node.objects.using(fresh).count())
        local.clear_faults()
        # a row the client cannot read, holding a secret: the error must not quote it
        table = "robots" if legacy else "clients"
        with local._live_state.store.lock:
            for row in local._live_state.store.rows(table):
                if row.get("name") == "system":
                    row["createdAt"] = "not-a-date"
        model = Robot if legacy else Client
        found.catch(lambda: list(model.objects.using(hub).with_fields("secret").all()))
        found.harvest(local)
        for client_hub in (hub, user_hub, machine, wrong, bad, static, token_hub, slow, fresh):
            client_hub.close()
        address = local.url

    # the hub is gone
    gone = Hub(address, auth=PasswordAuth(username, password), retry=RetryPolicy(total=1))
    found.catch(lambda: Node.objects.using(gone).count())
    found.show(gone, gone.auth)


PREVIEW_SECRET = "preview-secret-8d7f6e5d4c3b2a19"
PREVIEW_TOKEN = "preview-access-token-1f2e3d4c5b6a7988"


def _malformed_answers_holding_secrets(found: Evidence) -> None:
    """Answers a client cannot read, which carry a secret: the error must not quote it."""
    url = "http://hub.secrets"
    hub = Hub(url, hub_version=CURRENT, auth=PasswordAuth("admin", "start123"))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # a truncated token answer (the preview of a non-JSON body is quoted)
        mock.add("POST", f"{url}/auth/token", body=f'{{"access_token": "{PREVIEW_TOKEN}')
        found.catch(lambda: Node.objects.using(hub).count())
        mock.replace("POST", f"{url}/auth/token", json={"access_token": "t", "expires_in": 300})
        # rows and credentials of the wrong shape, with their secrets
        mock.add(
            "GET",
            f"{url}/auth/clients",
            json={"data": [{"secret": PREVIEW_SECRET, "createdAt": "bad"}], "meta": {}},
        )
        found.catch(lambda: list(Client.objects.using(hub).with_fields("secret").all()))
        node_id = "5b5f6b4e-1e8b-4a43-9a43-7c3f5d3d2a10"
        mock.add("GET", f"{url}/core/nodes/{node_id}", json={"data": {"id": node_id}})
        mock.add(
            "GET",
            f"{url}/core/nodes/{node_id}/client/credentials",
            json={"data": {"id": "not-a-uuid", "secret": PREVIEW_SECRET}},
        )
        node = Node.objects.using(hub).get(id=node_id)
        found.catch(lambda: node.client_credentials(using=hub))
    found.secrets.update({PREVIEW_SECRET, PREVIEW_TOKEN})
    found.used["previews"] = sum(
        "could not read" in text or "expected JSON" in text or "not a UUID" in text
        for text in found.errors
    )


def _leaks(texts: list[str], secrets: set[str]) -> list[tuple[str, str]]:
    needles = {secret for secret in secrets if secret}
    needles |= {secret[:PREFIX] for secret in secrets if len(secret) >= 2 * PREFIX}
    return [
        (needle, text[max(0, text.find(needle) - 60) : text.find(needle) + 60])
        for text in texts
        for needle in needles
        if needle in text
    ]


def test_the_scenarios_really_used_the_secrets(evidence: Evidence) -> None:
    # logins with the real secrets worked, tokens were renewed, errors of many kinds were seen
    assert evidence.used["previews"] >= 3
    for version in (LEGACY, CURRENT):
        assert evidence.used[f"password-{version}"] == 1
        assert evidence.used[f"refresh-{version}"] == 1
        assert evidence.used[f"user-login-{version}"] == 1
        assert evidence.used[f"machine-{version}"] == 1
    issued_tokens = [secret for secret in evidence.secrets if len(secret) >= 40]
    assert len(issued_tokens) > 10
    assert {
        "AuthenticationError",
        "DoesNotExist",
        "Conflict",
        "HubTimeout",
        "TransportError",
        "InvalidResponse",
        "UnsupportedByHub",
    } <= evidence.error_types, evidence.error_types
    assert len(evidence.logs) > 100
    assert any("flamehub.transport" in line for line in evidence.logs)
    assert any("urllib3" in line for line in evidence.logs)


def test_the_leak_detector_finds_a_leak(evidence: Evidence) -> None:
    token = max(evidence.secrets, key=len)
    assert _leaks([f"Authorization: Bearer {token}"], evidence.secrets)
    assert _leaks([f"preview: {token[:20]}..."], evidence.secrets)


def test_no_secret_in_log_records(evidence: Evidence) -> None:
    assert not _leaks(evidence.logs, evidence.secrets)


def test_no_secret_in_exception_messages(evidence: Evidence) -> None:
    assert len(evidence.errors) > 40
    assert not _leaks(evidence.errors, evidence.secrets)


def test_no_secret_in_reprs_of_hubs_auth_and_models(evidence: Evidence) -> None:
    assert any("PasswordAuth" in text for text in evidence.reprs)
    assert any("ClientCredentials" in text or "Robot(" in text for text in evidence.reprs)
    assert not _leaks(evidence.reprs, evidence.secrets)
