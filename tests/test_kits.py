"""One home for each fact: a speech type is its files, and an app uses only its own settings.

A ninth type, defined only in a copied prompts folder (its skeleton and its example
brief), drafts, scores, exports and is offered by the API with no code change; two apps
built in one process from two prompts folders and two context windows each use their own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from service.knowledge.kit import DEFAULT_PROMPTS_DIR, load_kit
from service.testing.fake_upstream import FakeUpstream
from service.testing.model_responder import ModelResponder
from tests.apphelpers import example_brief, running_app, settings_for

NINTH = "exchange"
NINTH_SKELETON = {
    "type": NINTH,
    "name": "经验交流发言",
    "order": 9,
    "kind": "speech",
    "title_suffix": "经验交流发言",
    "default_chars": 1800,
    "aliases": ["交流发言", "经验交流材料"],
    "summary": "在经验交流会上介绍本单位的做法和成效：开场点题，分几点讲做法，最后谈下步打算。",
    "opening_cue": "今天|召开|交流|汇报|介绍",
    "recognise_rank": 1,
    "recognise": [{"meeting": "经验交流(会|大会|会议)"}],
    "heading_style": "cn_dun",
    "formulas": {
        "salutation": "各位领导、同志们：",
        "transition": "下面，我从{n}个方面作简要汇报。",
        "closing": "我们将以这次会议为契机，……，努力取得更大成效。",
        "sign_off": "谢谢大家！",
    },
    "sections": [
        {"role": "opening", "purpose": "点明发言的主题和本单位工作的总体情况。", "share": 0.12},
        {
            "role": "points",
            "main": True,
            "numbering": "points",
            "count": 3,
            "items": "enum_shi",
            "purpose": "分点介绍主要做法，每点讲清怎么做、效果如何，用简报给的事实和数字。",
            "share": 0.78,
        },
        {"role": "closing", "purpose": "谈下步打算，表明继续做好工作的决心。", "share": 0.10},
    ],
}
NINTH_BRIEF = {
    "speech_type": NINTH,
    "meeting": "全市基层治理经验交流会",
    "speaker": "城关镇党委书记",
    "organization": "中共城关镇委员会",
    "purpose": "交流城关镇推进网格化基层治理的做法",
    "achievements": ["全镇划分网格46个，配备专职网格员52名", "矛盾纠纷就地化解率达到96%"],
    "points": [
        {"title": "织密治理网格", "details": ["按照200户左右一格的标准划分网格"]},
        {"title": "做实为民服务", "details": ["推行“网格员+志愿者”联户服务"]},
        {"title": "健全工作机制", "details": ["建立网格事项每日报告、每周研判制度"]},
    ],
    "required_phrases": ["以人民为中心"],
}


def make_ninth_folder(root: Path) -> Path:
    """The bundled prompts folder plus one new type: a skeleton file and an example brief."""
    folder = root / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, folder)
    (folder / "skeletons" / f"{NINTH}.yaml").write_text(
        yaml.safe_dump(NINTH_SKELETON, allow_unicode=True), encoding="utf-8"
    )
    (folder / "briefs" / f"{NINTH}.json").write_text(
        json.dumps(NINTH_BRIEF, ensure_ascii=False), encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def ninth_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_ninth_folder(tmp_path_factory.mktemp("ninth"))


@pytest.fixture
def ninth_app(tmp_path: Path, build_dir: Path, ninth_folder: Path) -> Any:
    with running_app(settings_for(tmp_path, build_dir, prompts_dir=ninth_folder)) as client:
        yield client


def test_a_ninth_type_is_offered_by_the_api(ninth_app: TestClient) -> None:
    types = ninth_app.get("/v1/speech-types").json()
    bundled = load_kit(DEFAULT_PROMPTS_DIR).types
    assert len(types) == len(bundled) + 1 and types[-1]["type"] == NINTH
    assert [s["label"] for s in types[-1]["sections"]] == ["开场", "分点意见", "结尾号召"]
    examples = ninth_app.get("/v1/examples").json()
    assert examples[-1]["name"] == NINTH and examples[-1]["label"].startswith("经验交流发言：")


def test_a_ninth_type_drafts_scores_and_exports(ninth_app: TestClient) -> None:
    response = ninth_app.post("/v1/drafts", json={**NINTH_BRIEF, "speech_type": "交流发言"})
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["title"] == "城关镇党委书记在全市基层治理经验交流会上的经验交流发言"
    assert draft["text"].count("下面，我从三个方面作简要汇报。") == 1
    assert draft["report"]["passed"], [c for c in draft["report"]["checks"] if not c["passed"]]
    assert draft["report"]["structure"]["speech_type"] == NINTH
    length = next(c for c in draft["report"]["checks"] if c["name"] == "length")
    assert "目标1800字" in length["detail"]  # its own default length
    word = ninth_app.get(f"/v1/drafts/{draft['id']}/export?format=docx")
    assert word.status_code == 200 and word.content[:2] == b"PK"


def test_the_reader_recognises_the_ninth_type_by_its_cues(ninth_app: TestClient) -> None:
    text = (
        "在全县乡村治理经验交流会上的发言\n同志们：\n今天召开这次经验交流会，我介绍三点做法。\n"
        "一、建强队伍\n我们选优配强网格员队伍，做到每格有人管。\n"
        "二、完善机制\n我们建立每日报告制度，做到小事不出格。\n"
        "三、强化保障\n我们落实网格员待遇，做到安心干事。\n同志们，让我们再接再厉，把工作做得更好！"
    )
    report = ninth_app.post("/v1/checks", json={"text": text}).json()
    assert report["structure"]["speech_type"] == NINTH


def test_the_bundled_app_knows_nothing_of_the_ninth_type(tmp_path: Path, build_dir: Path) -> None:
    with running_app(settings_for(tmp_path, build_dir)) as client:
        response = client.post("/v1/drafts", json=NINTH_BRIEF)
    assert response.status_code == 422
    problem = response.json()
    assert problem["field"] == "speech_type" and "work_meeting（工作会议讲话）" in problem["detail"]


def test_two_apps_in_one_process_each_use_their_own_prompts_and_budget(
    tmp_path: Path, build_dir: Path
) -> None:
    other = tmp_path / "other-prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, other)
    with (other / "system.md").open("a", encoding="utf-8") as system:
        system.write("\n（本机关的写作要求：多用短句。）\n")
    skeleton = other / "skeletons" / "work_meeting.yaml"
    skeleton.write_text(
        skeleton.read_text(encoding="utf-8").replace("default_chars: 4000", "default_chars: 2222"),
        encoding="utf-8",
    )
    brief = {k: v for k, v in example_brief("work_meeting").items() if k != "target_chars"}
    long_brief = {**brief, "notes": "请注意：" + "各项工作要扎实推进、务求实效。" * 100}
    with FakeUpstream(ModelResponder()) as fake:
        model = {"drafter": "openai", "openai_base_url": fake.base_url, "model": "fake-model"}
        roomy = settings_for(tmp_path / "a", build_dir, **model, context_window=32_000)
        narrow = settings_for(
            tmp_path / "b", build_dir, **model, prompts_dir=other, context_window=4_000,
            output_reserve=1_000,
        )  # fmt: skip
        with running_app(roomy) as first, running_app(narrow) as second:
            assert first.post("/v1/outlines", json=brief).status_code == 200
            assert second.post("/v1/outlines", json=brief).status_code == 200
            assert first.post("/v1/outlines", json=long_brief).status_code == 200
            too_long = second.post("/v1/outlines", json=long_brief)
        prompts = [request.messages for request in fake.chat_requests]
    assert too_long.status_code == 422 and too_long.json()["field"] == "notes"  # the longest
    assert "其他要求" in too_long.json()["detail"]
    assert "3000" in too_long.json()["detail"]  # the narrow app's budget: 4000 − 1000
    own, others = prompts[0], prompts[1]
    assert "多用短句" not in own[0]["content"] and "多用短句" in others[0]["content"]
    assert "约4000字" in own[1]["content"] and "约2222字" in others[1]["content"]
