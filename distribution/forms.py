"""The archive's filters, login and password-reset forms that refuse further attempts past a limit, and a unit's
稿件."""

import unicodedata

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from articles.content.limits import LIMITS
from articles.docx_import import upload_check
from articles.models import Article, Column, Recipient
from distribution.throttle import throttle_clear, throttle_reserve

LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW = 15 * 60  # seconds, counted from the first attempt
RESET_ACCOUNT_LIMIT = 3  # reset emails per account (email address asked for) per window
RESET_ADDRESS_LIMIT = 10  # reset requests per client address per window
RESET_WINDOW = 60 * 60  # seconds


def client_address(request):
    """The client's IP address: nginx's X-Real-IP when settings.BEHIND_PROXY says nginx is in front."""
    # Behind nginx REMOTE_ADDR is always the proxy; without one the header is the client's own claim.
    if settings.BEHIND_PROXY and request.META.get("HTTP_X_REAL_IP"):
        return request.META["HTTP_X_REAL_IP"]
    return request.META.get("REMOTE_ADDR", "")


def canonical_identity(value):
    """A username or email as authentication matches it: NFKC-normalised, and case-folded to be safe."""
    # NFKC is what AbstractBaseUser.normalize_username and UsernameField apply, so "ｒｅａｄｅｒ" is "reader";
    # the default lookup is case-sensitive, but counting "Reader" with "reader" errs on the safe side.
    # Case-folding can undo NFKC ("ﬁ" → "fi" is fine, but some folds are not normalised), hence the second pass.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value.strip()).casefold())


class RateLimitedLoginMixin:
    """Each login attempt takes one of LOGIN_FAILURE_LIMIT slots per username and address before the password
    is checked; a successful login frees them."""

    rate_limit_message = _("Too many failed logins for this account. Please wait 15 minutes and try again.")

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # no password is checked, so there is nothing to count
        parts = (canonical_identity(username), client_address(self.request) if self.request else "")
        if not throttle_reserve(scope="login", parts=parts, limit=LOGIN_FAILURE_LIMIT, window=LOGIN_FAILURE_WINDOW):
            raise ValidationError(self.rate_limit_message, code="rate_limited")
        cleaned = super().clean()
        throttle_clear(scope="login", parts=parts)
        return cleaned


class PortalAuthenticationForm(RateLimitedLoginMixin, AuthenticationForm):
    """The portal's login form."""


class AdminRateLimitedAuthenticationForm(RateLimitedLoginMixin, AdminAuthenticationForm):
    """The admin's login form, with the same limit."""


class RateLimitedPasswordResetForm(PasswordResetForm):
    """Password reset limited per client address and per email address asked for, whether or not it has an
    account, so the answer never tells which addresses do."""

    rate_limit_message = _("Too many password reset requests. Please try again in an hour.")

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if email is None:
            return cleaned
        address = client_address(self.request) if self.request else ""
        # The address first: a flood from one client does not use up the allowance of the accounts it names.
        if not (
            throttle_reserve(scope="reset-address", parts=(address,), limit=RESET_ADDRESS_LIMIT, window=RESET_WINDOW)
            and throttle_reserve(
                scope="reset-account", parts=(canonical_identity(email),), limit=RESET_ACCOUNT_LIMIT,
                window=RESET_WINDOW,
            )
        ):
            raise ValidationError(self.rate_limit_message, code="rate_limited")
        return cleaned


# The largest id a bigint primary key holds: anything larger cannot name a row.
MAX_ID = 2**63 - 1


class ArchiveFilterForm(forms.Form):
    """The archive's query string, validated: only these parameters, in range, decide what is shown."""

    series = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    year = forms.IntegerField(required=False, min_value=1900, max_value=2999)
    q = forms.CharField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def clean_q(self):
        # Longer queries are cut, as the search box's maxlength does.
        return " ".join(self.cleaned_data["q"].split())[:100]

    def clean_page(self):
        return self.cleaned_data["page"] or 1


class SearchForm(ArchiveFilterForm):
    """The full-text search's query string: the archive's filters, and the kind of article."""

    kind = forms.ChoiceField(required=False, choices=[("", ""), *Article.Kind.choices])


class ColumnChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.series.name} · {obj.name}"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PicturesField(forms.FileField):
    """Several files in one input (Django's documented pattern); each is checked by the service."""

    widget = MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        if len(files) > LIMITS.max_images:
            raise ValidationError(
                _("At most %(limit)s pictures can be sent with a submission (%(count)s chosen).")
                % {"limit": LIMITS.max_images, "count": len(files)}, code="limit")
        return [super(PicturesField, self).clean(file, initial) for file in files]


class SubmissionForm(forms.Form):
    """A 稿件 as a unit sends it on the portal: plain text typed (one paragraph a line, stored escaped) or a Word
    document (the drafting side's bounded import), and pictures."""

    unit = forms.ModelChoiceField(queryset=Recipient.objects.none(), label=_("unit"))
    title = forms.CharField(label=_("title"), max_length=200, required=False,
                            help_text=_("Empty with a Word document: the document's title."))
    text = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 16}), required=False,
                           help_text=_("Plain text; each line is a paragraph. Or upload the text as a Word document "
                                       "below."))
    document = forms.FileField(label=_("or a Word document (.docx)"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": ".docx"}),
                               help_text=_("Titles, headings, tables and pictures are kept, as in a Word draft."))
    keep_body = forms.BooleanField(label=_("Keep the text sent before, with its pictures and layout"), required=False,
                                   initial=True)
    pictures = PicturesField(label=_("pictures"), required=False)
    column = ColumnChoiceField(queryset=Column.objects.select_related("series"), required=False,
                               label=_("suggested column (栏目)"))
    contact_name = forms.CharField(label=_("contact person"), max_length=50)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=30)

    def __init__(self, *args, units=None, keeps=False, **kwargs):
        super().__init__(*args, **kwargs)
        if units is None:
            del self.fields["unit"]  # a resubmission stays with its unit
        else:
            # Only the user's own units can be chosen: any other id is refused as an invalid choice.
            self.fields["unit"].queryset = units
            if len(units) == 1:
                self.fields["unit"].initial = units[0].pk
        self.fields["pictures"].help_text = _("PNG, JPEG, GIF or WebP, at most %(limit)s; shown after the text.") % {
            "limit": LIMITS.max_images}
        if not keeps:
            # Offered only when the text sent before holds more than typed paragraphs (pictures, a document's layout).
            del self.fields["keep_body"]

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document:
            self.cleaned_data["document_content"] = upload_check(document)
        return document

    def clean(self):
        data = super().clean()
        sources = [bool(data.get("text", "").strip()), bool(data.get("document")), bool(data.get("keep_body"))]
        if sum(sources) > 1:
            raise ValidationError(_("Type the text, upload a Word document or keep the text sent before: only one of "
                                    "them."), code="sources")
        if not any(sources) and "document" not in self.errors:
            self.add_error("text", _("Type the text or upload it as a Word document."))
        if not data.get("title", "").strip() and not data.get("document") and "document" not in self.errors:
            self.add_error("title", _("A submission needs a title."))
        return data
