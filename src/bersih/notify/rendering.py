"""Message templates: Django templates per channel and language.

``notify/<template>/<part>.<language>.<ext>`` in any app's ``templates/`` directory, for example
``notify/etle.notice/sms.id.txt``. Parts: ``email.subject``, ``email`` (text), ``email.html``
(optional), ``sms``, ``whatsapp`` (a text preview; the approved template's parameters come from
``whatsapp.json``), ``post`` (the text of a plain letter when the module gives no PDF). A language
without its own file falls back to Indonesian (``id``).
"""

from __future__ import annotations

import json

from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation

FALLBACK_LANGUAGE = "id"


def template_path(template: str, part: str, language: str, ext: str = "txt") -> str:
    return f"notify/{template}/{part}.{language}.{ext}"


def render_part(
    template: str, part: str, language: str, context: dict, *, ext: str = "txt", required: bool = True
) -> str:
    for lang in dict.fromkeys([language, FALLBACK_LANGUAGE]):
        try:
            compiled = get_template(template_path(template, part, lang, ext))
        except TemplateDoesNotExist:
            continue
        # Text parts are not HTML: "&" in an SMS must stay "&". Only the HTML part escapes.
        with translation.override(lang):
            return compiled.template.render(Context(context, autoescape=ext == "html")).strip()
    if required:
        raise TemplateDoesNotExist(template_path(template, part, language, ext))
    return ""


def whatsapp_spec(template: str, language: str) -> dict:
    """The approved WhatsApp template and which context values fill its parameters.

    ``{"name": "bersih_notice", "header": ["key"], "body": ["key", ...],
    "buttons": [{"sub_type": "url", "index": 0, "param": "key"}]}``
    """
    for lang in dict.fromkeys([language, FALLBACK_LANGUAGE]):
        try:
            compiled = get_template(template_path(template, "whatsapp", lang, "json"))
        except TemplateDoesNotExist:
            continue
        return json.loads(compiled.template.source)
    raise TemplateDoesNotExist(template_path(template, "whatsapp", language, "json"))


def render_message(template: str, channel: str, language: str, context: dict) -> dict:
    """``subject_line``, ``body`` and ``html_body`` of a message for ``channel``."""
    if channel == "email":
        return {
            "subject_line": " ".join(render_part(template, "email.subject", language, context).split()),
            "body": render_part(template, "email", language, context),
            "html_body": render_part(template, "email", language, context, ext="html", required=False),
        }
    if channel == "whatsapp":
        whatsapp_spec(template, language)  # must exist: only approved templates may be sent
        body = render_part(template, "whatsapp", language, context, required=False)
        return {
            "subject_line": "",
            "body": body or render_part(template, "sms", language, context),
            "html_body": "",
        }
    part = "post" if channel == "post" else "sms"
    return {"subject_line": "", "body": render_part(template, part, language, context), "html_body": ""}
