"""A stand-in for a competent chat model, for the fake upstream: it reads our prompts the way a
model would (roles, point count, length, required phrases) and answers in kind.

It lets tests drive the real pipeline through the real openai client; `Faults`
then makes it misbehave in the ways real models do, one fault at a time.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

import opencc

_VERBS = ("压实", "细化", "强化", "健全", "完善", "深化", "落实", "推动", "抓好", "提升")
_OBJECTS = (
    "主体责任", "工作机制", "督导检查", "问题整改", "宣传引导", "队伍建设", "制度建设",
    "基层基础", "风险防范", "协调联动", "服务保障", "考核评价",
)  # fmt: skip
_TAILS = (
    "确保各项任务落地见效", "推动工作取得新进展", "形成上下联动的工作格局",
    "切实把要求转化为行动", "以钉钉子精神抓好落实",
)  # fmt: skip
_ROLE_ORDER = re.compile(r"role 依次为：([^。\n]+)。")
_POINTS = re.compile(r"主体(?:写足|分)(\d+)点")
_LENGTH = re.compile(r"(?:篇幅：约|篇幅约|约)(\d+)字")
_MUST = re.compile(r"必须原样写入这些提法，一字不改：([^。\n]+)。")
_REQUIRED = re.compile(r"必须原样出现的提法：([^\n]+)")
_QUOTED = re.compile(r"“([^”]+)”")
_T2S = opencc.OpenCC("s2t")
_PART_LABEL = re.compile(r"这次请你只写其中的“([^”]+)”部分|“([^”]+)”部分的初稿")
# What a model knows to say in each kind of part (by the label the prompt names it with).
_PART_OPENERS = {
    "开场": "今天，我们召开这次会议，主要任务是总结工作、部署任务。",
    "评价汇报": "刚才，听取了有关情况汇报，讲得很好，我完全同意。",
    "表明态度": "我们坚决拥护、坚决贯彻上级的决策部署。",
    "欢迎祝贺": "在这收获的季节，我们欢聚一堂，我谨表示热烈的欢迎。",
}
_PART_CLOSERS = {
    "结尾号召": "同志们，让我们团结一心、真抓实干，为完成全年目标任务作出新的更大贡献！",
    "宣布散会": "会议到此结束，散会！",
    "表示决心": "请组织放心，我们一定坚决完成各项任务！",
    "祝愿": "预祝大会圆满成功！祝大家身体健康、工作顺利！",
    "致谢": "在此，向大家的大力支持表示衷心的感谢！",
}
# Parts that carry their own numbered heading in some skeletons (summary, supervision).
_PART_HEADINGS = {
    "review": "工作取得的主要成效", "lessons": "积累的经验和启示", "next_steps": "下步工作打算",
    "evaluation": "对工作的总体评价", "suggestions": "对下一步工作的建议",
}  # fmt: skip


@dataclass(frozen=True)
class Faults:
    """Ways the stand-in model misbehaves; each applies to first drafts, not to repairs."""

    markdown_and_chatter: bool = False
    traditional: bool = False
    drop_phrases: bool = False  # leaves out the required phrases until asked to repair
    outline_points: int | None = None  # outline with this many points, whatever was asked
    outline_not_json: bool = False


def sentences() -> itertools.cycle[str]:
    """Endless, distinct-enough official sentences (no figures)."""
    combos = [
        f"要{verb}{obj}，{tail}。"
        for tail, verb, obj in itertools.product(_TAILS, _VERBS, _OBJECTS)
    ]
    return itertools.cycle(combos)


def _last_user(request: dict[str, Any]) -> str:
    users = [m.get("content", "") for m in request.get("messages", []) if m.get("role") == "user"]
    return str(users[-1]) if users else ""


def _fill(chars: int, pool: itertools.cycle[str], phrases: list[str]) -> str:
    parts = [f"要深入贯彻{p}的要求。" for p in phrases]
    while sum(len(p) for p in parts) < chars:
        parts.append(next(pool))
    return "".join(parts)


class ModelResponder:
    """Callable responder for FakeUpstream: outline JSON, part bodies, or a whole speech."""

    def __init__(self, faults: Faults | None = None) -> None:
        self.faults = faults or Faults()
        self.pool = sentences()

    def __call__(self, request: dict[str, Any]) -> str:
        prompt = _last_user(request)
        if request.get("response_format"):
            return self.outline(prompt)
        if "请修改" in prompt:
            return self.part(prompt, repair=True)
        if "起草一篇完整的" in prompt:
            return self.whole(prompt)
        return self.part(prompt, repair=False)

    def outline(self, prompt: str) -> str:
        if self.faults.outline_not_json:
            return "好的，提纲如下：一、提高认识；二、抓好落实。"
        roles_found = _ROLE_ORDER.search(prompt)
        roles = roles_found.group(1).split("、") if roles_found else []
        asked = _POINTS.search(prompt)
        count = self.faults.outline_points or (int(asked.group(1)) if asked else 0)
        headings = (
            "提高政治站位，进一步压实工作责任",
            "突出工作重点，进一步抓实关键环节",
            "加强组织领导，进一步凝聚工作合力",
            "强化作风建设，进一步提升工作效能",
        )
        data = {
            "title": "在会议上的讲话",
            "opening": "说明会议目的",
            "sections": [
                {
                    "role": r,
                    "heading": f"关于{r}的意见",
                    "gist": "按结构写",
                    "items": [],
                    "chars": 300,
                }
                for r in roles
            ],
            "points": [
                {
                    "heading": headings[i % len(headings)],
                    "subpoints": ["压实责任", "狠抓落实"],
                    "chars": 800,
                }
                for i in range(count)
            ],
            "closing": "发出号召",
        }
        return json.dumps(data, ensure_ascii=False)

    def part(self, prompt: str, *, repair: bool) -> str:
        length = _LENGTH.search(prompt)
        chars = int(length.group(1)) if length else 300
        must = _MUST.search(prompt)
        phrases = _QUOTED.findall(must.group(1)) if must else []
        if self.faults.drop_phrases and not repair:
            phrases = []
        found = _PART_LABEL.search(prompt)
        label = next((g for g in found.groups() if g), "") if found else ""
        opener, closer = _PART_OPENERS.get(label, ""), _PART_CLOSERS.get(label, "")
        middle = _fill(max(chars - len(opener) - len(closer), 20), self.pool, phrases)
        body = opener + middle + closer
        return self._misbehave(body) if not repair else body

    def whole(self, prompt: str) -> str:
        asked = _POINTS.search(prompt)
        count = int(asked.group(1)) if asked else 3
        length = _LENGTH.search(prompt)
        total = int(length.group(1)) if length else 3000
        required = _REQUIRED.search(prompt)
        phrases = _QUOTED.findall(required.group(1)) if required else []
        numerals = "一二三四五六七八九十"
        per_point = max(total * 78 // 100 // max(count, 1), 50)
        lines = ["在会议上的讲话", "同志们：", "今天，我们召开这次会议，主要任务是部署工作。"]
        lines.append(_fill(total * 12 // 100 - 40, self.pool, []))
        lines.append(f"下面，我讲{numerals[count - 1] if count else '几'}点意见。")
        for i in range(count):
            lines.append(f"{numerals[i]}、抓好第{numerals[i]}方面重点工作")
            lines.append(_fill(per_point, self.pool, phrases if i == 0 else []))
        lines.append(_fill(total * 10 // 100 - 40, self.pool, []))
        lines.append("同志们，让我们团结一心、真抓实干，为完成全年目标任务作出新的更大贡献！")
        return "\n".join(lines)

    def _misbehave(self, body: str) -> str:
        if self.faults.traditional:
            body = _T2S.convert(body)
        if self.faults.markdown_and_chatter:
            body = f"好的，以下是这一部分的正文：\n\n**{body[:10]}**{body[10:]}\n\n希望对您有帮助。"
        return body
