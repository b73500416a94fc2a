"""Resources of the storage service: buckets and the files in them, and their transfers.

The transfer methods come from mixins, so that core's analysis buckets and analysis bucket
files (which point at a storage bucket / bucket file) offer the same calls:

- :class:`BucketTransferMixin`: ``upload``, ``stream_tarball``, ``download_tarball``,
  ``download_all``, ``storage_files`` and ``wait_for_analysis_files``, for anything with a
  storage bucket id (``_storage_bucket_id()``);
- :class:`BucketFileTransferMixin`: ``stream`` and ``download`` for anything with a storage
  bucket-file id (``_storage_file_id()``).

The mechanics (streamed multipart bodies, resumable downloads, progress, atomic writes, safe
tar extraction) live in :mod:`flamehub.files`.

Example::

    from flamehub.models import Bucket
    bucket = Bucket.objects.create(name="results")
    [report] = bucket.upload("report.pdf", progress=True)
    report.download(to="copy-of-report.pdf")
"""

from __future__ import annotations

import os
import posixpath
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload
from uuid import UUID

from .. import errors, files
from ..files import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_RESUME_ATTEMPTS,
    DownloadStream,
    ProgressOption,
    UploadSource,
)
from ..hub import resolve_hub
from .base import REGISTRY, Resource, id_segment, objects_on, resource
from .fields import create_only, readonly, relation

if TYPE_CHECKING:
    from typing import BinaryIO, TypeAlias

    from ..hub import Hub
    from ..query.queryset import QuerySet
    from .auth import Realm

    _Base: TypeAlias = Resource
else:
    _Base = object

__all__ = [
    "DEFAULT_ANALYSIS_FILES_POLL_INTERVAL",
    "DEFAULT_ANALYSIS_FILES_TIMEOUT",
    "AnalysisBucketFileTransferMixin",
    "AnalysisBucketTransferMixin",
    "Bucket",
    "BucketFile",
    "BucketFileTransferMixin",
    "BucketTransferMixin",
]

#: Seconds :meth:`BucketTransferMixin.wait_for_analysis_files` waits by default.
DEFAULT_ANALYSIS_FILES_TIMEOUT = 60.0
#: Seconds between two polls of ``/analysis-bucket-files``.
DEFAULT_ANALYSIS_FILES_POLL_INTERVAL = 1.0


