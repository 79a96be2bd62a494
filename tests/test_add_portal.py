"""`provnews add-portal`: a portal from one listing URL, by its family or by inference, that then
loads like a hand-written one; a redesign gets a new version beside the old."""

import contextlib
import json
import tomllib
from pathlib import Path

import duckdb
import pytest

from mirror.families import SITES, layout_for
from mirror.server import Mirror
from spiders.onboard.errors import InferenceError
from spiders.onboard.propose import propose, write
from spiders.onboard.toml import dumps
from spiders.portals import PORTALS, read_data
from tests.conftest import finish_cli, run_cli, start_cli
from warehouse.analyst import open_readonly

SIZE = 60
HTML_SITES = [k for k in SITES if PORTALS[k].listing.pagination != "json"]
JSON_SITES = [k for k in SITES if PORTALS[k].listing.pagination == "json"]  # listings filled from an API


def listing_url(mirror, key: str) -> str:
    cat = PORTALS[key].categories[0]
    return f"{mirror.portal_url(key)}{layout_for(key, SIZE).listing_path(cat, 1)}"


def rows(db_file, portal):
    return every_portals_rows(db_file).get(portal, {})


def every_portals_rows(db_file) -> dict[str, dict]:
    """Per portal, (title, day, body) by URL: one opening of the warehouse for all of them."""
    with contextlib.closing(open_readonly(db_file)) as con:
        con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
        out: dict[str, dict] = {}
        for portal, url, title, day, body in con.execute(
                "SELECT portal, url, title, published_at::DATE, body FROM articles").fetchall():
            out.setdefault(portal, {})[url] = (title, day, body)
        return out


@pytest.mark.parametrize("key", list(SITES))
def test_a_known_family_is_recognised_from_one_listing_url(mirror, key):
    p = propose(listing_url(mirror, key), f"new_{key}")
    assert (p.how, p.family) == ("recognised", PORTALS[key].family.key), p.evidence
    data = tomllib.loads(p.text)
    assert data["domains"] == [PORTALS[key].home]
    assert data["categories"][0] == PORTALS[key].categories[0]
    assert set(data["categories"]) <= set(PORTALS[key].categories)  # the others from the site's menu
    assert (data["province"], data["province_current"]) == (PORTALS[key].province, PORTALS[key].province_current)


@pytest.fixture(scope="module")
def inferred(tmp_path_factory):
    """Every site (HTML and JSON-API) onboarded with its family hidden (--infer), then ingested
    with the inferred definitions; and the same sites with the hand-written ones."""
    tmp = tmp_path_factory.mktemp("onboard")
    env = {"PROVNEWS_PORTALS_DIR": str(tmp / "portals")}
    with Mirror(size=SIZE, slow_seconds=0.2) as m:
        # The reference, ingested meanwhile: the hand-written definitions on the same one category
        # each, so that both warehouses hold the same pages (exact copies across portals resolve alike).
        written = tmp / "written"
        written.mkdir()
        for key in SITES:
            data = read_data(Path(PORTALS[key].source))
            (written / f"{key}.toml").write_text(dumps({**data, "categories": data["categories"][:1]}), encoding="utf-8")
        theirs = start_cli("--db", str(tmp / "written"), "ingest", *[a for k in SITES for a in ("--portal", k)],
                           "--mirror-url", m.base_url, env={"PROVNEWS_PORTALS_DIR": str(written)})
        outcome = {}  # (in this process: the command's own run is tested below)
        for key in SITES:
            try:
                outcome[key] = write(propose(listing_url(m, key), f"x_{key}", infer=True), tmp / "portals")
            except InferenceError as e:
                outcome[key] = e
        added = [f"x_{k}" for k, out in outcome.items() if isinstance(out, Path)]
        portals = [a for k in added for a in ("--portal", k)]
        ours = run_cli("--db", str(tmp / "inferred"), "ingest", *portals, "--mirror-url", m.base_url, env=env)
        theirs = finish_cli(theirs)
    yield dict(tmp=tmp, outcome=outcome, ours=ours, theirs=theirs)


