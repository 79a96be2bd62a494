"""The noise real crawlers had to strip from Vietnamese portals (PORTALS.md section 4): each rule
alone, the sentences that must survive it, and the five seeds with that noise added, which must
clean to exactly what the unmodified seeds clean to."""

import unicodedata

import pytest

from flows.cleaning import Unusable, clean_page, clean_text
from mirror import corpus
from mirror.families import layout_for
from spiders.portals import PORTALS
from tests.goldens import SEED_PORTALS, seed_files

TITLE = "Hội nghị sơ kết công tác quý I năm 2024"
P1 = "Sáng nay, Ban Thường vụ Tỉnh ủy tổ chức hội nghị sơ kết công tác quý I và bàn nhiệm vụ quý II năm 2024."
P2 = "Hội nghị đánh giá kết quả thực hiện các chỉ tiêu kinh tế - xã hội trong ba tháng đầu năm."
P3 = "Các đại biểu thảo luận, đề xuất nhiều giải pháp tháo gỡ khó khăn cho doanh nghiệp trên địa bàn."


def clean(*lines, portal="caobang"):
    return clean_text("\n".join(lines), portal=PORTALS[portal])


def removed(a, rule):
    return [r["text"] for r in a.removals if r["rule"] == rule]


def assert_article_intact(a):
    assert (a.title, a.lead, a.body) == (TITLE, P1, f"{P2}\n\n{P3}")


# --- each rule alone ------------------------------------------------------------------------

@pytest.mark.parametrize("line", ["Tệp đính kèm: KH-123-UBND.pdf", "Tệp đính kèm", "File đính kèm: Quyet dinh.docx"])
def test_attachment_list(line):
    a = clean(TITLE, P1, P2, P3, line)
    assert_article_intact(a)
    assert removed(a, "attachment") == [line]


@pytest.mark.parametrize("line,views", [("Lượt xem: 1648", 1648), ("View count: 1648", 1648),
                                        ("2.117 lượt xem", 2117), ("Số lượt xem: 35", 35)])
def test_view_counter_is_kept_as_views(line, views):
    a = clean(TITLE, line, P1, P2, P3)
    assert_article_intact(a)
    assert a.views == views and removed(a, "view_counter") == [line]


@pytest.mark.parametrize("line,published", [
    ("Ngày đăng 13/05/2016 | 4:53 PM | Lượt xem: 1648", "2016-05-13T16:53:00+07:00"),
    ("Đăng ngày 08/04/2024", "2024-04-08T00:00:00+07:00"),
    ("Đăng ngày: Thứ Hai, 08/04/2024 - 15:30", "2024-04-08T15:30:00+07:00"),
    ("Đăng tải: 11/01/2024 10:20", "2024-01-11T10:20:00+07:00"),
])
def test_date_labels_give_the_date_when_the_page_has_none(line, published):
    a = clean(TITLE, line, P1, P2, P3)
    assert_article_intact(a)
    assert a.published_at == published and removed(a, "date_line") == [line]
    if "Lượt xem" in line:
        assert a.views == 1648


def test_the_pages_own_date_wins_over_a_labelled_date_in_the_text():
    portal = PORTALS["caobang"]
    a = corpus.article("caobang", 3, 60)
    a.captions = []  # the text is cut at the first </div>: no figure inside it
    html = layout_for("caobang", 60).render_article(a).replace(
        "<div class='ArticleContent'>", "<div class='ArticleContent'><p>Đăng ngày 01/01/2001 | Lượt xem: 5</p>")
    out = clean_page(html.encode(), portal=portal)
    assert out.published_at[:10] == a.published.date().isoformat()
    assert "01/01/2001" not in out.body


@pytest.mark.parametrize("line,author", [("Tác giả: Hồng Hạnh", "Hồng Hạnh"), ("Tin, ảnh: Tài Tùng", "Tài Tùng"),
                                         ("Bài và ảnh: Thanh Chi", "Thanh Chi")])
def test_author_labels_give_the_author(line, author):
    for lines in ([TITLE, line, P1, P2, P3], [TITLE, P1, P2, P3, line]):
        a = clean(*lines)
        assert_article_intact(a)
        assert a.author == author and removed(a, "author_label") == [line]


