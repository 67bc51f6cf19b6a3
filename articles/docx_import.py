"""Importing a whole Word draft (.docx): an issue's articles, split at titles, bodies cleaned like any body.

mammoth (python-mammoth) turns the document into semantic HTML by paragraph styles, not looks: a
"Title" or "Heading 1" paragraph (标题, 标题 1 in a Chinese Word) starts an article, and the text up
to the next one is its body. Headings "Heading 2/3/4" become the print layout's 一级/二级/三级
headings; the bodies then pass through articles.content.wordpaste (typed 一、/（一）/1. lines, alignment)
and the allow-list on save. Pictures are checked and stored exactly like an editor upload
(articles.content.images); one that cannot be read is reported by number and left out.

Nothing about an upload is trusted (docs/security.md, "Importing a .docx"): the package is checked
before it is parsed (entries, inflated sizes, compression ratio, no macros), the parse runs within the
render budget (articles.printing.budget), every article is held to the body limits before anything is
stored, and a refused import leaves no file and no issue behind.
"""

import dataclasses
import io
import posixpath
import re
import zipfile

import lxml.etree
import lxml.html
import mammoth
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ckeditor_5.storage_utils import get_django_storage

from articles import services
from articles.content.images import ImageRejected, image_prepare
from articles.content.limits import body_errors
from articles.models import Article, Series
from articles.printing.budget import BudgetMessages, run_within_budget
from articles.printing.engine import PdfRenderError
from articles.review.revisions import revision_record

# What a package may hold before it is parsed. mammoth's parse time grows quadratically with
# document.xml (measured here: 10 MB 4.8 s; issue 21: 32 MB 18 s, 64 MB 74 s) and its memory with it
# (xml.dom.minidom), so one part may inflate to MAX_PART_BYTES; zipfile never inflates an entry beyond
# the size its central directory declares (it stops there and fails the CRC), so the declared sizes are
# the real bound. A part above RATIO_FLOOR that deflated better than MAX_RATIO to 1 is a zip bomb:
# Word's XML compresses 5–15 to 1, text repeated for pages about 130 to 1, a bomb about 1,000 to 1.
MAX_BYTES = 20 * 2**20
MAX_ENTRIES = 1_000
MAX_PART_BYTES = 20 * 2**20
MAX_TOTAL_BYTES = 100 * 2**20
MAX_RATIO = 200
RATIO_FLOOR = 2**20
# Parts that hold macros, and the main part's content type of a macro-enabled document (.docm, .dotm).
MACRO_PART = "vbaproject.bin"
MACRO_CONTENT_TYPES = ("macroenabled", "vbaproject", "ms-office.activex")
MAIN_CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
}
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
OPC_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
OPC_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# No DTD, no entities, no network: the package's own small XML is read before anything else.
SAFE_XML = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

PARSE_BUDGET = BudgetMessages(
    timeout=gettext_lazy("Reading the Word document took longer than %(seconds)s seconds and was stopped. "
                         "Split the document and import the parts one by one."),
    memory=gettext_lazy("Reading the Word document needed more than %(megabytes)s MB of memory and was stopped. "
                        "Split the document and import the parts one by one."),
)
STYLE_MAP = "\n".join([
    *(f"p[style-name='{name}'] => h1:fresh" for name in ("Title", "标题", "Heading 1", "标题 1")),
    *(f"p[style-name='{name}'] => h2:fresh" for name in ("Heading 2", "标题 2")),
    *(f"p[style-name='{name}'] => h3:fresh" for name in ("Heading 3", "标题 3")),
    *(f"p[style-name='{name}'] => h4:fresh" for name in ("Heading 4", "标题 4")),
])


def _damaged():
    return forms.ValidationError(_("This file is not a Word .docx document, or it is damaged."), code="damaged")


