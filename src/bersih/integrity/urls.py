from django.urls import path

from . import staff_views, views

app_name = "integrity"
urlpatterns = [
    # Citizens: the surveys and the public satisfaction index.
    path("survei/terima-kasih/", views.survey_done, name="survey-done"),
    path("survei/layanan/<slug:service>/<slug:unit>/", views.survey_walk_in, name="survey-walk-in"),
    path("survei/<str:token>/", views.survey_invited, name="survey"),
    path("ikm/", views.ikm_public, name="ikm"),
    # Staff: the survey results and the SKM report.
    path("staf/survei/", staff_views.surveys, name="surveys"),
    path("staf/survei/laporan-skm.pdf", staff_views.skm_report, name="skm-report"),
    # Oversight: the integrity signals of every module.
    path("staf/sinyal/", staff_views.integrity_signals, name="signals"),
    # Staff: the assessments.
    path("staf/penilaian/", staff_views.assessment_list, name="assessments"),
    path("staf/penilaian/<int:pk>/", staff_views.assessment_detail, name="assessment"),
    path("staf/penilaian/<int:pk>/area/<str:area>/", staff_views.assessment_area, name="assessment-area"),
    path(
        "staf/penilaian/<int:pk>/koordinator/<str:area>/",
        staff_views.coordinator_save,
        name="coordinator-save",
    ),
    path("staf/penilaian/<int:pk>/jawab/<str:question>/", staff_views.answer_save, name="answer-save"),
    path("staf/penilaian/<int:pk>/bukti/<str:question>/", staff_views.evidence_save, name="evidence-save"),
    path("staf/penilaian/<int:pk>/lanjut/", staff_views.assessment_advance, name="assessment-advance"),
    path("staf/penilaian/<int:pk>/survei/", staff_views.assessment_surveys, name="assessment-surveys"),
    path("staf/penilaian/<int:pk>/lke.xlsx", staff_views.assessment_workbook, name="assessment-workbook"),
    path("staf/penilaian/<int:pk>/laporan.pdf", staff_views.assessment_report, name="assessment-report"),
]
