"""Objects in village C (township 2), outside caseworker A's and township 1's jurisdiction."""
import datetime as dt
import io

from django.core.files.base import ContentFile
from PIL import Image

from visits.models import Visit, VisitPhoto

from .factories import make_roster


def _visit(demo):
    household = make_roster(demo.village_c)
    visit = Visit(household=household, visited_on=dt.date(2024, 3, 5), person_seen=True, logged_by=demo.caseworker_c)
    visit.save()
    return visit


def _photo(demo):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG")
    photo = VisitPhoto(visit=_visit(demo), content_type="image/jpeg", size=len(buffer.getvalue()))
    photo.file.save("x.jpg", ContentFile(buffer.getvalue()), save=True)
    return photo


OUTSIDE_OBJECT_KWARGS = {
    "visits:visit_new": lambda demo: {"household_pk": make_roster(demo.village_c).pk},
    "visits:visit_detail": lambda demo: {"pk": _visit(demo).pk},
    "visits:photo": lambda demo: {"pk": _photo(demo).pk},
}
