"""What a scan keeps of its visitor: a device class and a bot flag from the user agent, and a daily hash.

The raw address and user agent are read here and dropped; nothing that names a person is stored.
The hash is keyed with the day's random salt (`outreach.links.salts`), which is destroyed when the day
is over, so a day's hashes can be told apart but never recomputed from an address, by anyone.
"""

import hashlib
import hmac

from user_agents import parse as parse_user_agent

from outreach.links.bots import is_automated
from outreach.lru import BoundedLRU

# Distinct user agents a worker remembers (about 100 bytes each): a city's phones in a busy week fit.
UA_CACHE_SIZE = 20_000


# (device class, is bot) by a digest of the user agent, so no agent text is kept.
classifications = BoundedLRU[bytes, tuple[str, bool]](UA_CACHE_SIZE)


def _classify(user_agent: str) -> tuple[str, bool]:
    if not user_agent.strip():
        return ("other", True)
    parsed = parse_user_agent(user_agent)
    if is_automated(user_agent, parsed.is_bot):
        return ("other", True)
    if parsed.is_tablet:
        return ("tablet", False)
    if parsed.is_mobile:
        return ("mobile", False)
    if parsed.is_pc:
        return ("desktop", False)
    return ("other", False)


def classify_user_agent(user_agent: str) -> tuple[str, bool]:
    """(device class, is bot) for a user agent; an empty agent is a bot. Cached by digest, not by text."""
    key = hashlib.blake2b(user_agent.encode("utf-8", "replace"), digest_size=16).digest()
    hit = classifications.get(key)
    if hit is None:
        hit = _classify(user_agent)
        classifications.put(key, hit)
    return hit


def day_key(salt: bytes) -> "hmac.HMAC":
    """A day's keyed HMAC, ready to copy for each visitor."""
    return hmac.new(salt, digestmod=hashlib.sha256)


def visitor_hash(ip: str, user_agent: str, key: "hmac.HMAC") -> str:
    """Keyed HMAC of IP and user agent under a day's key: one visitor is one value that day, and only that day."""
    mac = key.copy()
    mac.update(ip.encode("utf-8", "replace") + b"\x00" + user_agent.encode("utf-8", "replace"))
    return mac.hexdigest()[:32]