def test_an_author_label_does_not_override_the_pages_author_element():
    a = corpus.article("caobang", 3, 60)
    a.captions = []  # the text is cut at the first </div>: no figure inside it
    html = layout_for("caobang", 60).render_article(a).replace(
        "<div class='ArticleContent'>", "<div class='ArticleContent'><p>Tác giả: Người Khác</p>")
    out = clean_page(html.encode(), portal=PORTALS["caobang"])
    assert out.author == a.author and "Người Khác" not in out.body


def test_an_author_element_loses_its_label():
    a = corpus.article("caobang", 3, 60)
    a.captions = []  # the text is cut at the first </div>: no figure inside it
    html = layout_for("caobang", 60).render_article(a).replace(
        f"<div class='ArticleAuthor'>{a.author}</div>", "<div class='ArticleAuthor'>Theo Báo Cao Bằng</div>")
    assert clean_page(html.encode(), portal=PORTALS["caobang"]).author == "Báo Cao Bằng"


@pytest.mark.parametrize("line", ["Ảnh: Thanh Chi", "(Ảnh minh họa)", "Ảnh minh hoạ", "(Ảnh: TTXVN)"])
def test_photo_credit_lines(line):
    a = clean(TITLE, P1, line, P2, P3)
    assert_article_intact(a)
    assert removed(a, "photo_credit") == [line]


@pytest.mark.parametrize("credit", ["(Ảnh minh họa)", "(Ảnh: Thanh Chi)", "Ảnh: Tài Tùng"])
def test_photo_credit_after_a_caption(credit):
    a = clean(TITLE, P1, f"Toàn cảnh hội nghị. {credit}", P2, P3)
    assert_article_intact(a)
    assert a.captions == ["Toàn cảnh hội nghị."] and removed(a, "photo_credit") == [credit]


@pytest.mark.parametrize("line,credit", [("Nguồn: Báo Yên Bái", "Báo Yên Bái"), ("Theo TTXVN", "TTXVN"),
                                         ("(Theo Báo Nhân Dân điện tử)", "Báo Nhân Dân điện tử"),
                                         ("Theo baochinhphu.vn", "baochinhphu.vn")])
def test_source_credit_is_the_author_of_last_resort(line, credit):
    a = clean(TITLE, P1, P2, P3, line)
    assert_article_intact(a)
    assert a.author == credit and removed(a, "source_credit") == [line]
    b = clean(TITLE, P1, P2, P3, "Tài Tùng", line)  # a byline wins, before or after the credit
    c = clean(TITLE, P1, P2, P3, line, "Tài Tùng")
    assert_article_intact(b) and assert_article_intact(c)
    assert b.author == c.author == "Tài Tùng"


@pytest.mark.parametrize("line", ["Đọc thêm: Yên Bái phát triển du lịch cộng đồng", "Đọc thêm"])
def test_read_more_link(line):
    a = clean(TITLE, P1, P2, line, P3)
    assert_article_intact(a)
    assert removed(a, "read_more") == [line]


@pytest.mark.parametrize("line", ["Chia sẻ Facebook Zalo In bài", "Zalo Facebook Twitter Email In bài",
                                  "In bài | Gửi email | Chia sẻ", "Facebook", "Twitter Zalo", "Like 0 Share",
                                  "Chia sẻ: Facebook / Zalo / Gửi email", "In bài Facebook Chia sẻ Zalo"])
def test_share_lines_in_any_mix_and_order(line):
    a = clean(TITLE, line, P1, P2, P3, line)
    assert_article_intact(a)
    assert removed(a, "share_print_controls") == [line, line]


@pytest.mark.parametrize("lines", [["Tài Tùng Facebook Zalo In bài"], ["Tài Tùng", "Facebook Zalo In bài"],
                                   ["Tài Tùng Zalo Facebook Twitter Email In bài", "Tin cùng chuyên mục", "Tin 1"]])
def test_byline_with_share_chrome(lines):
    a = clean(TITLE, P1, P2, P3, *lines)
    assert_article_intact(a)
    assert a.author == "Tài Tùng" and removed(a, "byline") == ["Tài Tùng"]


@pytest.mark.parametrize("repeat", [TITLE, TITLE.upper(), TITLE + "."])
def test_a_first_line_repeating_the_title(repeat):
    a = clean(TITLE, repeat, P1, P2, P3)
    assert_article_intact(a)
    assert removed(a, "title_repeated") == [repeat]