class DocxImportForm(forms.Form):
    series = forms.ModelChoiceField(Series.objects.all(), label=gettext_lazy("series"))
    issue_date = forms.DateField(label=gettext_lazy("issue date"), initial=timezone.localdate)
    document = forms.FileField(label=gettext_lazy("Word document (.docx)"))

    def clean_document(self):
        document = self.cleaned_data["document"]
        if not document.name.lower().endswith(".docx"):
            raise forms.ValidationError(_("Choose a Word document saved as .docx (in Word: 另存为 → Word 文档)."))
        if document.size > MAX_BYTES:
            raise forms.ValidationError(_("The document is larger than %(size)s MB.") % {"size": MAX_BYTES // 2**20})
        content = document.read()
        package_check(content)
        self.cleaned_data["content"] = content
        return document


def package_check(content):
    """Refuse a package that is no .docx, would inflate beyond the limits, or carries macros; before any parse."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            entries = package.infolist()
            if len(entries) > MAX_ENTRIES:
                raise forms.ValidationError(
                    _("The document holds too many files (%(count)s, at most %(limit)s).")
                    % {"count": len(entries), "limit": MAX_ENTRIES}, code="limit")
            _check_sizes(entries)
            _check_no_macros(package, entries)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, lxml.etree.XMLSyntaxError, KeyError, ValueError,
            EOFError, OSError) as exc:
        raise _damaged() from exc


def _check_sizes(entries):
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > MAX_PART_BYTES:
            raise forms.ValidationError(
                _("A part of the document (%(name)s) is too large once unpacked (%(size)s MB, at most %(limit)s MB).")
                % {"name": entry.filename[:80], "size": _megabytes(entry.file_size),
                   "limit": _megabytes(MAX_PART_BYTES)}, code="limit")
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise forms.ValidationError(
                _("A part of the document (%(name)s) is compressed far better than any Word document "
                  "(%(ratio)s to 1, at most %(limit)s to 1): it looks like a zip bomb.")
                % {"name": entry.filename[:80], "ratio": entry.file_size // max(entry.compress_size, 1),
                   "limit": MAX_RATIO}, code="limit")
    if total > MAX_TOTAL_BYTES:
        raise forms.ValidationError(
            _("The document is too large once unpacked (%(size)s MB, at most %(limit)s MB).")
            % {"size": _megabytes(total), "limit": _megabytes(MAX_TOTAL_BYTES)}, code="limit")


def _check_no_macros(package, entries):
    """A macro-enabled document renamed .docx is refused by what it holds, whatever its name says."""
    macro = forms.ValidationError(
        _("This document contains macros (a macro-enabled .docm saved under a .docx name). In Word, save it "
          "as a plain Word document (另存为 → Word 文档) and import that."), code="macros")
    if any(posixpath.basename(entry.filename).lower() == MACRO_PART for entry in entries):
        raise macro
    types = lxml.etree.fromstring(package.read("[Content_Types].xml"), SAFE_XML)
    defaults = {el.get("Extension", "").lower(): el.get("ContentType", "") for el in types.iter(f"{OPC_TYPES}Default")}
    overrides = {el.get("PartName", "").lower(): el.get("ContentType", "") for el in types.iter(f"{OPC_TYPES}Override")}
    if any(kind in content_type.lower() for content_type in [*defaults.values(), *overrides.values()]
           for kind in MACRO_CONTENT_TYPES):
        raise macro
    # The main part is the one mammoth reads: the package's officeDocument relationship, or word/document.xml.
    main = "word/document.xml"
    if "_rels/.rels" in package.namelist():
        relationships = lxml.etree.fromstring(package.read("_rels/.rels"), SAFE_XML)
        main = next((el.get("Target", "").lstrip("/") for el in relationships.iter(f"{OPC_RELATIONSHIPS}Relationship")
                     if el.get("Type") == OFFICE_DOCUMENT), main)
    extension = posixpath.splitext(main)[1].lstrip(".").lower()
    if overrides.get("/" + main.lower(), defaults.get(extension)) not in MAIN_CONTENT_TYPES:
        raise _damaged()


def _megabytes(size):
    return f"{size / 2**20:.1f}".removesuffix(".0")


def _image_placeholder(number):
    """An address the allow-list keeps, as long as any stored image's, so the limits count it as it will be."""
    return f"{settings.MEDIA_URL}uploads/{number:032d}.webp"


def _placeholders():
    return re.compile(rf'src="{re.escape(settings.MEDIA_URL)}uploads/(\d{{32}})\.webp"')


@dataclasses.dataclass
class Conversion:
    """What the parse gives: articles (title, body with image placeholders), or why the document is refused."""

    articles: list = dataclasses.field(default_factory=list)
    images: dict = dataclasses.field(default_factory=dict)  # number → (file name, bytes) of each image to store
    problems: list = dataclasses.field(default_factory=list)  # images left out, said as warnings
    refusals: list = dataclasses.field(default_factory=list)  # the limits the articles exceed


def docx_convert(content):
    """Conversion of the bytes of a checked .docx: parsed, split, held to the body limits, images prepared.

    Runs in the budget's child: nothing here stores a file or touches the database.
    """
    found = {}

    def collect_image(image):
        number = len(found) + 1
        with image.open() as stream:
            found[number] = stream.read()  # bounded by the package check (MAX_PART_BYTES, MAX_TOTAL_BYTES)
        return {"src": _image_placeholder(number)}

    try:
        result = mammoth.convert_to_html(io.BytesIO(content), style_map=STYLE_MAP,
                                         convert_image=mammoth.images.img_element(collect_image))
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - any unreadable document gets the same answer
        return Conversion(refusals=[str(_damaged().message)])
    conversion = Conversion(articles=_articles(result.value))
    for position, (title, body) in enumerate(conversion.articles, start=1):
        for error in body_errors(body):
            conversion.refusals.append(_("Article %(number)s (%(title)s): %(problem)s") % {
                "number": position, "title": title[:40], "problem": ValidationError(error).messages[0]})
    if conversion.refusals:
        return conversion
    left_out = set()
    for number, data in found.items():
        try:
            prepared = image_prepare(_Upload(data, f"docx-image-{number}"))
        except ImageRejected as exc:
            conversion.problems.append(_("Image %(number)s was left out: %(why)s") % {"number": number, "why": exc})
            left_out.add(number)
        else:
            conversion.images[number] = (prepared.name, prepared.read())
    if left_out:
        unkept = re.compile(r"<img[^>]*" + _placeholders().pattern + r"[^>]*>")
        conversion.articles = [
            (title, unkept.sub(lambda match: "" if int(match[1]) in left_out else match[0], body))
            for title, body in conversion.articles]
    return conversion


def _articles(html):
    """[(title, body HTML)]: a new article at each h1."""
    root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    articles, title, body = [], None, []
    for element in root:
        if element.tag == "h1":
            if title is not None or body:
                articles.append((title, body))
            title, body = " ".join(element.text_content().split()), []
        else:
            body.append(lxml.html.tostring(element, encoding="unicode"))
    if title is not None or body:
        articles.append((title, body))
    return [(title or _("Untitled article"), "".join(body)) for title, body in articles]


class _Upload(io.BytesIO):
    """Bytes that image_prepare can read like an uploaded file."""

    def __init__(self, data, name):
        super().__init__(data)
        self.size, self.name = len(data), name


def docx_articles(content):
    """([(title, body HTML)], [problem messages]) from the bytes of a checked .docx, its images stored.

    Raises forms.ValidationError, with every reason, when the document cannot be imported; then nothing is stored.
    """
    try:
        conversion = run_within_budget(docx_convert, content, messages=PARSE_BUDGET)
    except PdfRenderError as exc:
        raise forms.ValidationError(str(exc), code="budget") from exc
    if conversion.refusals:
        raise forms.ValidationError(conversion.refusals, code="limit")
    storage, stored = get_django_storage(), {}
    try:
        for number, (name, data) in conversion.images.items():
            stored[number] = storage.save(name, ContentFile(data, name=name))
    except BaseException:
        delete_stored(stored.values())
        raise

    def address(match):
        return f'src="{storage.url(stored[int(match[1])])}"'

    placeholder = _placeholders()
    articles = [(title, placeholder.sub(address, body)) for title, body in conversion.articles]
    return articles, conversion.problems, list(stored.values())


def delete_stored(names):
    storage = get_django_storage()
    for name in names:
        storage.delete(name)


class DocxImport:
    """The admin page "从 Word 导入": upload a .docx, get a draft with its articles."""

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def urls(self):
        return [path("import/", self.model_admin.admin_site.admin_view(self.view), name="articles_issue_import")]

    def view(self, request):
        if not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        form = DocxImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                issue, found, problems = self._import(request.user, form.cleaned_data)
            except forms.ValidationError as exc:
                form.add_error("document", exc)
            else:
                for problem in problems:
                    messages.warning(request, problem)
                messages.success(request, _("Imported %(count)s articles from %(name)s into a new draft; check the "
                                            "titles and the text, then save.") % {
                    "count": len(found), "name": form.cleaned_data["document"].name})
                return HttpResponseRedirect(reverse("admin:articles_issue_change", args=[issue.pk]))
        context = {**self.model_admin.admin_site.each_context(request), "form": form,
                   "title": _("Import a Word document"), "opts": self.model_admin.model._meta}
        # A refused document is a client error, with the reasons on the form.
        return TemplateResponse(request, "admin/articles/issue/import_docx.html", context,
                                status=400 if form.errors else 200)

    def _import(self, user, data):
        """(issue, articles, problems); a refusal or a failure leaves neither the issue nor any image behind."""
        found, problems, stored = docx_articles(data["content"])
        try:
            issue = self._create(user, data, found)
        except ValidationError as exc:  # a body only just within the limits before its images had addresses
            delete_stored(stored)
            raise forms.ValidationError(exc.messages) from exc
        except BaseException:
            delete_stored(stored)
            raise
        return issue, found, problems

    @staticmethod
    @transaction.atomic
    def _create(user, data, found):
        issue = services.issue_create(actor=user, series=data["series"], issue_date=data["issue_date"],
                                      print_date=data["issue_date"])
        for position, (title, body) in enumerate(found, start=1):
            Article.objects.create(issue=issue, position=position, title=title[:500], body=body)
        services.issue_address_as_usual(issue=issue)
        revision_record(issue, actor=user)
        return issue
