"""Locust users for the load test: learners read lessons, answer questions and submit labs;
a few bombers send template bombs. Run by bench/bench_load.py (loopback only)."""

from __future__ import annotations

import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

SETUP = json.loads(open(os.environ["PA_LOAD_SETUP"]).read())  # noqa: SIM115 - read once
_next_user = iter(range(10_000))
BOMB_ITEMS = ", ".join(f"i{n}" for n in range(20))
BOMB = (
    'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::LanguageExtensions\nResources:\n'
    f"  Fn::ForEach::A:\n    - X\n    - [{BOMB_ITEMS}]\n    - Fn::ForEach::B:\n        - Y\n"
    f"        - [{BOMB_ITEMS}]\n        - Fn::ForEach::C:\n            - Z\n"
    f'            - [{BOMB_ITEMS}]\n            - "T${{X}}${{Y}}${{Z}}":\n'
    "                Type: AWS::SNS::Topic\n"
)
FINISHED = {"graded", "error", "awaiting_approval"}
LOG_IN = os.environ.get("PA_LOAD_LOGIN") == "1"  # log in with the password on start


def _record_wait(name: str, started: float, *, ok: bool, detail: str = "") -> None:
    """A custom entry 'GRADE <name>': submit → graded, in ms (what the learner waits)."""
    events.request.fire(
        request_type="GRADE",
        name=name,
        response_time=(time.monotonic() - started) * 1000,
        response_length=0,
        exception=None if ok else RuntimeError(detail or "grading did not finish"),
        context={},
    )


class _SignedIn(HttpUser):
    abstract = True
    host = "http://127.0.0.1:8000"

    def on_start(self) -> None:
        self.account = SETUP["users"][next(_next_user) % len(SETUP["users"])]
        self.client.get("/accounts/login/", name="/accounts/login/")
        token = self.client.cookies.get("csrftoken", "")
        if not LOG_IN:  # signed in already (a session from the setup, as a past log-in left it)
            self.client.cookies.set("sessionid", SETUP["sessions"][self.account])
            self.headers = {"X-CSRFToken": token}
            return
        with self.client.post(
            "/accounts/login/",
            {"username": self.account, "password": SETUP["password"],
             "csrfmiddlewaretoken": token},
            name="/accounts/login/ POST", allow_redirects=False, catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 302:
                response.failure(f"login failed: {response.status_code}")
        self.headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}

    def api_post(self, url: str, body: dict, name: str, **kwargs):
        return self.client.post(url, json=body, headers=self.headers, name=name, **kwargs)

    def grade(self, slug: str, files: dict[str, str], label: str, *, may_limit: bool) -> None:
        """Submit and wait for the grade, polling the API like the submission page does."""
        started = time.monotonic()
        with self.api_post(
            f"/api/labs/{slug}/submissions/", {"files": files}, "/api/labs/[slug]/submissions/",
            catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code == 429 and may_limit:
                response.success()  # the per-learner limit doing its job
                return
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            submission = response.json()["id"]
        deadline = started + 120
        while time.monotonic() < deadline:
            time.sleep(0.5)
            row = self.client.get(
                f"/api/submissions/{submission}/", name="/api/submissions/[id]/"
            ).json()
            if row.get("status") == "awaiting_approval":
                # The grade so far is on screen; the learner approves and the run goes on.
                self.client.post(
                    f"/labs/submissions/{submission}/approval/",
                    {"decision": "approve", "csrfmiddlewaretoken": self.headers["X-CSRFToken"]},
                    name="/labs/submissions/[id]/approval/",
                )
                return _record_wait(label, started, ok=True)
            if row.get("status") in FINISHED:
                return _record_wait(label, started, ok=row["status"] != "error",
                                    detail=row.get("error_message", ""))  # fmt: skip
        _record_wait(label, started, ok=False, detail="no grade within 120 s")


class Learner(_SignedIn):
    """A well-behaved learner: mostly reading and answering, a lab run now and then."""

    wait_time = between(2, 6)
    weight = 48

    def on_start(self) -> None:
        super().on_start()
        page = self.client.get("/study/", name="/study/").text
        self.lessons = sorted(set(re.findall(r'href="(/study/[\w-]+/[\w-]+/)"', page)))
        if not self.lessons:  # module pages list the lessons
            modules = sorted(set(re.findall(r'href="(/study/[\w-]+/)"', page)))
            for module in modules[:5]:
                text = self.client.get(module, name="/study/[module]/").text
                self.lessons += re.findall(r'href="(/study/[\w-]+/[\w-]+/)"', text)
        # Learners edit between runs: the first run comes after some reading, then one every
        # 2-3 minutes (the limit, 6 a minute, is for bursts of fixes, not the usual pace).
        self.next_lab = time.monotonic() + random.uniform(10, 120)

    @task(6)
    def read_lesson(self) -> None:
        if self.lessons:
            self.client.get(random.choice(self.lessons), name="/study/[module]/[lesson]/")

    @task(1)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", name="/dashboard/")

    @task(3)
    def answer_questions(self) -> None:
        response = self.api_post("/api/attempts/", {"mode": "practice", "count": 3},
                                 "/api/attempts/")  # fmt: skip
        if response.status_code != 201:
            return
        attempt = response.json()
        finished = False
        for item in attempt["items"]:
            # As many letters as the question asks for ("choose 2" for multiple response).
            letters = random.sample("ABCDEFGHIJ"[: len(item["options"])], item["choose"] or 1)
            with self.api_post(
                f"/api/attempts/{attempt['id']}/answer/",
                {"position": item["position"], "selected": letters},
                "/api/attempts/[id]/answer/",
                catch_response=True,
            ) as answer:
                if not answer.ok:
                    answer.failure(f"{answer.status_code}: {answer.text[:300]}")
                    return
                finished = answer.json().get("attempt_finished", False)
        if not finished:  # a practice set closes itself after its last answer
            self.api_post(
                f"/api/attempts/{attempt['id']}/submit/", {}, "/api/attempts/[id]/submit/"
            )

    @task(2)
    def run_lab(self) -> None:
        if time.monotonic() < self.next_lab:
            return
        self.next_lab = time.monotonic() + random.uniform(120, 180)
        slug = random.choice(SETUP["labs"])
        files = SETUP["reference"][slug] if random.random() < 0.6 else SETUP["starter"][slug]
        self.client.get(f"/labs/{slug}/", name="/labs/[slug]/")
        self.api_post("/api/check/", {"text": next(iter(files.values())), "kind": "auto"},
                      "/api/check/")  # fmt: skip
        self.grade(slug, files, f"wait (learners) {slug}", may_limit=False)


class Bomber(_SignedIn):
    """Sends template bombs to the editor's checker and as lab submissions, as fast as allowed."""

    wait_time = between(0.5, 1.5)
    weight = 2
    fixed_count = int(os.environ.get("PA_LOAD_BOMBERS", "2"))

    @task(3)
    def check_bomb(self) -> None:
        with self.api_post(
            "/api/check/", {"text": BOMB, "kind": "template"}, "/api/check/ (bomb)",
            catch_response=True,
        ) as response:  # fmt: skip
            codes = [f["code"] for f in response.json().get("findings", [])]
            if response.status_code == 200 and "TP003" in codes:
                response.success()
            elif response.status_code == 429:
                response.success()  # throttled: fine
            else:
                response.failure(f"bomb not refused: {response.status_code} {codes}")

    @task(1)
    def submit_bomb(self) -> None:
        slug = SETUP["template_lab"]
        self.grade(slug, {SETUP["template_file"]: BOMB}, "wait (bombers)", may_limit=True)
