"""Every lookup compiles to the exact wire form of each generation, or is refused locally."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from flamehub import Q, QueryError
from flamehub.models import Node, NodeType, Project, Realm
from tests.conftest import CURRENT_VERSION, HUB_URL, LEGACY_VERSION, make_hub

NODES = f"{HUB_URL}/core/nodes"
EMPTY_PAGE = {"data": [], "meta": {"total": 0, "limit": 50, "offset": 0}}
REALM_ID = "f2e02c50-14fa-4624-95b8-d218998cc015"


def sent_params(rsps: responses.RequestsMock) -> list[tuple[str, str]]:
    assert len(rsps.calls) == 1, [call.request.url for call in rsps.calls]
    query = parse_qsl(urlsplit(rsps.calls[0].request.url).query)
    assert ("page[limit]", "50") in query  # always sent: Hub 0.8.13 answers every row without
    return [pair for pair in query if pair[0] not in ("sort", "page[limit]")]


def run(version: str, queryset_of, rsps: responses.RequestsMock) -> list[tuple[str, str]]:
    rsps.add("GET", NODES, json=EMPTY_PAGE)
    hub = make_hub(version)
    assert list(queryset_of(Node.objects.using(hub))) == []
    return sent_params(rsps)


CASES = [
    # (id, queryset builder, legacy params, current params)
    (
        "exact",
        lambda qs: qs.filter(name="site-a"),
        [("filter[name]", "site-a")],
        [("filter[name]", "site-a")],
    ),
    (
        "exact-kw",
        lambda qs: qs.filter(name__exact="site-a"),
        [("filter[name]", "site-a")],
        [("filter[name]", "site-a")],
    ),
    (
        "contains",
        lambda qs: qs.filter(name__contains="ite"),
        [("filter[name]", "~%ite")],
        [("filter[name]", "~ite~")],
    ),
    (
        "startswith",
        lambda qs: qs.filter(name__startswith="site-"),
        [("filter[name]", "~site-")],
        [("filter[name]", "site-~")],
    ),
    ("gt", lambda qs: qs.filter(name__gt="m"), [("filter[name]", ">m")], [("filter[name]", ">m")]),
    (
        "gte",
        lambda qs: qs.filter(name__gte="m"),
        [("filter[name]", ">=m")],
        [("filter[name]", ">=m")],
    ),
    ("lt", lambda qs: qs.filter(name__lt="m"), [("filter[name]", "<m")], [("filter[name]", "<m")]),
    (
        "lte",
        lambda qs: qs.filter(name__lte="m"),
        [("filter[name]", "<=m")],
        [("filter[name]", "<=m")],
    ),
    (
        "in",
        lambda qs: qs.filter(name__in=["a", "b"]),
        [("filter[name]", "a,b")],
        [("filter[name]", "a,b")],
    ),
    (
        "isnull",
        lambda qs: qs.filter(robot_id__isnull=True),
        [("filter[robot_id]", "null")],
        [("filter[robotId]", "null")],
    ),
    (
        "notnull",
        lambda qs: qs.filter(robot_id__isnull=False),
        [("filter[robot_id]", "!null")],
        [("filter[robotId]", "!null")],
    ),
    (
        "none-is-null",
        lambda qs: qs.filter(robot_id=None),
        [("filter[robot_id]", "null")],
        [("filter[robotId]", "null")],
    ),
    (
        "bool",
        lambda qs: qs.filter(hidden=True),
        [("filter[hidden]", "true")],
        [("filter[hidden]", "true")],
    ),
    (
        "uuid",
        lambda qs: qs.filter(realm_id=uuid.UUID(REALM_ID)),
        [("filter[realm_id]", REALM_ID)],
        [("filter[realmId]", REALM_ID)],
    ),
    (
        "uuid-text",
        lambda qs: qs.filter(realm_id=REALM_ID.upper()),
        [("filter[realm_id]", REALM_ID)],
        [("filter[realmId]", REALM_ID)],
    ),
    (
        "exclude-exact",
        lambda qs: qs.exclude(name="a"),
        [("filter[name]", "!a")],
        [("filter[name]", "!a")],
    ),
    (
        "exclude-in",
        lambda qs: qs.exclude(name__in=["a", "b"]),
        [("filter[name]", "!a,b")],
        [("filter[name]", "!a,b")],
    ),
    (
        "exclude-startswith",
        lambda qs: qs.exclude(name__startswith="a"),
        [("filter[name]", "!~a")],
        [("filter[name]", "!a~")],
    ),
    (
        "exclude-contains",
        lambda qs: qs.exclude(name__contains="a"),
        [("filter[name]", "!~%a")],
        [("filter[name]", "!~a~")],
    ),
    (
        "exclude-isnull",
        lambda qs: qs.exclude(robot_id__isnull=True),
        [("filter[robot_id]", "!null")],
        [("filter[robotId]", "!null")],
    ),
    (
        "and-fields",
        lambda qs: qs.filter(name__startswith="s").exclude(hidden=True),
        [("filter[name]", "~s"), ("filter[hidden]", "!true")],
        [("filter[name]", "s~"), ("filter[hidden]", "!true")],
    ),
]


@pytest.mark.parametrize(
    ("builder", "legacy", "current"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_lookup_wire_forms(rsps, builder, legacy, current) -> None:
    assert run(LEGACY_VERSION, builder, rsps) == legacy


@pytest.mark.parametrize(
    ("builder", "legacy", "current"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_lookup_wire_forms_current(rsps, builder, legacy, current) -> None:
    assert run(CURRENT_VERSION, builder, rsps) == current


def test_endswith_current_only(rsps) -> None:
    assert run(CURRENT_VERSION, lambda qs: qs.filter(name__endswith="-a"), rsps) == [
        ("filter[name]", "~-a")
    ]
    with pytest.raises(QueryError, match="endswith on 'name'"):
        list(Node.objects.using(make_hub(LEGACY_VERSION)).filter(name__endswith="-a"))


def test_exclude_endswith_current(rsps) -> None:
    assert run(CURRENT_VERSION, lambda qs: qs.exclude(name__endswith="x"), rsps) == [
        ("filter[name]", "!~x")
    ]


def test_like_legacy_is_verbatim(rsps) -> None:
    assert run(LEGACY_VERSION, lambda qs: qs.filter(name__like="%node-1%"), rsps) == [
        ("filter[name]", "~%node-1%")
    ]


@pytest.mark.parametrize(
    ("pattern", "wire"),
    # like is the legacy ~p everywhere: SQL LIKE 'p%' (#11: "my-node" lists several nodes)
    [
        ("site-%", "site-~"),
        ("%-a", "~-a~"),
        ("%ite%", "~ite~"),
        ("site-a", "site-a~"),
        ("%%ite%%", "~ite~"),
    ],
)
def test_like_current_maps_to_explicit_lookups(rsps, pattern, wire) -> None:
    assert run(CURRENT_VERSION, lambda qs: qs.filter(name__like=pattern), rsps) == [
        ("filter[name]", wire)
    ]


@pytest.mark.parametrize("pattern", ["a%b", "a_b", "%", "_%", "%a%b"])
def test_like_current_refuses_patterns_it_cannot_express(pattern) -> None:
    with pytest.raises(QueryError, match="like") as caught:
        list(Node.objects.using(make_hub(CURRENT_VERSION)).filter(name__like=pattern))
    for lookup in ("startswith", "contains", "endswith", "exact"):
        assert lookup in str(caught.value)


@pytest.mark.parametrize("version", ["0.12.3", "0.12.7"])
def test_like_on_rapiq2_legacy_hubs_is_a_prefix_match_too(rsps, version) -> None:
    assert run(version, lambda qs: qs.filter(name__like="my-node"), rsps) == [
        ("filter[name]", "my-node~")
    ]


def test_datetime_values_are_utc_with_milliseconds(rsps) -> None:
    rsps.add("GET", f"{HUB_URL}/core/projects", json=EMPTY_PAGE)
    moment = datetime(2026, 11, 28, 16, 47, 10, 123456, tzinfo=timezone(timedelta(hours=1)))
    hub = make_hub(CURRENT_VERSION)
    list(Project.objects.using(hub).filter(name="p", id__in=[uuid.UUID(REALM_ID)]))
    query = dict(parse_qsl(urlsplit(rsps.calls[0].request.url).query))
    assert query["filter[id]"] == REALM_ID
    with pytest.raises(QueryError, match="naive datetime"):
        list(Project.objects.using(hub).filter(name__gt=datetime(2026, 1, 1)))
    from flamehub.resources.convert import format_datetime

    assert format_datetime(moment) == "2026-11-28T15:47:10.123Z"


def test_enum_values_go_on_the_wire_as_their_value(rsps) -> None:
    rsps.add(
        "POST",
        NODES,
        json={"data": {"id": REALM_ID, "name": "a", "type": "aggregator"}, "meta": {}},
        status=201,
    )
    node = Node.objects.using(make_hub(CURRENT_VERSION)).create(name="a", type=NodeType.AGGREGATOR)
    assert rsps.calls[0].request.body == b'{"name": "a", "type": "aggregator"}'
    assert node.type is NodeType.AGGREGATOR


# -- the expression dialect (current Hubs) -----------------------------------------


@pytest.mark.parametrize(
    ("builder", "expression"),
    [
        (lambda qs: qs.filter(Q(name="a") | Q(hidden=True)), "or(eq(name,'a'),eq(hidden,'true'))"),
        (
            lambda qs: qs.filter(~Q(name="a", hidden=True)),
            "not(and(eq(hidden,'true'),eq(name,'a')))",
        ),
        (lambda qs: qs.exclude(name="a", hidden=True), "not(and(eq(hidden,'true'),eq(name,'a')))"),
        (
            lambda qs: qs.filter(name__startswith="a").filter(name__endswith="z"),
            "and(startsWith(name,'a'),endsWith(name,'z'))",
        ),
        (lambda qs: qs.filter(name="it's, here"), "eq(name,'it''s, here')"),
        (lambda qs: qs.filter(name__in=["a,b", "c"]), "in(name,'a,b','c')"),
        (
            lambda qs: qs.filter(Q(robot_id=None) | Q(name__contains="x")),
            "or(eq(robotId,'null'),contains(name,'x'))",
        ),
        (
            lambda qs: qs.filter(Q(robot_id__isnull=False) | Q(name="!x")),
            "or(not(eq(robotId,'null')),eq(name,'!x'))",
        ),
        (lambda qs: qs.exclude(name__lt="m"), "not(lt(name,'m'))"),
        (lambda qs: qs.filter(name="~tilde"), "eq(name,'~tilde')"),
    ],
)
def test_expression_dialect(rsps, builder, expression) -> None:
    params = run(CURRENT_VERSION, builder, rsps)
    assert params == [("codec", "url-expression"), ("filter", expression)]


@pytest.mark.parametrize(
    "builder",
    [
        lambda qs: qs.filter(Q(name="a") | Q(hidden=True)),
        lambda qs: qs.exclude(name="a", hidden=True),
        lambda qs: qs.filter(name__startswith="a").filter(name__gt="b"),
        lambda qs: qs.filter(name="a,b"),
        lambda qs: qs.filter(name="!x"),
        lambda qs: qs.filter(name="x~"),
        lambda qs: qs.exclude(name__lt="m"),
    ],
)
def test_legacy_refuses_what_only_expressions_can_say(builder) -> None:
    with pytest.raises(QueryError, match="Hub 0.8.13"):
        list(builder(Node.objects.using(make_hub(LEGACY_VERSION))))


# -- refusals before any request ---------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "message"),
    [
        (lambda qs: qs.filter(type="aggregator"), "cannot filter Node by 'type'"),
        (lambda qs: qs.filter(registry_id=None), "cannot filter Node by 'registry_id'"),
        (lambda qs: qs.filter(colour="red"), "Node has no field 'colour'"),
        (lambda qs: qs.filter(name__regex="x"), "unsupported lookup 'regex' on Node.name"),
        (lambda qs: qs.filter(name=""), "empty values"),
        (lambda qs: qs.filter(name="null"), "reads this string as null"),
        (lambda qs: qs.filter(name="True"), "reads this string as true"),
        (lambda qs: qs.filter(name="007"), "numeric-looking"),
        (lambda qs: qs.filter(name="1e3"), "numeric-looking"),
        (lambda qs: qs.filter(hidden="yes"), "is a boolean"),
        (lambda qs: qs.filter(hidden__gt=True), "is a boolean"),
        (lambda qs: qs.filter(realm_id="not-a-uuid"), "is not a UUID"),
        (lambda qs: qs.filter(hidden__contains="x"), "not a text field"),
        (lambda qs: qs.filter(name__in="abc"), "takes a list"),
        (lambda qs: qs.filter(name__isnull="yes"), "takes True or False"),
        (lambda qs: qs.filter(name__gt=None), "use name__isnull"),
        (lambda qs: qs.order_by("type"), "cannot order Node by 'type'"),
        (lambda qs: qs.order_by("colour"), "has no field 'colour' to order by"),
        (lambda qs: qs.include("realm"), "cannot include 'realm'"),
        (lambda qs: qs.only("colour"), "cannot select field 'colour'"),
    ],
)
def test_bad_input_fails_locally(version, builder, message) -> None:
    hub = make_hub(version)  # no responses mock: any request would fail loudly
    with pytest.raises(QueryError, match=message):
        list(builder(Node.objects.using(hub)))


def test_legacy_like_wildcards_are_refused_in_startswith() -> None:
    hub = make_hub(LEGACY_VERSION)
    with pytest.raises(QueryError, match="SQL wildcards"):
        list(Node.objects.using(hub).filter(name__startswith="node_"))
    with pytest.raises(QueryError, match="SQL wildcards"):
        list(Node.objects.using(hub).filter(name__contains="50%"))


def test_current_keeps_underscore_literal(rsps) -> None:
    assert run(CURRENT_VERSION, lambda qs: qs.filter(name__startswith="node_"), rsps) == [
        ("filter[name]", "node_~")
    ]


def test_empty_in_list_sends_nothing(version) -> None:
    qs = Node.objects.using(make_hub(version)).filter(name__in=[])
    assert list(qs) == []
    assert qs.count() == 0
    assert not qs.exists()


def test_authup_refuses_multi_key_sort(rsps) -> None:
    hub = make_hub(CURRENT_VERSION)
    with pytest.raises(QueryError, match="sorts by one key only"):
        list(Realm.objects.using(hub).order_by("name", "-created_at"))
    rsps.add("GET", f"{HUB_URL}/auth/realms", json=EMPTY_PAGE)
    list(Realm.objects.using(hub).order_by("-name"))
    assert "sort=-name" in rsps.calls[0].request.url


def test_numbers_in_canonical_form_pass(rsps) -> None:
    assert run(CURRENT_VERSION, lambda qs: qs.filter(name="42"), rsps) == [("filter[name]", "42")]


# -- the lookup table ----------------------------------------------------------------


def test_every_lookup_declares_both_like_syntaxes_and_q_parses_its_name() -> None:
    from flamehub.query.lookups import LOOKUPS, RAPIQ0, RAPIQ2
    from flamehub.query.q import Condition

    assert set(LOOKUPS) == {
        "exact", "in", "isnull", "startswith", "endswith", "contains", "like",
        "gt", "gte", "lt", "lte",
    }  # fmt: skip
    for name, lookup in LOOKUPS.items():
        assert lookup.name == name
        assert set(lookup.brackets) == {RAPIQ0, RAPIQ2}, name
        assert Condition.parse(f"name__{name}", "x").lookup == name


def test_a_lookup_is_added_in_one_place(rsps) -> None:
    """One registered class is enough for Q, both wire forms and the kind check."""
    from flamehub.query import lookups

    @lookups.register_lookup
    class NotPrefix(lookups.TextLookup):
        name = "notprefix"
        brackets = {lookups.RAPIQ0: ("!~{}", None), lookups.RAPIQ2: ("!{}~", None)}
        expression = "notStartsWith"

    try:
        assert run(CURRENT_VERSION, lambda qs: qs.filter(name__notprefix="a"), rsps) == [
            ("filter[name]", "!a~")
        ]
        hub = make_hub(CURRENT_VERSION)
        list(Node.objects.using(hub).filter(Q(name__notprefix="a") | Q(hidden=True)))
        assert ("filter", "or(notStartsWith(name,'a'),eq(hidden,'true'))") in parse_qsl(
            urlsplit(rsps.calls[-1].request.url).query
        )
        with pytest.raises(QueryError, match="not a text field: notprefix"):
            list(Node.objects.using(hub).filter(hidden__notprefix="a"))
    finally:
        del lookups.LOOKUPS["notprefix"]
