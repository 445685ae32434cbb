"""Overlap between a draft and the example speeches it was shown: copied runs, sentences, names.

Texts are compared on their characters alone (CJK, letters, digits): changing the
punctuation or the line breaks of a copied passage does not hide it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

CHUNK = 28  # characters per chunk; 3 shared chunks make a draft a copy
MIN_CHUNKS = 3
_HALF = CHUNK // 2
LONG_SENTENCE = 40  # a sentence longer than this copied whole is a copy on its own

_KEEP = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9\x00]")
_DROP = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9\x00]+")
_SENTENCE_END = re.compile(r"[。！？；!?;]")
_BARRIER = "\x00"


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# What jieba tags as a name but every speech says (its dictionary tags 谢谢 and 党组织 so).
_GENERIC_NAMES = _words(
    "党组织 党中央 中央党 市委 县委 区委 省委 国务院 中央 全国 我国 我省 我市 我县 我区 本市 "
    "谢谢 智慧 弘扬 惠民 惠及 广度 深度 新春 楼宇 习近平 毛泽东 邓小平"
)
_PLACE_SUFFIX = re.compile(
    r"(省|市|县|区|镇|乡|村|州|旗|盟|湾|岛|港|街道|社区|工业区|开发区|生态城|新区|园区)$"
)
_PROVINCES = _words(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "
    "湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
)
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝母"
)


class Shown(Protocol):
    """An example as the overlap check needs it (service.retrieval.examples.Example is one):
    its original text, and the names scrubbed from it before it was shown (None: unknown)."""

    @property
    def original(self) -> str: ...

    @property
    def removed(self) -> tuple[str, ...] | None: ...


@dataclass(frozen=True)
class CopiedRun:
    """A stretch of the draft found verbatim in an example."""

    line: int
    chars: int
    text: str


@dataclass(frozen=True)
class CopiedName:
    """A name, place or organisation of an example that reappears in the draft."""

    name: str
    lines: tuple[int, ...]


@dataclass
class Overlap:
    """Everything a draft shares with its examples."""

    runs: list[CopiedRun] = field(default_factory=list)
    sentences: list[CopiedRun] = field(default_factory=list)
    names: list[CopiedName] = field(default_factory=list)

    @property
    def chunks(self) -> int:
        """Number of whole 28-character chunks inside the copied runs."""
        return sum(run.chars // CHUNK for run in self.runs)

    @property
    def copies_text(self) -> bool:
        return self.chunks >= MIN_CHUNKS or bool(self.sentences)


class _Normalised:
    """The kept characters of a text, with each one's line number in the original."""

    def __init__(self, text: str, masked: Iterable[str] = ()) -> None:
        pieces: list[str] = []
        self.lines: list[int] = []
        for number, line in enumerate(_mask(text, masked).split("\n"), start=1):
            kept = _DROP.sub("", line)
            pieces.append(kept)
            self.lines.extend([number] * len(kept))
        self.chars = "".join(pieces)


def _mask(text: str, phrases: Iterable[str]) -> str:
    """Replace allowed phrases (required formulations) by barriers no chunk can cross."""
    for phrase in sorted({p for p in phrases if p}, key=len, reverse=True):
        text = text.replace(phrase, _BARRIER * len(phrase))
    return text


def normalise(text: str) -> str:
    """The characters compared: CJK, letters and digits, nothing else."""
    return _DROP.sub("", text).replace(_BARRIER, "")


