"""The ``search`` parser (one row per grammar rule and error) and the like/ilike lookups."""

from __future__ import annotations

import operator
from functools import reduce

import pytest
from django.contrib.auth.models import User
from django.db.models import CharField, Q, TextField

from fleetmanager.query.lookups import ILike, Like
from fleetmanager.query.search import SearchError, parse_search

COLUMNS = {
    "region": "region",
    "name": "name",
    "cloud_provider": "cloud_provider",
    "status": "status",
    "owner": "owner",
    "cluster_id": "cluster__cluster_id",
    "instance_type": "instance_type",
}
VALID_COLUMNS = "[region name cloud_provider status owner cluster_id instance_type]"


def _joined(count: int, join: str = "and") -> str:
    return f" {join} ".join(f"name = v{i}" for i in range(count + 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", Q(), id="empty matches all"),
        pytest.param("  \t ", Q(), id="blank matches all"),
        pytest.param("name = my-kafka", Q(name="my-kafka"), id="equals unquoted"),
        pytest.param("name=my-kafka", Q(name="my-kafka"), id="operator needs no spaces"),
        pytest.param("owner <> 'bob'", ~Q(owner="bob"), id="not equals quoted"),
        pytest.param("owner<>bob", ~Q(owner="bob"), id="not equals without spaces"),
        pytest.param("name like %kafka%", Q(name__like="%kafka%"), id="like keeps wildcards"),
        pytest.param("name LiKe 'my_%'", Q(name__like="my_%"), id="like is case-insensitive"),
        pytest.param("name ILIKE '%KAFKA'", Q(name__ilike="%KAFKA"), id="ilike"),
        pytest.param("status in (ready, failed)", Q(status__in=["ready", "failed"]), id="in list"),
        pytest.param("status IN ('a b',c)", Q(status__in=["a b", "c"]), id="in list with quoted item"),
        pytest.param("status in (ready)", Q(status__in=["ready"]), id="in list of one"),
        pytest.param("status not in (ready, failed)", ~Q(status__in=["ready", "failed"]), id="not in"),
        pytest.param("status NOT IN (x)", ~Q(status__in=["x"]), id="not in uppercase"),
        pytest.param("NAME = x", Q(name="x"), id="column is case-insensitive"),
        pytest.param("cluster_id = abc", Q(cluster__cluster_id="abc"), id="column maps to orm field"),
        pytest.param("name = 'it\\'s'", Q(name="it's"), id="escaped quote"),
        pytest.param("name = ''", Q(name=""), id="empty quoted value"),
        pytest.param("name = ' a (b), c=d '", Q(name=" a (b), c=d "), id="quoted value keeps specials"),
        pytest.param("name = 'a\\b'", Q(name="a\\b"), id="backslash without quote is literal"),
        pytest.param("name = 'x\\' or 1=1'", Q(name="x' or 1=1"), id="injection inside quotes is a literal"),
        pytest.param("name = and", Q(name="and"), id="keyword in value position is a value"),
        pytest.param(
            "name = my-kafka and cloud_provider = aws",
            Q(name="my-kafka") & Q(cloud_provider="aws"),
            id="and",
        ),
        pytest.param(
            "name like %kafka% or region = us-east-1",
            Q(name__like="%kafka%") | Q(region="us-east-1"),
            id="or",
        ),
        pytest.param(
            "cloud_provider = aws and status = accepted and name <> foo",
            Q(cloud_provider="aws") & Q(status="accepted") & ~Q(name="foo"),
            id="chained and",
        ),
        pytest.param(
            "name = a AND name = b Or name = c and name = d",
            (Q(name="a") & Q(name="b")) | (Q(name="c") & Q(name="d")),
            id="and binds tighter than or",
        ),
        pytest.param(
            "(name = a or name = b) and region = x",
            (Q(name="a") | Q(name="b")) & Q(region="x"),
            id="parentheses group",
        ),
        pytest.param(
            "((name = a)) or (region = x and (owner = y or owner = z))",
            Q(name="a") | (Q(region="x") & (Q(owner="y") | Q(owner="z"))),
            id="nested parentheses",
        ),
        pytest.param(
            "status in (a, b) and owner = c",
            Q(status__in=["a", "b"]) & Q(owner="c"),
            id="join after in list",
        ),
        pytest.param(
            _joined(10),
            reduce(operator.and_, [Q(name=f"v{i}") for i in range(11)]),
            id="ten joins allowed",
        ),
        pytest.param(
            _joined(8) + " and status not in (x)",
            reduce(operator.and_, [Q(name=f"v{i}") for i in range(9)]) & ~Q(status__in=["x"]),
            id="ten joins counting not allowed",
        ),
    ],
)
def test_parse_search(text: str, expected: Q) -> None:
    assert parse_search(text, COLUMNS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "badcolumn = test",
            f"[1] error parsing the filter: invalid column name: 'badcolumn', valid values are: {VALID_COLUMNS}",
            id="invalid column",
        ),
        pytest.param(
            "name = a or Bad_Col = b",
            f"[13] error parsing the filter: invalid column name: 'Bad_Col', valid values are: {VALID_COLUMNS}",
            id="invalid column keeps spelling",
        ),
        pytest.param("=", "[1] error parsing the filter: unexpected token `=`", id="start needs column"),
        pytest.param("1name = x", "[1] error parsing the filter: unexpected token `1name`", id="column syntax"),
        pytest.param("name == x", "[6] error parsing the filter: unexpected token `==`", id="unknown operator"),
        pytest.param("name > x", "[6] error parsing the filter: unexpected token `>`", id="no comparisons"),
        pytest.param("name is x", "[6] error parsing the filter: unexpected token `is`", id="unknown keyword"),
        pytest.param("name not = x", "[10] error parsing the filter: unexpected token `=`", id="not needs in"),
        pytest.param("name in a", "[9] error parsing the filter: unexpected token `a`", id="in needs list"),
        pytest.param("name in ()", "[10] error parsing the filter: unexpected token `)`", id="empty list"),
        pytest.param("name in (a b)", "[12] error parsing the filter: unexpected token `b`", id="list needs commas"),
        pytest.param("name in (a,,b)", "[12] error parsing the filter: unexpected token `,`", id="list item missing"),
        pytest.param("name = (x)", "[8] error parsing the filter: unexpected token `(`", id="value not a group"),
        pytest.param("name = a,b", "[9] error parsing the filter: unexpected token `,`", id="comma outside list"),
        pytest.param("name = x y", "[10] error parsing the filter: unexpected token `y`", id="value needs join"),
        pytest.param("name = x and )", "[14] error parsing the filter: unexpected token `)`", id="join needs column"),
        pytest.param(
            "name = x and or",
            f"[14] error parsing the filter: invalid column name: 'or', valid values are: {VALID_COLUMNS}",
            id="keyword in column position is a column",
        ),
        pytest.param("() ", "[2] error parsing the filter: unexpected token `)`", id="empty group"),
        pytest.param("name='test'123'", "[12] error parsing the filter: unexpected token `123`", id="unescaped quote"),
        pytest.param("name = 'abc", "[8] error parsing the filter: unexpected token `'abc`", id="unterminated quote"),
        pytest.param(
            "name = 'abc\\'",
            "[8] error parsing the filter: unexpected token `'abc\\'`",
            id="escaped closing quote leaves string open",
        ),
        pytest.param(
            "name = x' or 1=1",
            "[9] error parsing the filter: unexpected token `' or 1=1`",
            id="injection after value",
        ),
        pytest.param(
            "name = 'x'' or 1=1'",
            "[11] error parsing the filter: unexpected token `' or 1=1'`",
            id="injection with doubled quote",
        ),
        pytest.param("name = 'é' x", "[12] error parsing the filter: unexpected token `x`", id="position in chars"),
        pytest.param("name = a)", "[9] error parsing the filter: unexpected ')'", id="unbalanced close"),
        pytest.param("(name = a))", "[11] error parsing the filter: unexpected ')'", id="extra close"),
        pytest.param(
            _joined(11),
            "[152] error parsing the filter: maximum number of permitted joins (10) exceeded",
            id="eleven joins",
        ),
        pytest.param(
            _joined(9, "or") + " or status not in (x)",
            "[138] error parsing the filter: maximum number of permitted joins (10) exceeded",
            id="not counts as a join",
        ),
        pytest.param("(name = a", "EOF while searching for closing brace ')'", id="unclosed group"),
        pytest.param("((name = a)", "EOF while searching for closing brace ')'", id="unclosed outer group"),
        pytest.param("name", "EOF encountered while parsing string", id="eof after column"),
        pytest.param("name =", "EOF encountered while parsing string", id="eof after operator"),
        pytest.param("name not", "EOF encountered while parsing string", id="eof after not"),
        pytest.param("name in (a,", "EOF encountered while parsing string", id="eof inside list"),
        pytest.param("name = a and ", "EOF encountered while parsing string", id="eof after join"),
        pytest.param("(", "EOF encountered while parsing string", id="eof after open"),
    ],
)
def test_parse_search_errors(text: str, message: str) -> None:
    with pytest.raises(SearchError) as caught:
        parse_search(text, COLUMNS)
    assert str(caught.value) == message


