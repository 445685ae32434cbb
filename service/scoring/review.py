"""What a model says of a draft's substance, as every report carries it (service.pipeline.judge
asks for it)."""

from __future__ import annotations

from pydantic import BaseModel, Field

ASPECTS = {
    "relevance": "切题",
    "specificity": "具体",
    "coherence": "连贯",
    "register": "语体",
    "repetition": "重复",
}


class JudgeScore(BaseModel):
    """One aspect: its score, the sentence quoted as evidence, and why."""

    aspect: str
    label: str
    score: int = Field(ge=1, le=5)
    quote: str = Field(description="草稿中的原句；找不到原句时为空")
    comment: str


class JudgeReview(BaseModel):
    """The model's review; `overall` is the mean score over 5."""

    model: str
    scores: list[JudgeScore]
    overall: float = Field(ge=0.0, le=1.0)
    summary: str