WORD = ('Normal 0 false false false EN-US X-NONE X-NONE MicrosoftInternetExplorer4 st1\\:*{behavior:url(#ieooui) } '
        '/* Style Definitions */ table.MsoNormalTable {mso-style-name:"Table Normal"; mso-tstyle-rowband-size:0; '
        'mso-padding-alt:0cm 5.4pt 0cm 5.4pt; font-size:10.0pt; font-family:"Times New Roman";}')
WORD_LINES = ["Normal 0 false false false MicrosoftInternetExplorer4", "<!--", "/* Style Definitions */",
              'table.MsoNormalTable {mso-style-name:"Table Normal";', "mso-padding-alt:0cm 5.4pt 0cm 5.4pt;",
              'font-family:"Times New Roman";}', "-->"]


@pytest.mark.parametrize("lines", [[f"{WORD} {P1}"], [WORD, P1], WORD_LINES + [P1]])
def test_word_style_sheet_before_the_text(lines):
    a = clean(TITLE, *lines, P2, P3)
    assert_article_intact(a)
    assert len(removed(a, "word_styles")) == 1 and "MsoNormalTable" in removed(a, "word_styles")[0]


def test_word_style_sheet_in_an_html_region():
    a = corpus.article("caobang", 3, 60)
    layout = layout_for("caobang", 60)
    plain = clean_page(layout.render_article(a).encode(), portal=PORTALS["caobang"])
    html = layout.render_article(a).replace(
        "<div class='ArticleContent'>",
        f"<div class='ArticleContent'><style>p.MsoNormal {{margin:0cm;}}</style><p>{WORD}</p>"
        "<div class='social-share'>Chia sẻ Facebook Zalo</div><div class='related-news'>Tin liên quan: X</div>")
    out = clean_page(html.encode(), portal=PORTALS["caobang"])
    assert (out.lead, out.body, out.captions) == (plain.lead, plain.body, plain.captions)


@pytest.mark.parametrize("lines", [["Chi tiết xem tại đây ./."], ["Xem toàn văn Quyết định tại đây"],
                                   ["Tệp đính kèm: QD-123.pdf"], ["Xem chi tiết trong file đính kèm", "Tải về"]])
def test_attachment_stub_is_rejected_with_a_reason(lines):
    title = "Quyết định phê duyệt quy hoạch tỉnh thời kỳ 2021-2030, tầm nhìn đến năm 2050 của Thủ tướng Chính phủ"
    with pytest.raises(Unusable) as e:
        clean(title, *lines)
    assert e.value.reason == "attachment_only"


def test_attachment_stub_page_is_rejected_with_a_reason():
    a = corpus.article("caobang", 3, 60)
    a.captions = []  # the text is cut at the first </div>: no figure inside it
    html = layout_for("caobang", 60).render_article(a)
    start = html.index("<div class='ArticleContent'>") + len("<div class='ArticleContent'>")
    html = html[:start] + "<p>Chi tiết xem <a href='/f.pdf'>tại đây</a> ./.</p>" + html[html.index("</div>", start):]
    with pytest.raises(Unusable) as e:
        clean_page(html.encode(), portal=PORTALS["caobang"])
    assert e.value.reason == "attachment_only"


def test_an_article_with_an_attachment_pointer_stays_an_article():
    a = clean(TITLE, P1, P2, P3, "Chi tiết xem tại đây ./.")
    assert_article_intact(a)
    assert removed(a, "attachment_pointer") == ["Chi tiết xem tại đây ./."]


def test_crlf_and_nfd_input():
    a = clean_text(unicodedata.normalize("NFD", "\r\n".join([TITLE, "Tác giả: Hồng Hạnh", P1, P2, P3])),
                   portal=PORTALS["caobang"])
    assert_article_intact(a)
    assert a.author == "Hồng Hạnh" and "\r" not in a.body


# --- what must stay ---------------------------------------------------------------------------

