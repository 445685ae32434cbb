"""The prompt templates of prompts/*.md, rendered strictly: a missing variable is an error.

Every value put into a template passes one guard that turns < and > into
full-width ＜ ＞, so no text from a brief or the corpus can close a block
(<brief>, <examples>) or open a new one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from service.errors import PromptError


def _guard(value: Any) -> Any:
    """Every template value: < and > become full-width so text cannot open or close a block."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    return text.replace("<", "＜").replace(">", "＞")


class Templates:
    """The templates of one prompts folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            finalize=_guard,
        )

    def render(self, name: str, **context: Any) -> str:
        """Render prompts/<name>; a missing variable or template raises PromptError."""
        try:
            template = self._environment.get_template(name)
            return template.render(**context).strip() + "\n"
        except jinja2.UndefinedError as exc:
            raise PromptError(f"提示词模板 {name} 缺少变量：{exc.message}") from exc
        except jinja2.TemplateNotFound as exc:
            raise PromptError(f"找不到提示词模板 {name}（目录 {self.folder}）") from exc
        except jinja2.TemplateSyntaxError as exc:
            raise PromptError(
                f"提示词模板 {name} 第 {exc.lineno} 行语法错误：{exc.message}"
            ) from exc
