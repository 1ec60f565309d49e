"""Which user agents are automated (crawlers, link-preview fetchers, scripts), from maintained lists.

No single list knows every bot, so three are combined, and a user agent any of them names is flagged:

- `crawler-user-agents` (the patterns of monperrus/crawler-user-agents): hundreds of patterns, each
  kept with real user agents it must match, which tests/links/test_bot_detection.py runs as a corpus;
- `crawlerdetect` (a port of JayBizzle/Crawler-Detect): a long pattern list with its own exclusions;
- ua-parser's "Spider" family, through `user_agents`, which the device class already reads.

A flag never drops a scan: the visitor still gets the 302 and the scan is stored, only left out of
the human figures. The patterns are compiled once per process, at import; results are cached per user
agent by `outreach.links.visitors.classify_user_agent`, so a scan pays for this once per new agent.
"""

import re

from crawlerdetect import CrawlerDetect
from crawleruseragents import CRAWLER_USER_AGENTS_DATA

# Python's regex engine gives up its literal-prefix shortcuts on one alternation of every pattern;
# chunks of about 25 (as the package's own matcher uses) run three times faster than either extreme.
_CHUNK = 25
_patterns = [entry["pattern"] for entry in CRAWLER_USER_AGENTS_DATA]
_CRAWLER_USER_AGENTS = tuple(
    re.compile("|".join(_patterns[start : start + _CHUNK])) for start in range(0, len(_patterns), _CHUNK)
)
_crawler_detect = CrawlerDetect()


def listed_as_crawler(user_agent: str) -> bool:
    """True when one of crawler-user-agents' patterns matches (case-sensitive, as they are written)."""
    return any(chunk.search(user_agent) for chunk in _CRAWLER_USER_AGENTS)


def is_automated(user_agent: str, parsed_is_bot: bool = False) -> bool:
    """True when any maintained list names this user agent as a bot (`parsed_is_bot`: ua-parser's verdict)."""
    return parsed_is_bot or listed_as_crawler(user_agent) or _crawler_detect.is_crawler(user_agent)
