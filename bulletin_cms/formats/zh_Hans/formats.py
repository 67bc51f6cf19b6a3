"""zh-hans input formats beyond Django's: 2026年12月3日 and 2026.12.3 as offices write dates, besides 2026-12-3."""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-03, 2026-12-3 (the date picker's own format first)
    "%Y/%m/%d",  # 2026/12/3
    "%Y年%m月%d日",  # 2026年12月3日
    "%Y.%m.%d",  # 2026.12.3
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y-%m-%d",
]
