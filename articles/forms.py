"""Admin forms of the drafting tool: an issue with its 报 / 送 / 发 picked from the address book, an article with
its meeting or award facts beside it."""

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.content.sanitize import sanitize_html
from articles.models import (
    ROLE_ORDER,
    ROLE_PREFIX,
    Article,
    Award,
    DefaultAddressee,
    Distribution,
    Issue,
    Meeting,
    Recipient,
    Role,
    Series,
)
from articles.selectors import address_book

# The facts each kind of article carries, as (model, its fields in form order).
FACTS = {
    Article.Kind.MEETING: (Meeting, ["date", "organiser", "name", "chair", "attendees", "topics"]),
    Article.Kind.AWARD: (Award, ["date", "awarding_body", "award_name", "awardee", "notice"]),
}


def fact_field_names(kind):
    return [f"{kind}_{name}" for name in FACTS[kind][1]]


class ArticleForm(forms.ModelForm):
    """An article's form that calls a field changed only when what is stored would change.

    Browsers send titles with CRLF line breaks and CKEditor re-serialises the body, so without this
    every save would be logged (and revised) as "changed the title and the body".
    """

    @property
    def changed_data(self):
        changed = list(super().changed_data)
        if "title" in changed and self._normal_title(self["title"].value()) == self._normal_title(
                self["title"].initial):
            changed.remove("title")
        if "body" in changed and self.initial.get("body") is not None:
            try:
                same = sanitize_html(self["body"].value() or "") == sanitize_html(self.initial["body"] or "")
            except Exception:  # noqa: BLE001 - a body the sanitiser cannot take is a change the form will judge
                same = False
            if same:
                changed.remove("body")
        return changed

    @staticmethod
    def _normal_title(value):
        return "\n".join(line.strip() for line in str(value or "").replace("\r\n", "\n").split("\n")).strip()

    def clean_title(self):
        return self._normal_title(self.cleaned_data.get("title"))


