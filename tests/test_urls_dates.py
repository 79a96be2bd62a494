from datetime import datetime

import pytest

from spiders.dates import VN_TZ, parse_day, parse_vn_datetime
from spiders.urls import scope_for, url_key


@pytest.mark.parametrize("a,b", [
    ("https://WWW.YenBai.gov.vn:443/tin-tuc/a.html#top", "http://yenbai.gov.vn/tin-tuc/a.html"),
    ("https://yenbai.gov.vn/tin-tuc/", "https://yenbai.gov.vn/tin-tuc"),
    ("https://x.gov.vn/a?b=2&a=1&utm_source=fb", "https://x.gov.vn/a?a=1&b=2"),
    ("https://x.gov.vn/a?fbclid=zz", "https://x.gov.vn/a"),
])
def test_url_key_folds_what_does_not_identify_a_page(a, b):
    assert url_key(a) == url_key(b)


def test_url_key_keeps_the_portals_article_parameter_only():
    a = "https://tuyenquang.gov.vn/Pages/tin-tuc.aspx?ItemID=12&CategoryID=10"
    b = "https://tuyenquang.gov.vn/Pages/tin-tuc.aspx?CategoryID=11&itemid=12"
    assert url_key(a, "ItemID") == url_key(b, "ItemID")
    assert url_key(a, "ItemID") != url_key(a.replace("12", "13"), "ItemID")
    assert url_key(a) != url_key(b)  # without the portal's knowledge they differ


def test_scope_maps_mirror_paths_to_the_portals_own_urls():
    s = scope_for(("yenbai.gov.vn", "laocai.gov.vn"), mirror_url="http://127.0.0.1:8123")
    assert s.allows("http://127.0.0.1:8123/laocai.gov.vn/tin/a.html")
    assert not s.allows("http://127.0.0.1:8123/evil.example/a.html")
    assert not s.allows("http://127.0.0.1:9999/yenbai.gov.vn/a.html")
    assert s.to_logical("http://127.0.0.1:8123/laocai.gov.vn/tin/a.html?x=1") == "https://laocai.gov.vn/tin/a.html?x=1"
    live = scope_for(("yenbai.gov.vn",))
    assert live.allows("http://www.yenbai.gov.vn/a") and not live.allows("https://facebook.com/a")


@pytest.mark.parametrize("text,expected", [
    ("08/04/2024", datetime(2024, 4, 8, tzinfo=VN_TZ)),
    ("Thứ Hai, 08/04/2024 - 15:30", datetime(2024, 4, 8, 15, 30, tzinfo=VN_TZ)),
    ("08/04/2024 15:30:00 PM", datetime(2024, 4, 8, 15, 30, tzinfo=VN_TZ)),
    ("18/02/2022 03:30:00 PM", datetime(2022, 2, 18, 15, 30, tzinfo=VN_TZ)),
    ("2024-01-11T11:05:00+07:00", datetime(2024, 1, 11, 11, 5, tzinfo=VN_TZ)),
    ("không có ngày", None),
])
def test_vietnamese_dates(text, expected):
    assert parse_vn_datetime(text) == expected


def test_command_line_dates():
    assert str(parse_day("2021-01-01")) == "2021-01-01"
    with pytest.raises(ValueError, match="not a date"):
        parse_day("2024-13-01")
