"""A year of a series for the archive: the stored PDFs (and OFDs) of its issued issues in a zip, with a manifest.

The PDFs are the files stored when each issue was issued, never rendered again. Each is read once, and
the bytes read are hashed and compared with the SHA-256 recorded at issuing before they go into the zip:
if any file is missing or differs, the export is refused as a whole (YearExportError naming every such
issue) and nothing is handed out. The zip is reproducible: its entries are dated by when each issue
was issued, so exporting the same year twice gives the same bytes. An issue's OFD, when one was written, goes
in beside its PDF under the same checks (its size and SHA-256 in manifest.json).
"""

import hashlib
import json
import tempfile
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.archive.spreadsheet import csv_text
from articles.models import Article, Issue, file_name_component
from articles.printing.integrity import PdfProblem

MANIFEST_COLUMNS = [
    ("number", Issue._meta.get_field("number").verbose_name),
    ("total_number", Issue._meta.get_field("total_number").verbose_name),
    ("issue_date", Issue._meta.get_field("issue_date").verbose_name),
    ("titles", gettext_lazy("article titles")),
    ("file", gettext_lazy("file name")),
    ("size", Issue._meta.get_field("pdf_size").verbose_name),
    ("sha256", Issue._meta.get_field("pdf_sha256").verbose_name),
]
TITLE_SEPARATOR = "；"


class YearExportError(ValidationError):
    """The year cannot be exported; the message says why, in the user's language."""


def year_export_issues(*, series, year):
    """The issued issues of `series` in `year`, in number order, with their article titles."""
    titles = Article.objects.only("issue_id", "title").order_by("position", "pk")
    return (Issue.objects.issued().filter(series=series, year=year).select_related("series", "ofd")
            .prefetch_related(Prefetch("articles", queryset=titles)).order_by("number"))


def year_export_name(*, series, year):
    return file_name_component(f"{series.name}{year}年档案.zip")


def _entry(name, issue):
    """A zip entry dated when `issue` was issued (zip dates are local wall-clock times)."""
    info = zipfile.ZipInfo(name, date_time=timezone.localtime(issue.issued_at).timetuple()[:6])
    info.external_attr = 0o644 << 16
    return info


def _stored(field_file, sha256):
    """The bytes of a stored file and the PdfProblem with them (None when they are the file recorded by `sha256`)."""
    try:
        with field_file.open("rb") as fh:
            content = fh.read()
    except (OSError, ValueError):
        return None, PdfProblem.MISSING
    if hashlib.sha256(content).hexdigest() != sha256:
        return None, PdfProblem.MISMATCH
    return content, None


def _stored_pdf(issue):
    """The bytes of the issue's stored PDF and the PdfProblem with them (None when it is the file issued)."""
    return _stored(issue.pdf_file, issue.pdf_sha256)


def _stored_ofd(issue):
    """(None, None) when the issue has no OFD, else its stored bytes and the PdfProblem with them."""
    ofd = getattr(issue, "ofd", None)
    if ofd is None or not ofd.ofd_sha256:
        return None, None
    return _stored(ofd.ofd_file, ofd.ofd_sha256)


def year_export(*, series, year):
    """The zip of `series`' issued issues of `year` in a temporary file, at its start (close it when done).

    Raises YearExportError, and keeps nothing, if there is no issued issue or any stored PDF is not the
    one issued.
    """
    issues = list(year_export_issues(series=series, year=year))
    if not issues:
        raise YearExportError(_("%(series)s has no issued issue in %(year)s.") % {"series": series, "year": year},
                              code="empty")
    out = tempfile.TemporaryFile()
    problems, manifest = [], []
    try:
        with zipfile.ZipFile(out, "w") as archive:
            for issue in issues:
                content, problem = _stored_pdf(issue)
                ofd_content, ofd_problem = _stored_ofd(issue)
                if problem is not None:
                    problems.append(_("%(issue)s (%(file)s): %(problem)s")
                                    % {"issue": issue, "file": issue.pdf_file.name, "problem": problem.label})
                if ofd_problem is not None:
                    problems.append(_("%(issue)s (%(file)s): %(problem)s")
                                    % {"issue": issue, "file": issue.ofd.ofd_file.name, "problem": ofd_problem.label})
                if problem is not None or ofd_problem is not None:
                    continue
                if problems:
                    continue  # refused already: the rest is only read to name every bad file at once
                archive.writestr(_entry(issue.pdf_filename, issue), content, compress_type=zipfile.ZIP_STORED)
                manifest.append({
                    "number": issue.number, "total_number": issue.total_number,
                    "issue_date": issue.issue_date.isoformat(),
                    "titles": [str(article) for article in issue.articles.all()],
                    "file": issue.pdf_filename, "size": len(content), "sha256": issue.pdf_sha256,
                })
                if ofd_content is not None:
                    archive.writestr(_entry(issue.ofd.file_name, issue), ofd_content, compress_type=zipfile.ZIP_STORED)
                    manifest[-1].update({"ofd_file": issue.ofd.file_name, "ofd_size": len(ofd_content),
                                         "ofd_sha256": issue.ofd.ofd_sha256})
            if problems:
                raise YearExportError(
                    _("Nothing was exported. These stored PDFs are not the files that were issued: %(problems)s. "
                      "Restore them from the backup (each issue records its file's SHA-256) and export again.")
                    % {"problems": "；".join(problems)}, code="mismatch")
            last = max(issues, key=lambda issue: issue.issued_at)
            archive.writestr(_entry("manifest.csv", last), _manifest_csv(manifest), zipfile.ZIP_DEFLATED)
            archive.writestr(_entry("manifest.json", last), _manifest_json(series, year, manifest),
                             zipfile.ZIP_DEFLATED)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _manifest_csv(manifest):
    """The manifest as CSV for people (UTF-8 with a BOM, for Excel): one row per issue, headed in Chinese."""
    with translation.override(settings.LANGUAGE_CODE):
        header = [str(label) for _key, label in MANIFEST_COLUMNS]
    return csv_text([header] + [[TITLE_SEPARATOR.join(row[key]) if key == "titles" else row[key]
                                 for key, _label in MANIFEST_COLUMNS] for row in manifest])


def _manifest_json(series, year, manifest):
    """The manifest as JSON for programs: the same rows, with English keys."""
    return json.dumps({"series": series.name, "year": year, "issues": manifest}, ensure_ascii=False, indent=2) + "\n"
