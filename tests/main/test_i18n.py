"""Every visible string is translated into Finnish and Swedish."""

import pytest

from kampus.i18n import extract_msgids, load_translations


@pytest.mark.slow
def test_every_extracted_string_has_finnish_and_swedish():
    translations = load_translations()
    missing = []
    for msgid in sorted(extract_msgids()):
        entry = translations.get(msgid) or {}
        for lang in ("fi", "sv"):
            if not entry.get(lang):
                missing.append(f"{lang}: {msgid}")
    assert not missing, "untranslated:\n" + "\n".join(missing)


@pytest.mark.slow
def test_no_stale_translations():
    stale = sorted(set(load_translations()) - extract_msgids())
    assert not stale, "translations for strings no longer in the code:\n" + "\n".join(stale)
