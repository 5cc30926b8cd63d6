"""The follow-up edits the tests make to ``app/models.py``: one home for them.

``python variants.py EDIT [EDIT ...]`` prints ``app/models.py`` with the named edits applied in
order (each applies to the result of the previous ones); ``variant(*edits)`` returns the same
text. The edits:

- ``add_column``: a NOT NULL column with a server default on ``users``
  (``time_zone VARCHAR(64) DEFAULT 'UTC' NOT NULL``, which existing rows can take);
- ``add_enum_value``: the value ``team`` appended to the native enum ``plan_tier``
  (``ALTER TYPE … ADD VALUE``, outside a transaction);
- ``drop_model``: the ``AuditEvent`` model (table ``audit_events``, referenced by nothing)
  deleted (``DROP TABLE``, destructive).
"""

import pathlib
import sys

MODELS = pathlib.Path(__file__).resolve().parent / "app" / "models.py"


def _insert_after(anchor: str, line: str):
    def edit(text: str) -> str:
        assert anchor in text, f"{anchor!r} not in app/models.py"
        return text.replace(anchor, anchor + line, 1)

    return edit


def _drop_audit_event(text: str) -> str:
    start = text.index("\n\nclass AuditEvent(")
    end = text.find("\n\n\nclass ", start + 1)
    return text[:start] + ("" if end == -1 else text[end + 1 :])


EDITS = {
    "add_column": _insert_after(
        "    display_name: Optional[str] = None\n",
        '    time_zone: str = Field(default="UTC", max_length=64, sa_column_kwargs={"server_default": "UTC"})\n',
    ),
    "add_enum_value": _insert_after('    enterprise = "enterprise"\n', '    team = "team"\n'),
    "drop_model": _drop_audit_event,
}


def variant(*edits: str) -> str:
    """``app/models.py`` with ``edits`` applied in order."""
    text = MODELS.read_text()
    for name in edits:
        text = EDITS[name](text)
    return text


if __name__ == "__main__":
    unknown = [e for e in sys.argv[1:] if e not in EDITS]
    if unknown:
        sys.exit(f"unknown edit(s) {unknown}; the edits are: {', '.join(EDITS)}")
    sys.stdout.write(variant(*sys.argv[1:]))
