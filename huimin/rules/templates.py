"""A rule's text templates: ``summary`` (疑点描述) and ``verify`` (核查要点).

A template is plain text with ``{placeholder}`` fields, e.g.
``{name}在{deaths.death_date}死亡后仍领取{project}{months}个月，共{total}元``. A placeholder is a
name, nothing more: no expressions, no format specifications. The loader checks each one
(:func:`template_problems`, :func:`placeholders`); :func:`render` fills them in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from huimin.rules.yamlsrc import suggest

#: shown where a placeholder has no value
MISSING = "（无）"
#: the fields every rule's template may use (``member.*`` only for household rules)
BASE_FIELDS = (
    "name",
    "subject_kind",
    "street",
    "organization",
    "project",
    "periods",
    "months",
    "total",
)
MEMBER_FIELDS = ("member.name", "member.relation", "members")
_FIELD = re.compile(r"\{([^{}]*)\}")


def placeholders(template: str) -> list[str]:
    """The placeholders of a template, in order of first use (each once)."""
    return list(dict.fromkeys(match.group(1) for match in _FIELD.finditer(template)))


def template_problems(template: str) -> list[str]:
    """What is wrong with the braces of a template (empty if nothing): a ``{`` without its
    ``}``, a ``}`` without its ``{``, an empty ``{}``."""
    problems: list[str] = []
    depth_open: int | None = None
    for index, char in enumerate(template):
        if char == "{":
            if depth_open is not None:
                problems.append(_unclosed(template, depth_open))
            depth_open = index
        elif char == "}":
            if depth_open is None:
                problems.append(f"a '}}' without its '{{' (after '{_before(template, index)}')")
            elif index == depth_open + 1:
                problems.append("an empty placeholder '{}': write a name between the braces")
            depth_open = None if char == "}" else depth_open
    if depth_open is not None:
        problems.append(_unclosed(template, depth_open))
    return problems


def _before(template: str, index: int) -> str:
    return template[max(0, index - 12) : index]


def _unclosed(template: str, index: int) -> str:
    shown = template[index : index + 16]
    return f"a '{{' without its '}}' (at '{shown}'): close the placeholder"


def template_issues(
    template: str, parameters: Sequence[str], evidence: Sequence[str], household: bool
) -> list[tuple[str, str | None]]:
    """What is wrong with a rule's template (message, suggestion): its braces, then each
    placeholder that is none of the fields a clue has: :data:`BASE_FIELDS`, ``member.*``
    (household rules), ``param.<name>`` of the file's ``parameters`` and the rule's evidence."""
    broken = template_problems(template)
    if broken:
        return [(problem, None) for problem in broken]
    fields = [
        *BASE_FIELDS,
        *(MEMBER_FIELDS if household else ()),
        *(f"param.{name}" for name in parameters),
        *evidence,
    ]
    allowed = list(dict.fromkeys(fields))
    out: list[tuple[str, str | None]] = []
    for name in placeholders(template):
        if name in allowed:
            continue
        if name in MEMBER_FIELDS:
            message = f"placeholder '{{{name}}}' exists only for household rules (scope: household)"
            out.append((message, None))
            continue
        message = f"unknown placeholder '{{{name}}}'; allowed: the fields "
        message += ", ".join(BASE_FIELDS)
        message += ", param.<name> of the file's parameters and the rule's evidence"
        best = suggest(name, allowed)
        out.append((message, f"{{{best}}}" if best else None))
    return out


def render(template: str, values: Mapping[str, str]) -> str:
    """The template with each placeholder replaced by its value (``（无）`` if it has none; an
    empty text stays empty, so an optional note can be written as a CASE with ``''``)."""

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return MISSING if value is None else value

    return _FIELD.sub(fill, template)
