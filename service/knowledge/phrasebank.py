"""Load and check prompts/phrasebank.yaml: the sentences the built-in drafter writes from.

The file is written for material writers to read and extend. Each skeleton role
has groups of sentences (open, item, support, body, close …) with slots such as
{meeting} or {item}; `common` holds sentences any body part may use, and
`phrases` the sentences that carry a required formulation. Every sentence is
checked on load, so an edit cannot put a figure, a placeholder, a half-width
comma, a Traditional character, an item number or a repeated sentence into a
draft.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from service.config import get_settings
from service.knowledge.lexicon import load_lexicon
from service.knowledge.skeletons import ROLES
from service.knowledge.speech_types import SpeechType
from service.text.figures import find_figures
from service.text.normalise import to_simplified
from service.text.structure import find_announcements

SLOTS = frozenset(
    ("meeting", "topic", "heading", "item", "org", "speaker", "audience", "purpose", "phrase", "n")
)
GROUPS = ("open", "recap", "concern", "item", "support", "body", "close")
# Roles whose sentences may end a speech: only they may say 让我们、散会、请…放心、谢谢.
CLOSING_ROLES = frozenset(("closing", "thanks", "resolve", "wishes", "adjourn"))
PRESIDING_ROLES = frozenset(("attendance", "agenda", "handover", "wrapup", "adjourn"))

_SLOT = re.compile(r"\{(\w*)\}")
_SENTENCE = re.compile(r"[^。！？]+[。！？]")
_ASCII_PUNCT = re.compile(r"[,.:;!?()\"'\[\]<>]")
_PLACEHOLDER = re.compile(r"……|…|XX|ＸＸ|×|〔|〕|【|】|某某|＊")
_ITEM_MARKER = re.compile(
    r"(?:^|(?<=[。；：！？，]))[一二三四五六七八九十]+[是要](?![否非])|第[一二三四五六七八九十]+[，、：]"
)
_CLOSING_CUE = re.compile(
    r"让我们|更大贡献|再立新功|圆满成功|谢谢|散会|会议到此结束|请.{0,12}放心|交上一份"
)
_SEQUENCE_START = re.compile(r"^(首先|其次|再次|最后)[，、：]")
_PRESIDING_CUE = re.compile(r"首先请|下面请|现在开会|会议议程|出席今天会议")
_MAX_ENTRY = 160


class PhrasebankError(ValueError):
    """Raised when the phrasebank is missing, unreadable or has a sentence a draft cannot use."""


class RoleBank(BaseModel):
    """The sentence groups of one role; every group is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    open: tuple[str, ...] = ()
    recap: tuple[str, ...] = ()  # opening: the brief's achievements in one sentence ({item})
    concern: tuple[str, ...] = ()  # opening: the brief's problems in one sentence ({item})
    item: tuple[str, ...] = ()  # an item's content when the brief gives none
    support: tuple[str, ...] = ()  # a sentence after an item; may name it with {item}
    body: tuple[str, ...] = ()
    close: tuple[str, ...] = ()

    def group(self, name: str) -> tuple[str, ...]:
        """The sentences of one group by name."""
        sentences: tuple[str, ...] = getattr(self, name)
        return sentences


class Phrasebank(BaseModel):
    """All sentences, by role; `common` for any body part; `phrases` for required formulations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    roles: dict[str, RoleBank]
    common: tuple[str, ...] = ()
    phrases: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    phrases_generic: tuple[str, ...] = Field(min_length=1)
    emphasis: tuple[str, ...] = ()  # a regenerated part asked to 增加{item}的内容

    @model_validator(mode="after")
    def _check(self) -> Phrasebank:
        unknown = sorted(key for key in self.roles if not _known_key(key))
        if unknown:
            raise ValueError(
                f"不认识的部分角色：{unknown}；可用：{sorted(ROLES)}，"
                f"或“类型.角色”，类型为 {[t.value for t in SpeechType]}"
            )
        seen: dict[str, str] = {}
        for where, entry in self.entries():
            problems = entry_problems(entry, where)
            if problems:
                raise ValueError(f"{where}“{entry}”：{'；'.join(problems)}")
            for sentence in _SENTENCE.findall(entry):
                if sentence in seen:
                    raise ValueError(f"句子重复：“{sentence}”（{seen[sentence]}与{where}）")
                seen[sentence] = where
        for phrase, templates in self.phrases.items():
            if not templates:
                raise ValueError(f"phrases.{phrase} 没有句子")
        return self

    def entries(self) -> list[tuple[str, str]]:
        """(where, sentence) for every entry in the file, `where` like roles.points.support."""
        found = [
            (f"roles.{key}.{name}", entry)
            for key, bank in self.roles.items()
            for name in GROUPS
            for entry in bank.group(name)
        ]
        found += [("common", e) for e in self.common]
        found += [(f"phrases.{p}", e) for p, ts in self.phrases.items() for e in ts]
        found += [("phrases_generic", e) for e in self.phrases_generic]
        found += [("emphasis", e) for e in self.emphasis]
        return found

    def role(self, name: str) -> RoleBank:
        """The role's sentences; an empty bank for a role the file does not cover."""
        return self.roles.get(name, RoleBank())

    def group(self, speech_type: str, role: str, group: str) -> tuple[str, ...]:
        """A group of a role, from the type's own section (“summary.closing”) when it has one."""
        own = self.role(f"{speech_type}.{role}").group(group)
        return own or self.role(role).group(group)