class ExampleIndex:
    """The examples prepared once: chunk set, joined text for sentence look-up, their names."""

    def __init__(self, examples: Sequence[Shown]) -> None:
        self.examples = list(examples)
        texts = [normalise(e.original) for e in self.examples]
        self._joined = _BARRIER.join(texts)
        self._chunks = {t[i : i + CHUNK] for t in texts for i in range(len(t) - CHUNK + 1)}
        self._halves = {t[i : i + _HALF] for t in texts for i in range(len(t) - _HALF + 1)}

    def names(self) -> list[str]:
        """Names given with the examples, else found with jieba (nr/ns/nt, filtered)."""
        found: dict[str, None] = {}
        for example in self.examples:
            names = (
                example.removed if example.removed is not None else example_names(example.original)
            )
            found.update(dict.fromkeys(n for n in names if len(n) >= 2 and "X" not in n.upper()))
        return list(found)

    def runs(self, draft: _Normalised) -> list[CopiedRun]:
        """Maximal stretches of the draft covered by chunks that occur in an example."""
        text, runs = draft.chars, []
        start: int | None = None
        end = -1
        for i in self._candidates(text):
            if text[i : i + CHUNK] not in self._chunks:
                continue
            if start is not None and i > end:
                runs.append(self._run(draft, start, end))
                start = None
            start = i if start is None else start
            end = i + CHUNK
        if start is not None:
            runs.append(self._run(draft, start, end))
        return runs

    def _candidates(self, text: str) -> list[int]:
        """Start positions that may begin a shared chunk, in order.

        Every shared 28-character window [i, i+28) contains a half-window starting at a
        multiple of 14 in [i, i+14], which the examples contain too; so only windows near
        such aligned hits need looking up, about 1 in 14 positions of an original text.
        """
        last = len(text) - CHUNK
        hits = [
            p for p in range(0, len(text) - _HALF + 1, _HALF) if text[p : p + _HALF] in self._halves
        ]
        return sorted({i for p in hits for i in range(max(0, p - _HALF), min(p, last) + 1)})

    @staticmethod
    def _run(draft: _Normalised, start: int, end: int) -> CopiedRun:
        return CopiedRun(draft.lines[start], end - start, draft.chars[start:end])

    def sentences(self, text: str, masked: Iterable[str]) -> list[CopiedRun]:
        """Sentences longer than LONG_SENTENCE characters that an example contains whole."""
        copied = []
        for number, line in enumerate(_mask(text, masked).split("\n"), start=1):
            for piece in _SENTENCE_END.split(line):
                sentence = normalise(piece)
                if len(sentence) <= LONG_SENTENCE or sentence[:CHUNK] not in self._chunks:
                    continue  # the chunk set rules out almost every sentence cheaply
                if sentence in self._joined:
                    copied.append(CopiedRun(number, len(sentence), sentence))
        return copied


def _keep_name(word: str, tag: str, following: str) -> bool:
    """Filter jieba's noisy nr/ns/nt tags down to what is likely a real name."""
    from jieba import posseg

    if len(word) < 2 or word in _GENERIC_NAMES:
        return False
    in_dictionary = word in posseg.dt.word_tag_tab
    if tag in ("nrfg", "nrt"):
        return True
    if tag == "nr":
        return not in_dictionary and word[0] in _SURNAMES and len(word) <= 3
    if tag == "ns":
        return word in _PROVINCES or bool(
            _PLACE_SUFFIX.search(word) or _PLACE_SUFFIX.match(following)
        )
    return tag == "nt" and not in_dictionary and len(word) >= 3


@lru_cache(maxsize=256)
def example_names(text: str) -> tuple[str, ...]:
    """Person, place and organisation names in an example (jieba.posseg, loaded on first use)."""
    import jieba
    from jieba import posseg

    jieba.setLogLevel(60)
    pairs = [(p.word, p.flag) for p in posseg.cut(text)]
    names: dict[str, None] = {}
    for index, (word, tag) in enumerate(pairs):
        following = pairs[index + 1][0] if index + 1 < len(pairs) else ""
        if tag in ("nr", "nrfg", "nrt", "ns", "nt") and _keep_name(word, tag, following):
            names[word] = None
    return tuple(names)


def find_overlap(
    draft: str,
    index: ExampleIndex,
    allowed_text: str = "",
    allowed_phrases: Iterable[str] = (),
) -> Overlap:
    """Copied runs, copied sentences and carried-over names; allowed ones are not counted.

    allowed_text holds the brief's own words: a name it mentions is not carried over.
    allowed_phrases (required formulations) are cut out before runs are compared.
    """
    phrases = list(allowed_phrases)
    normalised = _Normalised(draft, phrases)
    names = []
    for name in index.names():
        if name in draft and name not in allowed_text and not any(name in p for p in phrases):
            lines = tuple(i + 1 for i, line in enumerate(draft.split("\n")) if name in line)
            names.append(CopiedName(name, lines))
    return Overlap(index.runs(normalised), index.sentences(draft, phrases), names)
