"""Watermarks (PIPL: a photographed screen or a forwarded file says whose it was).

Pages: every signed-in page links `relief:watermark_css`, a stylesheet that sets the body's background to
`relief:watermark_svg`, a faint tiled SVG with the viewer's name, account and the time it was drawn. Both are
served same-origin, so the Content-Security-Policy (no inline style or script, images from 'self' only, no
data: URLs) is kept; both answer `no-store` like every signed-in response, so the time is the page view's.
Spreadsheets: `relief.xlsx.write_workbook(..., watermark=text)` puts the same text in every sheet's printed
header and footer.
"""
from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from django.utils import timezone


def watermark_text(user, at: dt.datetime | None = None) -> str:
    """Who and when: 姓名（账号） 2026-12-02 19:50."""
    at = timezone.localtime(at or timezone.now())
    if user is None or not getattr(user, "is_authenticated", False):
        return f"系统 {at:%Y-%m-%d %H:%M}"
    return f"{user.display_name}（{user.get_username()}） {at:%Y-%m-%d %H:%M}"


def watermark_svg(text: str) -> str:
    """One tile: the text twice, turned, in a grey faint enough to read the page through."""
    text = escape(text)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="220" viewBox="0 0 360 220">'
        '<g fill="#000" fill-opacity="0.07" font-size="14" font-family="sans-serif" '
        'transform="rotate(-24 180 110)">'
        f'<text x="20" y="80">{text}</text><text x="60" y="180">{text}</text>'
        '</g></svg>')


def sheet_header_footer(ws, text: str) -> None:
    """The printed header and footer of a sheet (openpyxl's header codes: && is a literal &)."""
    text = text.replace("&", "&&")
    ws.oddHeader.center.text = text
    ws.oddFooter.center.text = f"{text}　第 &P 页 / 共 &N 页"
    ws.evenHeader.center.text = ws.oddHeader.center.text
    ws.evenFooter.center.text = ws.oddFooter.center.text