class _ArticleWithFactsForm(ArticleForm):
    """An article and, for a meeting report or an award notice, its facts: only those of its kind are kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, (model, names) in FACTS.items():
            fact = self._fact(model)
            for name in names:
                self.fields[f"{kind}_{name}"].widget.attrs["data-facts"] = kind
                if fact is not None:
                    self.initial.setdefault(f"{kind}_{name}", getattr(fact, name))

    def _fact(self, model):
        if not self.instance.pk:
            return None
        return model.objects.filter(article=self.instance).first()

    def _values(self, kind):
        return {name: self.cleaned_data.get(f"{kind}_{name}") for name in FACTS[kind][1]}

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind in FACTS:
            model, names = FACTS[kind]
            values = self._values(kind)
            if any(v not in (None, "") for v in values.values()):
                try:
                    # Empty text fields clean to "", empty dates to None: as the model stores them.
                    model(**values).full_clean(exclude=["article"], validate_unique=False)
                except ValidationError as exc:
                    for name, errors in exc.message_dict.items():
                        self.add_error(f"{kind}_{name}" if name in names else None, errors)
        return cleaned

    def save(self, commit=True):
        article = super().save(commit=commit)
        if commit:
            self.save_facts(article)
        return article

    def save_facts(self, article):
        for kind, (model, _names) in FACTS.items():
            fact = model.objects.filter(article=article).first()
            values = self._values(kind)
            filled = any(v not in (None, "") for v in values.values())
            if article.kind != kind or not filled:
                # A meeting report keeps no award facts (and the other way round); emptied facts go too.
                if fact is not None:
                    fact.delete()
                continue
            fact = fact or model(article=article)
            for name, value in values.items():
                setattr(fact, name, value)
            fact.save()


def _fact_form_fields():
    fields = {}
    for kind, (model, names) in FACTS.items():
        for name in names:
            field = model._meta.get_field(name).formfield()
            field.required = False
            fields[f"{kind}_{name}"] = field
    return fields


ArticleWithFactsForm = type("ArticleWithFactsForm", (_ArticleWithFactsForm,), _fact_form_fields())


# --- 报 / 送 / 发 as checkbox lists of the address book (issue 22) ----------------------------------------------

ADDRESSEE_FIELDS = {role: f"to_{role}" for role in ROLE_ORDER}


def unit_value(pk):
    return f"u{pk}"


def group_value(pk):
    return f"g{pk}"


UNIT_BOX = ('<label class="pick-unit" for="{}"><input type="checkbox" name="{}" value="{}" id="{}" data-order="{}" '
            'data-name="{}"{}> {}{}</label>')
CHECKED = mark_safe(" checked")


class AddresseePicker(forms.CheckboxSelectMultiple):
    """One role's checkboxes: the address book's units under their groups, each group also tickable as a whole."""

    template_name = "admin/articles/issue/_addressee_picker.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.book = None
        self.role = None

    def render(self, name, value, attrs=None, renderer=None):
        # The project's templates, not the form renderer's (which sees only the apps' and Django's own).
        return render_to_string(self.template_name, self.get_context(name, value, attrs))

    def get_context(self, name, value, attrs):
        chosen = set(self.format_value(value))
        element_id = (attrs or {}).get("id") or f"id_{name}"
        book = self.book

        def box(value, item, section):
            # A unit in two groups is listed under both: same name and value, its own id.
            return {"value": value, "name": item.name, "order": item.sort_order, "checked": value in chosen,
                    "id": f"{element_id}_{section}_{value}"}

        sections = []
        inactive = format_html('<span class="pick-hint">{}</span>', gettext("inactive"))
        for index, (group, units) in enumerate(book.sections):
            whole = box(group_value(group.pk), group, index) if group is not None else None
            # Each unit's checkbox is put together here, not in the template: a 2,000-unit address book is
            # 6,000 of them, and the template language took 1.3 s over them (bench/addressees.py).
            sections.append({"group": group, "whole": whole, "units": format_html_join("", UNIT_BOX, (
                (item["id"], name, item["value"], item["id"], item["order"], item["name"],
                 CHECKED if item["checked"] else "", item["name"], "" if unit.is_active else inactive)
                for unit in units for item in [box(unit_value(unit.pk), unit, index)]))})
        # What the end block will print for this role, in its order (articles.selectors.address_lines).
        named = [book.groups.get(int(v[1:])) if v[0] == "g" else book.units.get(int(v[1:]))
                 for v in chosen if v[:1] in ("g", "u") and v[1:].isascii() and v[1:].isdigit()]
        printed = [item.name for item in sorted(filter(None, named), key=lambda item: (item.sort_order, item.name))]
        return {"widget": {"name": name, "role": self.role, "prefix": ROLE_PREFIX[self.role], "id": element_id,
                           "sections": sections, "printed": printed,
                           "elsewhere": gettext("already under %(role)s")}}


def _twice(a, b):
    """Whether two ways of reaching a unit, (role, group or None), address it twice.

    Two whole groups sharing a unit in the same role print both names, and the unit gets one copy: allowed.
    """
    return not (a[1] and b[1] and a[0] == b[0])


class AddresseeFields(forms.Form):
    """报 / 送 / 发 ticked in the address book (an issue's lines, or a series' usual ones); a unit only once."""

    to_report = forms.MultipleChoiceField(label=Role.REPORT.label, required=False, widget=AddresseePicker)
    to_copy = forms.MultipleChoiceField(label=Role.COPY.label, required=False, widget=AddresseePicker)
    to_send = forms.MultipleChoiceField(label=Role.SEND.label, required=False, widget=AddresseePicker)

    invalid_choice = _("Something ticked is no longer in the address book (%(value)s); reload the page and tick "
                       "again.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not all(name in (self._meta.fields or ()) for name in ADDRESSEE_FIELDS.values()):
            # Read only, or a form of the other fields: no address book to read.
            for name in ADDRESSEE_FIELDS.values():
                self.fields.pop(name, None)
            return
        lines = list(self.current_lines().values_list("role", "recipient_id", "group_id")) if self.instance.pk else []
        self.book = address_book(keep_units=[unit for _role, unit, _group in lines if unit])
        choices = [(group_value(pk), group.name) for pk, group in self.book.groups.items()] + \
                  [(unit_value(pk), unit.name) for pk, unit in self.book.units.items()]
        for role, name in ADDRESSEE_FIELDS.items():
            field = self.fields[name]
            field.choices = choices
            field.error_messages["invalid_choice"] = self.invalid_choice
            field.widget.book, field.widget.role = self.book, role
            self.initial[name] = [unit_value(unit) if unit else group_value(group)
                                  for line_role, unit, group in lines if line_role == role]

    def current_lines(self):
        """The saved lines the boxes start from (a queryset with role, recipient_id and group_id)."""
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if all(name in cleaned for name in ADDRESSEE_FIELDS.values()):
            for role, message in self._addressee_conflicts(cleaned):
                self.add_error(ADDRESSEE_FIELDS[role], message)
        return cleaned

    def _addressee_conflicts(self, cleaned):
        """[(role, message)]: a group ticked whole in two roles, a unit reached twice (directly or by its group)."""
        group_roles, reached = {}, {}
        for role, name in ADDRESSEE_FIELDS.items():
            for value in dict.fromkeys(cleaned[name]):
                kind, pk = value[0], int(value[1:])
                if kind == "g":
                    group_roles.setdefault(pk, []).append(role)
                    for unit in self.book.members.get(pk, ()):
                        reached.setdefault(unit, []).append((role, pk))
                else:
                    reached.setdefault(pk, []).append((role, None))
        conflicts = []
        for pk, roles in group_roles.items():
            if len(roles) > 1:
                conflicts.append((roles[-1], gettext(
                    "%(group)s is ticked as a whole group under both %(first)s and %(second)s; untick one of them.")
                    % {"group": self.book.groups[pk].name, "first": ROLE_PREFIX[roles[0]],
                       "second": ROLE_PREFIX[roles[1]]}))
        for pk, ways in reached.items():
            # A group in two roles is said above, once, not again for each of its units.
            ways = [way for way in ways if way[1] is None or len(group_roles[way[1]]) == 1]
            pair = next(((a, b) for i, a in enumerate(ways) for b in ways[i + 1:] if _twice(a, b)), None)
            if pair is not None:
                conflicts.append((pair[1][0], gettext(
                    "%(unit)s is %(first)s and %(second)s: a unit is addressed only once on an issue. Untick one "
                    "of them.") % {"unit": self._unit_name(pk), "first": self._way(pair[0]),
                                   "second": self._way(pair[1])}))
        return conflicts

    def _unit_name(self, pk):
        unit = self.book.units.get(pk)  # an inactive unit is listed only when on the issue; its group still has it
        return unit.name if unit else Recipient.objects.filter(pk=pk).values_list("name", flat=True).first()

    def _way(self, way):
        role, group = way
        if group is None:
            return gettext("ticked under %(role)s") % {"role": ROLE_PREFIX[role]}
        return gettext("in %(group)s, ticked as a whole group under %(role)s") % {
            "group": self.book.groups[group].name, "role": ROLE_PREFIX[role]}

    def addressees(self):
        """The ticked lines as (role, unit id, group id), for services.issue_address."""
        return [(role, int(value[1:]), None) if value[0] == "u" else (role, None, int(value[1:]))
                for role, name in ADDRESSEE_FIELDS.items() for value in dict.fromkeys(self.cleaned_data[name])]

    @property
    def addressees_changed(self):
        return any(name in self.changed_data for name in ADDRESSEE_FIELDS.values() if name in self.fields)


class IssueForm(AddresseeFields, forms.ModelForm):
    """An issue's fields and its 报 / 送 / 发, ticked in the address book."""

    class Meta:
        model = Issue
        fields = ["series", "issue_date", "print_date", "print_run", "disclosure", "extra_recipients",
                  *ADDRESSEE_FIELDS.values()]

    def current_lines(self):
        return Distribution.objects.filter(issue=self.instance)


class SeriesForm(AddresseeFields, forms.ModelForm):
    """A series' settings and its usual 报 / 送 / 发 (copied onto each new issue), ticked like an issue's."""

    class Meta:
        model = Series
        fields = ["name", "compiling_office", "issuing_office", "is_supplement", *ADDRESSEE_FIELDS.values()]

    def current_lines(self):
        return DefaultAddressee.objects.filter(series=self.instance)
