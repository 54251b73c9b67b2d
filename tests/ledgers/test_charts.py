"""Server-drawn charts: a label too long for its column is cut visibly, and the bar's title keeps it whole."""
from ledgers.charts import Bar, hbar_chart


def test_a_long_label_is_cut_with_an_ellipsis_and_kept_whole_in_the_title():
    svg = hbar_chart([Bar("最低生活保障（低保）", 12), Bar("特困", 3, url="/x/")], title="救助类别")
    assert "最低生活保障（低…" in svg and ">最低生活保障（低保</text>" not in svg
    assert "<title>最低生活保障（低保）：12</title>" in svg
    assert '<a href="/x/"><title>特困：3</title>' in svg and ">特困</text>" in svg


def test_the_latest_column_always_has_its_label_when_labels_are_thinned():
    """Fourteen weeks leave room for every other label: the current week's is one of them, whatever the count."""
    import re

    from ledgers.charts import grouped_columns

    for n in (13, 14):
        labels = [f"w{i}" for i in range(n)]
        svg = str(grouped_columns(labels, [("新增预警", [1] * n, [])], title="每周"))
        shown = re.findall(r'class="chart-label">(w\d+)<', svg)
        assert shown[-1] == f"w{n - 1}" and len(shown) < n, (n, shown)
