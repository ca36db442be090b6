"""The wilayah selector's options (``{% select_options %}``): each value and label escaped,
the chosen one selected, as the selector include renders them."""

from django.template.loader import render_to_string


def test_options_are_escaped_and_the_chosen_one_selected():
    choices = [("35", "Jawa Timur"), ("35.07", 'Kab. <b>"Malang"</b> & Batu'), (36, "Banten")]
    html = render_to_string(
        "includes/wilayah_select.html", {"choices": choices, "chosen": "35.07", "all_label": ""}
    )

    assert '<option value="35">Jawa Timur</option>' in html
    assert (
        '<option value="35.07" selected>Kab. &lt;b&gt;&quot;Malang&quot;&lt;/b&gt; &amp; Batu'
        "</option>" in html
    )
    assert '<option value="36">Banten</option>' in html  # a number compared as text
    assert html.count(" selected") == 1
    assert "<b>" not in html


def test_nothing_chosen_selects_nothing():
    html = render_to_string(
        "includes/wilayah_select.html", {"choices": [("35", "Jawa Timur")], "chosen": None}
    )

    assert '<option value="35">Jawa Timur</option>' in html
    assert " selected" not in html
