"""How the repair loop spreads a whole-speech length fault over the parts.

What is wrong with each part on its own is the scorer's to say (Scorer.part_problems
runs the registry's part checks); what no single part can see is the speech's total
length, so this module asks the parts best placed to change to grow or shrink.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.scoring.checks_brief import LENGTH_RANGE
from service.text.normalise import count_chars

LENGTH_BAND = (0.6, 1.6)  # of the part's planned length; the whole speech is held to 0.9–1.2


def length_requests(
    bodies: Sequence[str], planned: Sequence[int], total: int, target: int
) -> dict[int, str]:
    """When the whole speech is outside 0.9–1.2 of its target, ask parts to change length:
    the longest first when too long (they have the most to give), the furthest below their
    plan first when too short, until the gap is covered."""
    low, high = LENGTH_RANGE
    if low * target <= total <= high * target:
        return {}
    too_long = total > target
    sizes = [count_chars(body) for body in bodies]
    if too_long:
        order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    else:
        order = sorted(range(len(sizes)), key=lambda i: sizes[i] - planned[i])
    asks: dict[int, str] = {}
    left = abs(total - target)
    word = "太长" if too_long else "太短"
    for index in order:
        if left <= 0:
            break
        share = min(left, sizes[index] // 3 if too_long else max(planned[index] // 2, 20))
        wanted = sizes[index] - share if too_long else sizes[index] + share
        asks[index] = f"全文篇幅{word}（约{total}字，目标约{target}字）：本部分请改为约{wanted}字。"
        left -= share
    return asks
