"""jianggao (讲稿): drafts Chinese official meeting speeches in their conventional form."""

__version__ = "0.1.0"