class BucketTransferMixin(_Base):
    """Upload and download methods for a resource that stands for a storage bucket.

    A class using it implements ``_storage_bucket_id()`` (and, for an analysis bucket,
    ``_analysis_id()``); :class:`Bucket` and core's ``AnalysisBucket`` do.

    Example::

        code = analysis.buckets.get(type="CODE")
        uploaded = code.upload("analysis/")            # main.py, lib/util.py ...
        entries = code.wait_for_analysis_files(uploaded, timeout=30)
    """

    def _storage_bucket_id(self) -> Any:
        """The id of the storage bucket this resource stands for."""
        raise NotImplementedError(f"{type(self).__name__} must implement _storage_bucket_id()")

    def _analysis_id(self) -> Any:
        """The id of the analysis whose bucket this is (``None``: not an analysis bucket)."""
        return None

    def _bucket_hub_and_id(self, using: Hub | None) -> tuple[Hub, Any]:
        hub = resolve_hub(using, self.hub)
        bucket_id = self._storage_bucket_id()
        if bucket_id is None:
            raise errors.QueryError(
                f"this {type(self).__name__} has no storage bucket id: load or save it first"
            )
        return hub, bucket_id

    # -- upload ----------------------------------------------------------------------

    def upload(
        self,
        *sources: UploadSource,
        prefix: str = "",
        progress: ProgressOption = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        using: Hub | None = None,
        overwrite: bool = False,
    ) -> list[BucketFile]:
        """Upload files, streamed from disk in one request; returns the created bucket files.

        Sources: paths of files, directories (every file below, under its path relative to
        the directory), open binary files, and ``(name, bytes | binary file)`` pairs. The
        body is read ``chunk_size`` bytes at a time, whatever the file sizes. ``progress=True``
        shows a tqdm bar, a callable gets ``(done, total)`` bytes. The body is never resent
        automatically (:class:`~flamehub.files.UploadNotResent`); the Hub's answer is
        checked against the sizes sent (:class:`~flamehub.errors.TransferSizeMismatch`).
        A path that exists in the bucket is refused by the Hub
        (:class:`~flamehub.errors.Conflict`, naming it); ``overwrite=True`` deletes the
        files at the uploaded paths first, then uploads (not atomic).

        Example::

            files = bucket.upload("analysis/", ("config.json", b"{}"), progress=True)
            print([(f.path, f.size) for f in files])
        """
        from ..query.queryset import load

        hub, bucket_id = self._bucket_hub_and_id(using)
        rows = files.upload(
            hub,
            bucket_id,
            sources,
            prefix=prefix,
            chunk_size=chunk_size,
            progress=progress,
            overwrite=overwrite,
        )
        return [load(BucketFile, row, hub) for row in rows]

    # -- download --------------------------------------------------------------------

    @property
    def storage_files(self) -> QuerySet[BucketFile]:
        """The storage files of this bucket (a QuerySet).

        Example::

            for bucket_file in bucket.storage_files.order_by("name"):
                print(bucket_file.path, bucket_file.size)
        """
        bucket_id = self._storage_bucket_id()
        return objects_on(BucketFile, self.hub).filter(bucket_id=bucket_id)

    def stream_tarball(
        self,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: ProgressOption = None,
        resume_attempts: int = DEFAULT_RESUME_ATTEMPTS,
        using: Hub | None = None,
        max_bytes: int | None = None,
    ) -> DownloadStream:
        """The bucket as a tar archive (``GET /buckets/<id>/stream``), as chunks of bytes.

        The request is sent now: an error status raises before any byte is read. Each tar
        entry is named by the file's path in the bucket.

        Example::

            with bucket.stream_tarball() as chunks:
                for chunk in chunks:
                    sink.write(chunk)
        """
        hub, bucket_id = self._bucket_hub_and_id(using)
        return DownloadStream(
            hub,
            "storage",
            f"buckets/{id_segment(bucket_id, 'bucket id')}/stream",
            chunk_size=chunk_size,
            resume_attempts=resume_attempts,
            progress=progress,
            description=f"{bucket_id}.tar",  # the name the Hub gives it, lowercased
            max_bytes=max_bytes,
        )

    @overload
    def download_tarball(
        self,
        to: str | os.PathLike[str],
        *,
        chunk_size: int = ...,
        progress: ProgressOption = ...,
        resume_attempts: int = ...,
        using: Hub | None = ...,
        overwrite: bool = ...,
        max_bytes: int | None = ...,
    ) -> Path: ...
    @overload
    def download_tarball(
        self,
        to: BinaryIO,
        *,
        chunk_size: int = ...,
        progress: ProgressOption = ...,
        resume_attempts: int = ...,
        using: Hub | None = ...,
        overwrite: bool = ...,
        max_bytes: int | None = ...,
    ) -> None: ...
    def download_tarball(
        self,
        to: files.DownloadTarget,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: ProgressOption = None,
        resume_attempts: int = DEFAULT_RESUME_ATTEMPTS,
        using: Hub | None = None,
        overwrite: bool = False,
        max_bytes: int | None = None,
    ) -> Path | None:
        """Save the bucket's tar archive to a file path, a directory or a binary file object.

        In a directory the archive is named ``<bucket id>.tar``. A path is written under a
        temporary name and renamed when complete, so a failed download leaves nothing under
        the final name; an existing file is only replaced with ``overwrite=True``. Returns
        the path written (``None`` for a file object).

        Example::

            path = bucket.download_tarball(to="backups/")     # backups/<id>.tar
        """
        _hub, bucket_id = self._bucket_hub_and_id(using)
        return files.save_stream(
            lambda: self.stream_tarball(
                chunk_size=chunk_size,
                progress=progress,
                resume_attempts=resume_attempts,
                using=using,
                max_bytes=max_bytes,
            ),
            to,
            default_name=f"{bucket_id}.tar",
            overwrite=overwrite,
        )

    def download_all(
        self,
        to: str | os.PathLike[str],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: ProgressOption = None,
        resume_attempts: int = DEFAULT_RESUME_ATTEMPTS,
        using: Hub | None = None,
        overwrite: bool = False,
        max_bytes: int | None = None,
    ) -> list[Path]:
        """Download every file of the bucket into the directory ``to`` (created if needed).

        The tar archive is extracted while it streams in, without a temporary copy of it:
        each file is written under a temporary name and renamed when complete. Members with
        absolute paths or ``..``, links, sparse members, device files and anything inside
        a ``.git`` directory are refused (:class:`~flamehub.errors.UnsafeArchiveMember`);
        an existing file is only replaced with ``overwrite=True``; no file is made
        executable; what is written is bounded (``max_bytes``, else
        :func:`~flamehub.files.expansion_limit`). Returns the files written.

        Example::

            for path in result_bucket.download_all(to="results/", progress=True):
                print(path)
        """
        files.check_download_directory(to)  # before the request
        stream = self.stream_tarball(
            chunk_size=chunk_size,
            progress=progress,
            resume_attempts=resume_attempts,
            using=using,
            max_bytes=max_bytes,
        )
        with stream:
            return files.extract_tar_stream(
                stream,
                to,
                chunk_size=chunk_size,
                overwrite=overwrite,
                max_bytes=max_bytes,
                received=lambda: stream.received,
            )

    # -- analysis buckets ------------------------------------------------------------

    def wait_for_analysis_files(
        self,
        uploaded: Iterable[BucketFile] | None = None,
        *,
        timeout: float = DEFAULT_ANALYSIS_FILES_TIMEOUT,
        poll_interval: float = DEFAULT_ANALYSIS_FILES_POLL_INTERVAL,
        using: Hub | None = None,
    ) -> list[Any]:
        """Wait until core lists an analysis-bucket-file row for each uploaded file.

        After an upload into an analysis bucket, core creates the ``AnalysisBucketFile`` rows
        asynchronously. This polls ``/analysis-bucket-files?filter[analysisId]=<id>`` every
        ``poll_interval`` seconds until every file of ``uploaded`` (default: every file now in
        the storage bucket) has its row, and returns those rows in the same order. Rows are
        matched by storage file id (``bucket_file_id``; ``external_id`` on legacy Hubs, whose
        rows have no ``analysis_bucket_id``). Raises
        :class:`~flamehub.files.AnalysisFilesTimeout` after ``timeout`` seconds.

        Example::

            code = analysis.buckets.get(type="CODE")
            uploaded = code.upload("analysis/")
            entries = code.wait_for_analysis_files(uploaded, timeout=30)
            entry = next(e for e in entries if e.path == "main.py")
            entry.root = True
            entry.save()
        """
        analysis_id = self._analysis_id()
        if analysis_id is None:
            raise errors.QueryError(
                f"{type(self).__name__} is not an analysis bucket: wait for analysis files "
                "on the AnalysisBucket (analysis.buckets.get(type=...))"
            )
        model = REGISTRY.get("AnalysisBucketFile")
        if model is None:
            raise errors.ConfigurationError(
                "AnalysisBucketFile is not declared: import flamehub.models first"
            )
        hub, bucket_id = self._bucket_hub_and_id(using)
        wanted = list(uploaded) if uploaded is not None else list(self.storage_files.using(hub))
        deadline = time.monotonic() + timeout
        queryset = model.objects.using(hub).filter(analysis_id=analysis_id)
        while True:
            rows = [row for row in queryset.all() if _in_bucket(row, bucket_id)]
            found = [_analysis_row_for(bucket_file, rows) for bucket_file in wanted]
            missing = [str(f.path) for f, row in zip(wanted, found, strict=True) if row is None]
            if not missing:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise files.AnalysisFilesTimeout(
                    f"after {timeout:g} s core still lists no analysis-bucket-file for "
                    f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''} "
                    f"({len(missing)} of {len(wanted)} files)",
                    missing=missing,
                )
            time.sleep(min(poll_interval, remaining))


