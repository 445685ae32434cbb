"""The speech types of one prompts folder: a skeleton file each, found by value or Chinese name.

Types are data, not code: a folder with a ninth skeleton file has nine types. The
registry answers the questions the rest of the service asks about types: which
one a name means, which one is the fallback, which types a kind of text has,
and which cues recognise them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from service.errors import InputError, KnowledgeError
from service.knowledge.files import read_yaml, validated
from service.knowledge.roles import Roles
from service.knowledge.skeletons import Cue, Skeleton
from service.schemas import Brief

SKELETONS_DIRNAME = "skeletons"


class SpeechTypes:
    """Every skeleton of a folder, in display order; look-ups by API value, name or alias."""

    def __init__(self, skeletons: list[Skeleton]) -> None:
        if not skeletons:
            raise KnowledgeError("没有任何讲话类型（skeletons/ 下没有骨架文件）")
        self._by_value = {s.type: s for s in sorted(skeletons, key=lambda s: (s.order, s.type))}
        self._names: dict[str, str] = {}
        for skeleton in self._by_value.values():
            for name in (skeleton.type, skeleton.name, *skeleton.aliases):
                other = self._names.setdefault(name, skeleton.type)
                if other != skeleton.type:
                    raise KnowledgeError(f"名称“{name}”同时属于 {other} 和 {skeleton.type}")
        fallbacks = [s.type for s in skeletons if s.fallback]
        if len(fallbacks) > 1:
            raise KnowledgeError(f"fallback 只能标在一个类型上，现为 {fallbacks}")
        self.fallback: str | None = fallbacks[0] if fallbacks else None

    def __iter__(self) -> Iterator[Skeleton]:
        return iter(self._by_value.values())

    def __len__(self) -> int:
        return len(self._by_value)

    def __contains__(self, value: object) -> bool:
        return value in self._by_value

    @property
    def values(self) -> list[str]:
        return list(self._by_value)

    def names(self) -> dict[str, str]:
        """API value → Chinese name."""
        return {value: skeleton.name for value, skeleton in self._by_value.items()}

    def get(self, value: str) -> Skeleton:
        """The skeleton of a type given as API value, Chinese name or alias."""
        found = self._names.get(value.strip())
        if found is None:
            accepted = "、".join(f"{s.type}（{s.name}）" for s in self)
            raise InputError(f"未知的讲话类型“{value}”；可用：{accepted}", field="speech_type")
        return self._by_value[found]

    def canonical(self, brief: Brief) -> Brief:
        """The brief with its type as the API value (推进会讲话 → progress)."""
        value = self.get(brief.speech_type).type
        return (
            brief if value == brief.speech_type else brief.model_copy(update={"speech_type": value})
        )

    def of_kind(self, kind: str) -> Skeleton | None:
        """The first type of a kind of text (presiding, pledge, address), if there is one."""
        return next((s for s in self if s.kind == kind), None)

    def title_suffix(self, kind: str) -> str:
        """How a title of this kind of text ends: 讲话, 主持词, 致辞 …"""
        found = self.of_kind(kind)
        return found.title_suffix if found else "讲话"

    def cues(self) -> list[tuple[Skeleton, Cue]]:
        """Every recognition cue in the order they are tried: by stage, then by rank."""
        found = [(s, cue) for s in self for cue in s.recognise]
        return sorted(found, key=lambda pair: (pair[1].stage, pair[0].recognise_rank))


def load_types(folder: Path, roles: Roles) -> SpeechTypes:
    """All skeletons of prompts/skeletons; each file named after its type."""
    directory = folder / SKELETONS_DIRNAME
    files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    skeletons = []
    for path in files:
        skeleton = validated(
            Skeleton, read_yaml(path, "骨架文件"), path, "骨架文件", context={"roles": roles}
        )
        if path.stem != skeleton.type:
            raise KnowledgeError(f"骨架文件 {path.name} 的 type 是 {skeleton.type}，文件名应一致")
        skeletons.append(skeleton)
    if not skeletons:
        raise KnowledgeError(f"{directory} 下没有骨架文件")
    return SpeechTypes(skeletons)
