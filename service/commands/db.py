"""`jianggao db upgrade`: bring the database's tables up to date (what `jianggao serve` and every
worker also do at start-up), e.g. as a deployment step before new replicas start."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(commands: Any) -> None:
    """Add the `db` sub-command group."""
    parser = commands.add_parser("db", help="数据库：升级表结构（upgrade）")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="把数据库升级到这个版本的表结构（可重复运行）")
    upgrade.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    """Upgrade the database of JIANGGAO_DATABASE_URL; exit 0, or 1 saying what failed."""
    from service.config import get_settings

    return 0 if upgrade_or_say(get_settings().database_url) else 1


def upgrade_or_say(database_url: str) -> bool:
    """Upgrade and print what was done, or print why not (no traceback); True on success."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from service.errors import StoreError
    from service.migrate import upgrade_url

    try:
        done = upgrade_url(database_url)
    except (StoreError, SQLAlchemyError) as exc:
        print(f"数据库升级失败：{exc}", file=sys.stderr)
        return False
    before = {None: "空数据库", "create_all": "旧版建立的表（认作 0001）"}.get(
        done.before, done.before
    )
    where = make_url(database_url).render_as_string(hide_password=True)
    print(f"数据库表结构：{before} → {done.after}（{where}）")
    return True
