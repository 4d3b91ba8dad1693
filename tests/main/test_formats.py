"""Dates and numbers by locale through Babel: Finland's Finnish and Swedish
(``21.6.2026``, ``3,4``, ``45 %``) and British English (``21/06/2026``), never US style."""

from datetime import date, datetime

import pytest

from kampus.i18n import FORMAT_LOCALES, format_date, format_datetime, format_decimal, format_percent

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("lang", "day", "decimal", "percent", "thousands"),
    [
        ("fi", "21.6.2026", "3,4", f"45{NBSP}%", f"1{NBSP}234,5"),
        ("sv", "21.6.2026", "3,4", f"45{NBSP}%", f"1{NBSP}234,5"),
        ("en", "21/06/2026", "3.4", "45%", "1,234.5"),
    ],
)
def test_formats_per_language(lang, day, decimal, percent, thousands):
    assert format_date(date(2026, 6, 21), lang=lang) == day
    assert format_decimal(3.4, lang=lang) == decimal
    assert format_percent(0.45, lang=lang) == percent
    assert format_decimal(1234.5, lang=lang) == thousands


def test_the_locales_are_finlands_and_british():
    assert FORMAT_LOCALES == {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
    assert "6/21/26" not in format_date(date(2026, 6, 21), lang="en")


def test_datetimes_are_shown_in_helsinki_time():
    # 21:30 UTC on 21 June is 00:30 on 22 June in Helsinki (summer time, UTC+3).
    assert format_datetime(datetime(2026, 6, 21, 21, 30), lang="fi").startswith("22.6.2026")
    assert format_datetime(datetime(2026, 6, 21, 21, 30), lang="fi") == "22.6.2026 0.30"


def test_pages_format_by_the_readers_language(app):
    """The content overview's average rating with the reader's decimal separator."""
    from kampus.extensions import db
    from kampus.progress.models import Feedback
    from tests.authoring.helpers import admin_client, get_module
    from tests.factories import make_user

    module = get_module("digipedagogiikka")
    for n, rating in enumerate((4, 5)):
        db.session.add(
            Feedback(
                user_id=make_user(None, email=f"r{n}@example.fi").id, module_id=module.id, rating=rating, comment=""
            )
        )
    db.session.commit()
    client, admin = admin_client(app)
    for lang, expected in (("fi", "4,5 / 5"), ("sv", "4,5 / 5"), ("en", "4.5 / 5")):
        admin.language = lang
        db.session.commit()
        html = client.get("/admin/content").get_data(as_text=True)
        row = html.split('data-slug="digipedagogiikka"')[1].split("</tr>")[0]
        assert expected in row, (lang, row[-400:])
