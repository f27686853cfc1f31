"""Secrets are masked in --json output whatever characters they hold: redaction happens on the
values, before json.dumps escapes a quote, a backslash or a non-ASCII letter out of recognition.
"""

from __future__ import annotations

import json

import pytest

from orsync.output import Output, OutputSettings
from orsync.redact import register_secret

AWKWARD = ['Pässwörd"Ünï-ç0de', "back\\slash\\pw", "tab\tand\nnewline", "日本語のパスワード"]


@pytest.mark.parametrize("secret", AWKWARD)
def test_a_secret_echoed_in_an_error_never_reaches_json_stdout(
    secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    register_secret(secret)
    Output(OutputSettings()).json(
        {
            "schema": "orsync.error/1",
            "error": {"message": f"gateway said: bad login {secret}", "hint": None},
            "echoed": [secret, {"nested": f"x{secret}y"}],
        }
    )
    text = capsys.readouterr().out
    document = json.loads(text)
    assert secret not in json.dumps(document, ensure_ascii=False)
    assert secret not in text and json.dumps(secret)[1:-1] not in text
    assert document["error"]["message"] == "gateway said: bad login ***"


def test_a_credential_field_is_masked_whole_even_when_never_registered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Output(OutputSettings()).json({"client_secret": 'un"registered\\ü'})
    assert json.loads(capsys.readouterr().out) == {"client_secret": "***"}