def test_search_error_is_a_value_error_with_parts() -> None:
    with pytest.raises(ValueError, match="unexpected token") as caught:
        parse_search("name = x y", COLUMNS)
    assert (caught.value.position, caught.value.reason) == (10, "unexpected token `y`")


def test_lookups_are_registered_on_text_fields() -> None:
    for field in (CharField, TextField):
        assert field.get_lookups()["like"] is Like
        assert field.get_lookups()["ilike"] is ILike


@pytest.fixture
def usernames(db: None) -> None:
    for username in ("my-kafka", "MY-KAFKA", "other", "100%"):
        User.objects.create(username=username)


def _matching(**lookup: str) -> set[str]:
    return set(User.objects.filter(**lookup).values_list("username", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lookup", "expected"),
    [
        pytest.param({"username__like": "my%"}, {"my-kafka"}, id="like prefix is case-sensitive"),
        pytest.param({"username__like": "MY%"}, {"MY-KAFKA"}, id="like uppercase prefix"),
        pytest.param({"username__like": "%kafka"}, {"my-kafka"}, id="like suffix"),
        pytest.param({"username__like": "my_kafka"}, {"my-kafka"}, id="underscore matches one char"),
        pytest.param({"username__like": "ot__r"}, {"other"}, id="two underscores"),
        pytest.param({"username__like": "other"}, {"other"}, id="no wildcard is exact"),
        pytest.param({"username__like": "othe"}, set(), id="no implicit wildcards"),
        pytest.param({"username__like": "%\\%"}, {"100%"}, id="backslash escapes a wildcard"),
        pytest.param({"username__ilike": "%KAFKA"}, {"my-kafka", "MY-KAFKA"}, id="ilike suffix"),
        pytest.param({"username__ilike": "my-kafka"}, {"my-kafka", "MY-KAFKA"}, id="ilike without wildcard"),
        pytest.param({"username__ilike": "O%"}, {"other"}, id="ilike prefix"),
        pytest.param({"username__like": "x' or 1=1"}, set(), id="quote in like is data"),
        pytest.param({"username__like": "%' OR '1'='1"}, set(), id="injection in like is data"),
        pytest.param({"username__ilike": "x' or 1=1 --"}, set(), id="quote in ilike is data"),
    ],
)
def test_like_lookups_against_database(usernames: None, lookup: dict[str, str], expected: set[str]) -> None:
    assert _matching(**lookup) == expected


def test_like_pattern_is_a_bound_parameter_unchanged() -> None:
    sql, params = User.objects.filter(username__like="my\\%_x").query.sql_with_params()
    assert "my\\%_x" in params
    assert "my" not in sql


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("name like 'my%' or name = other", {"my-kafka", "other"}, id="like or equals"),
        pytest.param("name ilike '%kafka' and name <> MY-KAFKA", {"my-kafka"}, id="ilike and not equals"),
        pytest.param("name not in (other, '100%')", {"my-kafka", "MY-KAFKA"}, id="not in"),
        pytest.param("name = 'x\\' or 1=1'", set(), id="quoted injection is a literal"),
        pytest.param("name like 'x\\' or \\'1\\'=\\'1'", set(), id="quoted injection in like is a literal"),
    ],
)
def test_parsed_search_against_database(usernames: None, text: str, expected: set[str]) -> None:
    users = User.objects.filter(parse_search(text, {"name": "username"}))
    assert set(users.values_list("username", flat=True)) == expected
