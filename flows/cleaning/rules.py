"""General cleaning rules, as data. Portal-specific ones live in the portal's definition
(`Portal.noise_lines`), so a phrase one portal prints as chrome never strips a sentence on
another. Every rule here matches a whole line or an anchored prefix, never inside a sentence.

Each rule has a name: the name is what the audit records next to the text it removed.
"""

from __future__ import annotations

import re

# Share, social and print buttons, printed as text in any mix and order: `Chia sẻ Facebook Zalo
# In bài`, `Zalo Facebook Twitter Email In bài`, `Like 0 Share`. A line made only of these goes.
SHARE_TOKENS = (r"In bài|In trang|Bản in|Chia sẻ(?: bài viết)?|Gửi bài|Gửi (?:e-?mail|cho bạn bè)|Lưu bài|Lưu tin|"
                r"E-?mail|Facebook|Zalo|Twitter|LinkedIn|Messenger|Telegram|Pinterest|Google\+?|Tweet|Like|Share|"
                r"Copy link|Sao chép liên kết")
_SHARE_SEP = r"[\s|/,:;•·–-]*"
SHARE_CHROME = rf"(?:(?:{SHARE_TOKENS})(?![\w+]){_SHARE_SEP}(?:\(?\d+\)?{_SHARE_SEP})?)+"
# The same chrome glued after a byline on one line: `Tài Tùng Facebook Zalo In bài`.
SHARE_SUFFIX = re.compile(rf"\s+{SHARE_CHROME}$", re.I)

# Whole lines of page chrome, on any portal.
DROP_LINES = (
    ("font_size_controls", re.compile(r"(?:(?:Tăng|Giảm)\s+cỡ\s+chữ\s*|Cỡ\s+chữ\s*[:\-+A]*\s*)+", re.I)),
    ("share_print_controls", re.compile(SHARE_CHROME, re.I)),
    # `Tệp đính kèm: QD-123.pdf`: the file list under an article, never its text.
    ("attachment", re.compile(r"(?:Tệp|Tập tin|File|Văn bản) đính kèm\b.*", re.I)),
    # `Đọc thêm: <another article's title>`: a link inside the body.
    ("read_more", re.compile(r"(?:Đọc thêm|Xem tiếp)(?:\s*[:>»-].{0,200})?", re.I)),
    ("photo_credit", re.compile(r"\(?(?:Ảnh minh h(?:ọa|oạ)|Ảnh\s*:\s*[^.:;]{1,60})\)?\.?", re.I)),
)

# A line that only points at an attached file: `Chi tiết xem tại đây ./.`, `Xem toàn văn tại đây`,
# `Xem chi tiết trong file đính kèm`. Dropped; a page with nothing else is an attachment stub,
# not an article.
ATTACHMENT_POINTER = re.compile(
    r"(?:(?:Xem\s+)?(?:chi tiết|toàn văn|nội dung)(?:\s+\S+){0,3}?\s+(?:xem\s+)?"
    r"(?:tại đây|(?:tại|trong)\s+(?:file|tệp|tập tin)(?: đính kèm)?)|Tải về|Download)\s*[.:/]*", re.I)

# A view counter; the number is kept as `views`.
VIEW_COUNTER = re.compile(r"(?:(?:Số\s+)?Lượt xem\s*:?\s*([\d.,]+)|([\d.,]+)\s*lượt xem|View count\s*:?\s*([\d.,]+))", re.I)

# The labels portals put before an article's date, and the meta line they make with the time
# and the counter: `Ngày đăng 13/05/2016 | 4:53 PM | Lượt xem: 1648`, `Đăng ngày 08/04/2024`,
# `Đăng tải: 11/01/2024 10:20`. Each part between `|` must be one of these, or the line stays.
DATE_LABEL = re.compile(r"(?:Ngày đăng|Đăng ngày|Đăng tải|Đăng lúc|Ngày cập nhật|Cập nhật|Ngày xuất bản|"
                        r"Thời gian đăng|Ngày)\s*:?\s*", re.I)
TIME_PART = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?", re.I)
META_SEPARATOR = re.compile(r"\s*\|\s*")
# Meta lines, credits and bylines with chrome are short; longer lines are not tried (cost per page).
META_MAX_CHARS = 160
SUFFIX_WINDOW = 100

# Credits. `Tác giả: X` / `Tin, ảnh: X` name the author (kept as `author` when the page names
# none); `Nguồn: X` and a closing `Theo X` name the outlet, kept as `author` only as a last
# resort (SharePoint portals print `Theo Báo Yên Bái` in their author element themselves).
AUTHOR_LABEL = re.compile(r"(?:Tác giả|Người viết|Tin(?:,| và) ảnh|Bài(?:,| và) ảnh|Bài)\s*:\s*"
                          r"(?P<name>[^:;]{2,60}?)\.?")
SOURCE_LABEL = re.compile(r"\(?Nguồn\s*:\s*(?P<name>[^:;()]{2,80}?)\)?\.?", re.I)
# `Theo TTXVN`, `(Theo Báo Nhân Dân điện tử)`, `Theo baochinhphu.vn`: a few words naming an
# outlet, capitalised or a domain, with no clause after them. `Theo kế hoạch, ...` is a sentence.
SOURCE_CREDIT = re.compile(r"\(?Theo\s+(?P<name>[^,;:()]{2,60}?)\)?\.?")
SOURCE_DOMAIN = re.compile(r"[\w-]+\.(?:vn|com|net|org)\b", re.I)
SOURCE_CREDIT_MAX_WORDS = 6
# The page's own author element may carry the label: `Theo Báo Yên Bái`, `Tác giả: Hồng Hạnh`.
AUTHOR_ELEMENT_LABEL = re.compile(r"^(?:Theo|Tác giả\s*:|Nguồn\s*:|Tin,? ảnh\s*:|Bài,? ảnh\s*:)\s*", re.I)

