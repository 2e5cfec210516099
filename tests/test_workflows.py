"""The GitHub Actions workflows of ``autograder/ci``: valid for GitHub (SchemaStore's schema,
through check-jsonschema), and split as
``docs/threat-model.md`` says: the instructor's workflow scores, with the course secret in its
grading step only and as many shards in ``--shard`` as in its matrix; the students' workflow
gives feedback, with no secret, no token and no other repository.
"""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

CI = ROOT / "autograder" / "ci"
WORKFLOWS = sorted(CI.glob("*.yml"))
INSTRUCTOR = CI / "instructor-grade.yml"
STUDENT = CI / "student-feedback.yml"


def load(path) -> dict:
    """A workflow as data (YAML 1.1 reads the key ``on`` as true: put it back)."""
    doc = yaml.safe_load(path.read_text())
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def steps(doc):
    """``(job id, step)`` for every step of every job."""
    for name, job in doc["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def strings(node, path=()):
    """``(path, text)`` for every key and value in ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + (key,), str(key)
            yield from strings(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, path + (index,))
    else:
        yield path, str(node)


def grading_step(doc) -> tuple:
    """The step of the instructor's workflow that runs ``convgrade autograde``, and its path."""
    found = [(("jobs", name, "steps", index), step) for name, job in doc["jobs"].items()
             for index, step in enumerate(job.get("steps", []))
             if "convgrade autograde" in step.get("run", "")]
    assert len(found) == 1, found
    return found[0]


def test_the_two_workflows_replace_the_one_graded_in_students_repositories():
    assert INSTRUCTOR in WORKFLOWS and STUDENT in WORKFLOWS
    assert not (CI / "grade-notebook.yml").exists()


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_workflow_is_valid_for_github(workflow):
    run = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                          "vendor.github-workflows", str(workflow)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_minimal_actions_pinned_jobs_timed_and_runs_serialised(workflow):
    doc = load(workflow)
    assert doc["permissions"] == {"contents": "read"}
    assert "concurrency" in doc
    for name, job in doc["jobs"].items():
        assert "permissions" not in job, name
        assert 0 < job["timeout-minutes"] <= 360, name
    for name, step in steps(doc):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), (name, step["uses"])
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, name


def test_the_student_workflow_has_no_secret_no_token_and_no_course_repository():
    text = STUDENT.read_text()
    doc = load(STUDENT)
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    assert "Feedback only" in header and "instructor-grade.yml" in header
    assert not any(re.search(r"\bsecrets\b|\btoken\b|github\.token|COURSE", value, re.I)
                   for path, value in strings(doc) if path[-1] not in ("name", "description"))
    checkouts = [step for _, step in steps(doc) if "uses" in step]
    assert all(set(step.get("with", {})) <= {"persist-credentials"} for step in checkouts
               if step["uses"].startswith("actions/checkout@"))
    assert not any("convgrade" in step.get("run", "") for _, step in steps(doc))
    assert any("check.py" in step.get("run", "") for _, step in steps(doc))


def test_the_course_secret_reaches_only_the_grading_step():
    doc = load(INSTRUCTOR)
    where, step = grading_step(doc)
    assert step["env"]["CONVGRADE_SECRET"] == "${{ secrets.CONVGRADE_SECRET }}"
    mentions = [path for path, value in strings(doc) if "CONVGRADE_SECRET" in value]
    assert mentions and all(path[:len(where)] == where for path in mentions), mentions
    assert INSTRUCTOR.read_text().count("secrets.CONVGRADE_SECRET") == 1
    assert "secrets: inherit" not in INSTRUCTOR.read_text()


def test_the_grading_step_runs_sandboxed_as_root_on_as_many_shards_as_the_matrix():
    doc = load(INSTRUCTOR)
    (_, job, *_), step = grading_step(doc)
    shards = doc["env"]["SHARDS"]
    strategy = doc["jobs"][job]["strategy"]
    assert strategy["fail-fast"] is False
    assert strategy["matrix"]["shard"] == list(range(1, shards + 1))
    run = " ".join(step["run"].split())
    assert re.search(r'--shard "?\$\{\{ matrix\.shard \}\}/(\$\{?SHARDS\}?|\$\{\{ env\.SHARDS \}\})"?',
                     run), run
    assert run.count("--shard") == 1
    assert re.search(r"sudo -E .*convgrade autograde", run)
    assert any("apt-get install" in s.get("run", "") and "bubblewrap" in s.get("run", "")
               for s in doc["jobs"][job]["steps"])
    uploads = [s["with"]["name"] for s in doc["jobs"][job]["steps"]
               if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert uploads == ["results-${{ matrix.shard }}"]


def test_the_class_is_collected_once_and_gathered_from_every_shard():
    doc = load(INSTRUCTOR)
    jobs = doc["jobs"]
    assert set(doc["on"]) >= {"workflow_dispatch"}
    assert {"assignments", "post_statuses"} <= set(doc["on"]["workflow_dispatch"]["inputs"])
    assert any("convgrade collect" in s.get("run", "") for s in jobs["collect"]["steps"])
    assert jobs["grade"]["needs"] == "collect"
    assert set(jobs["gather"]["needs"]) == {"collect", "grade"}
    downloads = [s["with"] for s in jobs["gather"]["steps"]
                 if s.get("uses", "").startswith("actions/download-artifact@")]
    assert {"pattern": "results-*", "path": "results"} in downloads
    runs = [s.get("run", "") for s in jobs["gather"]["steps"]]
    assert any("convgrade gather results/results-*" in run for run in runs)
    assert any("GITHUB_STEP_SUMMARY" in run for run in runs)
    posting = [s for s in jobs["gather"]["steps"] if "statuses/" in s.get("run", "")]
    assert len(posting) == 1 and "inputs.post_statuses" in posting[0]["if"]
    assert "collected.csv" in posting[0]["run"] and "gh" in posting[0]["run"]
