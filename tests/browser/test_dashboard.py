"""The dashboard's charts as drawn in Chromium (static/js/dashboard.js): the line chart's axis
ends at the date asked about, with regular ticks and a labelled target; the kecamatan bars
have readable names and a visible bar even at 0%."""

import pytest

pytestmark = pytest.mark.browser


def test_line_chart_ends_at_the_date_asked_with_regular_ticks(logged_in, live_server, demo):
    page = logged_in
    page.goto(f"{live_server.url}/?tanggal=2023-06-25")
    page.wait_for_function("() => window.kimCharts && window.kimCharts.kecamatan")
    chart = page.evaluate(
        """() => {
          const c = Chart.getChart('chart-monthly');
          const ticks = c.scales.x.ticks
            .map(t => ({index: t.value, label: t.label}))
            .filter(t => t.label !== null && t.label !== undefined && t.label !== '');
          return {
            months: JSON.parse(document.getElementById('line-chart-data').textContent).months,
            ticks: ticks,
            legend: c.data.datasets.map(d => d.label),
          };
        }"""
    )
    assert chart["months"][0] == "2017-01"
    assert chart["months"][-1] == "2023-06"  # not today's month
    ticks = chart["ticks"]
    assert len(ticks) >= 4
    gaps = {b["index"] - a["index"] for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(gaps) == 1, ticks  # evenly spaced
    # Yearly ticks fall on January and read as the year.
    if gaps == {12}:
        assert [t["label"] for t in ticks] == [str(year) for year in range(2017, 2024)]
    # The year's target, beyond the axis, is a labelled line in the legend.
    assert "Target 2023: 240" in chart["legend"]


def test_bar_chart_shows_zero_bars_and_readable_names(logged_in, live_server, demo):
    page = logged_in
    page.goto(f"{live_server.url}/?tanggal=2019-01-31")
    page.wait_for_function("() => window.kimCharts && window.kimCharts.kecamatan")
    # Bars grow from zero as the chart animates in: measure them once it has finished.
    page.wait_for_function(
        "() => !Chart.animator.running(Chart.getChart('chart-kecamatan'))", polling=100
    )
    bars = page.evaluate(
        """() => {
          const c = Chart.getChart('chart-kecamatan');
          const zero = c.scales.x.getPixelForValue(0);
          return {
            values: c.data.datasets[0].data,
            widths: c.getDatasetMeta(0).data.map(b => b.x - zero),
            fontSize: c.options.scales.y.ticks.font.size,
          };
        }"""
    )
    zero_bars = [w for v, w in zip(bars["values"], bars["widths"], strict=True) if v == 0]
    assert zero_bars, "the demo has kecamatan without KIM early in 2019"
    assert min(zero_bars) >= 2
    assert bars["fontSize"] >= 12


def test_comparison_sorts_by_a_click_and_draws_every_area_on_a_phone(logged_in, live_server, demo):
    """The comparison page of Kabupaten Malang at 360 px: a click on a column heading sorts the
    rows by it; the chart has a bar pair per kecamatan, its box tall enough for their names."""
    page = logged_in
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/laporan/perbandingan/?wilayah=35.07&tanggal=2023-06-25")
    page.wait_for_function("() => window.kimCharts && window.kimCharts.comparison")
    chart = page.evaluate(
        """() => {
          const c = Chart.getChart('chart-comparison');
          return {labels: c.data.labels.length, sets: c.data.datasets.length,
                  height: c.height};
        }"""
    )
    assert chart["labels"] == 33
    assert chart["sets"] == 2
    assert chart["height"] >= 33 * 20
    page.click("table[data-comparison] th a:text('Cakupan (%)')")
    page.wait_for_url("**sort=coverage_percent**")
    cells = page.locator("table[data-comparison] tbody tr td:nth-child(4)").all_inner_texts()
    values = [float(text.replace(",", ".")) for text in cells]
    assert values == sorted(values)
    assert len(set(values)) > 1
    # Nothing scrolls sideways on the phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