def _in_bucket(row: Any, bucket_id: Any) -> bool:
    row_bucket = getattr(row, "bucket_id", None)
    return row_bucket is None or str(row_bucket) == str(bucket_id)


def _storage_file_id_of(row: Any) -> Any:
    return getattr(row, "bucket_file_id", None) or getattr(row, "external_id", None)


def _analysis_row_for(bucket_file: BucketFile, rows: Sequence[Any]) -> Any:
    """The analysis-bucket-file row of a storage file: by storage file id, else by path."""
    for row in rows:
        storage_id = _storage_file_id_of(row)
        if storage_id is not None and str(storage_id) == str(bucket_file.id):
            return row
    for row in rows:
        path = getattr(row, "path", None) or getattr(row, "name", None)
        if _storage_file_id_of(row) is None and path is not None and path == bucket_file.path:
            return row
    return None


class AnalysisBucketTransferMixin(BucketTransferMixin):
    """:class:`BucketTransferMixin` for core's ``AnalysisBucket`` (``bucket_id``, ``analysis_id``).

    Example::

        @resource
        class AnalysisBucket(AnalysisBucketTransferMixin, Resource):
            ...
    """

    def _storage_bucket_id(self) -> Any:
        return getattr(self, "bucket_id", None)

    def _analysis_id(self) -> Any:
        return getattr(self, "analysis_id", None)


