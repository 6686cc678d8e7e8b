"""The one way forms are drawn: ``{{ form }}`` and ``{% form_field form.x %}`` use the shell's templates."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates


class BersihFormRenderer(DjangoTemplates):
    """Django's own widget templates, with the shell's form and field layout around them."""

    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"
