"""The web process loads cfn-lint at start: a learner's first template check answers in 2 s."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import middleware

ROOT = Path(__file__).resolve().parents[2]
# A fresh process, as a gunicorn worker starts: build the WSGI app, then the first check.
FIRST_CHECK = r"""
import json, sys, time
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()  # builds the middleware, as each web worker does at boot
warm = "cfnlint" in sys.modules
import simulator
text = open(sys.argv[1]).read()
started = time.monotonic()
with simulator.wall_limit(1.6):  # what ServiceFaultMiddleware gives a request
    report = simulator.check(text, "template", filename="template.yaml")
print(json.dumps({"warm": warm, "seconds": time.monotonic() - started,
                  "codes": [f.code for f in report.findings]}))
"""
TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Subscriptions:
        - Protocol: sqs
          Endpoint: !GetAtt Queue.Arn
"""


def _first_check(tmp_path: Path, warm: str) -> dict:
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "PA_WEB_WARM_CHECKERS": warm, "PA_VAR_DIR": str(tmp_path)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", FIRST_CHECK, str(template)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_started_web_process_answers_its_first_template_check_within_2_s(tmp_path) -> None:
    first = _first_check(tmp_path, warm="1")
    assert first["warm"]  # loaded while the process started, not in the request
    assert first["seconds"] < 2, first  # cold, the import alone took 3-5 s here


def test_without_the_warm_up_nothing_is_loaded_at_start(tmp_path) -> None:
    assert not _first_check(tmp_path, warm="0")["warm"]


def test_a_failing_warm_up_never_stops_the_site(settings, monkeypatch, caplog) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("cfn-lint schemas missing")

    monkeypatch.setattr(middleware.simulator, "check", broken)
    settings.WEB_WARM_CHECKERS = True
    with caplog.at_level("ERROR"):
        built = middleware.ServiceFaultMiddleware(lambda request: None)
    assert built.get_response is not None
    assert "could not warm up the template checker" in caplog.text


@pytest.mark.parametrize("enabled", [True, False])
def test_the_setting_decides_the_warm_up(settings, monkeypatch, enabled) -> None:
    seen: list[str] = []
    monkeypatch.setattr(middleware.simulator, "check", lambda text, kind, **kw: seen.append(kind))
    settings.WEB_WARM_CHECKERS = enabled
    middleware.ServiceFaultMiddleware(lambda request: None)
    assert seen == (["template"] if enabled else [])
