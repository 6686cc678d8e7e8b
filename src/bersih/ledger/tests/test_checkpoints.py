import json
import stat

import pytest
from django.core.management import CommandError, call_command

from bersih import ledger
from bersih.ledger import keys
from bersih.ledger.models import Checkpoint, Entry
from bersih.ledger.services import SYSTEM, checkpoint_create
from bersih.ledger.verify import export_checkpoint, verify_exported_checkpoint, verify_ledger

pytestmark = pytest.mark.django_db


def test_init_keys_creates_private_key_0600_and_keeps_it(tmp_path):
    lines = keys.init_keys(tmp_path)
    private = tmp_path / keys.PRIVATE_NAME
    assert "created" in lines[0]
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    before = private.read_bytes()
    assert "kept" in keys.init_keys(tmp_path)[0]
    assert private.read_bytes() == before
    keys.init_keys(tmp_path, force=True)
    assert private.read_bytes() != before
    assert keys.key_id(keys.load_public_key(tmp_path)) == keys.key_id(
        keys.load_private_key(tmp_path).public_key()
    )


def test_keys_init_command_runs_the_ledger_initialiser(tmp_path, settings, capsys):
    settings.KEYS_DIR = tmp_path / "k"
    call_command("keys", "init")
    assert (tmp_path / "k" / keys.PRIVATE_NAME).exists()
    assert "[ledger] ledger key created" in capsys.readouterr().out


def test_checkpoint_signs_the_head_and_is_recorded(key_dir):
    for n in range(3):
        ledger.record(actor=SYSTEM, action="test.item.made", data={"n": n})
    head = Entry.objects.get(seq=3)
    checkpoint = checkpoint_create(actor=SYSTEM)
    assert (checkpoint.seq, checkpoint.head_hash, checkpoint.entry_count) == (3, head.hash, 3)
    assert checkpoint.key_id == keys.key_id(keys.load_public_key(key_dir))
    keys.load_public_key(key_dir).verify(
        __import__("base64").b64decode(checkpoint.signature), checkpoint.statement.encode()
    )
    entry = Entry.objects.get(seq=4)
    assert entry.action == "ledger.checkpoint.created" and entry.data["head_hash"] == head.hash
    report = verify_ledger()
    assert report.ok and report.checkpoints_checked == 1


def test_checkpoint_of_empty_ledger_refused(key_dir):
    with pytest.raises(ValueError):
        checkpoint_create(actor=SYSTEM)
    assert not Checkpoint.objects.exists()


def test_checkpoint_without_key_refused(tmp_path, settings):
    settings.KEYS_DIR = tmp_path / "none"
    ledger.record(actor=SYSTEM, action="test.item.made")
    with pytest.raises(keys.KeyMissing):
        checkpoint_create(actor=SYSTEM)
    assert not Checkpoint.objects.exists()


def test_checkpoints_without_public_key_fail_verification(key_dir, settings, tmp_path):
    ledger.record(actor=SYSTEM, action="test.item.made")
    checkpoint_create(actor=SYSTEM)
    settings.KEYS_DIR = tmp_path / "elsewhere"
    report = verify_ledger()
    assert not report.ok and "cannot be checked" in report.checkpoint_problems[0]


def test_exported_checkpoint_round_trip_and_alteration(key_dir):
    ledger.record(actor=SYSTEM, action="test.item.made")
    exported = export_checkpoint(checkpoint_create(actor=SYSTEM))
    assert verify_exported_checkpoint(json.loads(json.dumps(exported))) is None
    altered = {**exported, "head_hash": "0" * 64}
    assert "differs from what was signed" in verify_exported_checkpoint(altered)
    assert verify_exported_checkpoint({"statement": "not json"}) == "malformed checkpoint"


# --- the command ------------------------------------------------------------------------------------


def test_verify_command_ok(key_dir, capsys):
    ledger.record(actor=SYSTEM, action="test.item.made")
    call_command("ledger", "checkpoint")
    out = capsys.readouterr().out
    assert "BERSIH LEDGER CHECKPOINT" in out and "entry (head)  : #1" in out
    call_command("ledger", "verify")
    head = Entry.objects.get(seq=2).hash
    assert f"OK: 2 entries, head {head} (1 checkpoint(s) verified)" in capsys.readouterr().out


