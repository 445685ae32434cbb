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
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from service.errors import KnowledgeError
from service.knowledge.files import read_yaml, validated
from service.knowledge.lexicon import Lexicon
from service.knowledge.roles import Roles
from service.text.figures import find_figures
from service.text.normalise import to_simplified
from service.text.structure import find_announcements

SLOTS = frozenset(
    ("meeting", "topic", "heading", "item", "org", "speaker", "audience", "purpose", "phrase", "n")
)
GROUPS = ("open", "recap", "concern", "item", "support", "body", "close")

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


@dataclass(frozen=True)
class Rules:
    """What an entry is checked against: the roles (who may close, who presides), the types
    that may have sections of their own, and the lexicon of formulations."""

    roles: Roles
    types: Collection[str]
    lexicon: Lexicon

    @classmethod
    def of(cls, context: Any) -> Rules:
        rules = context.get("rules") if isinstance(context, dict) else None
        if not isinstance(rules, Rules):
            raise KnowledgeError("句库要连同角色、类型和词表一起读取（load_phrasebank）")
        return rules


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
    def _check(self, info: ValidationInfo) -> Phrasebank:
        rules = Rules.of(info.context)
        unknown = sorted(key for key in self.roles if not _known_key(key, rules))
        if unknown:
            raise ValueError(
                f"不认识的部分角色：{unknown}；可用：{sorted(rules.roles.roles)}，"
                f"或“类型.角色”，类型为 {sorted(rules.types)}"
            )
        seen: dict[str, str] = {}
        for where, entry in self.entries():
            problems = entry_problems(entry, where, rules)
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


def _known_key(key: str, rules: Rules) -> bool:
    """A role (points) or a type's own version of a role (summary.closing)."""
    kind, _, role = key.rpartition(".")
    return role in rules.roles and (not kind or kind in rules.types)


def slots_of(template: str) -> set[str]:
    """The slot names a template uses."""
    return set(_SLOT.findall(template))


def render(template: str, values: dict[str, str]) -> str | None:
    """Fill the slots; None when a slot the template needs has no value for this brief."""
    if any(not values.get(name) for name in slots_of(template)):
        return None
    return _SLOT.sub(lambda m: values[m.group(1)], template)


def entry_problems(entry: str, where: str, rules: Rules) -> list[str]:
    """What keeps one phrasebank entry out of a draft; empty when it is fine."""
    problems: list[str] = []
    unknown = slots_of(entry) - SLOTS
    if unknown:
        problems.append(f"不认识的占位 {sorted(unknown)}，可用：{sorted(SLOTS)}")
    if where.startswith("phrases") and "{phrase}" not in entry:
        problems.append("提法句子要用 {phrase} 写出提法")
    bare = _SLOT.sub("", entry)
    problems += _text_problems(bare, entry, rules.lexicon)
    role = where.split(".")[-2] if where.startswith("roles.") else ""
    closing, presiding = rules.roles.with_flag("closes"), rules.roles.with_flag("presiding")
    if role not in closing and _CLOSING_CUE.search(bare):
        problems.append(f"只有结尾部分（{'、'.join(sorted(closing))}）能用结束语")
    if role not in closing and _SEQUENCE_START.match(bare):
        problems.append("不要以“首先，”“最后，”开头，这类序号由程序加")
    if role not in presiding and role != "opening" and _PRESIDING_CUE.search(bare):
        problems.append("主持用语只能用在主持词的部分里")
    return problems


def _text_problems(bare: str, entry: str, lexicon: Lexicon) -> list[str]:
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
    if find_figures(bare, lexicon.fixed_numeral_words) or re.search(r"[0-9０-９]", bare):
        problems.append("不能有数字：数字只能来自简报")
    if "{n}" not in entry and find_announcements(bare, 0):
        problems.append("不要宣布条数（如“三个方面”），条数由程序写")
    misuses = lexicon.misuses(bare)
    if misuses:
        problems.append(f"提法不规范：“{misuses[0].found}”应为“{misuses[0].canonical}”")
    return problems


def load_phrasebank(path: Path, rules: Rules) -> Phrasebank:
    """Read and validate a phrasebank file; errors name the file and the sentence at fault."""
    return validated(
        Phrasebank, read_yaml(path, "句库文件"), path, "句库文件", context={"rules": rules}
    )
