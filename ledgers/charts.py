"""Charts drawn on the server as SVG: no script, no CDN, readable offline and printable.

Each bar carries its number and, where there is one, a link to the list behind it.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from relief.punctuation import COLON

PALETTE = ["#1f5fa8", "#2f855a", "#b7791f", "#c0392b", "#6b46c1", "#2c7a7b", "#975a16", "#4a5568"]


@dataclass
class Bar:
    label: str
    value: float
    url: str = ""
    display: str = ""   # the number as shown (e.g. "87.5%"); defaults to the value


LABEL_CHARS = 9  # what fits the label column at the chart's font size


def _short(label: str) -> str:
    """The label as the column holds it: cut with an ellipsis, never silently (the bar's title has it whole)."""
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def _shown(bar: Bar) -> str:
    if bar.display:
        return bar.display
    return f"{bar.value:g}" if isinstance(bar.value, float) else str(bar.value)


def hbar_chart(bars: list[Bar], *, title: str, max_value: float | None = None, color: str = PALETTE[0]) -> str:
    """Horizontal bars, one per row: fits a 360-px phone whatever the number of categories."""
    row_h, label_w, width = 26, 116, 140
    height = max(1, len(bars)) * row_h + 8
    top = max_value if max_value is not None else max([b.value for b in bars] + [1])
    top = top or 1
    parts = [_open_svg(width + label_w + 44, height, title)]
    for i, bar in enumerate(bars):
        y = i * row_h + 4
        w = 0 if bar.value <= 0 else max(2, round(bar.value / top * width))
        inner = format_html(
            '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}"></rect>'
            '<text x="{}" y="{}" class="chart-value">{}</text>',
            label_w - 6, y + 16, _short(bar.label), label_w, y + 3, w, row_h - 8, color,
            label_w + w + 4, y + 16, _shown(bar))
        if bar.url:
            inner = format_html('<a href="{}"><title>{}{}{}</title>{}</a>', bar.url, bar.label, COLON, _shown(bar), inner)
        else:
            inner = format_html('<g><title>{}{}{}</title>{}</g>', bar.label, COLON, _shown(bar), inner)
        parts.append(inner)
    if not bars:
        parts.append(format_html('<text x="10" y="20" class="chart-label">{}</text>', _("暂无数据")))
    parts.append(mark_safe("</svg></div>"))
    return mark_safe("".join(parts))


def _open_svg(width: int, height: int, title: str) -> str:
    """Drawn at its own size, never scaled down to the screen: scaled, a 12-unit label on a 360-px phone
    came out at 5 px. A chart wider than the screen scrolls sideways inside its box instead."""
    return format_html('<div class="chart-scroll"><svg class="chart" role="img" viewBox="0 0 {w} {h}" width="{w}" '
                       'height="{h}"><title>{t}</title>', w=width, h=height, t=title)


def grouped_columns(labels: list[str], series: list[tuple[str, list[float], list[str]]], *, title: str) -> str:
    """Vertical columns per period (months, weeks), one colour per series, with a legend."""
    n = max(1, len(labels))
    groups = len(series) or 1
    group_w = max(22, min(60, 264 // n))
    bar_w = max(6, (group_w - 6) // groups)
    plot_h, base, left = 150, 180, 24
    width = left + n * group_w + 10
    top = max([v for _, values, _ in series for v in values] + [1])
    parts = [_open_svg(max(width, 280), base + 46, title)]
    parts.append(format_html('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#9aa5b1"></line>', left, base,
                             width, base))
    for s, (name, values, urls) in enumerate(series):
        color = PALETTE[s % len(PALETTE)]
        for i, value in enumerate(values):
            h = 0 if value <= 0 else max(1, round(value / top * plot_h))
            x = left + i * group_w + s * bar_w + 3
            # A zero has no column to label: side by side, the zeros of narrow columns ran together ("00").
            inner = format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
                '<text x="{}" y="{}" text-anchor="middle" class="chart-value">{}</text>',
                x, base - h, bar_w - 1, h, color, x + bar_w / 2, base - h - 3, f"{value:g}") if value else \
                format_html('<rect x="{}" y="{}" width="{}" height="0" fill="{}"></rect>', x, base, bar_w - 1, color)
            url = urls[i] if i < len(urls) else ""
            if url:
                inner = format_html('<a href="{}"><title>{} {}{}{}</title>{}</a>', url, labels[i], name,
                                    COLON, f"{value:g}", inner)
            parts.append(inner)
        lx = left + s * 110
        parts.append(format_html('<rect x="{}" y="{}" width="10" height="10" fill="{}"></rect>'
                                 '<text x="{}" y="{}" class="chart-label">{}</text>', lx, base + 30, color, lx + 14,
                                 base + 39, name))
    step = max(1, -(-44 // group_w))  # a label ("11/30") is about 40 units wide at 12 units
    for i, label in enumerate(labels):
        # Counted from the last: the latest period, the one a reader looks for, always has its label (counted
        # from the first, an even number of weeks left this week's column unlabelled beside last week's label).
        if (n - 1 - i) % step == 0:
            parts.append(format_html('<text x="{}" y="{}" text-anchor="middle" class="chart-label">{}</text>',
                                     left + i * group_w + group_w / 2, base + 15, label))
    parts.append(mark_safe("</svg></div>"))
    return mark_safe("".join(parts))


def funnel(stages: list[Bar], *, title: str) -> str:
    return hbar_chart(stages, title=title, color=PALETTE[5])


__all__ = ["Bar", "hbar_chart", "grouped_columns", "funnel", "escape"]
