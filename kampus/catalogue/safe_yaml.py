"""Catalogue YAML read in one pass: the safety checks and the building of the values walk the
same stream of parser events.

libyaml's C composer recurses (a file of a few thousand ``[`` would crash it) and expands
aliases, so the catalogue never lets it build nodes. :func:`load_yaml` reads the events of
libyaml's parser (PyYAML's own without it) itself, refuses anchors, aliases, merge keys,
tags on collections and nesting deeper than :data:`MAX_DEPTH` at the first offending event,
before anything is expanded, and builds the plain mappings, lists and scalars of the format
with a loop and a stack of its own. Scalars are resolved as :func:`yaml.safe_load` resolves
them (the same resolver and constructors), so a document within those rules gives exactly
what ``safe_load`` gives.
"""

from __future__ import annotations

from collections.abc import Hashable

import yaml
from flask_babel import gettext as _
from yaml.constructor import ConstructorError

#: Collections nested deeper than this are refused before anything is built (the format needs about 7).
MAX_DEPTH = 20
# libyaml's parser when it is installed (fast), else PyYAML's own.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"
_PLAIN_TAGS = {
    yaml.MappingStartEvent: (None, "!", "tag:yaml.org,2002:map"),
    yaml.SequenceStartEvent: (None, "!", "tag:yaml.org,2002:seq"),
}
# Values of resolved scalars that are the same whatever node they come from (a cache may share them).
_SHAREABLE = (int, float, bool, type(None))
_NO_KEY = object()


class UnsafeYAML(yaml.YAMLError):
    """The text uses a YAML feature the catalogue refuses (aliases, anchors, deep nesting)."""

    def __init__(self, problem: str, mark):
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _Mapping:
    """A mapping being built: its dict and the key read and waiting for its value."""

    __slots__ = ("value", "key")

    def __init__(self):
        self.value: dict = {}
        self.key = _NO_KEY


def load_yaml(text: str):
    """The single YAML document in ``text`` (None for an empty one), read in one pass.

    Raises :class:`UnsafeYAML` for an anchor, an alias, a merge key (``<<``) or nesting deeper
    than :data:`MAX_DEPTH`, and :class:`yaml.YAMLError` for malformed YAML, a tag no safe
    constructor knows (or any tag on a mapping or list), an unhashable key or a second document:
    every one a :class:`yaml.YAMLError` with ``problem`` and ``problem_mark``.
    """
    parser = _Loader(text)
    try:
        return _build(parser)
    finally:
        parser.dispose()


def _build(parser):
    parser.get_event()  # StreamStartEvent
    if parser.check_event(yaml.StreamEndEvent):
        parser.get_event()
        return None
    parser.get_event()  # DocumentStartEvent
    stack: list = []  # the open collections: lists and _Mapping frames
    starts: list = []  # where each of them starts
    scalars: dict = {}  # (tag, text) -> value, for the values that may be shared
    root = root_mark = None
    while True:
        event = parser.get_event()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor is not None:
                raise _alias_error(event)
            value = _scalar(parser, event, scalars, as_key=bool(stack) and _awaits_key(stack[-1]))
            mark = event.start_mark
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.anchor is not None:
                raise _alias_error(event)
            if event.tag not in _PLAIN_TAGS[kind]:
                raise ConstructorError(
                    None, None, f"could not determine a constructor for the tag {event.tag!r}", event.start_mark
                )
            if len(stack) >= MAX_DEPTH:
                raise UnsafeYAML(_("nested deeper than %(num)d levels", num=MAX_DEPTH), event.start_mark)
            stack.append(_Mapping() if kind is yaml.MappingStartEvent else [])
            starts.append(event.start_mark)
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frame = stack.pop()
            value = frame.value if isinstance(frame, _Mapping) else frame
            mark = starts.pop()
        elif kind is yaml.AliasEvent:
            raise _alias_error(event)
        else:  # DocumentEndEvent: the one document is complete
            break
        if not stack:
            root, root_mark = value, mark
            continue
        parent = stack[-1]
        if type(parent) is list:
            parent.append(value)
        elif parent.key is _NO_KEY:
            if not isinstance(value, Hashable):
                raise ConstructorError("while constructing a mapping", starts[-1], "found unhashable key", mark)
            parent.key = value
        else:
            parent.value[parent.key] = value
            parent.key = _NO_KEY
    if not parser.check_event(yaml.StreamEndEvent):
        event = parser.get_event()
        raise yaml.composer.ComposerError(
            "expected a single document in the stream", root_mark, "but found another document", event.start_mark
        )
    return root


def _awaits_key(frame) -> bool:
    return type(frame) is _Mapping and frame.key is _NO_KEY


def _scalar(parser, event, cache: dict, *, as_key: bool):
    """A scalar's value as :func:`yaml.safe_load` makes it: the composer's tag resolution, then the
    safe constructor of that tag (texts directly, the few shared values from ``cache``)."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = parser.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _STR or (as_key and tag == _VALUE):  # "=" as a key is the text "=" (SafeConstructor)
        return event.value
    if tag == _MERGE and as_key:
        raise UnsafeYAML(_("merge keys (<<) are not allowed; write each value out"), event.start_mark)
    key = (tag, event.value)
    if key in cache:
        return cache[key]
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    value = parser.construct_object(node, deep=True)
    parser.constructed_objects.clear()
    if isinstance(value, _SHAREABLE):
        cache[key] = value
    return value


def _alias_error(event) -> UnsafeYAML:
    return UnsafeYAML(_("anchors and aliases (& and *) are not allowed; write each value out"), event.start_mark)
