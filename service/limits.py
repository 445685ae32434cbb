"""Sizes the pipeline can take, in one place: the brief's schema and the outline both read
them, so a brief that passes validation always fits the outline and title it becomes."""

from __future__ import annotations

# The generated title: “{speaker}在{meeting}上的{suffix}”.
TITLE_MAX_CHARS = 120
TITLE_SUFFIX_MAX_CHARS = 10  # a skeleton's title_suffix (讲话, 表态发言, 主持词)
_TITLE_FRAME_CHARS = len("在上的")
SPEAKER_MAX_CHARS = 30
MEETING_MAX_CHARS = (
    TITLE_MAX_CHARS - _TITLE_FRAME_CHARS - TITLE_SUFFIX_MAX_CHARS - SPEAKER_MAX_CHARS
)

# A brief point becomes an outline part: its title the heading, its details the sub-points.
HEADING_MAX_CHARS = 80
SUBPOINTS_MAX = 12

# Paging through stored drafts: beyond this an offset is a mistake (and overflows SQL integers).
OFFSET_MAX = 1_000_000_000

# What one source file may hold. A speech runs to a few tens of thousands of characters; more
# is a collection or a bomb, and every draft would pay for searching and scrubbing it.
SOURCE_MAX_CHARS = 200_000
SOURCE_MAX_PARAGRAPHS = 20_000
EXAMPLE_MAX_CHARS = 60_000  # longer records stay in the corpus but are never shown as examples
# A .docx is a zip: its parts are checked before any is parsed.
DOCX_MAX_UNPACKED_BYTES = 64 * 2**20
DOCX_MAX_RATIO = 100  # unpacked / packed bytes of one large part
DOCX_RATIO_FROM_BYTES = 2**20  # parts smaller than this are not held to the ratio
