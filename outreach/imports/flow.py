"""The two-step import every upload with a preview uses: check and preview, then confirm and write all or nothing.

The checked text is stored in the database (`PendingImport`), so the confirm may reach any app
instance; the confirm checks the text again against the current data before writing anything.
"""

import logging
from collections.abc import Callable

from flask import flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user

from outreach.imports.forms import ConfirmForm, UploadForm
from outreach.imports.preview import ImportPreview
from outreach.imports.problems import ImportRefused, in_sheet
from outreach.imports.reading import read_file
from outreach.imports.services import discard, find_pending, stash_upload
from outreach.uow import unit_of_work

log = logging.getLogger(__name__)


def preview_upload(
    kind: str,
    form: UploadForm,
    check: Callable[[str], ImportPreview],
    page: dict,
    confirm_form: ConfirmForm | None = None,
):
    """Read the uploaded file, check it and show the preview (stashing it when it is clean).

    `confirm_form` is the confirm button's form when the confirm carries more than the token (the
    counts' source, which `check` used and the confirm checks again); the token is filled in here.
    """
    upload = form.file.data
    confirm = None
    try:
        with unit_of_work():
            read = read_file(upload, sheet=page.get("sheet"))
            with in_sheet(read.sheet):
                preview = check(read.text)
            preview.locate(read.sheet)
            if preview.ok:
                pending = stash_upload(kind, current_user, upload.filename or "upload.csv", read.text, read.sheet)
                confirm = ConfirmForm() if confirm_form is None else confirm_form
                confirm.token.data = pending.token
    except ImportRefused as exc:
        return render_template("imports/upload.html", form=form, page=page, file_error=str(exc)), 400
    return render_template(
        "imports/upload.html",
        form=form,
        page=page,
        preview=preview,
        confirm=confirm,
        filename=upload.filename,
        sheet=read.sheet,
    ), (200 if preview.ok else 422)


def confirm_upload(
    kind: str,
    check: Callable[[str], ImportPreview],
    apply: Callable[..., dict],
    page: dict,
    form: ConfirmForm | None = None,
    upload_form: UploadForm | None = None,
):
    """Check the stashed upload again and write it all, or nothing when any row has a problem.

    `form` is the posted confirm form (a `ConfirmForm` by default; `check` may read its other fields
    once it is valid), `upload_form` the form offered to upload the file again.
    """
    form = ConfirmForm() if form is None else form
    pending = find_pending(form.token.data or "", kind, current_user) if form.validate_on_submit() else None
    if pending is None:
        flash(_("That upload has expired or was already imported. Upload the file again."), "error")
        return redirect(page["url"])
    with in_sheet(pending.sheet):
        preview = check(pending.content)
    preview.locate(pending.sheet)
    if not preview.ok:
        return render_template(
            "imports/upload.html",
            form=UploadForm() if upload_form is None else upload_form,
            page=page,
            preview=preview,
            filename=pending.filename,
            sheet=pending.sheet,
        ), 422
    try:
        with unit_of_work():
            counts = apply(preview, actor=current_user, filename=pending.filename)
            discard(pending)
    except Exception:
        log.exception("%s import of %s failed; nothing was written", kind, pending.filename)
        raise
    flash(
        _(
            "Imported %(file)s: %(added)s added, %(updated)s updated, %(unchanged)s unchanged.",
            file=pending.filename,
            **{k: counts[k] for k in ("added", "updated", "unchanged")},
        ),
        "success",
    )
    return redirect(page["done_url"])
