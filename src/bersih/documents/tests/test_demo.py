import pytest

from bersih.core.demo import new_world
from bersih.documents import demo
from bersih.documents.models import Document
from bersih.documents.signing import verify_pdf


@pytest.mark.django_db
def test_demo_issues_nothing_without_units():
    demo.seed(new_world(1, log=lambda *_: None))
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_demo_issues_one_signed_letter(org):
    world = new_world(1, log=lambda *_: None)
    world.units = {"bks": org.bks, "bks-satlantas": org.bks_satlantas}
    demo.seed(world)
    document = Document.objects.get()
    assert document.unit == org.bks_satlantas
    assert verify_pdf(document.file.read()).ok
