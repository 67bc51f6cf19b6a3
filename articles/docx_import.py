"""Importing a whole Word draft (.docx): an issue's articles, split at titles, bodies cleaned like any body.

mammoth (python-mammoth) turns the document into semantic HTML by paragraph styles, not looks: a
"Title" or "Heading 1" paragraph (标题, 标题 1 in a Chinese Word) starts an article, and the text up
to the next one is its body. Headings "Heading 2/3/4" become the print layout's 一级/二级/三级
headings; the bodies then pass through articles.content.wordpaste (typed 一、/（一）/1. lines, alignment)
and the allow-list on save. Pictures are checked and stored exactly like an editor upload
(articles.content.images); one that cannot be read is reported by number and left out.
"""

import io
import zipfile

import lxml.html
import mammoth
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
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
from articles.models import Article, Series
from articles.review.revisions import revision_record

MAX_BYTES = 20 * 2**20
STYLE_MAP = "\n".join([
    *(f"p[style-name='{name}'] => h1:fresh" for name in ("Title", "标题", "Heading 1", "标题 1")),
    *(f"p[style-name='{name}'] => h2:fresh" for name in ("Heading 2", "标题 2")),
    *(f"p[style-name='{name}'] => h3:fresh" for name in ("Heading 3", "标题 3")),
    *(f"p[style-name='{name}'] => h4:fresh" for name in ("Heading 4", "标题 4")),
])


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
        if not zipfile.is_zipfile(io.BytesIO(content)):
            raise forms.ValidationError(_("This file is not a Word .docx document, or it is damaged."))
        self.cleaned_data["content"] = content
        return document


def docx_articles(content):
    """([(title, body HTML)], [problem messages]) from the bytes of a .docx."""
    problems, number = [], 0
    storage = get_django_storage()

    def keep_image(image):
        nonlocal number
        number += 1
        with image.open() as stream:
            upload = _Upload(stream.read(), f"docx-image-{number}")
        try:
            prepared = image_prepare(upload)
        except ImageRejected as exc:
            problems.append(_("Image %(number)s was left out: %(why)s") % {"number": number, "why": exc})
            return {}
        return {"src": storage.url(storage.save(prepared.name, prepared))}

    try:
        result = mammoth.convert_to_html(io.BytesIO(content), style_map=STYLE_MAP,
                                         convert_image=mammoth.images.img_element(keep_image))
    except Exception as exc:  # noqa: BLE001 - any unreadable document gets the same answer
        raise forms.ValidationError(_("This file is not a Word .docx document, or it is damaged.")) from exc
    root = lxml.html.fragment_fromstring(result.value or "<p></p>", create_parent="div")
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
    return [(title or _("Untitled article"), "".join(body)) for title, body in articles], problems


class _Upload(io.BytesIO):
    """Bytes that image_prepare can read like an uploaded file."""

    def __init__(self, data, name):
        super().__init__(data)
        self.size, self.name = len(data), name


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
                found, problems = docx_articles(form.cleaned_data["content"])
            except forms.ValidationError as exc:
                form.add_error("document", exc)
            else:
                issue = self._create(request.user, form.cleaned_data, found)
                for problem in problems:
                    messages.warning(request, problem)
                messages.success(request, _("Imported %(count)s articles from %(name)s into a new draft; check the "
                                            "titles and the text, then save.") % {
                    "count": len(found), "name": form.cleaned_data["document"].name})
                return HttpResponseRedirect(reverse("admin:articles_issue_change", args=[issue.pk]))
        context = {**self.model_admin.admin_site.each_context(request), "form": form,
                   "title": _("Import a Word document"), "opts": self.model_admin.model._meta}
        return TemplateResponse(request, "admin/articles/issue/import_docx.html", context)

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
