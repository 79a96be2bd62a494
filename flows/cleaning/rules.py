"""General cleaning rules, as data. Portal-specific ones live in the portal's definition
(`Portal.noise_lines`), so a phrase one portal prints as chrome never strips a sentence on
another. Every rule here matches a whole line or an anchored prefix, never inside a sentence.

Each rule has a name: the name is what the audit records next to the text it removed.
"""

from __future__ import annotations

import re

# Whole lines of page chrome, on any portal.
DROP_LINES = (
    ("font_size_controls", re.compile(r"(?:(?:Tăng|Giảm)\s+cỡ\s+chữ\s*|Cỡ\s+chữ\s*[:\-+A]*\s*)+", re.I)),
    ("share_print_controls", re.compile(r"(?:(?:In bài|Chia sẻ|Gửi bài|Bản in|Lưu bài|Email)\s*[|/]?\s*)+", re.I)),
)

# A view counter; the number is kept as `views`.
VIEW_COUNTER = re.compile(r"(?:Lượt xem\s*:?\s*([\d.,]+)|([\d.,]+)\s*lượt xem)", re.I)

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
