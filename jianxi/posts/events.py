"""What a post's life tells the apps above posts: published, changed, closed, expired.

The ministry exchange (``jianxi.exchange``) turns each into an outbox message written in the
same transaction as the change, so it cannot import-depend on posts' callers and posts cannot
import it (docs/architecture.md, the order of the apps). Every place that changes a post's
status, and every change of what a published post shows, calls ``posts_changed`` inside its
transaction; the exchange registers its function in its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from jianxi.core.hooks import Hooks


@dataclass(frozen=True)
class PostChange:
    """One post's change: its id, its status before and after (equal for a change of content)."""

    post_id: int
    before: str
    after: str


class PostsChanged(Protocol):
    def __call__(self, *, changes: Sequence[PostChange]) -> None: ...


post_changed_hooks: Hooks[PostsChanged] = Hooks("posts published, changed, closed or expired")


def posts_changed(changes: Sequence[PostChange]) -> None:
    """Tell the registered apps, inside the caller's transaction (a rollback takes it back)."""
    if not changes:
        return
    for hook in post_changed_hooks:
        hook(changes=changes)
