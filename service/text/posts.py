"""Posts people speak in (书记, 局长, 组长 …) and the bodies they speak for: how a speaker line
or an agenda item names a post, and the place an organisation's name starts with."""

from __future__ import annotations

import re

_POSTS = (
    r"书记|副书记|组长|副组长|主任|局长|市长|县长|区长|省长|镇长|乡长|部长|主席|院长|校长|"
    r"委员|同志|厂长|经理|董事长|秘书长|处长|科长|队长|所长|行长|总经理"
)
# A speaker line ends with a post: 县委书记, 市委副书记、市长.
ROLE_END = re.compile(rf"({_POSTS})$")
# Someone named by post, and perhaps a name after it: 县长张明, 镇纪委书记, 企业代表.
SPEAKER = re.compile(rf"(?:{_POSTS}|代表|负责人|负责同志)[^，。：:]{{0,4}}$")

# The place an organisation belongs to: 中共青川县委 → 青川县, 青山市人民政府 → 青山市.
_ORG_PLACE = re.compile(r"^(?:中共|中国共产党)?(?P<place>.+?(?:省|市|县|区|镇|乡|村))")


def organization_place(organization: str) -> str | None:
    """The place at the head of an organisation's name, if it names one."""
    found = _ORG_PLACE.match(organization.strip())
    return found.group("place") if found else None