def test_inferred_definitions_load_the_same_articles_as_the_hand_written_ones(inferred):
    """With its family's definition hidden, each HTML family's portal is inferred from its pages
    and loads the articles of its category as the family's definition does: same URLs, titles,
    days, bodies; a listing paged by its script pages by the request the script spells out."""
    print("inferred vs hand-written (articles loaded, identical):", json.dumps(_same_articles(inferred, HTML_SITES)))


def _same_articles(inferred, keys) -> dict:
    """Per site: (articles the inferred definition loaded, how many of them the hand-written one
    loaded with the same URL, title, day and body)."""
    assert inferred["ours"].returncode in (0, 1), inferred["ours"].stderr
    assert inferred["theirs"].returncode == 0, inferred["theirs"].stderr
    table = {}
    inferred_rows, written_rows = (every_portals_rows(inferred["tmp"] / name) for name in ("inferred", "written"))
    for key in keys:
        assert isinstance(inferred["outcome"][key], Path), (key, inferred["outcome"][key])
        mine = inferred_rows.get(f"x_{key}", {})
        written = written_rows.get(key, {})
        same = sum(written.get(u) == r for u, r in mine.items())
        table[key] = (len(mine), same)
        assert mine and same == len(mine), (key, table[key])
        # Every article of the category the hand-written definition loaded, but those it
        # followed to the merged province's portal (a domain the listing does not show).
        home = [u for u in written if u.startswith(f"https://{PORTALS[key].home}/")]
        assert len(mine) == len(home), (key, table[key], len(home))
    return table


def test_an_inferred_json_api_listing_loads_the_same_articles_as_the_hand_written_one(inferred):
    """A listing its script fills from a JSON API (DataTables' ajax, its request built by a
    `data: function (d)`), with the family hidden: the request, the records' fields and the
    detail URL are inferred and checked on the portal, and the definition (the `json` kind, no
    article page fetched) loads the category's articles as the hand-written one does."""
    assert JSON_SITES
    for key in JSON_SITES:
        data = tomllib.loads(inferred["outcome"][key].read_text(encoding="utf-8"))
        assert (data["family"], data["listing"]["pagination"]) == ("generic", "json"), data
        assert data["categories"] == list(PORTALS[key].categories[:1])
    print("inferred vs hand-written, JSON API (articles loaded, identical):",
          json.dumps(_same_articles(inferred, JSON_SITES)))


def test_add_portal_says_what_it_found_and_the_new_portal_is_a_portal_like_any_other(mirror, tmp_path):
    env = {"PROVNEWS_PORTALS_DIR": str(tmp_path)}
    out = run_cli("add-portal", listing_url(mirror, "hatinh"), "--key", "hatinh2", env=env)
    assert out.returncode == 0, out.stderr
    assert "recognised hatinh_laravel" in out.stdout and "sample article title:" in out.stdout
    assert (tmp_path / "hatinh2.toml").is_file()
    listed = run_cli("portals", env=env).stdout
    assert "hatinh2" in listed
    again = run_cli("add-portal", listing_url(mirror, "hatinh"), "--key", "Bad Key", env=env)
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1
    nothing = run_cli("add-portal", mirror.base_url + "/hatinh.gov.vn/khong-co", "--key", "nothing", env=env)
    assert nothing.returncode == 3 and "HTTP 404" in nothing.stderr and len(nothing.stderr.strip().splitlines()) == 1


