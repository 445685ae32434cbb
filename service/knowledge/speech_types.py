"""The speech types of the conventions page, their API values and Chinese aliases."""

from __future__ import annotations

from enum import StrEnum


class SpeechType(StrEnum):
    """API value of a speech type."""

    work_meeting = "work_meeting"
    progress = "progress"
    mobilization = "mobilization"
    summary = "summary"
    supervision = "supervision"
    presiding = "presiding"
    pledge = "pledge"
    address = "address"


CHINESE_NAMES: dict[SpeechType, str] = {
    SpeechType.work_meeting: "工作会议讲话",
    SpeechType.progress: "推进会讲话",
    SpeechType.mobilization: "动员讲话",
    SpeechType.summary: "总结讲话",
    SpeechType.supervision: "督导组讲话",
    SpeechType.presiding: "主持词",
    SpeechType.pledge: "表态发言",
    SpeechType.address: "致辞",
}

_EXTRA_ALIASES: dict[str, SpeechType] = {
    "工作会议": SpeechType.work_meeting,
    "工作会讲话": SpeechType.work_meeting,
    "推进会": SpeechType.progress,
    "推进会议讲话": SpeechType.progress,
    "动员会讲话": SpeechType.mobilization,
    "动员部署讲话": SpeechType.mobilization,
    "总结会讲话": SpeechType.summary,
    "总结大会讲话": SpeechType.summary,
    "督导讲话": SpeechType.supervision,
    "督导组组长讲话": SpeechType.supervision,
    "主持讲话": SpeechType.presiding,
    "主持稿": SpeechType.presiding,
    "表态": SpeechType.pledge,
    "表态发言稿": SpeechType.pledge,
    "致辞稿": SpeechType.address,
    "欢迎辞": SpeechType.address,
    "贺词": SpeechType.address,
}


def parse_speech_type(value: str) -> SpeechType:
    """Accept an API value or a Chinese name; raise ValueError naming the accepted values."""
    text = value.strip()
    if text in SpeechType.__members__:
        return SpeechType(text)
    for kind, name in CHINESE_NAMES.items():
        if text == name:
            return kind
    if text in _EXTRA_ALIASES:
        return _EXTRA_ALIASES[text]
    accepted = "、".join(f"{k.value}（{n}）" for k, n in CHINESE_NAMES.items())
    raise ValueError(f"未知的讲话类型“{value}”；可用：{accepted}")
