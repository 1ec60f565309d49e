"""Bot detection figures: the crawler corpus flagged, the browsers of Indonesia not, and the cost per scan.

    .venv/bin/python -m bench.bot_corpus

Runs `classify_user_agent` over every instance of the crawler-user-agents corpus (target >= 98%
flagged) and over tests/links/data/browsers_in_indonesia.txt (target: none flagged); prints each
source's share on its own, so a new release of a list shows what it adds, and the time of a first
(uncached) and of a repeated classification.
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from crawleruseragents import CRAWLER_USER_AGENTS_DATA
    from user_agents import parse

    from outreach.links import bots, visitors
    from tests.links.test_bot_detection import browsers

    corpus = [agent for entry in CRAWLER_USER_AGENTS_DATA for agent in entry.get("instances", [])]
    people = [agent for agents in browsers().values() for agent in agents]
    sources = {
        "ua-parser (user_agents)": lambda agent: parse(agent).is_bot,
        "crawlerdetect": bots._crawler_detect.is_crawler,
        "crawler-user-agents": bots.listed_as_crawler,
    }
    for name, check in sources.items():
        share = sum(map(check, corpus)) / len(corpus)
        print(f"{name:26} alone: {share:7.2%} of the corpus")
    start = time.perf_counter()
    flagged = sum(visitors.classify_user_agent(agent)[1] for agent in corpus)
    first = (time.perf_counter() - start) / len(corpus)
    start = time.perf_counter()
    for agent in corpus:
        visitors.classify_user_agent(agent)
    again = (time.perf_counter() - start) / len(corpus)
    false_positives = [agent for agent in people if visitors.classify_user_agent(agent)[1]]
    print(f"combined: {flagged}/{len(corpus)} = {flagged / len(corpus):.2%} of the corpus flagged (target >= 98%)")
    print(f"browsers of Indonesia: {len(false_positives)}/{len(people)} flagged (target 0)")
    for agent in false_positives:
        print("  ", agent)
    print(f"per user agent: {first * 1e6:.0f} us first time, {again * 1e6:.1f} us cached")


if __name__ == "__main__":
    main()
