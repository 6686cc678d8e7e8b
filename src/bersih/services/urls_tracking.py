"""The one tracking page of every module, at /lacak/ (namespace "tracking")."""

app_name = "tracking"
urlpatterns: list = []
