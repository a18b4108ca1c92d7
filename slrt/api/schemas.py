"""The output shapes shared by the API's resources."""

from __future__ import annotations

import marshmallow as ma


class RecordOut(ma.Schema):
    """What every numbered record of the API carries: a case, a referral, a proposal.

    `version` is the one to send back in `If-Match` (or the body) with a change.
    """

    id = ma.fields.String(required=True, metadata={"description": "Id tak bermakna (opaque)"})
    number = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    status_label = ma.fields.String(required=True)
    village_code = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)