def test_a_redesign_gets_a_new_version_and_old_batches_reprocess_with_the_old_one(tmp_path):
    env = {"PROVNEWS_PORTALS_DIR": str(tmp_path / "portals")}
    before, after = tmp_path / "before", tmp_path / "after"
    with Mirror(size=SIZE, slow_seconds=0.2) as m:
        assert run_cli("--db", str(before), "ingest", "--portal", "caobang", "--mirror-url", m.base_url,
                       env=env).returncode == 0
        m.redesigned.add("caobang")
        out = run_cli("add-portal", listing_url(m, "caobang"), "--key", "caobang", env=env)
        assert out.returncode == 0, out.stderr
        assert "no longer matches" in out.stdout and (tmp_path / "portals" / "caobang.v2.toml").is_file()
        redesigned = run_cli("--db", str(after), "ingest", "--portal", "caobang", "--mirror-url", m.base_url, env=env)
        assert redesigned.returncode == 0, redesigned.stderr
    with contextlib.closing(open_readonly(after)) as con:
        assert con.execute("SELECT count(*) FILTER (WHERE extraction = 'fallback'), count(*) FROM articles").fetchone()[0] == 0
    old, new = rows(before, "caobang"), rows(after, "caobang")
    assert {u: (t, d) for u, (t, d, _) in old.items()} == {u: (t, d) for u, (t, d, _) in new.items()}
    # The batch crawled before the redesign is cleaned with version 1 still: unchanged.
    out = run_cli("--db", str(before), "reprocess", "--portal", "caobang", env=env)
    assert out.returncode == 0, out.stderr
    assert rows(before, "caobang") == old


# ------------------------------------------------------------------ JSON APIs, by the values' shapes

TITLES = ["Phê duyệt quy hoạch vùng nguyên liệu chè đến năm 2030", "Khánh thành cầu dân sinh xã Tân Lập",
          "Hội nghị xúc tiến đầu tư vào khu công nghiệp phía Nam", "Ra quân chiến dịch tình nguyện hè",
          "Đoàn công tác của Bộ Nông nghiệp làm việc với tỉnh", "Tổng kết năm học và trao học bổng vượt khó"]
LEAD = "Chiều {n}/6, lãnh đạo tỉnh đã chủ trì buổi làm việc với các sở, ngành về kết quả thực hiện nhiệm vụ {n}."
BODY = ("<p>Theo báo cáo, trong sáu tháng đầu năm, các địa phương đã triển khai đồng bộ nhiều giải pháp {n}.</p>"
        "<p>Phát biểu kết luận, đồng chí Chủ tịch UBND tỉnh đề nghị các ngành tiếp tục phối hợp chặt chẽ.</p>")


def _vietnamese_shape() -> dict:
    """Another API's page: other names, the records under `items`, a dd/mm/yyyy date beside an
    unsorted one, raw HTML, a view counter that is an integer too."""
    return {"pageIndex": 1, "totalCount": 57, "items": [
        {"luotXem": 300 + 17 * i, "tin_id": 5012 - i, "tieuDe": t, "tomTat": LEAD.format(n=i),
         "noiDung": BODY.format(n=i),
         "ngayCapNhat": f"{(i * 7) % 28 + 1:02d}/05/2026", "ngayXuatBan": f"{28 - i:02d}/06/2026 08:{i:02d}",
         "anhDaiDien": f"/uploads/tin/{5012 - i}.jpg", "chuyenMuc": "Kinh tế", "tacGia": "Minh Anh"}
        for i, t in enumerate(TITLES)]}


def _odata_shape() -> dict:
    """Another again: GUID ids, English names, ISO dates with an offset, no lead, escaped HTML."""
    return {"odata.count": 40, "value": [
        {"guid": f"{i:08x}-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "name": t, "modified": f"2026-0{(i * 5) % 9 + 1}-10T09:00:00",
         "published": f"2026-06-{28 - i:02d}T08:00:00+07:00",
         "html": BODY.format(n=i).replace("<", "&lt;").replace(">", "&gt;"),
         "category": "News"} for i, t in enumerate(TITLES)]}


