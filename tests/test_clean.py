"""Boilerplate removal and multi-article splitting on the real corpus pages."""

from consistency.ingest.clean import ARTICLE_BREAK, split_articles
from consistency.ingest.markup import html_to_text, markdown_to_text

from .conftest import CORPUS


def page(name: str) -> str:
    return next(CORPUS.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


def test_section_page_splits_into_its_nine_articles_with_titles():
    articles = split_articles(page("002"), fallback_title="x")
    titles = [a.title for a in articles]
    assert len(articles) == 9
    assert titles[0] == "Iran’s Looming Missile Shipment to Russia: A Game-Changer in Ukraine’s War?"
    assert "Ukraine Reports Downing 48 Russian Drones" in titles
    assert titles[-1] == "US: 8,000 N. Korean Troops Expected to Join Ukraine Fight in Coming Days"
    for article in articles:
        assert article.text.startswith(article.title)
        for chrome in ("Continue Reading", "Russia-Ukraine War\n", "Published\n", "Most Viewed"):
            assert chrome not in article.text


def test_tail_blocks_comment_widgets_and_unrelated_stories_are_dropped():
    (article,) = split_articles(page("000"), fallback_title="x")
    for junk in ("Related Article", "Coral transplants", "Would love your thoughts", "Visited 1 times", "Source link"):
        assert junk not in article.text
    assert article.text.rstrip().endswith("when Ukraine needs them most.")


def test_photo_captions_repeated_twice_are_dropped_but_prose_stays():
    (article,) = split_articles(page("000"), fallback_title="x")
    assert "Firefighters at the site" not in article.text
    assert "(Reuters)" not in article.text and "(AFP via Getty Images)" not in article.text
    assert "swarms of 500 drones and missiles" in article.text


def test_signup_prompts_navigation_and_bylines_before_the_title_are_dropped():
    (article,) = split_articles(page("004"), fallback_title="x")
    assert article.title == "Vladimir Putin becoming desperate with Ukraine 'absolutely annihilating' Russia"
    for junk in ("Get all your news", "Daily Mirror", "Rachel Hagan", "Sign up to read", "One app."):
        assert junk not in article.text
    (ft,) = split_articles(page("001"), fallback_title="x")
    assert "newsletter" not in ft.text and "Leave a Reply" not in ft.text


def test_html_articles_split_and_chrome_elements_skipped():
    html = """<html><head><title>Site</title><script>var x = 1;</script></head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <article><h1>First strike report</h1><p>Russia fired 12 missiles at Odesa on Tuesday, officials said.</p>
    <figure><img src="a.jpg"><figcaption>Smoke over Odesa (Reuters)</figcaption></figure>
    <p>Nine of the missiles were intercepted by air defences, the navy said.</p></article>
    <article><h1>Second report on aid</h1>
    <p>Sweden announced a new aid package worth $2.2 billion for Ukraine.</p></article>
    <footer>Copyright 2024 <form>Subscribe</form></footer></body></html>"""
    articles = split_articles(html_to_text(html), fallback_title="x")
    assert [a.title for a in articles] == ["First strike report", "Second report on aid"]
    assert "var x" not in articles[0].text and "Home" not in articles[0].text
    assert "Smoke over Odesa" not in articles[0].text
    assert "Copyright" not in articles[1].text


def test_malformed_html_still_yields_its_text():
    html = (
        "<html><body><p>Officials said 40 drones were launched at Kyiv overnight on "
        "Sunday.<div><p>Unclosed <b>bold text in a second paragraph that goes on"
    )
    text = html_to_text(html)
    assert "40 drones were launched" in text and "Unclosed bold text" in text
    assert ARTICLE_BREAK not in text


def test_markdown_links_images_and_heading_marks_become_plain_text():
    text = markdown_to_text("# Title here\n\n![photo](x.png)\n\nRussia sent [500 drones](http://x) on **Monday**.\n")
    assert "Title here" in text and "#" not in text
    assert "Russia sent 500 drones on Monday." in text
    assert "x.png" not in text


def test_page_of_only_furniture_has_no_articles():
    assert split_articles("Continue Reading\n\nShare\n\nSign in here\n", fallback_title="x") == []