def _known_key(key: str) -> bool:
    """A role (points) or a type's own version of a role (summary.closing)."""
    kind, _, role = key.rpartition(".")
    return role in ROLES and (not kind or kind in {t.value for t in SpeechType})


def slots_of(template: str) -> set[str]:
    """The slot names a template uses."""
    return set(_SLOT.findall(template))


def render(template: str, values: dict[str, str]) -> str | None:
    """Fill the slots; None when a slot the template needs has no value for this brief."""
    if any(not values.get(name) for name in slots_of(template)):
        return None
    return _SLOT.sub(lambda m: values[m.group(1)], template)


def entry_problems(entry: str, where: str) -> list[str]:
    """What keeps one phrasebank entry out of a draft; empty when it is fine."""
    problems: list[str] = []
    unknown = slots_of(entry) - SLOTS
    if unknown:
        problems.append(f"不认识的占位 {sorted(unknown)}，可用：{sorted(SLOTS)}")
    if where.startswith("phrases") and "{phrase}" not in entry:
        problems.append("提法句子要用 {phrase} 写出提法")
    bare = _SLOT.sub("", entry)
    problems += _text_problems(bare, entry)
    role = where.split(".")[-2] if where.startswith("roles.") else ""
    if role not in CLOSING_ROLES and _CLOSING_CUE.search(bare):
        problems.append("只有结尾部分（closing、thanks、resolve、wishes、adjourn）能用结束语")
    if role not in CLOSING_ROLES and _SEQUENCE_START.match(bare):
        problems.append("不要以“首先，”“最后，”开头，这类序号由程序加")
    if role not in PRESIDING_ROLES and role != "opening" and _PRESIDING_CUE.search(bare):
        problems.append("主持用语只能用在主持词的部分里")
    return problems


def _text_problems(bare: str, entry: str) -> list[str]:
    problems: list[str] = []
    if len(entry) > _MAX_ENTRY:
        problems.append(f"太长（{len(entry)}字，上限{_MAX_ENTRY}）")
    if not entry.endswith(("。", "！")) or "".join(_SENTENCE.findall(entry)) != entry:
        problems.append("每句要以“。”或“！”结尾")
    if _ASCII_PUNCT.search(bare):
        problems.append("有半角标点，应全部用全角")
    if _PLACEHOLDER.search(bare):
        problems.append("有占位符或省略号")
    if to_simplified(bare) != bare:
        problems.append("有繁体字")
    if _ITEM_MARKER.search(bare):
        problems.append("不要自带“一是”“第一，”之类的序号，序号由程序加")
    lexicon = load_lexicon()
    if find_figures(bare, lexicon.fixed_numeral_words) or re.search(r"[0-9０-９]", bare):
        problems.append("不能有数字：数字只能来自简报")
    if "{n}" not in entry and find_announcements(bare, 0):
        problems.append("不要宣布条数（如“三个方面”），条数由程序写")
    misuses = lexicon.misuses(bare)
    if misuses:
        problems.append(f"提法不规范：“{misuses[0].found}”应为“{misuses[0].canonical}”")
    return problems


def load_phrasebank_file(path: Path) -> Phrasebank:
    """Read and validate one phrasebank file; errors name the file and the sentence at fault."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Phrasebank.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise PhrasebankError(f"读不了句库文件 {path.name}：{exc}") from exc
    except ValidationError as exc:
        problems = "；".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise PhrasebankError(f"句库文件 {path.name} 不合规：{problems}") from exc


def load_phrasebank(path: Path | None = None) -> Phrasebank:
    """The phrasebank (prompts/phrasebank.yaml unless a path is given), loaded once."""
    return _load(path or get_settings().prompts_dir / "phrasebank.yaml")


@lru_cache(maxsize=4)
def _load(path: Path) -> Phrasebank:
    return load_phrasebank_file(path)
