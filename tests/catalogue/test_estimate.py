"""Honest study times: the estimate from a module's content and the warning beside an author's figure."""

from kampus.catalogue.estimate import count_words, estimate_minutes, minutes_warning


def test_the_estimate_adds_reading_questions_reflection_and_tasks():
    assert estimate_minutes(0, 0, False) == 0
    assert estimate_minutes(150, 0, False) == 1
    assert estimate_minutes(151, 0, False) == 2  # reading rounds up
    assert estimate_minutes(900, 6, True) == 6 + 12 + 10
    assert estimate_minutes(900, 6, True, task_minutes=30) == 58
    assert estimate_minutes(1000, 4, False) == 7 + 8


def test_words_are_counted_in_markdown_and_finnish():
    assert (
        count_words("## Otsikko\n\nTämä on *lyhyt* kappale, jossa on [linkki](https://x.fi). Katso https://kampus.fi")
        == 9
    )
    assert count_words("yksi kaksi", None, "kolme") == 3


def test_an_authors_figure_far_from_the_estimate_is_questioned_not_refused():
    assert minutes_warning(40, 20) == "high"
    assert minutes_warning(30, 20) is None  # exactly 1.5 × is still fine
    assert minutes_warning(10, 20) is None  # exactly 0.5 × too
    assert minutes_warning(9, 20) == "low"
    assert minutes_warning(None, 20) is None and minutes_warning(30, 0) is None