KEPT = [
    "Theo kế hoạch, hội nghị sẽ tiếp tục vào tuần sau tại trụ sở Tỉnh ủy.",
    "Theo Bộ Y tế, năm 2024 tỉnh có nhiều chuyển biến trong công tác phòng chống dịch.",
    "Theo đó, tốc độ tăng tổng sản phẩm trên địa bàn năm 2023 đạt 6%.",
    "Người dân có thể theo dõi thông tin trên Facebook và Zalo của Cổng thông tin điện tử tỉnh.",
    "Trang Facebook của tỉnh đã có hơn 100 nghìn người theo dõi.",
    "Nguồn vốn đầu tư công năm 2024 được phân bổ sớm cho các dự án trọng điểm.",
    "Ảnh hưởng của bão số 3 làm nhiều tuyến đường bị sạt lở.",
    "Chi tiết kế hoạch được các đại biểu thảo luận kỹ tại hội nghị.",
    "Bài học kinh nghiệm từ các địa phương được chia sẻ tại hội nghị.",
    "Ngày 17/1/2024, Tỉnh ủy tổ chức hội nghị tổng kết công tác năm 2023.",
]


@pytest.mark.parametrize("sentence", KEPT)
def test_sentences_that_look_like_noise_stay(sentence):
    for lines in ([TITLE, P1, sentence, P2], [TITLE, P1, P2, sentence]):
        a = clean(*lines)
        assert sentence in a.body.split("\n\n"), a.removals


# --- the seeds with real noise added --------------------------------------------------------

def _seed(path):
    return clean_text(path.read_bytes(), portal=PORTALS[SEED_PORTALS[path.name[:3]]])


def _noisy(path, *, chrome=True, credits=True, word=True, title=True):
    """The seed's lines with the noise of PORTALS.md section 4 added where portals print it."""
    clean_seed = _seed(path)
    lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    stripped = [x.strip() for x in lines]
    byline = stripped.index(clean_seed.author) if clean_seed.author in stripped else None
    related = next((i for i, x in enumerate(stripped) if x == "Tin cùng chuyên mục"), len(lines))
    end = byline if byline is not None else related  # where the article's own text ends
    after_end = end + 1 if byline is not None else end
    tail, before_end, middle = [], [], []
    if credits:
        tail += ["Theo TTXVN"]
        before_end += ["Tệp đính kèm: KH-123-UBND.pdf", "Chi tiết xem tại đây ./.", "Nguồn: Báo Tỉnh"]
        middle += ["Đọc thêm: Phát triển du lịch cộng đồng gắn với xây dựng nông thôn mới", "(Ảnh minh họa)",
                   "Ảnh: Thanh Chi"]
    if chrome:
        tail += ["Zalo Facebook Twitter Email In bài"]
        if byline is not None:
            lines[byline] += " Facebook Zalo In bài"
    lines[after_end:after_end] = tail
    lines[end:end] = before_end
    lines[3:3] = middle
    if chrome:
        lines[1:1] = ["Chia sẻ Facebook Zalo In bài", "Ngày đăng 13/05/2016 | 4:53 PM | Lượt xem: 1648"]
    if title and clean_seed.title:
        at = next(i for i, x in enumerate(lines) if x.strip().endswith(clean_seed.title))
        lines.insert(at + 1, clean_seed.title)
    if word:
        lines[0] = f"{WORD} {lines[0]}"
        lines[0:0] = WORD_LINES
    return "\n".join(lines)


VARIANTS = {
    "chrome": {"credits": False, "word": False, "title": False},
    "credits": {"chrome": False, "word": False, "title": False},
    "word": {"chrome": False, "credits": False, "title": False},
    "title": {"chrome": False, "credits": False, "word": False},
    "all": {},
}


@pytest.mark.parametrize("variant", list(VARIANTS) + ["all-crlf-nfd"])
@pytest.mark.parametrize("path", seed_files(), ids=lambda p: p.name[:3])
def test_a_noisy_seed_cleans_like_the_seed(path, variant):
    text = _noisy(path, **VARIANTS.get(variant, {}))
    if variant == "all-crlf-nfd":
        text = unicodedata.normalize("NFD", text.replace("\n", "\r\n"))
    expected = _seed(path)
    noisy = clean_text(text.encode("utf-8"), portal=PORTALS[SEED_PORTALS[path.name[:3]]])
    assert noisy.body == expected.body
    assert (noisy.title, noisy.lead, noisy.captions) == (expected.title, expected.lead, expected.captions)
    assert noisy.author == (expected.author or ("Báo Tỉnh" if "credits" in variant or "all" in variant else None))
    for noise in ("Facebook", "Zalo", "đính kèm", "tại đây", "MsoNormal", "Lượt xem", "TTXVN", "Ảnh", "Đọc thêm"):
        assert noise not in noisy.body + (noisy.lead or ""), noise
