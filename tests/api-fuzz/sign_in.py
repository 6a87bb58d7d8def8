"""Signs an operator of a generated demo in and prints the bearer token.

Usage: sign_in.py SHEET.json OPERATOR_ID BASE_URL — the sheet is what
`riskdesk-server generate --json` printed (passwords and TOTP secrets).
"""

import json
import sys
import urllib.request

import pyotp

sheet, operator_id, base = sys.argv[1:4]
operator = next(o for o in json.load(open(sheet))["operators"] if o["id"] == operator_id)
body = json.dumps(
    {
        "operator_id": operator_id,
        "password": operator["password"],
        "totp_code": pyotp.TOTP(operator["totp_secret"]).now(),
    }
).encode()
request = urllib.request.Request(
    f"{base}/v1/auth/sign-in", body, {"Content-Type": "application/json"}
)
with urllib.request.urlopen(request) as response:
    print(json.load(response)["token"])
