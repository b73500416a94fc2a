"""Resources of the storage service: buckets and the files in them.

Example::

    from flamehub.models import Bucket
    bucket = Bucket.objects.create(name="results")
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from .base import Resource, resource
from .fields import create_only, readonly, relation


@resource
class Bucket(Resource):
    """A storage bucket (names are not unique; ``GET /buckets/<name>`` also works).

    Example::

        bucket = Bucket.objects.create(name="results")
    """

    id: UUID | None = readonly()
    name: str | None = create_only(required=True)
    region: str | None = create_only()
    realm_id: UUID | None = create_only()
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


@resource
class BucketFile(Resource):
    """A file in a bucket (created by uploads; ``hash`` is the object key, not a checksum).

    Example::

        BucketFile.objects.filter(bucket_id=bucket.id)
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