class BucketFileTransferMixin(_Base):
    """``stream`` and ``download`` for a resource that stands for a storage bucket file.

    A class using it implements ``_storage_file_id()``; ``_expected_size()`` (the size to
    verify, ``None`` if unknown) and ``_download_name()`` have defaults.

    Example::

        bucket_file.download(to="downloads/")
    """

    def _storage_file_id(self) -> Any:
        """The id of the storage bucket file."""
        raise NotImplementedError(f"{type(self).__name__} must implement _storage_file_id()")

    def _expected_size(self) -> int | None:
        """The size the Hub announced for the file, if known."""
        return None

    def _download_name(self) -> str:
        """The file name used when downloading into a directory."""
        return str(self._storage_file_id())

    def stream(
        self,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: ProgressOption = None,
        resume_attempts: int = DEFAULT_RESUME_ATTEMPTS,
        using: Hub | None = None,
        max_bytes: int | None = None,
    ) -> DownloadStream:
        """The file's bytes (``GET /bucket-files/<id>/stream``), as chunks of ``chunk_size``.

        The request is sent now, so an error status raises before the first byte. The bytes
        are the original ones (``Accept-Encoding: identity``); their count is checked against
        the Hub's ``size``; an interrupted transfer is resumed with ``Range`` when the server
        allows it, else :class:`~flamehub.files.TransferError` is raised.

        Example::

            digest = hashlib.sha256()
            with bucket_file.stream() as chunks:
                for chunk in chunks:
                    digest.update(chunk)
        """
        hub = resolve_hub(using, self.hub)
        file_id = self._storage_file_id()
        if file_id is None:
            raise errors.QueryError(
                f"this {type(self).__name__} has no storage file id: load it first"
            )
        return DownloadStream(
            hub,
            "storage",
            f"bucket-files/{id_segment(file_id, 'file id')}/stream",
            expected_size=self._expected_size(),
            chunk_size=chunk_size,
            resume_attempts=resume_attempts,
            progress=progress,
            description=self._download_name(),
            max_bytes=max_bytes,
        )

    @overload
    def download(
        self,
        to: str | os.PathLike[str],
        *,
        chunk_size: int = ...,
        progress: ProgressOption = ...,
        resume_attempts: int = ...,
        using: Hub | None = ...,
        overwrite: bool = ...,
        max_bytes: int | None = ...,
    ) -> Path: ...
    @overload
    def download(
        self,
        to: BinaryIO,
        *,
        chunk_size: int = ...,
        progress: ProgressOption = ...,
        resume_attempts: int = ...,
        using: Hub | None = ...,
        overwrite: bool = ...,
        max_bytes: int | None = ...,
    ) -> None: ...
    def download(
        self,
        to: files.DownloadTarget,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: ProgressOption = None,
        resume_attempts: int = DEFAULT_RESUME_ATTEMPTS,
        using: Hub | None = None,
        overwrite: bool = False,
        max_bytes: int | None = None,
    ) -> Path | None:
        """Save the file to a path, into a directory (under its name) or to a binary file object.

        A path is written under a temporary name in the same directory and renamed when the
        download is complete and verified: a failed download leaves nothing under the final
        name. An existing file is only replaced with ``overwrite=True``
        (:class:`~flamehub.errors.DownloadTargetExists`), a ``.git`` directory is never
        written to. Returns the path written (``None`` for a file object).

        Example::

            path = bucket_file.download(to="downloads/", progress=True)
        """
        return files.save_stream(
            lambda: self.stream(
                chunk_size=chunk_size,
                progress=progress,
                resume_attempts=resume_attempts,
                using=using,
                max_bytes=max_bytes,
            ),
            to,
            default_name=self._download_name(),
            overwrite=overwrite,
        )


