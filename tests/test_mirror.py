"""The mirror itself: deterministic, scalable, and serving what it claims to serve."""

import unicodedata
import urllib.error
import urllib.parse
import urllib.request

from mirror import corpus
from mirror.server import encode_windows_1258


def _get(url, data=None):
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_corpus_is_deterministic_and_holds_each_seed_once():
    a = [(t.portal, t.index, t.title) for t in corpus.truth(120)]
    b = [(t.portal, t.index, t.title) for t in corpus.truth(120)]
    assert a == b
    seeds = [t for t in corpus.truth(120) if t.is_seed]
    assert sorted(t.portal for t in seeds) == sorted(k for k, s in corpus.SITES.items() if s.seed_file)
    assert len(seeds) == 5


def test_corpus_scales_without_storing_articles():
    size = 50_000
    last = corpus.article("hatinh", size - 1, size)
    assert last.published.year == 2021 and last.paragraphs
    assert corpus.listing("hatinh", "tin-trong-tinh", 1600, size)[1] == 1667  # 16,667 articles in one of 3 categories, 10 a page


def test_every_fault_occurs_at_default_size():
    faults = {t.fault for t in corpus.truth()}
    assert set(corpus.FAULTS) <= faults
    kinds = {t.duplicate_kind for t in corpus.truth()}
    assert {"exact", "near"} <= kinds


def test_sharepoint_listing_pages_only_by_postback(mirror):
    base = mirror.portal_url("backan") + "/Pages/tin-tuc.aspx?CategoryId=1"
    status, _, page1 = _get(base)
    assert status == 200 and b"__VIEWSTATE" in page1 and b"__doPostBack" in page1
    status, _, again = _get(base + "&Page=2")  # a link-style guess gets page 1 again
    assert again == page1
    viewstate = page1.split(b"name='__VIEWSTATE' id='__VIEWSTATE' value='")[1].split(b"'")[0].decode()
    form = urllib.parse.urlencode({"__EVENTTARGET": "ctl00$PlaceHolderMain$g_DanhSachTin$pager$lnkNext",
                                   "__EVENTARGUMENT": "", "__VIEWSTATE": viewstate}).encode()
    status, _, page2 = _get(base, data=form)
    assert status == 200 and page2 != page1 and b"Trang 2/" in page2


def test_transient_errors_succeed_on_retry(mirror):
    from mirror.families import layout_for
    t = next(t for t in corpus.truth(60) if t.fault == "transient_error")
    a = corpus.article(t.portal, t.index, 60)
    url = mirror.portal_url(t.portal) + layout_for(t.portal, 60).article_path(a)
    assert _get(url)[0] == 503
    assert _get(url)[0] == 200


def test_robots_txt_disallows_an_internal_section(mirror):
    status, _, body = _get(mirror.base_url + "/robots.txt")
    assert status == 200 and b"Disallow: /yenbai.gov.vn/noi-bo/" in body


def test_windows_1258_round_trip():
    text = "Ủy ban nhân dân tỉnh Hà Tĩnh: “Quyết tâm, linh hoạt” — Đảng bộ"
    raw = encode_windows_1258(text)
    assert raw.decode("cp1258") != text  # tone marks travel as combining characters
    assert unicodedata.normalize("NFC", raw.decode("cp1258")) == text
