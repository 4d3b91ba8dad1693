"""Marshmallow schemas of the API: they validate input, shape output and, through
apispec, are the OpenAPI document (nothing about the API is written twice).

Strings have a maximum length and refuse NUL characters, and ids stay within
the database's integer range, so what passes here is storable on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from marshmallow import fields, validate

from kampus.api.models import SCOPES
from kampus.api.services import MAX_LIMIT
from kampus.catalogue.models import KINDS, LEVELS

MAX_ID = 2**31 - 1
STATUS_FILTERS = ("active", "inactive", "all")


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ma.ValidationError("NUL characters are not allowed.")


def Text(max_length: int, **kwargs) -> fields.String:  # noqa: N802 - a field factory
    return fields.String(validate=[validate.Length(max=max_length), _no_nul], **kwargs)


def Id(**kwargs) -> fields.Integer:  # noqa: N802
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class UtcDateTime(fields.DateTime):
    """Stored naive UTC, given out with its offset (RFC 3339)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


Translated = lambda **kw: fields.Dict(keys=fields.String(), values=fields.String(), **kw)  # noqa: E731


class Schema(ma.Schema):
    class Meta:
        ordered = True


# --- problems -----------------------------------------------------------------------


class FieldErrorSchema(Schema):
    field = fields.String(allow_none=True, required=True, metadata={"description": "The field at fault"})
    detail = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))


# --- paging ---------------------------------------------------------------------------


class PageArgsSchema(Schema):
    cursor = Text(200, load_default=None, metadata={"description": "The next_cursor of the previous page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))


def page_of(item_schema, name: str):
    return ma.Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(
                allow_none=True,
                required=True,
                metadata={"description": "Pass as cursor for the next page; null at the end"},
            ),
        },
        name=name,
    )


# --- catalogue (public) -------------------------------------------------------------------


class ThemeSchema(Schema):
    slug = fields.String(required=True)
    position = fields.Integer(required=True)
    title = Translated(required=True)
    description = Translated(required=True)
    module_count = fields.Integer(required=True, metadata={"description": "Published modules"})


class ModuleSchema(Schema):
    slug = fields.String(required=True)
    theme = fields.String(required=True, metadata={"description": "The theme's slug"})
    position = fields.Integer(required=True)
    title = Translated(required=True)
    summary = Translated(required=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    minutes = fields.Integer(required=True)
    target_groups = fields.List(fields.String(), required=True)


class LinkSchema(Schema):
    module = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))


class ModuleDetailSchema(ModuleSchema):
    requires = fields.List(fields.Nested(LinkSchema), required=True)
    unlocks = fields.List(fields.Nested(LinkSchema), required=True)


class ThemeDetailSchema(ThemeSchema):
    modules = fields.List(
        fields.Nested(ModuleSchema), required=True, metadata={"description": "Published modules in path order"}
    )


class PrerequisiteSchema(Schema):
    before = fields.String(required=True)
    after = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))


class ModuleArgsSchema(Schema):
    theme = Text(80, load_default=None, metadata={"description": "Only this theme's modules"})


# --- the caller ----------------------------------------------------------------------------


class MeSchema(Schema):
    id = fields.Integer(allow_none=True, required=True)
    email = fields.String(allow_none=True, required=True)
    name = fields.String(allow_none=True, required=True)
    organisation = fields.String(allow_none=True, required=True, metadata={"description": "Slug"})
    manager = fields.Boolean(required=True, metadata={"description": "Whether this token may use /org"})
    token = fields.String(required=True, metadata={"description": "The token's prefix"})
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))


class ProgressSchema(Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    module = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("in_progress", "completed", "recognised")))
    recognised_by = fields.String(allow_none=True, required=True)
    best_score = fields.Integer(allow_none=True, required=True)
    started_at = UtcDateTime(required=True)
    finished_at = UtcDateTime(allow_none=True, required=True)


class StepSchema(Schema):
    module = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("locked", "in_progress", "available")))
    blocked_by = fields.List(fields.String(), required=True)
    minutes = fields.Integer(required=True)
    week = fields.Integer(allow_none=True, required=True)


class PathSchema(Schema):
    key = fields.String(required=True, metadata={"description": "p<id> for a personal path, a<id> for an assignment"})
    kind = fields.String(required=True, validate=validate.OneOf(("personal", "assigned")))
    title = fields.String(required=True)
    due = fields.Date(allow_none=True, required=True)
    state = fields.String(allow_none=True, required=True, metadata={"description": "Deadline state of an assignment"})
    goals = fields.List(fields.String(), required=True)
    percent_done = fields.Integer(required=True)
    total_minutes = fields.Integer(required=True)
    finish = fields.Date(allow_none=True, required=True)
    on_track = fields.Boolean(allow_none=True, required=True)
    steps = fields.List(fields.Nested(StepSchema), required=True)


# --- organisation ---------------------------------------------------------------------------


class StaffSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    external_id = fields.String(allow_none=True, required=True)
    active = fields.Boolean(required=True)
    signed_up = fields.Boolean(required=True)
    manager = fields.Boolean(required=True)
    teams = fields.List(fields.Integer(), required=True)


class StaffArgsSchema(PageArgsSchema):
    status = fields.String(load_default="active", validate=validate.OneOf(STATUS_FILTERS))


class StaffCreateSchema(Schema):
    email = fields.Email(required=True, validate=[validate.Length(max=254), _no_nul])
    name = Text(200, load_default="")
    external_id = Text(
        200,
        load_default=None,
        allow_none=True,
        metadata={"description": "The HR system's id; unique in the organisation"},
    )
    team_id = Id(load_default=None, allow_none=True)


class TeamSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    member_count = fields.Integer(required=True)


class TeamDetailSchema(TeamSchema):
    members = fields.List(fields.Nested(StaffSchema), required=True)


class TeamCreateSchema(Schema):
    name = Text(120, required=True)


class MembershipSchema(Schema):
    team_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    added = fields.Boolean(required=True, metadata={"description": "False when they already were a member"})


class TemplateSchema(Schema):
    id = fields.Integer(required=True)
    title = Translated(required=True)
    network = fields.Boolean(required=True, metadata={"description": "Network-wide (else the organisation's own)"})
    modules = fields.List(fields.String(), required=True)
    themes = fields.List(fields.String(), required=True)


class AssignmentSchema(Schema):
    id = fields.Integer(required=True)
    template_id = fields.Integer(required=True)
    team_id = fields.Integer(allow_none=True, required=True)
    user_ids = fields.List(fields.Integer(), required=True)
    start = fields.Date(required=True)
    due = fields.Date(required=True)
    note = fields.String(required=True)
    withdrawn = fields.Boolean(required=True)


class AssignmentCreateSchema(Schema):
    template_id = Id(required=True)
    team_id = Id(load_default=None, allow_none=True)
    user_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500))
    due = fields.Date(required=True)
    note = Text(2000, load_default="")


class ProgressArgsSchema(PageArgsSchema):
    team_id = Id(load_default=None, metadata={"description": "Only this team's members"})
    user_id = Id(load_default=None, metadata={"description": "Only this person"})


StaffPageSchema = page_of(StaffSchema, "StaffPage")
ProgressPageSchema = page_of(ProgressSchema, "ProgressPage")
