"""The staggered-drive estimator over many simulated cities (the suite runs 200; this runs more).

    .venv/bin/python -m bench.effects_sim [--seeds 1000] [--effect 3] [--draws 999]

Prints, with and without an effect, how often the 95% randomisation interval covers the true effect
(target 90-98%), the mean estimate against the truth (within 10%), how often an effect is claimed
when there is none (at most 7%), the mean interval width and the time taken.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    from tests.metrics.city_simulation import summarise

    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--effect", type=float, default=3.0)
    parser.add_argument("--draws", type=int, default=999)
    args = parser.parse_args()
    for effect in (args.effect, 0.0):
        started = time.perf_counter()
        s = summarise(range(10_000, 10_000 + args.seeds), effect, args.draws)
        took = time.perf_counter() - started
        error = f"relative error {(s.mean_estimate - effect) / effect:+.1%}" if effect else "the truth is 0"
        print(
            f"effect {effect:g}/day over {s.seeds} cities: coverage {s.coverage:.1%}, mean estimate "
            f"{s.mean_estimate:.3f} ({error}), effect claimed in {s.claimed:.1%}, mean interval width "
            f"{s.mean_width:.2f}, {took:.1f} s"
        )


if __name__ == "__main__":
    main()
