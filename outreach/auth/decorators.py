"""Access rules for views: public, any signed-in user, or some roles (else 403).

Each decorator records its rule on the view as `view.access` (PUBLIC or a frozenset of roles), so
a test can walk `app.view_functions` and compare every route's rule with what it really allows.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort
from flask_login import current_user, login_required

from outreach.campaign import ROLES

PUBLIC = "public"
View = TypeVar("View", bound=Callable[..., Any])


def roles_required(*roles: str) -> Callable[[View], View]:
    """Allow the view only to logged-in users holding one of `roles`."""

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, "access", frozenset(roles))  # noqa: B010 - a function attribute mypy cannot declare
        return cast(View, wrapped)

    return decorator


def signed_in(view: View) -> View:
    """Allow the view to any signed-in user, whatever the role."""
    return roles_required(*ROLES)(view)


def public(view: View) -> View:
    """Mark the view as open to everyone, signed in or not."""
    setattr(view, "access", PUBLIC)  # noqa: B010 - a function attribute mypy cannot declare
    return view


def access_rule(view: Callable[..., Any]) -> frozenset[str] | str | None:
    """The rule a view declared (PUBLIC or its roles), or None when it declared none."""
    return getattr(view, "access", None)
