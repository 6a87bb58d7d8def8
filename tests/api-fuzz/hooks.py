"""Schemathesis hooks for the RiskDesk service, applied before every call in
every phase.

- Every write gets an Idempotency-Key of its own: a key reused for another
  body is refused (422) by design, which says nothing about the body. A
  request sent without the header is left without it.
- Paging cursors are left out: a cursor is a token the service issued
  (the last row's key and a fingerprint of the filters), so a generated one
  is refused (400) by design. The cursor decoder is fuzzed by cargo-fuzz
  instead (`cargo xtask fuzz parsers`).
"""

import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, **kwargs):
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    if case.query:
        case.query.pop("cursor", None)


def _integral_floats_as_integers(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats_as_integers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_integers(v) for v in value]
    return value


@schemathesis.hook("before_call")
def integers_without_a_point(context, case, **kwargs):
    """JSON Schema counts `7.0` as an integer; the service's integers do not
    take a decimal point (a precise 400 names the field). A known, deliberate
    difference: such numbers are sent as `7`."""
    if isinstance(case.body, (dict, list)):
        case.body = _integral_floats_as_integers(case.body)
