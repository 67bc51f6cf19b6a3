"""Admin forms of the drafting tool: an article with its meeting or award facts beside it."""

from django import forms
from django.core.exceptions import ValidationError

from articles.content.sanitize import sanitize_html
from articles.models import Article, Award, Meeting

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
