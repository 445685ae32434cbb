"""Skeletons: one valid file per speech type, Chinese names accepted, broken edits rejected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from service.errors import InputError, KnowledgeError
from service.knowledge.skeletons import chinese_count
from service.knowledge.speech_types import load_types
from service.schemas import Brief
from tests.kits import KIT, skeleton_of

SKELETONS = KIT.folder / "skeletons"


def load_skeletons(folder: Path) -> list[str]:
    """The types of a copied skeletons folder (with the bundled roles)."""
    return load_types(folder.parent, KIT.roles).values


def test_every_skeleton_file_is_a_valid_type() -> None:
    files = sorted(path.stem for path in SKELETONS.glob("*.yaml"))
    assert sorted(KIT.types.values) == files
    for skeleton in KIT.types:
        assert abs(sum(s.share for s in skeleton.sections) - 1) <= 0.02
        assert all(s.role in KIT.roles for s in skeleton.sections)
        assert skeleton.formulas.salutation.endswith("：")
        assert KIT.types.get(skeleton.name) is skeleton


def test_an_unknown_type_names_the_accepted_ones() -> None:
    with pytest.raises(InputError, match="work_meeting（工作会议讲话）") as raised:
        KIT.types.get("研讨会发言")
    assert raised.value.field == "speech_type"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("推进会讲话", "progress"),
        ("推进会", "progress"),
        ("主持词", "presiding"),
        ("督导组讲话", "supervision"),
    ],
)
def test_chinese_type_names_find_the_skeleton(name: str, kind: str) -> None:
    assert skeleton_of(name).type == kind


def test_transition_announces_the_number_of_points() -> None:
    brief = Brief(speech_type="工作会议讲话", meeting="全县工作会议", speaker="县委书记")
    skeleton = skeleton_of("work_meeting")
    assert skeleton.transition(brief) == "下面，我讲三点意见。"
    four = brief.model_copy(update={"point_count": 4})
    assert skeleton.transition(four) == "下面，我讲四点意见。"
    two = brief.model_copy(update={"point_count": 2})
    assert skeleton.transition(two) == "下面，我讲两点意见。"


def test_supervision_announces_its_two_parts_and_sizes_them() -> None:
    brief = Brief(
        speech_type="督导组讲话", meeting="总结大会", speaker="督导组组长", target_chars=3000
    )
    skeleton = skeleton_of("supervision")
    assert skeleton.transition(brief) == "下面，我代表督导组讲两个方面的意见。"
    plan = skeleton.plan(brief)
    assert abs(sum(p.chars for p in plan) - 3000) <= len(plan)
    assert plan[1].lead == "我们感到有四个方面的特点："


def test_presiding_agenda_count_follows_the_brief() -> None:
    agenda = [{"speaker": f"第{i}位同志", "topic": "汇报"} for i in range(1, 5)]
    brief = Brief(speech_type="主持词", meeting="调度会", speaker="副书记", agenda=agenda)
    plan = {p.section.role: p for p in skeleton_of("presiding").plan(brief)}
    assert plan["agenda"].lead == "会议议程有四项："
    assert skeleton_of("presiding").transition(brief) is None


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (1, "一"),
        (2, "两"),
        (3, "三"),
        (10, "十"),
        (11, "十一"),
        (12, "十二"),
        (20, "二十"),
        (23, "二十三"),
    ],
)
def test_chinese_count(n: int, said: str) -> None:
    assert chinese_count(n) == said


def broken_copy(tmp_path: Path, kind: str, change: dict[str, object]) -> Path:
    folder = tmp_path / "skeletons"
    shutil.copytree(SKELETONS, folder)
    path = folder / f"{kind}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(change)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def sections_with(kind: str, **first: object) -> list[dict[str, object]]:
    data = yaml.safe_load((SKELETONS / f"{kind}.yaml").read_text(encoding="utf-8"))
    sections: list[dict[str, object]] = data["sections"]
    sections[0].update(first)
    return sections


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sections": sections_with("progress", share=0.5)}, "share"),
        ({"sections": sections_with("progress", role="ending")}, "role"),
        ({"sections": sections_with("progress", colour="red")}, "colour"),
        ({"order": -1}, "order"),
        ({"recognise": [{"meeting": "推进(会"}]}, "正则"),
        (
            {"formulas": {"salutation": "同志们：", "closing": "谢谢", "transition": "讲{m}点"}},
            "{n}",
        ),
    ],
)
def test_a_broken_edit_is_rejected_with_the_file_named(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    folder = broken_copy(tmp_path, "progress", change)
    with pytest.raises(KnowledgeError, match=r"progress\.yaml") as raised:
        load_skeletons(folder)
    assert message in str(raised.value)


def test_types_are_the_files_there_are(tmp_path: Path) -> None:
    folder = tmp_path / "skeletons"
    shutil.copytree(SKELETONS, folder)
    (folder / "pledge.yaml").unlink()
    assert (
        "pledge" not in load_skeletons(folder) and len(load_skeletons(folder)) == len(KIT.types) - 1
    )
    shutil.copy(SKELETONS / "pledge.yaml", folder / "pledge_copy.yaml")
    with pytest.raises(KnowledgeError, match="文件名"):
        load_skeletons(folder)


def test_a_name_two_types_claim_is_rejected(tmp_path: Path) -> None:
    folder = broken_copy(tmp_path, "progress", {"name": "工作会议讲话"})
    with pytest.raises(KnowledgeError, match="工作会议讲话"):
        load_skeletons(folder)
