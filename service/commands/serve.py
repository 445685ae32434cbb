"""`jianggao serve`: start the HTTP API with uvicorn."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    """Add the `serve` sub-command."""
    parser = commands.add_parser("serve", help="启动 HTTP API（默认 127.0.0.1:8000）")
    parser.add_argument("--host", default=None, help="监听地址（默认取 JIANGGAO_HOST）")
    parser.add_argument("--port", type=int, default=None, help="端口（默认取 JIANGGAO_PORT）")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn 工作进程数")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start uvicorn; the app factory builds the expensive parts once per worker."""
    import uvicorn

    from service.commands.db import upgrade_or_say
    from service.config import get_settings
    from service.resources import wants_model

    settings = get_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    drafter = (
        f"大模型 {settings.model}（{settings.openai_base_url or 'OpenAI'}）"
        if wants_model(settings)
        else "内置起草器（未配置大模型；设置 OPENAI_API_KEY 或 OPENAI_BASE_URL 后改用大模型）"
    )
    # Once here, before uvicorn starts its workers (each checks again, under the same lock).
    if not upgrade_or_say(settings.database_url):
        return 1
    print(f"jianggao 服务启动：网页 http://{host}:{port}/  接口文档 http://{host}:{port}/docs")
    print(f"起草器：{drafter}")
    uvicorn.run(
        "service.api.app:create_app", factory=True, host=host, port=port, workers=args.workers
    )
    return 0
