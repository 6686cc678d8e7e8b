"""Sipmas's pages under /layanan/; each area keeps its routes in its own module."""

from . import urls_catalogue, urls_complaints, urls_monitoring, urls_staff, urls_transparency

app_name = "services"
urlpatterns = [
    *urls_catalogue.urlpatterns,  # the service standards, posters, online and counter intake
    *urls_complaints.urlpatterns,  # complaints and whistleblowing: the public form
    *urls_staff.urlpatterns,  # handling cases: lists, the case page, steps, notes, products
    *urls_monitoring.urlpatterns,  # leadership monitoring across every module
    *urls_transparency.urlpatterns,  # public figures per service and month
]
