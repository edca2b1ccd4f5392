"""A mapping's derived column: one scalar SQL expression over a source row, validated and rewritten.

The expression is split with DuckDB's own tokenizer and rebuilt token by token from an
allow-list: keywords, function names and type names from fixed sets, operators, plain
numbers, source columns (replaced by the internal column names the loader gave them)
and string literals (replaced by bound parameters). Nothing the person typed reaches
DuckDB verbatim, and nothing can read a file, run a subquery or aggregate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import duckdb


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


KEYWORDS = words(
    "case when then else end and or not in is null between like ilike cast try_cast as interval"
    " true false distinct"
)
FUNCTIONS = words(
    """
    lower upper trim ltrim rtrim replace substring substr left right length concat concat_ws
    split_part regexp_replace regexp_extract regexp_matches contains starts_with ends_with prefix
    suffix lpad rpad strip_accents reverse repeat instr md5 printf format
    coalesce nullif ifnull if greatest least
    abs round floor ceil ceiling trunc sign mod power pow sqrt ln log exp
    strptime try_strptime strftime date_trunc date_part datepart date_diff datediff date_add date_sub
    make_date make_timestamp to_days to_hours to_minutes to_weeks to_months to_years to_timestamp
    epoch last_day dayname monthname year month day week isodow dayofweek
    """
)
TYPES = words(
    "integer int bigint smallint double float real decimal numeric varchar text date timestamp"
    " boolean bool time"
)
UNITS = words("day days week weeks month months year years hour hours minute minutes second seconds")
OPERATORS = words("( ) , + - * / % || = == <> != < > <= >= ::")
ORDERING = words("< > <= >= between")
NUMBER = re.compile(r"^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
INTERVAL_TEXT = re.compile(r"^\s*\d+\s+(day|week|month|year|hour|minute|second)s?\s*$", re.IGNORECASE)


class ExpressionError(ValueError):
    """Why an expression was refused, naming the token that was."""


@dataclass(frozen=True)
class Expression:
    """The rebuilt SQL, the values its `$name` parameters bind, and the source columns it reads."""

    sql: str
    params: dict[str, str]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


Resolve = Callable[[str, bool], str | None]
"""(name as written, was it quoted) -> the source column it names, or None."""


def tokens(text: str) -> list[Token]:
    """DuckDB's tokens with their text; comments are dropped."""
    try:
        found = duckdb.tokenize(text)
    except Exception as exc:  # the tokenizer raises plain RuntimeError on unterminated quotes
        raise ExpressionError(f"cannot be read as SQL: {exc}") from exc
    out: list[Token] = []
    for i, (start, kind) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        piece = text[start:end].strip()
        name = kind.name
        if name == "comment":
            continue
        if name == "operator":
            out.extend(Token("operator", op) for op in split_operators(piece))
        else:
            out.append(Token(name, piece))
    return out


def split_operators(piece: str) -> list[str]:
    """The tokenizer may glue punctuation ('),' or '((' ); split it into the operators we know."""
    found: list[str] = []
    rest = piece.replace(" ", "")
    while rest:
        for size in (2, 1):
            if rest[:size] in OPERATORS:
                found.append(rest[:size])
                rest = rest[size:]
                break
        else:
            raise ExpressionError(f"operator '{rest}' is not allowed")
    return found


def unquote(text: str) -> tuple[str, bool]:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"'), True
    return text, False


def compile_expression(text: str, resolve: Resolve, prefix: str) -> Expression:
    """Validate `text` and rebuild it; `resolve` turns a column name into its internal name."""
    items = tokens(text)
    if not items:
        raise ExpressionError("is empty")
    out: list[str] = []
    params: dict[str, str] = {}
    columns: list[str] = []
    depth = 0
    for i, token in enumerate(items):
        before = items[i - 1] if i else None
        after = items[i + 1] if i + 1 < len(items) else None
        word = token.text.lower()
        if token.kind == "operator":
            depth += {"(": 1, ")": -1}.get(token.text, 0)
            if depth < 0:
                raise ExpressionError("has a ')' without its '('")
            if word in ORDERING:
                text_comparison(items, i)
            out.append(token.text)
        elif token.kind == "numeric_const":
            if not NUMBER.match(token.text):
                raise ExpressionError(f"number {token.text} is not a plain decimal number")
            out.append(token.text)
        elif token.kind == "string_const":
            out.append(string(token.text, before, params, prefix))
        elif type_name(before, word) or unit(items, i, word):
            out.append(word)
        elif after is not None and after.text == "(":
            out.append(call(token, word))
        elif token.kind == "keyword":
            if word not in KEYWORDS:
                raise ExpressionError(f"'{token.text}' is not allowed in a mapping expression")
            if word == "between":
                text_comparison(items, i)
            out.append(word)
        else:
            name, quoted = unquote(token.text)
            internal = resolve(name, quoted)
            if internal is None:
                raise ExpressionError(f"column '{name}' is not in the file")
            columns.append(name)
            out.append(internal)
    if depth:
        raise ExpressionError("has a '(' without its ')'")
    return Expression(" ".join(out), params, tuple(dict.fromkeys(columns)))


def call(token: Token, word: str) -> str:
    """A name before '(' is an allowed function, or a keyword such as `in (` or `cast (`."""
    if token.kind == "identifier" and token.text.startswith('"'):
        raise ExpressionError(f"{token.text} followed by '(' is not a column; only plain function names are")
    if word in FUNCTIONS or (token.kind == "keyword" and word in KEYWORDS):
        return word
    raise ExpressionError(f"function {token.text} is not allowed in a mapping expression")


def string(text: str, before: Token | None, params: dict[str, str], prefix: str) -> str:
    """A plain 'quoted' literal becomes a bound parameter; an interval's text is checked and kept."""
    if not (len(text) >= 2 and text[0] == text[-1] == "'"):
        raise ExpressionError(f"text {text} must be written in plain single quotes")
    value = text[1:-1].replace("''", "'")
    if before is not None and before.text.lower() == "interval":
        if not INTERVAL_TEXT.match(value):
            raise ExpressionError(f"interval '{value}' must look like '3 days'")
        return "'" + value.strip().lower() + "'"
    name = f"{prefix}{len(params) + 1}"
    params[name] = value
    return f"${name}"


def type_name(before: Token | None, word: str) -> bool:
    return before is not None and before.text.lower() in ("::", "as") and word in TYPES


def unit(items: list[Token], i: int, word: str) -> bool:
    """`day` in `interval 3 day`."""
    return (
        word in UNITS
        and i >= 2
        and items[i - 1].kind == "numeric_const"
        and items[i - 2].text.lower() == "interval"
    )


def text_comparison(items: list[Token], i: int) -> None:
    """Source columns are text, and '10' < '9' as text: refuse a column compared without a cast."""
    before = items[i - 1] if i else None
    after = items[i + 1] if i + 1 < len(items) else None
    after_cast = i + 2 < len(items) and items[i + 2].text == "::"
    bare_before = before is not None and is_column(before)
    bare_after = after is not None and is_column(after) and not after_cast
    if bare_before or bare_after:
        column = unquote((before if bare_before else after).text)[0]  # type: ignore[union-attr]
        raise ExpressionError(
            f"compares column '{column}' as text (source columns are text, and '10' < '9'): "
            f'cast it first, e.g. "{column}"::integer or try_cast("{column}" as date)'
        )


def is_column(token: Token) -> bool:
    word = token.text.lower()
    if token.kind == "identifier":
        return word not in TYPES and word not in UNITS
    return False
