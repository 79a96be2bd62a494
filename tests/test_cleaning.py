"""The cleaner on the seeds (text path) and on the mirror's pages (HTML path)."""

import unicodedata

import pytest

from flows.cleaning import Unusable, clean_page, clean_text
from mirror import corpus
from mirror.layouts import LAYOUTS
from spiders.portals import PORTALS
from tests.conftest import SEEDS

SEED_PORTAL = {s.seed_file: k for k, s in corpus.SITES.items()}


def seed(prefix):
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return clean_text(path.read_bytes(), portal=PORTALS[SEED_PORTAL[path.name]])


def test_seed_000_body_once_views_kept_noise_gone():
    a = seed("000")
    text = "\n".join(filter(None, [a.title, a.lead, a.body]))
    assert a.views == 2117
    assert "lượt xem" not in text and "Ban Biên tập" not in text
    assert "Cổng thông tin điện tử tỉnh -" not in text and not text.startswith("CTTĐT")
    assert text.count("Bí thư Tỉnh ủy Đỗ Đức Duy cũng kiến nghị") == 1


def test_seed_001_sharepoint_chrome():
    a = seed("001")
    assert a.title == "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 15 (khóa XII)"
    assert a.published_at.startswith("2024-04-08") and a.author == "Hương Dịu"
    assert "PublishingPortal" not in a.body and "Tăng cỡ chữ" not in a.body


def test_seed_002_003_004_bylines_titles_tails():
    assert seed("002").author == "Trường Hà" and not seed("002").body.endswith("Trường Hà")
    a3 = seed("003")
    assert a3.title == "Quyết tâm, linh hoạt, thực chất, hiệu quả trong triển khai nhiệm vụ năm 2024"
    assert "date 2024-01" not in a3.title + a3.body
    a4 = seed("004")
    assert a4.title == "Hội nghị đánh giá 1 năm thực hiện nghị quyết đại hội Đảng"
    assert a4.author == "Tài Tùng" and "Tin cùng chuyên mục" not in a4.body


def published(text):
    """What the cleaner must make of generated text: NFC (the seeds mix NFC and NFD), single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.mark.parametrize("portal", list(corpus.PORTAL_ORDER))
def test_mirror_pages_clean_with_the_portals_selectors(portal):
    size = 60
    layout = LAYOUTS[portal](size)
    for i in range(25):
        a = corpus.article(portal, i, size)
        if a.fault or a.seed_lines:
            continue
        out = clean_page(layout.render_article(a).encode(), portal=PORTALS[portal])
        assert out.extraction == "selectors"
        assert out.title == published(a.title) and out.author == a.author
        assert out.published_at[:10] == a.published.date().isoformat()  # Bắc Kạn shows the day only
        assert out.body == "\n\n".join(map(published, a.paragraphs)) and out.lead == published(a.lead)
        assert out.captions == [c for _, c in a.captions]


def test_selector_drift_falls_back_to_generic_extraction_and_says_so():
    a = corpus.article("hatinh", 3, 60)
    out = clean_page(LAYOUTS["hatinh"](60).render_redesigned(a).encode(), portal=PORTALS["hatinh"])
    assert out.extraction == "fallback"
    assert a.paragraphs[0][:60] in out.body


@pytest.mark.parametrize("body,reason", [
    (b"", "empty_body"),
    (b"%PDF-1.4 \x00\x01", "binary"),
    (b"<html><body><div class='news-detail'><div class='news-content'>Cut off", "truncated_html"),
])
def test_unusable_pages_say_why(body, reason):
    with pytest.raises(Unusable) as e:
        if body:
            clean_page(body, portal=PORTALS["yenbai"])
        else:
            clean_text(body)
    assert e.value.reason == reason
