"""Resources of the auth service (authup): realms, users, roles, permissions, clients ...

Declarations only: the machinery lives in :mod:`flamehub.resources.base`.

Example::

    from flamehub.models import Realm
    master = Realm.objects.get(name="master")
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from .base import Resource, resource
from .fields import readonly, writable

#: authup declares ``indexed: true`` sorts and drops a multi-key ``sort`` whole.
AUTHUP_SINGLE_KEY_SORT = False


@resource
class Realm(Resource):
    """A realm: the tenant that users, clients, nodes and projects belong to.

    Example::

        realm = Realm.objects.create(name="site-a", display_name="Site A")
    """

    id: UUID | None = readonly()
    name: str | None = writable(required=True)
    display_name: str | None = writable()
    description: str | None = writable()
    built_in: bool | None = readonly()
    created_at: datetime | None = readonly()
    updated_at: datetime | None = readonly()

    class Meta:
        service = "auth"
        path = "realms"
        filters = ("id", "name", "display_name", "built_in")
        sorts = ("id", "name", "created_at", "updated_at")
        includes = ()
        ordering = ("created_at",)
        multi_key_sort = AUTHUP_SINGLE_KEY_SORT
