"""The cleaner on the seeds (text path) and on the mirror's pages (HTML path)."""

import unicodedata

import pytest

from flows.cleaning import Unusable, clean_page, clean_text
from mirror import corpus
from mirror.families import layout_for
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
    layout = layout_for(portal, size)
    for i in range(25):
        a = corpus.article(portal, i, size)
        if a.fault or a.seed_lines:
            continue
        body, content_type = layout.article_as_served(a)
        out = clean_page(body, portal=PORTALS[portal], content_type=content_type)
        assert out.extraction == "selectors"
        assert out.title == published(a.title) and out.author == a.author
        assert out.published_at[:10] == a.published.date().isoformat()  # Bắc Kạn shows the day only
        assert out.body == "\n\n".join(map(published, a.paragraphs)) and out.lead == published(a.lead)
        assert out.captions == [c for _, c in a.captions]


def test_selector_drift_falls_back_to_generic_extraction_and_says_so():
    a = corpus.article("hatinh", 3, 60)
    out = clean_page(layout_for("hatinh", 60).render_redesigned(a).encode(), portal=PORTALS["hatinh"])
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


@pytest.mark.parametrize("portal", [k for k, s in corpus.SITES.items() if s.seed_file])
def test_a_seeds_mirror_page_cleans_like_the_seed_text(portal):
    size = corpus.DEFAULT_ARTICLES_PER_PORTAL
    a = corpus.article(portal, corpus.seed_index(portal, size), size)
    html = clean_page(layout_for(portal, size).render_article(a).encode(), portal=PORTALS[portal])
    text = seed(corpus.SITES[portal].seed_file[:3])
    assert html.body == text.body and html.lead == text.lead
    assert html.captions == text.captions and html.author == text.author
    assert not any(c in html.body for c in html.captions)


def test_a_portals_phrase_list_does_not_strip_text_on_another_portal():
    lines = ("Tiêu đề bài viết thử nghiệm\nSáng nay, Ban Thường vụ Tỉnh ủy tổ chức hội nghị sơ kết công tác quý I.\n"
             "PublishingPortal - Block_BanTin_ViewData\nHội nghị đánh giá kết quả và bàn nhiệm vụ trọng tâm quý II.")
    on_sharepoint = clean_text(lines, portal=PORTALS["backan"])
    elsewhere = clean_text(lines, portal=PORTALS["caobang"])
    assert "PublishingPortal" not in on_sharepoint.body
    assert "PublishingPortal - Block_BanTin_ViewData" in elsewhere.body


def test_every_removal_is_recorded_with_its_rule():
    a = seed("000")
    rules = [r["rule"] for r in a.removals]
    assert {"view_counter", "byline", "dateline", "repeated_body", "caption"} <= set(rules)
    removed = " ".join(r["text"] for r in a.removals)
    assert "2117 lượt xem" in removed and "Ban Biên tập" in removed


def test_clean_command_prints_the_golden_article(tmp_path):
    import json

    from tests.conftest import run_cli
    from tests.goldens import golden_path
    path = next(SEEDS.glob("001_*.txt"))
    out = run_cli("clean", str(path), "--portal", "backan")
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    golden = json.loads(golden_path(path).read_text(encoding="utf-8"))
    assert printed == {k: v for k, v in golden.items() if k != "removals"}
    explained = json.loads(run_cli("clean", str(path), "--portal", "backan", "--explain").stdout)
    assert explained["removals"] == golden["removals"]


@pytest.mark.parametrize("content,args,message", [
    (b"", [], "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", [], "binary"),
    (b"<html><body><nav><a href='/'>Trang ch\xe1\xbb\xa7</a></nav></body></html>", [], "no_article"),
    (b"Ti\xc3\xaau \xc4\x91\xe1\xbb\x81\n\nN\xe1\xbb\x99i dung.", ["--portal", "hagiang"], "unknown portal"),
])
def test_clean_command_refuses_bad_input_in_one_line(tmp_path, content, args, message):
    from tests.conftest import run_cli
    f = tmp_path / ("page.html" if content.startswith(b"<") else "page.txt")
    f.write_bytes(content)
    out = run_cli("clean", str(f), *args)
    lines = out.stderr.strip().splitlines()
    assert out.returncode != 0 and len(lines) == 1 and message in lines[0], out.stderr


def test_a_paragraph_that_recurs_is_not_a_repeated_body():
    p1 = "Sáng nay, Ban Thường vụ Tỉnh ủy tổ chức hội nghị sơ kết công tác quý I và bàn nhiệm vụ quý II năm 2024."
    p2 = "Hội nghị đánh giá kết quả thực hiện các chỉ tiêu kinh tế - xã hội trong ba tháng đầu năm."
    p3 = "Các đại biểu thảo luận, đề xuất nhiều giải pháp tháo gỡ khó khăn cho doanh nghiệp trên địa bàn."
    a = clean_text("\n".join(["Tiêu đề bài viết thử nghiệm", p1, p2, p1, p3]))
    assert a.lead == p1
    assert a.body.split("\n\n") == [p2, p1, p3]


def test_comparing_folded_openings_agrees_with_folding_whole_lines():
    """The cleaner folds a long line only as far as a comparison needs (its title, a caption's
    opening): the answers must be those of folding both texts whole, whatever sits at the cut
    (punctuation, a letter that case folding lengthens, a combining mark)."""
    import random

    from flows.cleaning.text import OPENING_FIRST, _folded_opening, _opens_with, _same_folded, fold

    alphabet = ["a", "B", "ệ", "Đ", "ß", "İ", "ﬁ", "\u0301", " ", ",", ".", "-", "_", "…", "1"]
    rng = random.Random(7)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    for short, long in zip(texts[::2], texts[1::2]):
        line = short + long  # opens like `short`, goes on
        for a, b in ((line, short), (short, line), (short + ".", short), (long, long.upper())):
            assert _same_folded(a, b) == (fold(a) == fold(b)), (a, b)
        assert _folded_opening(line) == fold(line)[:OPENING_FIRST], line
        for opening in (fold(short), fold(short)[:OPENING_FIRST + 3], fold(long)[:30]):
            assert _opens_with(line, opening) == fold(line).startswith(opening), (line, opening)
