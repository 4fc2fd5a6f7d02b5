"""Acknowledgements: ``# remodel: allow[RM101] reason`` in a revision file.

The comment acknowledges findings of the named rules (ids or slugs, comma
separated) on the statement it sits in, or on the statement right below when
it is on a line of its own. An acknowledgement that matches no finding is
reported itself (rule RM001), so stale ones do not pile up.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

_ALLOW = re.compile(r"#\s*remodel:\s*allow\[([^\]]*)\]\s*(.*)$", re.I)
# Any acknowledgement contains this: a file without it needs no tokenizing.
_ANY_ALLOW = re.compile(r"#\s*remodel:\s*allow\[", re.I)


@dataclass
class Acknowledgement:
    line: int
    rules: tuple[str, ...]
    reason: str
    own_line: bool
    used: bool = False

    def names(self, rule_id: str, slug: str) -> bool:
        wanted = {r.strip().upper() for r in self.rules}
        return rule_id.upper() in wanted or slug.upper() in wanted


def acknowledgements(source: str) -> list[Acknowledgement]:
    found: list[Acknowledgement] = []
    if not _ANY_ALLOW.search(source):
        return found
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return found
    code_lines = {
        t.start[0]
        for t in tokens
        if t.type
        not in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENCODING,
            tokenize.ENDMARKER,
        )
    }
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = _ALLOW.search(token.string)
        if match is None:
            continue
        rules = tuple(r.strip() for r in match.group(1).split(",") if r.strip())
        line = token.start[0]
        found.append(Acknowledgement(line, rules, match.group(2).strip(), line not in code_lines))
    return found


def statement_spans(source: str) -> list[tuple[int, int]]:
    """(first, last) line of every simple statement (not ``with``/``def`` blocks)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not hasattr(node, "body"):
            spans.append((node.lineno, node.end_lineno or node.lineno))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            spans.append((node.lineno, node.body[0].lineno - 1 if node.body else node.lineno))
    return spans


def span_of(line: int, spans: list[tuple[int, int]]) -> tuple[int, int]:
    best = (line, line)
    for first, last in spans:
        if first <= line <= last and (best == (line, line) or last - first < best[1] - best[0]):
            best = (first, last)
    return best


def match(
    rule_id: str,
    slug: str,
    line: int,
    acks: list[Acknowledgement],
    spans: list[tuple[int, int]],
) -> Acknowledgement | None:
    """The acknowledgement covering a finding of rule *rule_id* (*slug*) on *line*, if any."""
    first, last = span_of(line, spans)
    for ack in acks:
        if not ack.names(rule_id, slug):
            continue
        if first <= ack.line <= last or (ack.own_line and ack.line == first - 1):
            ack.used = True
            return ack
    return None
