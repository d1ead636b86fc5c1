"""The content document layer: pydantic errors at the line and column of the author's file."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import Field, field_validator

from core.content import ContentError, ContentErrors
from core.documents import (
    Model,
    Problem,
    invalid,
    invalid_all,
    load,
    load_front_matter,
    load_model,
    one_of,
    unique,
)
from core.documents import validate as validate_document
from core.exam import Difficulty, Domain, Task, TopicTags


class Link(Model):
    noun = "link"

    title: Annotated[str, Field(min_length=1)]
    url: str = Field(pattern=r"^https://", description="an https:// address")


class Step(Model):
    noun = "step"
    retired = {"command": "write run: instead"}

    run: str
    timeout: int = Field(default=60, ge=1)
    level: Literal["low", "high"] = "low"
    links: list[Link | str] = []


class Recipe(Model):
    name: str = Field(description="a short title")
    tags: Annotated[list[Annotated[str, one_of(("bake", "boil"), "tag")]], unique("tag")] = []
    steps: list[Step]
    serves: int = 1

    @field_validator("serves")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise invalid(f"serves must be even, not {value}", "cook for pairs")
        return value


GOOD = textwrap.dedent(
    """\
    name: bread
    tags: [bake]
    steps:
      - run: knead
        links: ["a title", {title: Guide, url: "https://example.com"}]
      - run: bake
        timeout: 30
    """
)


def errors(text: str, *, first_line: int = 1, label: str = "") -> list[str]:
    path = Path("recipe.yaml")
    _model, found = validate_document(load(path, text, first_line=first_line), Recipe, label=label)
    return [str(e) for e in found]


def test_good_document_gives_the_model() -> None:
    recipe = load_model(Path("recipe.yaml"), Recipe, GOOD)
    assert recipe.steps[0].links[1] == Link(title="Guide", url="https://example.com")
    assert (recipe.steps[1].timeout, recipe.steps[0].level) == (30, "low")


def test_unknown_key_at_its_key_with_a_suggestion() -> None:
    assert errors(GOOD.replace("  - run: bake", "  - run: bake\n    timout: 5")) == [
        "recipe.yaml:7:5: step 2: unknown key 'timout' (hint: did you mean 'timeout'?)"
    ]
    assert errors("nmae: x\nsteps: []\n") == [
        "recipe.yaml:1:1: missing required key 'name' (hint: a short title)",
        "recipe.yaml:1:1: unknown key 'nmae' (hint: did you mean 'name'?)",
    ]


def test_unknown_key_without_a_close_match_lists_the_keys() -> None:
    [message] = errors(GOOD.replace("tags: [bake]", "colour: red"))
    assert message == (
        "recipe.yaml:2:1: unknown key 'colour' (hint: allowed keys: name, tags, steps, serves)"
    )


def test_retired_key_says_what_replaced_it() -> None:
    assert errors(GOOD.replace("run: bake", "run: bake\n    command: x")) == [
        "recipe.yaml:7:5: step 2: 'command' is no longer written in a step "
        "(hint: write run: instead)"
    ]


def test_wrong_type_at_the_value_line_and_column() -> None:
    assert errors(GOOD.replace("timeout: 30", "timeout: soon")) == [
        "recipe.yaml:7:14: step 2: 'timeout' must be a whole number, not 'soon'"
    ]
    # Strict: YAML's true is not the number 1, and 3 is not the text "3".
    assert errors(GOOD.replace("timeout: 30", "timeout: true")) == [
        "recipe.yaml:7:14: step 2: 'timeout' must be a whole number, not True"
    ]
    assert errors(GOOD.replace("name: bread", "name: 3")) == [
        "recipe.yaml:1:7: 'name' must be text, not 3 (hint: a short title)"
    ]


def test_constraints_literals_and_patterns() -> None:
    assert errors(GOOD.replace("timeout: 30", "timeout: 0")) == [
        "recipe.yaml:7:14: step 2: 'timeout' must be at least 1 (found 0)"
    ]
    assert errors(GOOD.replace("timeout: 30", "level: hihg")) == [
        "recipe.yaml:7:12: step 2: 'level' must be one of 'low' or 'high', not 'hihg' "
        "(hint: did you mean 'high'?)"
    ]
    assert errors(GOOD.replace('"https://example.com"', '"http://example.com"')) == [
        "recipe.yaml:5:44: step 1, link 2: 'url' 'http://example.com' is not in the expected "
        "form (hint: an https:// address)"
    ]


def test_limits_and_sizes_in_our_words() -> None:
    class Limits(Model):
        percent: int = Field(default=50, gt=0, le=100)
        step: float = Field(default=0.5, lt=1.0, multiple_of=0.25)
        code: str = Field(default="abc", min_length=3, max_length=5)
        names: list[str] = Field(default=["a"], min_length=1, max_length=2)
        pairs: list[int] = Field(default=[1, 2], min_length=2)
        env: dict[str, str] = Field(default={"A": "1"}, min_length=1)

    def found(text: str) -> list[str]:
        _model, problems = validate_document(load(Path("l.yaml"), text), Limits)
        return [str(e) for e in problems]

    assert found("percent: 0\nstep: 1.0\n") == [
        "l.yaml:1:10: 'percent' must be more than 0 (found 0)",
        "l.yaml:2:7: 'step' must be less than 1.0 (found 1.0)",
    ]
    assert found("percent: 101\nstep: 0.3\n") == [
        "l.yaml:1:10: 'percent' must be at most 100 (found 101)",
        "l.yaml:2:7: 'step' must be a multiple of 0.25 (found 0.3)",
    ]
    assert found("code: ab\n") == ["l.yaml:1:7: 'code' must be at least 3 characters long"]
    assert found("code: abcdef\n") == ["l.yaml:1:7: 'code' must be at most 5 characters long"]
    # The size messages name what the value is: a list or a mapping.
    assert found("names: []\nenv: {}\n") == [
        "l.yaml:1:8: 'names' must be a non-empty list",
        "l.yaml:2:6: 'env' must be a non-empty mapping",
    ]
    assert found("names: [a, b, c]\npairs: [1]\n") == [
        "l.yaml:1:8: 'names' must be a list of at most 2 items (found 3)",
        "l.yaml:2:8: 'pairs' must be a list of at least 2 items (found 1)",
    ]


def test_missing_required_key_points_at_its_mapping() -> None:
    assert errors(
        GOOD.replace("  - run: bake\n", "  - timeout: 5\n").replace("    timeout: 30\n", "")
    ) == ["recipe.yaml:6:5: step 2: missing required key 'run' (hint: add 'run: …')"]


def test_nested_list_items_are_located_one_by_one() -> None:
    text = GOOD.replace(
        '["a title", {title: Guide, url: "https://example.com"}]', "[7, {title: ''}]"
    )
    assert errors(text) == [
        "recipe.yaml:5:13: step 1, link 1: 'links' must be a mapping of keys to values or text, "
        "not 7",
        "recipe.yaml:5:16: step 1, link 2: missing required key 'url' (hint: an https:// address)",
        "recipe.yaml:5:24: step 1, link 2: 'title' must be non-empty text",
    ]


def test_a_union_reports_the_member_the_value_was_written_as() -> None:
    text = GOOD.replace("{title: Guide,", "{titel: Guide,")
    assert errors(text) == [
        "recipe.yaml:5:24: step 1, link 2: missing required key 'title' (hint: add 'title: …')",
        "recipe.yaml:5:25: step 1, link 2: unknown key 'titel' (hint: did you mean 'title'?)",
    ]


def test_validator_problems_and_list_helpers() -> None:
    assert errors(GOOD.replace("name: bread", "name: bread\nserves: 3")) == [
        "recipe.yaml:2:9: serves must be even, not 3 (hint: cook for pairs)"
    ]
    assert errors(GOOD.replace("tags: [bake]", "tags: [bake, boil, bake, bkae]")) == [
        "recipe.yaml:2:26: unknown tag 'bkae' (hint: did you mean 'bake'?)"
    ]
    assert errors(GOOD.replace("tags: [bake]", "tags: [bake, boil, bake]")) == [
        "recipe.yaml:2:20: tag 'bake' is listed twice (first as item 1)"
    ]


def test_first_line_offset_and_label() -> None:
    text = GOOD.replace("timeout: 30", "timeout: soon")
    assert errors(text, first_line=10, label="recipe 'bread'") == [
        "recipe.yaml:16:14: recipe 'bread', step 2: 'timeout' must be a whole number, not 'soon'"
    ]


def test_items_named_by_a_key_and_items_validated_one_by_one() -> None:
    class Card(Model):
        noun = "card"
        named_by = "id"

        id: str
        side: Literal["front", "back"]

    class Deck(Model):
        cards: list[Card]

    document = load(Path("deck.yaml"), "cards:\n  - {id: a, side: front}\n  - {id: b, side: top}\n")
    _model, found = validate_document(document, Deck)
    assert [str(e) for e in found] == [
        "deck.yaml:3:19: card 'b': 'side' must be one of 'front' or 'back', not 'top'"
    ]
    _card, alone = validate_document(document, Card, at=("cards", 1))
    assert [str(e) for e in alone] == [str(e) for e in found]


def test_invalid_all_reports_every_problem_below_the_field() -> None:
    class Pair(Model):
        values: list[int]

        @field_validator("values")
        @classmethod
        def _positive(cls, values: list[int]) -> list[int]:
            bad = [Problem(f"{v} is negative", at=(i,)) for i, v in enumerate(values) if v < 0]
            if bad:
                raise invalid_all(bad)
            return values

    document = load(Path("pair.yaml"), "values:\n  - -1\n  - 2\n  - -3\n")
    _model, found = validate_document(document, Pair)
    assert [(e.line, e.column, e.message) for e in found] == [
        (2, 5, "-1 is negative"),
        (4, 5, "-3 is negative"),
    ]


def test_loading_problems_are_content_errors_with_line() -> None:
    with pytest.raises(ContentError) as info:
        load(Path("r.yaml"), "name: [unclosed\nsteps: []\n", first_line=3)
    assert info.value.line is not None and info.value.line >= 3
    assert "invalid YAML" in info.value.message
    with pytest.raises(ContentError, match=r"r\.yaml:4:1: invalid YAML: key 'a' appears twice"):
        load(Path("r.yaml"), "a: 1\na: 2\n", first_line=3)
    assert load(Path("r.yaml"), "# nothing\n").data is None


def test_load_model_raises_every_error_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "recipe.yaml"
    path.write_text("name: 3\nsteps: {}\n")
    with pytest.raises(ContentErrors) as info:
        load_model(path, Recipe)
    assert [(e.line, e.column) for e in info.value.errors] == [(1, 7), (2, 8)]
    assert "'steps' must be a list, not {}" in str(info.value)


def test_content_error_column_is_optional() -> None:
    assert str(ContentError("a.yaml", 3, "bad", "fix it")) == "a.yaml:3: bad (hint: fix it)"
    assert str(ContentError("a.yaml", 3, "bad", column=7)) == "a.yaml:3:7: bad"
    assert str(ContentError("a.yaml", None, "bad", column=7)) == "a.yaml: bad"


def test_exam_fact_types_refuse_the_same_way_in_every_file_kind() -> None:
    class Item(Model):
        domain: Domain
        task: Task
        tags: TopicTags
        difficulty: Difficulty

    def found(text: str) -> list[str]:
        _model, problems = validate_document(load(Path("i.yaml"), text), Item)
        return [str(e) for e in problems]

    good = 'domain: 3\ntask: "3.4"\ntags: [codebuild]\ndifficulty: easy\n'
    assert found(good) == []
    assert found(good.replace("3\n", "5\n").replace("[codebuild]", "[codebuild, codebuild]")) == [
        "i.yaml:1:9: unknown exam domain 5 (hint: one of 1, 2, 3, 4)",
        "i.yaml:3:19: tag 'codebuild' is listed twice (first as item 1)",
    ]
    assert found(good.replace('"3.4"', "3.4").replace("easy", "hard!")) == [
        "i.yaml:2:7: 'task' must be text, not 3.4 "
        '(hint: quote it: task: "3.4" (YAML reads an unquoted 3.4 as a number))',
        "i.yaml:4:13: unknown difficulty 'hard!' (hint: did you mean 'hard'?)",
    ]
    assert found(good.replace('"3.4"', '"3.9"').replace("[codebuild]", "[]")) == [
        "i.yaml:2:7: unknown exam task '3.9' (hint: one of 1.1, 1.2, 1.3, 2.1, 2.2, 2.3, 3.1, "
        "3.2, 3.3, 3.4, 4.1, 4.2, 4.3)",
        "i.yaml:3:7: 'tags' must be a non-empty list (hint: write tags: [codebuild, buildspec])",
    ]


def test_front_matter_is_one_document_at_the_lines_of_the_file() -> None:
    path = Path("lesson.md")
    text = "---\nname: bread\nsteps:\n  - run: knead\n    timeout: 0\n---\n# Bread\n"
    front = load_front_matter(path, text)
    assert (front.body, front.body_first_line) == ("# Bread\n", 7)
    _model, found = validate_document(front.document, Recipe)
    assert [str(e) for e in found] == [
        "lesson.md:5:14: step 1: 'timeout' must be at least 1 (found 0)"
    ]
    with pytest.raises(ContentError, match=r"lesson\.md:3:1: invalid YAML: key 'a' appears twice"):
        load_front_matter(path, "---\na: 1\na: 2\n---\n")
    for bad, message in [
        (
            "# no fence\n",
            "lesson.md:1: missing front matter (hint: start the file with a line '---')",
        ),
        (
            "---\na: 1\n",
            "lesson.md:1: front matter is not closed (hint: add a line '---' after it)",
        ),
        ("---\n- a\n---\nBody\n", "lesson.md:2: front matter must be a mapping of keys to values"),
        ("---\n---\nBody\n", "lesson.md:2: front matter must be a mapping of keys to values"),
    ]:
        with pytest.raises(ContentError) as info:
            load_front_matter(path, bad)
        assert str(info.value) == message
