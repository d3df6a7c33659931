"""Deleting a person or a session everywhere rom keeps their data: store and cache.

The store deletes the rows and the stored video copies, scrubs SQLite's WAL, and says which
videos no remaining trial uses (:class:`rom.store.DeletionReport`); the cache then forgets
every file derived from those videos (:func:`rom.cache.forget_videos`).  Every front end
(``rom delete-person``, the dashboard) deletes through here, so none forgets a step.
"""

from __future__ import annotations

from dataclasses import dataclass

from rom import cache
from rom.store import DeletionReport, Store


@dataclass(frozen=True)
class Deleted:
    """What a deletion removed.

    Attributes
    ----------
    store : DeletionReport
        Stored video copies removed and the digests of the videos nobody uses any more.
    cache_files_removed : int
        Tracks, annotated videos, key frames, uploads and recordings removed from the cache.
    """

    store: DeletionReport
    cache_files_removed: int


def delete_person(store: Store, person_id: int) -> Deleted:
    """Delete a person and every file derived from videos no other person uses.

    Raises
    ------
    StorageError
        There is no such person, or the database cannot be written (nothing is deleted).
    """
    report = store.delete_person(person_id)
    return Deleted(report, cache.forget_videos(report.unused_video_sha256s))


def delete_session(store: Store, session_id: int) -> Deleted:
    """Delete a session and every file derived from videos no other trial uses.

    Raises
    ------
    StorageError
        There is no such session, or the database cannot be written.
    """
    report = store.delete_session(session_id)
    return Deleted(report, cache.forget_videos(report.unused_video_sha256s))
