from conflict.selectors.report_text import highlighted_report_text


def test_it_escapes_every_piece_of_report_text():
    html = highlighted_report_text('a <b>&"x"</b>', [], [])

    assert str(html) == "a &lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;"


def test_it_wraps_a_claim_and_the_entities_inside_it():
    text = "ISIS took Hajin."
    spans = [{"kind": "actor", "start": 0, "end": 4, "text": "ISIS", "ref": 4},
             {"kind": "place", "start": 10, "end": 15, "text": "Hajin", "ref": 7}]

    html = str(highlighted_report_text(text, spans, [(9, 0, 16)]))

    assert html == ('<mark class="claim" id="claim-9" data-claim="9"><span class="tag tag-actor" title="actor">ISIS'
                    '</span> took <span class="tag tag-place" title="place">Hajin</span>.</mark>')


def test_overlapping_claims_each_get_an_anchor():
    html = str(highlighted_report_text("one two three", [], [(1, 0, 7), (2, 4, 13)]))

    assert 'id="claim-1"' in html and 'id="claim-2"' in html
    assert html.count("<mark") >= 2


def test_spans_out_of_range_or_malformed_are_ignored():
    spans = [{"kind": "place", "start": 5, "end": 99}, {"kind": "actor"}, {"kind": "date", "start": "x", "end": 2},
             {"kind": "place", "start": 0, "end": 3, "text": "abc"}, {"kind": "actor", "start": 1, "end": 3}]

    html = str(highlighted_report_text("abcdef", spans, [(3, 4, 2)]))

    assert html == '<span class="tag tag-place" title="place">abc</span>def'
