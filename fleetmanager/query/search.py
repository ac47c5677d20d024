"""Parse the upstream ``search`` query parameter into a Django ``Q`` object.

Upstream accepts a restricted SQL ``WHERE`` clause (``name = x and region like 'us-%'``)
and validates it with a token-by-token state machine before handing the values to the
ORM as bound parameters. This module keeps that behaviour, including the error messages
clients see, but never produces SQL text: column names are looked up in an allow-list
that maps them to ORM field names, and every value ends up as an ORM lookup value.

Grammar (keywords and column names are case-insensitive)::

    START        -> COLUMN | (
    (            -> ( | COLUMN
    COLUMN       -> = | <> | LIKE | ILIKE | IN | NOT
    NOT          -> IN
    IN           -> ( ITEM [, ITEM]... )
    = <> LIKE ILIKE -> VALUE | QUOTED
    VALUE QUOTED ) -> AND | OR | ) | END
    AND OR       -> COLUMN | (

AND binds tighter than OR; at most 10 ``AND``/``OR``/``NOT`` tokens are allowed.
"""

from __future__ import annotations

import enum
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import Q

import fleetmanager.query.lookups  # noqa: F401  (registers the like/ilike lookups used below)

MAXIMUM_JOINS = 10

_COLUMN_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

# Every character belongs to exactly one alternative, so the token stream covers the input.
# Inside quotes a backslash is literal unless it escapes a quote; the alternatives are
# mutually exclusive so that `'abc\'` cannot backtrack into a terminated string.
_TOKEN_RE = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<comma>,)
    | (?P<quoted>'(?:\\'|\\(?!')|[^'\\])*')
    | (?P<unterminated>'.*)
    | (?P<symbol>[=<>]+)
    | (?P<word>[^\s(),'=<>]+)
    """,
    re.VERBOSE | re.DOTALL,
)


class SearchError(ValueError):
    """An invalid ``search`` expression; ``str()`` is the message shown to the client."""

    def __init__(self, reason: str, position: int | None = None) -> None:
        self.reason = reason
        self.position = position
        message = reason if position is None else f"[{position}] error parsing the filter: {reason}"
        super().__init__(message)


class _Kind(enum.Enum):
    OPEN = "open"
    CLOSE = "close"
    COMMA = "comma"
    QUOTED = "quoted"
    UNTERMINATED = "unterminated"
    SYMBOL = "symbol"
    WORD = "word"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    text: str
    position: int  # 1-based character offset, as reported in error messages

    @property
    def value(self) -> str:
        """The literal a value token stands for: quotes stripped and ``\\'`` unescaped."""
        if self.kind is _Kind.QUOTED:
            return self.text[1:-1].replace("\\'", "'")
        return self.text


def _tokenize(text: str) -> Iterator[_Token]:
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind != "space":
            yield _Token(_Kind(kind), match.group(), match.start() + 1)


class _Terminal(enum.Enum):
    """What a token can stand for; which one applies depends on the parser state."""

    OPEN = enum.auto()
    CLOSE = enum.auto()
    COMMA = enum.auto()
    COLUMN = enum.auto()
    EQ = enum.auto()
    NOT_EQ = enum.auto()
    LIKE = enum.auto()
    ILIKE = enum.auto()
    IN = enum.auto()
    NOT = enum.auto()
    AND = enum.auto()
    OR = enum.auto()
    VALUE = enum.auto()


_KEYWORDS = {
    _Terminal.LIKE: "LIKE",
    _Terminal.ILIKE: "ILIKE",
    _Terminal.IN: "IN",
    _Terminal.NOT: "NOT",
    _Terminal.AND: "AND",
    _Terminal.OR: "OR",
}


def _matches(terminal: _Terminal, token: _Token) -> bool:
    match terminal:
        case _Terminal.OPEN:
            return token.kind is _Kind.OPEN
        case _Terminal.CLOSE:
            return token.kind is _Kind.CLOSE
        case _Terminal.COMMA:
            return token.kind is _Kind.COMMA
        case _Terminal.EQ:
            return token.kind is _Kind.SYMBOL and token.text == "="
        case _Terminal.NOT_EQ:
            return token.kind is _Kind.SYMBOL and token.text == "<>"
        case _Terminal.COLUMN:
            return token.kind is _Kind.WORD and _COLUMN_RE.fullmatch(token.text) is not None
        case _Terminal.VALUE:
            return token.kind in (_Kind.WORD, _Kind.QUOTED)
        case _:
            return token.kind is _Kind.WORD and token.text.upper() == _KEYWORDS[terminal]


class _State(enum.Enum):
    START = enum.auto()
    GROUP_OPEN = enum.auto()
    COLUMN = enum.auto()
    NOT = enum.auto()
    IN = enum.auto()
    LIST_OPEN = enum.auto()
    LIST_ITEM = enum.auto()
    LIST_COMMA = enum.auto()
    OPERATOR = enum.auto()
    OPERAND = enum.auto()  # a complete condition or group: may be followed by AND/OR/)/END
    JOIN = enum.auto()


_FINAL_STATES = frozenset({_State.OPERAND})


@dataclass
class _QueryBuilder:
    """Turns the validated token stream into a ``Q``; the public methods are the transitions' actions.

    Each open group is a disjunction of conjunctions (``[[a, b], [c]]`` is
    ``a AND b OR c``), which gives AND its higher precedence without a second pass.
    """

    columns: Mapping[str, str]
    groups: list[list[list[Q]]] = field(default_factory=lambda: [[[]]])
    joins: int = 0
    field_name: str = ""
    comparison: _Terminal = _Terminal.EQ
    negated: bool = False
    values: list[str] = field(default_factory=list)

    def column(self, token: _Token) -> None:
        name = token.text.lower()
        if name not in self.columns:
            valid = " ".join(self.columns)
            raise SearchError(f"invalid column name: '{token.text}', valid values are: [{valid}]", token.position)
        self.field_name = self.columns[name]
        self.negated = False
        self.values = []

    def compare_with(self, terminal: _Terminal) -> Callable[[_Token], None]:
        def action(token: _Token) -> None:
            self.comparison = terminal

        return action

    def negate(self, token: _Token) -> None:
        self.count_join(token)
        self.negated = True

    def value(self, token: _Token) -> None:
        self.values.append(token.value)

    def single_value_condition(self, token: _Token) -> None:
        self.value(token)
        self._add_condition()

    def list_close(self, token: _Token) -> None:
        self._add_condition()

    def count_join(self, token: _Token) -> None:
        self.joins += 1
        if self.joins > MAXIMUM_JOINS:
            raise SearchError(f"maximum number of permitted joins ({MAXIMUM_JOINS}) exceeded", token.position)

    def or_(self, token: _Token) -> None:
        self.count_join(token)
        self.groups[-1].append([])

    def open_group(self, token: _Token) -> None:
        self.groups.append([[]])

    def close_group(self, token: _Token) -> None:
        if len(self.groups) == 1:
            raise SearchError("unexpected ')'", token.position)
        group = self.groups.pop()
        self.groups[-1][-1].append(_disjunction(group))

    def result(self) -> Q:
        if len(self.groups) > 1:
            raise SearchError("EOF while searching for closing brace ')'")
        return _disjunction(self.groups[0])

    def _add_condition(self) -> None:
        self.groups[-1][-1].append(_condition(self.field_name, self.comparison, self.values, negated=self.negated))


def _condition(field_name: str, terminal: _Terminal, values: list[str], *, negated: bool) -> Q:
    match terminal:
        case _Terminal.EQ:
            return Q(**{field_name: values[0]})
        case _Terminal.NOT_EQ:
            return ~Q(**{field_name: values[0]})
        case _Terminal.LIKE:
            return Q(**{f"{field_name}__like": values[0]})
        case _Terminal.ILIKE:
            return Q(**{f"{field_name}__ilike": values[0]})
        case _:
            condition = Q(**{f"{field_name}__in": list(values)})
            return ~condition if negated else condition


def _disjunction(conjunctions: list[list[Q]]) -> Q:
    return reduce(operator.or_, (reduce(operator.and_, terms) for terms in conjunctions))


Transition = tuple[_Terminal, _State, Callable[[_Token], None]]


def _transitions(builder: _QueryBuilder) -> dict[_State, tuple[Transition, ...]]:
    """The grammar: for each state, the accepted terminals in priority order."""
    T, S = _Terminal, _State
    start_of_condition = ((T.COLUMN, S.COLUMN, builder.column), (T.OPEN, S.GROUP_OPEN, builder.open_group))
    after_operand = (
        (T.AND, S.JOIN, builder.count_join),
        (T.OR, S.JOIN, builder.or_),
        (T.CLOSE, S.OPERAND, builder.close_group),
    )
    return {
        S.START: start_of_condition,
        S.GROUP_OPEN: start_of_condition,
        S.JOIN: start_of_condition,
        S.COLUMN: (
            (T.EQ, S.OPERATOR, builder.compare_with(T.EQ)),
            (T.NOT_EQ, S.OPERATOR, builder.compare_with(T.NOT_EQ)),
            (T.LIKE, S.OPERATOR, builder.compare_with(T.LIKE)),
            (T.ILIKE, S.OPERATOR, builder.compare_with(T.ILIKE)),
            (T.IN, S.IN, builder.compare_with(T.IN)),
            (T.NOT, S.NOT, builder.negate),
        ),
        S.NOT: ((T.IN, S.IN, builder.compare_with(T.IN)),),
        S.IN: ((T.OPEN, S.LIST_OPEN, _ignore),),
        S.LIST_OPEN: ((T.VALUE, S.LIST_ITEM, builder.value),),
        S.LIST_COMMA: ((T.VALUE, S.LIST_ITEM, builder.value),),
        S.LIST_ITEM: ((T.COMMA, S.LIST_COMMA, _ignore), (T.CLOSE, S.OPERAND, builder.list_close)),
        S.OPERATOR: ((T.VALUE, S.OPERAND, builder.single_value_condition),),
        S.OPERAND: after_operand,
    }


def _ignore(token: _Token) -> None:
    """Action for punctuation that only moves the state machine."""


def parse_search(text: str, columns: Mapping[str, str]) -> Q:
    """Parse a ``search`` expression into a ``Q``.

    ``columns`` maps the accepted (lowercase) column names to ORM field names, in the
    order they are listed in the "invalid column name" error. Blank text matches all.
    Raises ``SearchError`` with the upstream message on any invalid input.
    """
    builder = _QueryBuilder(columns)
    transitions = _transitions(builder)
    state = _State.START
    for token in _tokenize(text):
        for terminal, next_state, action in transitions[state]:
            if _matches(terminal, token):
                action(token)
                state = next_state
                break
        else:
            raise SearchError(f"unexpected token `{token.text}`", token.position)
    if state is _State.START:
        return Q()
    if state not in _FINAL_STATES:
        raise SearchError("EOF encountered while parsing string")
    return builder.result()
