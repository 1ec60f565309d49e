"""Bot detection from the combined maintained lists: crawlers flagged, the browsers of Indonesia never."""

from pathlib import Path

import pytest
from crawleruseragents import CRAWLER_USER_AGENTS_DATA
from sqlalchemy import select

from outreach.links import visitors
from outreach.links.models import Scan
from outreach.links.visitors import classify_user_agent
from outreach.lru import BoundedLRU
from tests.links.conftest import TARGET

BROWSERS_FILE = Path(__file__).parent / "data" / "browsers_in_indonesia.txt"
FAMILIES = {
    "Chrome on Android",
    "Android WebView",
    "Samsung Internet",
    "Mi Browser",
    "Opera Mini",
    "UC Browser",
    "Safari on iOS",
    "Chrome on iOS",
    "KaiOS",
    "Facebook in-app",
    "Instagram in-app",
    "TikTok in-app",
    "LINE in-app",
    "Google app",
}
# What fetches a tautan when someone pastes it into a chat: never a person.
LINK_PREVIEWS = [
    "WhatsApp/2.23.20.0 A",
    "WhatsApp/2.2413.51 i",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "facebookcatalog/1.0",
    "TelegramBot (like TwitterBot)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Slack-ImgProxy (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    "Pinterestbot",
]


def browsers() -> dict[str, list[str]]:
    """The user agents of tests/links/data/browsers_in_indonesia.txt by family."""
    families: dict[str, list[str]] = {}
    family = None
    for line in BROWSERS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("["):
            family = line.strip("[]")
            families[family] = []
        else:
            families[family].append(line)
    return families


def test_the_crawler_corpus_is_flagged():
    corpus = [agent for entry in CRAWLER_USER_AGENTS_DATA for agent in entry.get("instances", [])]
    missed = [agent for agent in corpus if not classify_user_agent(agent)[1]]
    assert len(corpus) > 2_000
    assert 1 - len(missed) / len(corpus) >= 0.98, missed[:20]


def test_the_browsers_people_in_indonesia_use_are_never_flagged():
    families = browsers()
    assert set(families) == FAMILIES
    assert all(len(agents) >= 4 for agents in families.values())
    flagged = [
        (family, agent) for family, agents in families.items() for agent in agents if classify_user_agent(agent)[1]
    ]
    assert flagged == []


@pytest.mark.parametrize("agent", LINK_PREVIEWS)
def test_link_preview_fetchers_stay_flagged(agent):
    assert classify_user_agent(agent) == ("other", True)


def test_a_crawler_only_one_list_knows_is_still_sent_on_and_stored_flagged(client, db, link):
    agent = "meta-externalagent/1.1"  # Meta's AI crawler, which crawlerdetect and ua-parser miss
    response = client.get("/s/ABC234", headers={"User-Agent": agent})
    assert response.status_code == 302 and response.headers["Location"] == TARGET
    [scan] = db.session.scalars(select(Scan)).all()
    assert (scan.is_bot, scan.device_class) == (True, "other")


def test_the_classification_cache_is_a_bounded_lru(monkeypatch):
    cache = BoundedLRU[bytes, tuple[str, bool]](2)
    monkeypatch.setattr(visitors, "classifications", cache)
    phone, tablet, pc = (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
    )
    classify_user_agent(phone)
    classify_user_agent(tablet)
    classify_user_agent(phone)  # the phone is now the most recently used
    classify_user_agent(pc)  # evicts the tablet
    calls = []
    monkeypatch.setattr(visitors, "_classify", lambda agent: calls.append(agent) or ("other", False))
    classify_user_agent(phone)
    classify_user_agent(tablet)
    assert calls == [tablet]
    assert len(cache) == 2