class AnalysisBucketFileTransferMixin(BucketFileTransferMixin):
    """:class:`BucketFileTransferMixin` for core's ``AnalysisBucketFile``.

    The storage file id is ``bucket_file_id`` (current Hubs) or ``external_id`` (legacy).

    Example::

        entry = analysis.bucket_files.get(path="main.py")
        entry.download(to="main.py")
    """

    def _storage_file_id(self) -> Any:
        return _storage_file_id_of(self)

    def _download_name(self) -> str:
        name = getattr(self, "path", None) or getattr(self, "name", None)
        return posixpath.basename(str(name)) if name else str(self._storage_file_id())


@resource
class Bucket(BucketTransferMixin, Resource):
    """A storage bucket (names are not unique; ``GET /buckets/<name>`` also works).

    Example::

        bucket = Bucket.objects.create(name="results")
        bucket.upload("metrics.csv")
        bucket.download_all(to="copy/")
    """

    id: UUID | None = readonly()
    name: str | None = create_only(required=True)
    region: str | None = create_only()
    realm_id: UUID | None = create_only()
    realm: Realm | None = relation()
    actor_id: UUID | None = readonly()
    actor_type: str | None = readonly()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()

    class Meta:
        service = "storage"
        path = "buckets"
        filters = ("id", "name", "realm_id", "actor_type", "actor_id")
        sorts = ("id", "created_at", "updated_at")
        includes = ()
        ordering = ("created_at", "id")
        updatable = False

    def _storage_bucket_id(self) -> Any:
        return self.id


@resource
class BucketFile(BucketFileTransferMixin, Resource):
    """A file in a bucket (created by uploads; ``hash`` is the object key, not a checksum).

    Downloads are verified against ``size`` (the Hub offers no content checksum).

    Example::

        for bucket_file in BucketFile.objects.filter(bucket_id=bucket.id):
            bucket_file.download(to="downloads/")
    """

    id: UUID | None = readonly()
    name: str | None = readonly()
    path: str | None = readonly()
    directory: str | None = readonly()
    hash: str | None = readonly()
    size: int | None = readonly()
    actor_type: str | None = readonly()
    actor_id: UUID | None = readonly()
    realm_id: UUID | None = readonly()
    realm: Realm | None = relation()
    bucket_id: UUID | None = readonly()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()
    bucket: Bucket | None = relation()

    class Meta:
        service = "storage"
        path = "bucket-files"
        filters = ("id", "name", "directory", "realm_id", "actor_type", "actor_id", "bucket_id")
        sorts = ("id", "directory", "name", "created_at", "updated_at")
        includes = ("bucket",)
        ordering = ("created_at", "id")
        creatable = False
        updatable = False

    def _storage_file_id(self) -> Any:
        return self.id

    def _expected_size(self) -> int | None:
        return self.size

    def _download_name(self) -> str:
        return posixpath.basename(self.name or self.path or "") or str(self.id)
