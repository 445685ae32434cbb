"""A model's review of a draft's substance, after the rule checks: five aspects scored 1–5,
each with a sentence quoted from the draft as evidence. It is shown beside the checks and
never replaces them: a draft passes or fails on the checks alone.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from service.errors import JudgeAnswerError
from service.llm import ChatClient
from service.pipeline.prompts import Prompter
from service.schemas import Brief
from service.scoring.review import ASPECTS, JudgeReview, JudgeScore

JUDGE_TOKENS = 1200
_JSON = re.compile(r"\{.*\}", re.S)
_SPACE = re.compile(r"\s+")


def parse_review(answer: str, draft: str, model: str) -> JudgeReview:
    """The review in a model's answer; JudgeAnswerError saying what is wrong with it. A quote
    that is not in the draft is dropped: evidence must be the draft's own words."""
    found = _JSON.search(answer)
    if found is None:
        raise JudgeAnswerError("评审回答里没有 JSON 对象")
    try:
        data = json.loads(found.group(0))
    except json.JSONDecodeError as exc:
        raise JudgeAnswerError(f"评审 JSON 无法解析：{exc.msg}") from exc
    scores = data.get("scores") if isinstance(data, dict) else None
    if not isinstance(scores, dict) or set(ASPECTS) - set(scores):
        raise JudgeAnswerError(f"评审应对{('、'.join(ASPECTS))}五个方面都打分")
    plain = _SPACE.sub("", draft)
    try:
        items = [_score(aspect, scores[aspect], plain) for aspect in ASPECTS]
    except (ValidationError, TypeError, ValueError) as exc:
        raise JudgeAnswerError(f"评审的分数不合要求：{exc}") from exc
    overall = round(sum(s.score for s in items) / (5 * len(items)), 4)
    summary = str(data.get("summary") or "")[:300]
    return JudgeReview(model=model, scores=items, overall=overall, summary=summary)


def _score(aspect: str, value: Any, plain_draft: str) -> JudgeScore:
    if not isinstance(value, dict):
        raise ValueError(f"{aspect} 应是对象")
    quote = str(value.get("quote") or "").strip()
    if _SPACE.sub("", quote).strip('“”"。') not in plain_draft:
        quote = ""
    return JudgeScore(
        aspect=aspect,
        label=ASPECTS[aspect],
        score=int(value.get("score") or 0),
        quote=quote[:200],
        comment=str(value.get("comment") or "")[:200],
    )


class Judge:
    """Asks the configured model for a review of one draft (one call)."""

    def __init__(self, client: ChatClient, prompter: Prompter) -> None:
        self.client = client
        self.prompter = prompter

    async def review(self, brief: Brief, draft: str) -> JudgeReview:
        prompt = self.prompter.judge(brief, draft)
        completion = await self.client.complete(
            prompt.messages, max_tokens=JUDGE_TOKENS, json_mode=True
        )
        return parse_review(completion.text, draft, self.client.model)
