"""Every assignment through the real pipeline: solution full marks, blank release zero,
every catalogued mistake loses exactly the credit groups it breaks with its message, at
least 90 % of them with feedback that names their misconception, every correct variant
keeps full marks; the release is in sync with the source and leaks nothing."""
from __future__ import annotations

import shutil

import nbformat
import pytest

from conftest import ROOT
from convgrade import catalogue, validate
from convgrade.course import Course
from convgrade.policy import library_convolution_allowed
from convgrade.release import find_leaks, generate

ASSIGNMENTS = Course(ROOT).assignment_ids()


NAMED_SHARE = 0.9      # of the catalogued mistakes, whose feedback must name their misconception


@pytest.fixture(scope="module")
def validated(course) -> dict:
    """Every assignment's plan graded in one pool, as ``convgrade validate`` grades them."""
    return validate.run_all(course, ASSIGNMENTS, jobs=2)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_catalogue_through_the_pipeline(validated, assignment):
    rows = validated[assignment]
    problems = [f"{label}: {p}" for label, _results, probs, _ in rows for p in probs]
    assert not problems, "\n".join(problems)
    labels = [label for label, _, _, _ in rows]
    assert labels[:2] == ["solution", "blank release"]
    assert rows[0][1]["score"] > 0 and rows[1][1]["score"] == 0
    named, total = validate.coverage(rows)
    assert total == sum(map(len, catalogue.load(assignment).WRONG.values()))
    assert named >= NAMED_SHARE * total, f"{named} of {total} mistakes named"
    # a mistake declares its misconception and may only break groups its test cell has
    groups = {t["name"]: {g["name"] for g in t["extra_data"]["groups"]}
              for t in rows[0][1]["tests"] if "extra_data" in t}
    # every task states more than one requirement: every test cell has credit groups
    assert groups and all(len(g) >= 2 for g in groups.values()), groups
    for function, name, mistake in catalogue.mistakes(catalogue.load(assignment)):
        assert isinstance(mistake, catalogue.Mistake) and mistake.misconception, f"{function}={name}"
        assert mistake.breaks and set(mistake.breaks) <= groups[f"test_{function}"], \
            f"{function}={name} breaks {mistake.breaks}, groups {groups[f'test_{function}']}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_catalogue_is_big_enough(assignment, course):
    cat = catalogue.load(assignment)
    source = nbformat.read(course.source_notebook(assignment), 4)
    graded = {c.metadata.nbgrader.grade_id for c in source.cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    assert graded <= set(cat.WRONG), f"functions without mistakes: {graded - set(cat.WRONG)}"
    for function in graded:
        assert len(cat.WRONG[function]) >= 4, function
        want = 2 if library_convolution_allowed(function) else 3
        assert len(cat.CORRECT.get(function, {})) >= want, function


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_in_sync_and_leak_free(assignment, tmp_path, course):
    assert find_leaks(course, [assignment]) == []
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions" / assignment, tmp_path / "solutions" / assignment)
    generate(Course(tmp_path), [assignment])
    fresh = nbformat.read(tmp_path / "assignments" / assignment / f"{assignment}.ipynb", 4)
    committed = nbformat.read(course.release_notebook(assignment), 4)
    assert [(c.cell_type, c.source, c.metadata) for c in fresh.cells] == \
        [(c.cell_type, c.source, c.metadata) for c in committed.cells], \
        f"assignments/{assignment} is stale: run convgrade release {assignment}"