def test_verify_command_reports_first_broken_entry_and_exits_1(tamper, capsys):
    for n in range(4):
        ledger.record(actor=SYSTEM, action="test.item.made", data={"n": n})
    tamper("DELETE FROM ledger_entry WHERE seq = 2")
    with pytest.raises(CommandError) as raised:
        call_command("ledger", "verify")
    assert raised.value.returncode == 1
    err = capsys.readouterr().err
    assert "BROKEN at entry #3: gap in sequence: #2 missing" in err


def test_verify_command_checks_an_exported_file(key_dir, tmp_path, tamper, capsys):
    ledger.record(actor=SYSTEM, action="test.item.made", data={"n": 1})
    exported = tmp_path / "checkpoint.json"
    call_command("ledger", "checkpoint", "--json", str(exported))
    assert json.loads(exported.read_text())["seq"] == 1
    call_command("ledger", "verify", "--checkpoint", str(exported))
    assert f"checkpoint {exported}: OK" in capsys.readouterr().out
    # Someone deletes every checkpoint row and recomputes entry 1: the off-site copy still catches it.
    from bersih.ledger.chain import GENESIS_HASH, entry_hash

    tamper("DELETE FROM ledger_checkpoint")
    body = Entry.objects.get(seq=1).body.replace('"n":1', '"n":2')
    tamper(
        "UPDATE ledger_entry SET body = %s, hash = %s WHERE seq = 1",
        [body, entry_hash(GENESIS_HASH, body)],
    )
    tamper("DELETE FROM ledger_entry WHERE seq > 1")
    with pytest.raises(CommandError):
        call_command("ledger", "verify", "--checkpoint", str(exported))
    assert "no longer has the signed hash" in capsys.readouterr().err


def test_verify_command_reports_a_redefined_column(tamper, capsys):
    ledger.record(actor=SYSTEM, action="test.item.made")
    tamper("ALTER TABLE ledger_entry DROP COLUMN unit_id")
    tamper("ALTER TABLE ledger_entry ADD COLUMN unit_id bigint NULL")
    with pytest.raises(CommandError):
        call_command("ledger", "verify")
    assert "COLUMNS: column unit_id is no longer a stored column generated" in capsys.readouterr().err


def test_verify_command_refuses_no_workers():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("ledger", "verify", "--workers", "0")


def test_checkpoint_command_without_key_is_a_clear_error(tmp_path, settings):
    settings.KEYS_DIR = tmp_path / "none"
    ledger.record(actor=SYSTEM, action="test.item.made")
    with pytest.raises(CommandError, match="keys init"):
        call_command("ledger", "checkpoint")


def test_show_command(capsys):
    ledger.record(actor=SYSTEM, action="etle.violation.approved", subject=("etle.violation", 5, "E-5"))
    ledger.record(actor=SYSTEM, action="licensing.queue.called")
    call_command("ledger", "show", "--action", "etle")
    out = capsys.readouterr().out
    assert "etle.violation.approved etle.violation:5" in out and "licensing" not in out


def test_task_creates_checkpoint(key_dir, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from bersih.ledger.tasks import create_checkpoint

    ledger.record(actor=SYSTEM, action="test.item.made")
    result = create_checkpoint.enqueue()
    assert result.return_value == 1
    assert Checkpoint.objects.get().seq == 1


def test_checkpoint_pdf_is_a_real_pdf_with_the_head(key_dir, tmp_path):
    from pyhanko.pdf_utils.reader import PdfFileReader

    ledger.record(actor=SYSTEM, action="test.item.made")
    pdf = tmp_path / "checkpoint.pdf"
    call_command("ledger", "checkpoint", "--pdf", str(pdf))
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    with pdf.open("rb") as handle:
        assert len(PdfFileReader(handle).root["/Pages"]["/Kids"]) == 1
    head = Entry.objects.get(seq=1).hash
    assert f"Head hash      {head}".encode() in data  # the page's text is uncompressed
