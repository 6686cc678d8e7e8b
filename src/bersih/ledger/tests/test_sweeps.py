import pytest

from bersih import ledger
from bersih.core.schedule import registered_sweeps
from bersih.ledger.models import Checkpoint
from bersih.ledger.services import SYSTEM
from bersih.ledger.sweeps import daily_checkpoint


@pytest.fixture
def ledger_key(settings, tmp_path):
    from bersih.ledger.keys import init_keys

    settings.KEYS_DIR = tmp_path
    init_keys(tmp_path, force=False)
    return tmp_path


@pytest.mark.django_db
def test_daily_checkpoint_signs_a_moved_head_once(ledger_key):
    assert "ledger.checkpoint" in registered_sweeps()
    assert daily_checkpoint(None) == "ledger empty"
    ledger.record(actor=SYSTEM, action="test.thing.done")
    assert daily_checkpoint(None).startswith("checkpoint of #")
    assert Checkpoint.objects.count() == 1
    # Only the checkpoint's own ledger entry came after it: a second run signs nothing.
    assert daily_checkpoint(None).startswith("nothing new")
    assert Checkpoint.objects.count() == 1
    ledger.record(actor=SYSTEM, action="test.thing.done")
    assert daily_checkpoint(None).startswith("checkpoint of #")
    assert Checkpoint.objects.count() == 2


@pytest.mark.django_db
def test_daily_checkpoint_without_a_key_says_so(settings, tmp_path):
    settings.KEYS_DIR = tmp_path
    ledger.record(actor=SYSTEM, action="test.thing.done")
    assert daily_checkpoint(None).startswith("no checkpoint")
    assert not Checkpoint.objects.exists()
