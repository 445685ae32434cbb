"""Chinese word segmentation for retrieval and scrubbing, with our user dictionary, built once.

jieba-rs (the `rjieba` package) cuts with jieba's own dictionary and HMM. On the
seed speeches it gives the same words as Python jieba for every Chinese run and
differs only on ASCII runs ("57%", URLs, which it keeps whole), at about ten
times the speed and with no one-second dictionary load. The canonical
formulations of the lexicon are added as words, so "两个维护" is one term.
(The module is not called `tokenize` so it cannot shadow the standard library.)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib.metadata import version

import rjieba

# Formulations that must stay whole besides the lexicon's canonical terms.
FIXED_TERMS: tuple[str, ...] = (
    "习近平总书记",
    "党中央",
    "以人民为中心",
    "全面从严治党",
    "不忘初心",
    "牢记使命",
    "两学一做",
    "主题教育",
    "党的群众路线",
    "群众路线",
    "教育实践活动",
    "回头看",
    "督导组",
    "四个全面",
    "五位一体",
    "新发展理念",
    "高质量发展",
)

# Function words and speech filler that carry no topic; they only blur BM25 and MMR.
STOP_WORDS: frozenset[str] = frozenset(
    str.split(
        """
    的 地 得 了 着 过 和 与 及 以及 或 或者 并 并且 而 而且 也 都 又 还 就 才 再 更 很 最 太
    是 在 对 把 被 为 为了 以 于 从 到 向 由 给 让 使 将 要 会 能 可 可以 应 应当 应该 必须
    这 那 这个 那个 这些 那些 这样 那样 这种 其 其中 之 所 所以 因此 因为 如果 虽然 但 但是
    我 我们 你 你们 他 他们 她 它 大家 自己 同志 同志们 各位 有 没有 没 不 无 非 一 一个 一些
    个 些 等 等等 上 下 中 里 内 外 前 后 时 时候 方面 进行 开展 通过 按照 根据 关于 对于
    一是 二是 三是 四是 五是 六是 一要 二要 三要 四要 首先 其次 再次 最后 第一 第二 第三 第四
    已 已经 正在 目前 当前 刚才 下面 同时 特别 尤其
    """
    )
)

_KEEP = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z]")
_DIGITS_ONLY = re.compile(r"^[\d.,%％:：/\-]+$")


class Segmenter:
    """jieba-rs with the user dictionary; `tokens` is what the index sees, `tag` what scrub sees."""

    def __init__(self, user_terms: tuple[str, ...]) -> None:
        self._jieba = rjieba.Jieba()
        for term in user_terms:
            self._jieba.add_word(term, None, "nz")
        self.user_terms = frozenset(user_terms)
        self.added_terms = tuple(user_terms)  # as given: another process builds the same one
        self.signature = _signature(user_terms)

    def words(self, text: str) -> list[str]:
        """Every word and punctuation mark, in order (jieba's default mode with HMM)."""
        return list(self._jieba.cut(text, True))

    def tag(self, text: str) -> list[tuple[str, str]]:
        """(word, part-of-speech flag) pairs, jieba's tag set (nr person, ns place, m numeral …)."""
        return [(word, flag) for word, flag in self._jieba.tag(text, True)]

    def tokens(self, text: str) -> list[str]:
        """Index terms: words without stop words, punctuation, spaces and bare figures."""
        return [w.lower() for w in self._jieba.cut(text, True) if _is_term(w)]

    def vocabulary(self, texts: Iterable[str]) -> frozenset[str]:
        """Every index term of the given texts."""
        return frozenset(word for text in texts for word in self.tokens(text))

    def is_word(self, word: str) -> bool:
        """Whether the word is in jieba's dictionary (or ours), i.e. not a guessed new word."""
        return bool(self._jieba.has_word(word))


def _is_term(word: str) -> bool:
    return word not in STOP_WORDS and bool(_KEEP.search(word)) and not _DIGITS_ONLY.match(word)


def _signature(user_terms: tuple[str, ...]) -> str:
    """Changes whenever tokens could change, so a saved index knows it is stale."""
    digest = hashlib.sha256()
    for part in (f"rjieba {version('rjieba')}", *sorted(user_terms), "|", *sorted(STOP_WORDS)):
        digest.update(part.encode("utf-8") + b"\n")
    return digest.hexdigest()[:16]


def user_terms(formulations: tuple[str, ...]) -> tuple[str, ...]:
    """The lexicon's formulations plus the fixed ones, longest first."""
    terms = set(formulations) | set(FIXED_TERMS)
    return tuple(sorted(terms, key=lambda t: (-len(t), t)))


@lru_cache(maxsize=8)
def segmenter_for(formulations: tuple[str, ...]) -> Segmenter:
    """A segmenter keeping these formulations whole (the dictionary is built once per set)."""
    return Segmenter(user_terms(formulations))