@pytest.mark.parametrize("shape, expected", [
    (_vietnamese_shape, ("items", 57, {"id": "tin_id", "title": "tieuDe", "date": "ngayXuatBan", "lead": "tomTat",
                                       "body": "noiDung"})),
    (_odata_shape, ("value", 40, {"id": "guid", "title": "name", "date": "published", "body": "html"})),
])
def test_json_records_are_mapped_by_their_values_shapes_not_their_names(shape, expected):
    from spiders.onboard.records import recognise
    found = recognise(shape())
    assert (found.records_key, found.total, found.fields) == expected, found.evidence


def test_the_request_and_detail_link_of_a_script_filled_listing_are_read_off_its_script():
    """A jQuery GET paged by its function's argument, and a DataTables table whose `data`
    function adds to DataTables' own fields; each builds its records' links in its script."""
    from spiders.onboard import detail, js
    from spiders.onboard.api import api_requests
    jquery = """<html><body><ul id='ds-tin'></ul><script>
      var chuyenMucId = 27;
      function taiTrang(trang) {
        $.ajax({ url: '/api/tin-tuc/danh-sach', type: 'GET', dataType: 'json',
                 data: { chuyenMucId: chuyenMucId, trang: trang, pageSize: 12, tuKhoa: $('#q').val() },
                 success: function (res) { var html = '';
                   $.each(res.items, function (i, item) {
                     html += '<li><a href="/tin-tuc/chi-tiet.aspx?id=' + item.tin_id + '">'
                       + item.tieuDe + '</a></li>'; });
                   $('#ds-tin').html(html); } });
      }
      taiTrang(1);</script></body></html>"""
    (request,) = api_requests(jquery)
    assert (request.endpoint, request.method, request.page_size) == ("/api/tin-tuc/danh-sach", "GET", 12)
    assert request.params == {"chuyenMucId": "27", "trang": "{page}", "pageSize": "{page_size}"}
    assert request.left_out == ["tuKhoa"]
    records = _vietnamese_shape()["items"]
    root = "https://tinh.gov.vn"
    found = detail.candidates(jquery, lambda href: root + href, records, "tin_id", root, js.assignments(jquery))
    assert (found[0].template, found[0].field) == (root + "/tin-tuc/chi-tiet.aspx?id={id}", "tin_id")

    datatables = """<html><head><script>var listName = 'TinTuc';
      $(function () { $('#grid').DataTable({ serverSide: true, pageLength: 20,
        ajax: { url: 'api/items', data: function (d) { d.listName = listName; d.lang = 'vi'; } },
        columns: [{ data: 'name',
                    render: function (data, type, row) { return `<a href="/news/${row.guid}">${data}</a>`; } }]
      }); });</script></head><body><table id='grid'></table></body></html>"""
    (request,) = api_requests(datatables)
    assert (request.endpoint, request.method, request.page_size) == ("api/items", "GET", 20)
    assert request.params == {"draw": "{page}", "start": "{start}", "length": "{page_size}", "listName": "TinTuc",
                              "lang": "vi"}
    records = _odata_shape()["value"]
    found = detail.candidates(datatables, lambda href: root + href, records, "guid", root, js.assignments(datatables))
    assert (found[0].template, found[0].field) == (root + "/news/{id}", "guid")


def test_what_cannot_be_inferred_of_a_json_api_is_said_in_one_line():
    from spiders.onboard import detail
    from spiders.onboard.api import api_requests
    from spiders.onboard.records import recognise
    failures = []
    for attempt in (
        lambda: recognise({"d": {"results": _odata_shape()["value"]}}),  # nested deeper than the spider reads
        lambda: recognise({"items": [{"id": i, "name": "x"} for i in range(5)]}),  # no title, no text
        lambda: api_requests("<script>$('#t').DataTable({ ajax: { url: '/api/x', type: 'POST', contentType: "
                             "'application/json', data: function (d) { return JSON.stringify(d); } } });</script>"),
        lambda: detail.verify([], _odata_shape()["value"], "name", fetch=None),  # no detail URL to try
    ):
        with pytest.raises(InferenceError) as e:
            attempt()
        failures.append(str(e.value))
    assert all(msg and "\n" not in msg for msg in failures), failures