# A photo credit glued to the end of a caption: `Toàn cảnh hội nghị (Ảnh minh họa)`,
# `... tại điểm cầu Yên Bái. (Ảnh: Thanh Chi)`, `... hội nghị. Ảnh: Tài Tùng`.
PHOTO_CREDIT_SUFFIX = re.compile(
    r"\s*(?:\((?:Ảnh minh h(?:ọa|oạ)|Ảnh\s*:\s*[^()]{1,60})\)|(?<=[.])\s*Ảnh\s*:\s*[^.:;()]{1,40})\.?$", re.I)

# Text pasted from MS Word: the document settings and style sheet it carries, printed before the
# article: `Normal 0 false false false MicrosoftInternetExplorer4 /* Style Definitions */
# table.MsoNormalTable {mso-style-name:"Table Normal"; ...}`. It only ever opens a line.
WORD_STYLE_START = re.compile(
    r"\s*(?:Normal\s+\d+\s+(?:\d+\s+)*(?:false|true)\b|/\*\s*(?:Style|Font) Definitions|<!--|-->|<!\[endif|@font-face|"
    r"st1\\:\*|v\\:\*|[a-z0-9]+\.Mso)", re.I)
WORD_STYLE = re.compile(
    r"(?:\s*(?:Normal(?:\s+(?:\d+|false|true|[A-Z]{1,3}-[A-Z]{2,4}|MicrosoftInternetExplorer\d))+"
    r"|/\*.*?\*/|<!--|-->|<!\[endif\]>?|\[if [^\]]*\]>?|[A-Za-z0-9_.:\\*#@\[\]=\-\" ,>+~()]+\{[^{}]*\}))+", re.S)

# Elements inside an article region that are never article text, whatever the portal: style
# sheets and scripts (a Word paste brings its <style>), and the related-news, share, rating and
# tag boxes the CMS families of PORTALS.md put inside the body container.
DROP_ELEMENTS = ("style", "script", "noscript", ".related-news", ".article-relate", ".tandan-div-article-other",
                 ".social-share", ".share", ".rating", ".tags")

# A line that opens the related-news box: it and everything after it go.
RELATED_NEWS = re.compile(
    r"(?:Tin cùng chuyên mục|Tin liên quan|Các tin khác|Tin khác|Xem thêm|Bài viết liên quan|Tin đã đưa)\s*:?",
    re.I)

# A line holding only a date (and time): the article's date line.
DATE_LINE = re.compile(
    r"(?:(?:Thứ\s+\S+|Chủ\s+nhật)\s*,\s*)?\d{1,2}/\d{1,2}/\d{4}"
    r"(?:\s*[-,]?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?", re.I)

# Prefixes glued to a line's first words: a crawler's metadata, and datelines.
CRAWLER_METADATA = re.compile(r"^\s*date\s+(\d{4})-(\d{2})(?:-\d{2})?\s+")
DATELINE = re.compile(
    r"^(?:CTTĐT|Cổng TTĐT|Cổng thông tin điện tử tỉnh(?:\s+[A-ZĐÂ][^\s-]*){0,2})\s*-\s+")
PREFIXES = (("crawler_metadata", CRAWLER_METADATA), ("dateline", DATELINE))

# A lead that opens with its day: `Sáng 11/1, ...`, `Chiều 18/02, ...`, `Ngày 17/1, ...`.
LEAD_DAY = re.compile(r"^(?:Sáng|Chiều|Tối|Trưa|Ngày|Đêm)\s+(?:nay\s+)?(?:\(|ngày\s+)?(\d{1,2})/(\d{1,2})(?!/)")

# Photo captions in text without markup: a short, single-sentence line that names what a photo
# shows. Headings (`Nhiều kết quả nổi bật trong quý I/2024`) name no scene and stay in the body.
CAPTION_MAX_CHARS = 220
# (`Các đại biểu ...` alone is no sign: body sentences open that way too; a caption of
# delegates names the scene, `tại điểm cầu`, `tham dự hội nghị`.)
CAPTION_OPENERS = re.compile(r"^(?:\.\.\.|…|Toàn cảnh|Quang cảnh)")
CAPTION_SCENES = re.compile(
    r"phát biểu tại|phát biểu chỉ đạo|phát biểu kết luận|kết luận hội nghị|trao tặng|tặng bằng khen|"
    r"tặng cờ|trao bằng khen|tham dự hội nghị|dự hội nghị|tại điểm cầu|chụp ảnh lưu niệm", re.I)
# A caption may also be a sentence echoing the title (`Hội nghị trực tuyến đánh giá 1 năm ...` under a title
# `Hội nghị đánh giá 1 năm ...`): this share of the title's words, at least.
CAPTION_TITLE_ECHO = 0.8

# Bylines: `Tài Tùng`, `Hương Dịu (TTXVN)`, or the editorial board.
BYLINE_UNIT = re.compile(r"\s*\([^()]{2,20}\)$")
BYLINE_WORDS = (2, 4)
BYLINE_MAX_CHARS = 40
EDITORIAL_BYLINES = ("Ban Biên tập", "BBT")

MAX_TITLE_CHARS = 220
# A second copy of the body: at least this share of its word 5-grams repeat the first copy.
REPEAT_SHARE = 0.8
# Less text than this (lead and body together) is not an article: a menu, a stub, an empty page.
MIN_ARTICLE_CHARS = 80
