"""The pack's small pieces: Markdown escaping, the heat scale, labels that say what is wrong."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from consult.briefing.labels import load_labels, pack_languages
from consult.briefing.render import HEAT, heat, markdown_text
from consult.errors import BriefingError
from consult.workspace.loading import load_workspace
from tests.briefing_fixture import GOLDEN, SLUG


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>bold</b> | pipe", r"\<b\>bold\</b\> \| pipe"),
        ("# not a heading\nnext line", r"\# not a heading next line"),
        ("[link](http://x) *em* _u_ `code`", r"\[link\](http://x) \*em\* \_u\_ \`code\`"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_markdown_text_is_one_line_with_its_markup_escaped(text: str, expected: str) -> None:
    assert markdown_text(text) == expected


def test_heat_steps_by_mean_severity() -> None:
    assert [heat(Decimal(v)) for v in ("1.0", "1.4", "1.5", "2.6", "3.5", "4.0")] == [
        HEAT[0],
        HEAT[0],
        HEAT[1],
        HEAT[2],
        HEAT[3],
        HEAT[3],
    ]


def test_a_missing_or_unfillable_label_names_its_file(tmp_path: Path) -> None:
    labels_dir = tmp_path / "briefing" / "labels"
    labels_dir.mkdir(parents=True)
    (labels_dir / "en.yaml").write_text("title: Pack {missing}\n", encoding="utf-8")
    labels = load_labels("en", tmp_path)
    with pytest.raises(BriefingError, match=r"en\.yaml: no label 'gaps\.rank'"):
        labels("gaps.rank")
    with pytest.raises(BriefingError, match=r"en\.yaml: label 'title' cannot be filled in"):
        labels("title")


def test_the_languages_are_english_then_each_experts_with_labels(tmp_path: Path) -> None:
    training = load_workspace(GOLDEN).training(SLUG)
    assert pack_languages(training) == ("en", "ka")
    russian_only = training.model_copy(
        update={"experts": tuple(e.model_copy(update={"language": "ru"}) for e in training.experts)}
    )
    assert pack_languages(russian_only) == ("en", "ru")
