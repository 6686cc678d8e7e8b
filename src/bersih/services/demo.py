"""Demo Sipmas: six months of service requests and complaints at Polres Metro Bekasi, replayed in time
order through the same services the pages call, so that clocks, escalations and timelines agree.

Every case is a small script (a generator) that files the case, then waits until the moment of its next
step and takes it with ``now=`` that moment: the history is one queue of such moments, with the SLA
sweep running three times a day between them, so a case handled late is escalated by the sweep before
it is handled, and an answered complaint nobody replies to is closed by the sweep. Whatever would
happen after the real "now" is left undone: recent cases are still open, at whatever step they reached.

Most cases are handled within their clock; some are late (and escalated), some refused, postponed,
forwarded or archived with reasons; complaints come named, confidential (``rahasia``) and anonymous,
pungli and misconduct reports go to Siwas and Propam; officers write internal and public notes and
citizens reply with their secret. Names, places and phone numbers are synthetic (Faker ``id_ID``,
seeded).

The volume is a few hundred cases, not thousands: each case takes four to eight service calls, each a
transaction with its ledger entry and messages, and the whole demo must stay quick to prepare.

The history's messages to citizens and officers are delivered through the outbox as the demo is loaded
and dated when their event happened, so the outbox page shows them as six months of sent messages; only
those of the last day are left queued for the worker, and the delivery tasks of the others (which would
find their message sent) are dropped once the demo commits.

``var/demo-sipmas-cases.txt`` lists a few fixed cases for the README's walkthrough, with the secret
that only their citizen would hold (demo only): an anonymous pungli report waiting for Siwas, an SKTLK
request ready to be issued, a confidential misconduct report, an answered complaint waiting for the
citizen's reply, and a late SKCK escalated to the leadership.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from faker import Faker

from bersih.core.calendar import add_working_days, is_working_day

from . import rules
from .services import (
    CITIZEN,
    case_assign,
    case_note,
    case_reply,
    case_submit,
    case_transition,
    reporter_identity_read,
    services_sla_sweep,
)
from .testing import requirement_uploads

HISTORY_WEEKS = 26
# Cases filed a week, per service (a demo's scale: a real Polres files many more SKCK).
WEEKLY = {"sktlk": 4, "skck": 4, "lp": 2, "keramaian": 1, "dumas": 4}
# Messages of events within this window before now are left queued for the worker.
QUEUED_WINDOW = timedelta(days=1)
# The history's SLA sweeps (local time), every day.
SWEEP_TIMES = (time(7, 0), time(12, 0), time(17, 0))
CASE_LIST = "demo-sipmas-cases.txt"
# The backlog: this share of the cases of the last STALL_DAYS days stops after one to three steps
# and is never taken further (late, escalated to the leadership by the sweep).
STALL_SHARE = 0.12
STALL_DAYS = 42

# The demo's Sipmas staff (core.demo.DEMO_STAFF) by unit: officers who act, heads who route.
OFFICERS = {
    "bks-spkt": ("spkt",),
    "bks-intelkam": ("intelkam",),
    "bks-siwas": ("dumas",),
    "bks-propam": ("paminal",),
    "bks-reskrim": ("reskrim",),
    "bks-satlantas": ("lantas",),
    "bks-tambun": ("polsek-tambun",),
}
HEADS = {
    "bks-spkt": "ka-spkt",
    "bks-intelkam": "kasat-intelkam",
    "bks-siwas": "kasiwas",
    "bks-propam": "kasipropam",
    "bks-satlantas": "kasat-lantas",
}
# Units a complaint is about, with how often.
COMPLAINED = [
    ("bks-satpas", 5),
    ("bks-satlantas", 4),
    ("bks-spkt", 3),
    ("bks-intelkam", 2),
    ("bks-reskrim", 2),
    ("bks-tambun", 1),
    ("bks-cibitung", 1),
    ("bks-cikarang-utara", 1),
    ("bks-babelan", 1),
]
# Where Siwas routes a verified non-sensitive complaint, by the unit it is about (None: Siwas keeps it).
ROUTE_FOR = {
    "bks-satpas": "bks-satlantas",
    "bks-satlantas": None,
    "bks-spkt": None,
    "bks-intelkam": None,
    "bks-reskrim": None,
    None: "bks-satlantas",
}
KECAMATAN = [
    ("Tambun Selatan", "17510"),
    ("Cikarang Utara", "17530"),
    ("Cikarang Barat", "17520"),
    ("Cibitung", "17520"),
    ("Babelan", "17610"),
    ("Setu", "17320"),
    ("Tambun Utara", "17510"),
    ("Cikarang Selatan", "17530"),
    ("Tarumajaya", "17211"),
    ("Serang Baru", "17330"),
]
PLACES = [
    "Pasar Tambun",
    "Stasiun Cikarang",
    "Terminal Cikarang",
    "Jl. Raya Cibitung",
    "Kawasan Industri Jababeka",
    "Pasar Induk Cibitung",
    "Jl. Inspeksi Kalimalang",
    "Summarecon Mall Bekasi",
    "Jl. Raya Setu",
    "Pasar Babelan",
]
LOST_ITEMS = [
    ("KTP", "Kartu Tanda Penduduk hilang"),
    ("SIM C", "SIM C hilang"),
    ("STNK", "STNK sepeda motor hilang"),
    ("dompet", "Dompet berisi KTP dan ATM hilang"),
    ("BPKB", "BPKB mobil hilang"),
    ("ijazah", "Ijazah SMA hilang"),
    ("ATM", "Kartu ATM dan buku tabungan hilang"),
    ("ponsel", "Telepon genggam hilang"),
]
SKCK_PURPOSES = [
    "melamar pekerjaan",
    "melamar CPNS",
    "pendaftaran sekolah kedinasan",
    "persyaratan visa kerja",
    "pencalonan perangkat desa",
    "persyaratan magang",
]
CRIMES = [
    ("Pencurian sepeda motor", "Sepeda motor hilang saat diparkir di depan rumah."),
    ("Penipuan jual beli daring", "Barang sudah dibayar lewat transfer tetapi tidak pernah dikirim."),
    ("Penganiayaan", "Dipukul oleh orang tidak dikenal setelah cekcok di jalan."),
    ("Pencurian dengan pemberatan", "Rumah dibobol saat ditinggal mudik; perhiasan dan laptop hilang."),
    ("Penggelapan", "Mobil sewaan tidak dikembalikan oleh penyewa."),
    ("Penipuan investasi", "Uang arisan dan investasi tidak dikembalikan oleh pengelola."),
]
EVENTS = [
    ("Resepsi pernikahan", 400),
    ("Konser musik kampus", 1500),
    ("Jalan sehat HUT desa", 800),
    ("Pengajian akbar", 2000),
    ("Turnamen futsal antarkampung", 300),
    ("Pasar malam", 1000),
]
COMPLAINTS = {
    "pungli": [
        (
            "Diminta uang tambahan di loket",
            "Petugas meminta Rp{amount} agar berkas cepat selesai, tanpa kuitansi.",
        ),
        ("Pungutan saat razia", "Saat pemeriksaan di {place} petugas meminta uang damai Rp{amount}."),
        ("Calo di dalam kantor", "Orang yang mengaku kenal petugas menawarkan jalur cepat Rp{amount}."),
    ],
    "misconduct": [
        ("Petugas bersikap kasar", "Petugas membentak dan tidak mau menjelaskan persyaratan."),
        ("Laporan saya tidak ditindaklanjuti", "Sudah dua bulan tidak ada kabar dan penyidik sulit ditemui."),
        ("Petugas tidak berseragam meminta data", "Orang mengaku petugas meminta foto KTP lewat WhatsApp."),
    ],
    "service_quality": [
        ("Antrean terlalu lama", "Menunggu lebih dari tiga jam di {place} tanpa kejelasan."),
        ("Ruang tunggu panas dan penuh", "Kipas angin mati dan kursi tidak cukup."),
        ("Informasi persyaratan berbeda-beda", "Setiap petugas menyebut persyaratan yang berbeda."),
        ("Layanan daring tidak bisa diakses", "Formulir pendaftaran daring gagal dikirim berkali-kali."),
    ],
    "information": [
        (
            "Syarat perpanjangan SIM",
            "Apakah perpanjangan SIM yang sudah lewat masa berlakunya harus ujian ulang?",
        ),
        ("Jadwal pelayanan SKCK hari Sabtu", "Apakah loket SKCK buka pada hari Sabtu?"),
        (
            "Cara mengambil barang bukti",
            "Bagaimana cara mengambil kembali sepeda motor yang menjadi barang bukti?",
        ),
    ],
    "aspiration": [
        ("Usulan patroli malam", "Mohon patroli di sekitar {place} karena sering ada balap liar."),
        ("Lampu lalu lintas mati", "Lampu lalu lintas di {place} sering mati dan rawan kecelakaan."),
        ("Terima kasih atas pelayanan", "Pelayanan di {place} cepat dan ramah. Terima kasih."),
    ],
}
# Complaints outside the Polres's authority, forwarded with their reason.
NOT_OURS = [
    "Jalan rusak adalah kewenangan Dinas Bina Marga Kabupaten Bekasi; aduan diteruskan ke sana.",
    "Sengketa upah adalah kewenangan Dinas Ketenagakerjaan Kabupaten Bekasi; aduan diteruskan ke sana.",
]


class Story:
    """What the history needs at hand: the clock's end, the people, the dice and the names."""

    def __init__(self, world, now: datetime) -> None:
        from bersih.core.models import Unit, User

        self.now = now
        self.rng = random.Random(f"sipmas:{world.seed}")
        self.faker = Faker("id_ID")
        self.faker.seed_instance(world.seed + 6)
        self.units = {u.code: u for u in Unit.objects.filter(code__startswith="bks")}
        usernames = {*HEADS.values(), *itertools.chain.from_iterable(OFFICERS.values())}
        self.users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        self.secrets: dict[str, str] = {}  # tracking number -> secret (the walkthrough's cases only)
        self.stats = {"cases": 0, "dropped": 0}

    # --- people and places

    def officer(self, unit_code: str):
        return self.users[self.rng.choice(OFFICERS[unit_code])]

    def head(self, unit_code: str):
        return self.users.get(HEADS.get(unit_code, ""), None) or self.officer(unit_code)

    def place(self) -> str:
        return self.rng.choice(PLACES)

    def address(self) -> str:
        kecamatan, postcode = self.rng.choice(KECAMATAN)
        return f"{self.faker.street_address()}, {kecamatan}, Kabupaten Bekasi {postcode}"

    def phone(self) -> str:
        operator = self.rng.choice(("12", "13", "21", "22", "52", "53"))
        return f"08{operator}{self.rng.randint(10_000_000, 99_999_999)}"

    def nik(self, birth: date, female: bool) -> str:
        day = birth.day + (40 if female else 0)
        region = f"3216{self.rng.randint(1, 23):02d}"  # a kecamatan of Kabupaten Bekasi
        return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{self.rng.randint(1, 9999):04d}"

    def requester(self, *, online: bool, nik: bool = False) -> dict:
        female = self.rng.random() < 0.5
        name = self.faker.name_female() if female else self.faker.name_male()
        person = {"full_name": name, "address": self.address()}
        if nik:
            birth = date(self.rng.randint(1970, 2005), self.rng.randint(1, 12), self.rng.randint(1, 28))
            person["nik"] = self.nik(birth, female)
        # Online forms ask for a contact; at the counter some give none (they are told in person).
        roll = self.rng.random()
        if roll < 0.7 if online else roll < 0.6:
            person["phone"] = self.phone()
        if online and roll >= 0.5:
            first = name.split()[0].lower().strip(".,")
            person["email"] = f"{first}{self.rng.randint(1, 999)}@contoh.id"
        return person

    # --- time

    def office_moment(self, day: date, start: time = time(8, 0), end: time = time(15, 30)) -> datetime:
        """A moment of office hours on ``day`` (local time)."""
        minutes = self.rng.randint(0, (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute))
        moment = datetime.combine(day, start) + timedelta(minutes=minutes)
        return timezone.make_aware(moment)

    def working_day_after(self, moment: datetime, days: int) -> date:
        return add_working_days(timezone.localtime(moment).date(), days)

    def within(self, moment: datetime, due: datetime | None, share: float = 0.7) -> datetime:
        """A moment after ``moment`` and before ``due`` (at ``share`` of the time left at most)."""
        if due is None or due <= moment:
            return moment + timedelta(minutes=self.rng.randint(5, 60))
        span = (due - moment).total_seconds()
        return moment + timedelta(seconds=max(60, self.rng.uniform(0.1, share) * span))

    def late(self, due: datetime, working_days: tuple[int, int] = (1, 4)) -> datetime:
        """A moment of office hours some working days after ``due``."""
        return self.office_moment(self.working_day_after(due, self.rng.randint(*working_days)))


Script = Iterator[datetime]


def seed(world, *, now: datetime | None = None, weeks: int | None = None) -> None:
    """The Sipmas history of the last ``weeks`` weeks up to ``now``, then the walkthrough's cases.

    ``weeks`` defaults to the ``SIPMAS_DEMO_WEEKS`` setting if there is one (a shorter history for
    tests that load the whole demo), else ``HISTORY_WEEKS``."""
    from django.conf import settings

    from bersih.notify.models import Message

    weeks = weeks or getattr(settings, "SIPMAS_DEMO_WEEKS", HISTORY_WEEKS)

    if "bks" not in world.units or "dumas" not in world.users:
        return
    story = Story(world, now or timezone.now())
    first_message = (Message.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    moments = _replay(story, _scripts(story, weeks), _sweeps(story, weeks))
    listed = _walkthrough(story)
    delivered = _deliver_history(story, moments, first_message)
    transaction.on_commit(lambda: _forget_delivery_tasks(first_message))
    _write_case_list(listed)
    world.log(
        f"sipmas: {story.stats['cases']} cases over {weeks} weeks, {delivered} messages of the history "
        f"delivered; walkthrough cases and their secrets in var/{CASE_LIST}"
    )


# --- The replay ---------------------------------------------------------------------------------------


def _replay(story: Story, scripts: list[tuple[datetime, Callable[[datetime], Script]]], sweeps) -> list:
    """Run every script's steps and every sweep in time order until ``story.now``; answers, for dating
    the messages, (moment, id of the last message queued before it) for every step and sweep."""
    from bersih.notify.models import Message

    queue: list = []
    counter = itertools.count()
    stall_from = story.now - timedelta(days=STALL_DAYS)
    for start, make in scripts:
        stall = story.rng.randint(1, 3) if start > stall_from and story.rng.random() < STALL_SHARE else 0
        heapq.heappush(queue, (start, next(counter), make, None, stall))
    for moment in sweeps:
        heapq.heappush(queue, (moment, next(counter), None, None, 0))
    marks = []
    while queue:
        moment, _, make, script, steps_left = heapq.heappop(queue)
        if moment > story.now:
            continue  # the future: the case stays where it is
        marks.append((moment, _last_message_id(Message)))
        if make is None and script is None:
            services_sla_sweep(now=moment)
            continue
        try:
            if script is None:
                script = make(moment)
                story.stats["cases"] += 1
                following = next(script)
            else:
                following = script.send(moment)
        except StopIteration:
            continue
        except (ValidationError, PermissionDenied):
            story.stats["dropped"] += 1  # the sweep closed it meanwhile, or a step no longer fits
            continue
        if steps_left == 1:
            continue  # left where it is: the backlog
        at = max(following, moment + timedelta(seconds=1))
        heapq.heappush(queue, (at, next(counter), None, script, max(steps_left - 1, 0)))
    marks.append((story.now, _last_message_id(Message)))
    return marks


def _last_message_id(Message) -> int:
    return Message.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _sweeps(story: Story, weeks: int) -> list[datetime]:
    today = timezone.localdate(story.now)
    days = [today - timedelta(days=n) for n in range(weeks * 7, -1, -1)]
    return [timezone.make_aware(datetime.combine(day, at)) for day in days for at in SWEEP_TIMES]


def _scripts(story: Story, weeks: int) -> list[tuple[datetime, Callable[[datetime], Script]]]:
    """When each case is filed, and its script: per service, ``WEEKLY`` cases a week on working days
    (the SPKT also on weekends), spread over office hours."""
    rng = story.rng
    today = timezone.localdate(story.now)
    start = today - timedelta(weeks=weeks)
    scripts = []
    makers = {
        "sktlk": _sktlk,
        "skck": _skck,
        "lp": _crime_report,
        "keramaian": _crowd_permit,
        "dumas": _complaint,
    }
    for service, per_week in WEEKLY.items():
        for week in range(weeks):
            for _ in range(per_week):
                day = start + timedelta(days=week * 7 + rng.randint(0, 6))
                if service not in ("sktlk", "lp", "dumas") and not is_working_day(day):
                    day = add_working_days(day, 1)
                if day > today:
                    continue
                moment = story.office_moment(
                    day, time(7, 30), time(20, 0) if service != "skck" else time(14, 0)
                )
                maker = makers[service]
                scripts.append((moment, lambda at, maker=maker: maker(story, at)))
    return scripts


def _submit(story: Story, **fields):
    submitted = case_submit(unit=story.units["bks"], **fields)
    return submitted.case, submitted.secret


def _refresh(case):
    case.refresh_from_db()
    return case


# --- Requests -----------------------------------------------------------------------------------------


def _sktlk(story: Story, at: datetime) -> Script:
    rng = story.rng
    item, title = rng.choice(LOST_ITEMS)
    online = rng.random() < 0.55
    officer = story.officer("bks-spkt")
    case, _ = _submit(
        story,
        actor=CITIZEN if online else officer,
        service="sktlk",
        title=title,
        description=f"{item.capitalize()} hilang di sekitar {story.place()}.",
        requester=story.requester(online=online),
        channel="web" if online else "counter",
        occurred_on=timezone.localdate(at) - timedelta(days=rng.randint(0, 3)),
        uploads=requirement_uploads("sktlk") if online else [],
        now=at,
    )
    roll = rng.random()
    moment = (
        story.within(at, case.due_at) if roll < 0.9 else case.due_at + timedelta(hours=rng.randint(1, 20))
    )
    moment = yield moment
    if roll > 0.97:
        case_transition(
            actor=officer,
            case=case,
            status="refused",
            reason="Barang yang dilaporkan bukan milik pelapor.",
            now=moment,
        )
        return
    if online:
        case = case_transition(actor=officer, case=case, status="verified", now=moment)
        moment += timedelta(minutes=rng.randint(3, 15))
        moment = yield moment
    case_transition(actor=officer, case=case, status="issued", now=moment)


def _skck(story: Story, at: datetime) -> Script:
    rng = story.rng
    online = rng.random() < 0.6
    officer = story.officer("bks-intelkam")
    purpose = rng.choice(SKCK_PURPOSES)
    case, secret = _submit(
        story,
        actor=CITIZEN if online else officer,
        service="skck",
        title=f"SKCK untuk {purpose}",
        description=f"Keperluan: {purpose}.",
        requester=story.requester(online=online, nik=True),
        channel="web" if online else "counter",
        details={"purpose": purpose},
        uploads=requirement_uploads("skck") if online else [],
        now=at,
    )
    roll = rng.random()
    if online and roll < 0.12:  # a blurred copy: the citizen sends it again
        moment = story.within(at, case.due_at)
        moment = yield moment
        case = case_transition(
            actor=officer,
            case=case,
            status="incomplete",
            reason="Salinan KK tidak terbaca; mohon unggah ulang.",
            now=moment,
        )
        moment = story.office_moment(story.working_day_after(moment, rng.randint(1, 3)))
        moment = yield moment
        case_reply(case=case, secret=secret, text="Salinan KK sudah saya unggah ulang.", now=moment)
        moment += timedelta(minutes=rng.randint(30, 180))
        moment = yield moment
    else:
        moment = story.within(at, case.due_at) if roll < 0.88 else story.late(case.due_at, (1, 3))
        moment = yield moment
    if roll > 0.98:
        case_transition(
            actor=officer,
            case=case,
            status="refused",
            reason="Data identitas tidak sesuai dengan KTP.",
            now=moment,
        )
        return
    case = case_transition(actor=officer, case=case, status="verified", now=moment)
    moment = story.within(moment, case.due_at, 0.4) if roll < 0.94 else story.late(case.due_at, (1, 2))
    moment = yield moment
    case = case_transition(actor=officer, case=case, status="in_process", now=moment)
    moment = yield moment + timedelta(minutes=rng.randint(10, 90))
    case = case_transition(actor=officer, case=case, status="ready", now=moment)
    moment = story.office_moment(story.working_day_after(moment, rng.choice((0, 1, 1, 2))))
    moment = yield moment
    case_transition(actor=officer, case=case, status="issued", now=moment)


def _crime_report(story: Story, at: datetime) -> Script:
    rng = story.rng
    crime, text = rng.choice(CRIMES)
    spkt = story.officer("bks-spkt")
    case, secret = _submit(
        story,
        actor=spkt,
        service="lp",
        title=crime,
        description=f"{text} Tempat kejadian: {story.place()}.",
        requester=story.requester(online=False, nik=True),
        channel="counter",
        address=story.place(),
        occurred_on=timezone.localdate(at) - timedelta(days=rng.randint(0, 5)),
        now=at,
    )
    moment = at + timedelta(minutes=rng.randint(10, 50))
    moment = yield moment
    case = case_transition(actor=spkt, case=case, status="received", now=moment)
    moment += timedelta(minutes=rng.randint(20, 120))
    moment = yield moment
    head = story.head("bks-spkt")
    case = case_assign(actor=head, case=case, unit=story.units["bks-reskrim"], now=moment)
    investigator = story.officer("bks-reskrim")
    moment = story.office_moment(story.working_day_after(moment, 1))
    moment = yield moment
    case = case_assign(actor=investigator, case=case, assignee=investigator, now=moment)
    case = case_transition(actor=investigator, case=case, status="investigating", now=moment)
    case_note(
        actor=investigator, case=case, text="Saksi-saksi dijadwalkan untuk dimintai keterangan.", now=moment
    )
    for letter in range(rng.randint(1, 4)):
        late = rng.random() < 0.15
        moment = (
            story.late(case.due_at, (2, 6))
            if late
            else story.office_moment(
                timezone.localtime(case.due_at).date() - timedelta(days=rng.randint(2, 9))
            )
        )
        moment = yield moment
        case = case_transition(
            actor=investigator,
            case=case,
            status="progress",
            reason=f"SP2HP ke-{letter + 1}: pemeriksaan saksi dan pengumpulan barang bukti.",
            now=moment,
        )
        if rng.random() < 0.3:
            case_reply(
                case=case,
                secret=secret,
                text="Terima kasih, saya siap dipanggil kembali.",
                now=moment + timedelta(hours=3),
            )
    moment = story.office_moment(story.working_day_after(moment, rng.randint(3, 15)))
    moment = yield moment
    case_transition(
        actor=investigator,
        case=case,
        status="completed",
        reason=rng.choice(
            (
                "Berkas perkara dilimpahkan ke Kejaksaan Negeri Kabupaten Bekasi.",
                "Perkara diselesaikan melalui keadilan restoratif.",
            )
        ),
        now=moment,
    )


def _crowd_permit(story: Story, at: datetime) -> Script:
    rng = story.rng
    event, attendance = rng.choice(EVENTS)
    officer = story.officer("bks-intelkam")
    event_day = timezone.localdate(at) + timedelta(days=rng.randint(rules.CROWD_PERMIT_LEAD_DAYS + 2, 30))
    case, secret = _submit(
        story,
        service="keramaian",
        title=f"{event} di {story.place()}",
        description=f"Perkiraan peserta {attendance} orang, pukul 08.00-22.00 WIB.",
        requester=story.requester(online=True, nik=True),
        address=story.place(),
        details={"event_date": event_day.isoformat(), "attendance": attendance},
        uploads=requirement_uploads("keramaian"),
        now=at,
    )
    roll = rng.random()
    moment = story.within(at, case.due_at, 0.3) if roll < 0.9 else story.late(case.due_at, (1, 2))
    moment = yield moment
    if roll < 0.1:
        case = case_transition(
            actor=officer,
            case=case,
            status="incomplete",
            reason="Surat keterangan dari desa belum dilampirkan.",
            now=moment,
        )
        moment = story.office_moment(story.working_day_after(moment, 1))
        moment = yield moment
        case_reply(case=case, secret=secret, text="Surat dari desa sudah saya bawa ke loket.", now=moment)
        moment = yield moment + timedelta(hours=rng.randint(1, 4))
    case = case_transition(actor=officer, case=case, status="verified", now=moment)
    moment = story.office_moment(story.working_day_after(moment, 1))
    moment = yield moment
    case = case_transition(actor=officer, case=case, status="assessed", now=moment)
    moment += timedelta(hours=rng.randint(1, 4))
    moment = yield moment
    if roll > 0.93:
        case_transition(
            actor=story.head("bks-intelkam"),
            case=case,
            status="refused",
            reason="Lokasi kegiatan berada di badan jalan nasional tanpa rekayasa lalu lintas.",
            now=moment,
        )
        return
    case_transition(actor=story.head("bks-intelkam"), case=case, status="issued", now=moment)


# --- Complaints ---------------------------------------------------------------------------------------

CATEGORY_SHARE = [
    ("pungli", 4),
    ("misconduct", 3),
    ("service_quality", 6),
    ("information", 3),
    ("aspiration", 4),
]
PRIVACY_SHARE = {
    "pungli": [("anonim", 6), ("rahasia", 3), ("named", 1)],
    "misconduct": [("rahasia", 5), ("anonim", 2), ("named", 3)],
}
DEFAULT_PRIVACY = [("named", 8), ("rahasia", 1), ("anonim", 1)]


def _weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _complaint(story: Story, at: datetime) -> Script:
    rng = story.rng
    category = _weighted(rng, CATEGORY_SHARE)
    privacy = _weighted(rng, PRIVACY_SHARE.get(category, DEFAULT_PRIVACY))
    about = _weighted(rng, COMPLAINED) if category in ("pungli", "misconduct", "service_quality") else None
    title, text = rng.choice(COMPLAINTS[category])
    text = text.format(amount=f"{rng.choice((50, 100, 150, 200, 300, 500))}.000", place=story.place())
    channel = _weighted(rng, [("web", 7), ("email", 2), ("counter", 1)])
    case, secret = _submit(
        story,
        actor=CITIZEN if channel != "counter" else story.officer("bks-spkt"),
        service="dumas",
        category=category,
        privacy=privacy,
        complained_unit=story.units[about] if about else None,
        title=title,
        description=text,
        requester=None if privacy == "anonim" else story.requester(online=True),
        channel=channel,
        address=story.place() if category != "information" else "",
        occurred_on=timezone.localdate(at) - timedelta(days=rng.randint(0, 10)),
        now=at,
    )
    yield from _complaint_handling(story, case, secret, at)


def _complaint_handling(
    story: Story, case, secret: str, at: datetime, *, stop_at: str = "", plain: bool = False
) -> Script:
    """Verification, routing, follow-up, answer and the reporter's reply; ``plain``: on time, without
    detours (the walkthrough's cases); ``stop_at``: leave the case at that step."""
    rng = story.rng
    unit = case.unit.code
    admin = story.officer(unit)  # Siwas's Dumas administrator, or Propam's officer for misconduct
    roll = 0.0 if plain else rng.random()
    # Verification within 3 working days, or late (the sweep escalates it meanwhile).
    moment = story.within(at, case.due_at, 0.6) if roll < 0.88 else story.late(case.due_at, (1, 4))
    moment = yield moment
    if stop_at == "submitted":
        return
    if not case.is_sensitive and roll > 0.95:
        case_transition(actor=admin, case=case, status="forwarded", reason=rng.choice(NOT_OURS), now=moment)
        return
    if not plain and rng.random() < 0.1:
        case = case_transition(
            actor=admin,
            case=case,
            status="postponed",
            reason="Mohon lengkapi waktu, tempat dan ciri-ciri petugas yang dimaksud.",
            now=moment,
        )
        moment = story.office_moment(story.working_day_after(moment, rng.randint(1, 4)))
        moment = yield moment
        if rng.random() < 0.25:
            case_transition(
                actor=admin,
                case=case,
                status="archived",
                reason="Tidak ada tambahan keterangan dari pelapor.",
                now=moment + timedelta(days=14),
            )
            return
        case_reply(
            case=case, secret=secret, text=f"Kejadiannya sekitar pukul 10.00 di {story.place()}.", now=moment
        )
        moment += timedelta(hours=rng.randint(1, 5))
        moment = yield moment
    case = case_transition(actor=admin, case=case, status="verified", now=moment)
    # Routing: sensitive reports stay with Siwas/Propam; others may go to the unit that can answer.
    handler_unit = unit
    if not case.is_sensitive:
        about = case.complained_unit.code if case.complained_unit_id else None
        target = (
            ROUTE_FOR.get(about)
            if case.category != "information"
            else rng.choice(("bks-satlantas", "bks-intelkam", "bks-spkt", "bks-tambun"))
        )
        if target and target != about and target in OFFICERS:
            case = case_assign(actor=admin, case=case, unit=story.units[target], now=moment)
            handler_unit = target
    handler = story.officer(handler_unit)
    moment += timedelta(minutes=rng.randint(10, 120))
    moment = yield moment
    case = case_assign(actor=story.head(handler_unit), case=case, assignee=handler, now=moment)
    if case.privacy != "anonim" and case.is_sensitive:
        reporter_identity_read(actor=handler, case=case, purpose="Klarifikasi kepada pelapor")
    if stop_at == "verified":
        return
    late = not plain and rng.random() < 0.12
    moment = story.within(moment, case.due_at, 0.3)
    moment = yield moment
    case = case_transition(actor=handler, case=case, status="in_progress", now=moment)
    note = {
        "pungli": "Klarifikasi terhadap petugas loket dijadwalkan; rekaman CCTV diminta.",
        "misconduct": "Petugas terlapor dipanggil untuk pemeriksaan pendahuluan.",
    }.get(case.category, "Unit terkait dimintai penjelasan.")
    case_note(actor=handler, case=case, text=note, now=moment + timedelta(minutes=5))
    if rng.random() < 0.4:
        case_note(
            actor=handler,
            case=case,
            text="Aduan Anda sedang kami tindak lanjuti; kami akan mengabari hasilnya.",
            public=True,
            now=moment + timedelta(minutes=10),
        )
    if stop_at == "in_progress":
        return
    moment = story.late(case.due_at, (1, 5)) if late else story.within(moment, case.due_at, 0.8)
    moment = yield moment
    answer = {
        "pungli": "Petugas yang bersangkutan telah diperiksa dan dijatuhi sanksi disiplin.",
        "misconduct": "Petugas terlapor telah diperiksa Propam dan diberi teguran tertulis.",
        "information": "Jawaban atas pertanyaan Anda telah kami sampaikan sesuai standar pelayanan.",
    }.get(case.category, "Perbaikan layanan telah dilakukan dan akan dipantau setiap pekan.")
    case = case_transition(actor=handler, case=case, status="answered", reason=answer, now=moment)
    if stop_at == "answered":
        return
    reply = rng.random()
    if reply < 0.35:  # the reporter answers; otherwise the sweep closes it after 10 working days
        moment = story.office_moment(story.working_day_after(moment, rng.randint(1, 4)))
        moment = yield moment
        if reply < 0.08:
            case_reply(case=case, secret=secret, text="Jawaban belum menyelesaikan masalah saya.", now=moment)
            moment += timedelta(hours=2)
            moment = yield moment
            case = case_transition(actor=handler, case=case, status="in_progress", now=moment)
            moment = story.within(moment, case.due_at, 0.5)
            moment = yield moment
            case = case_transition(
                actor=handler,
                case=case,
                status="answered",
                reason="Pemeriksaan lanjutan telah selesai.",
                now=moment,
            )
            moment = story.office_moment(story.working_day_after(moment, 2))
            moment = yield moment
        else:
            case_reply(case=case, secret=secret, text="Terima kasih atas tindak lanjutnya.", now=moment)
            moment += timedelta(hours=1)
            moment = yield moment
        case_transition(actor=handler, case=case, status="closed", now=moment)


# --- The walkthrough's cases -------------------------------------------------------------------------


def _run(script: Script) -> None:
    """Take every step of a script at once, each at its own moment (all of them in the past)."""
    try:
        moment = next(script)
        while True:
            moment = script.send(moment)
    except StopIteration:
        pass


def _walkthrough(story: Story) -> list[tuple[str, object, str]]:
    """Fixed cases of the last days, listed with their secrets in ``var/demo-sipmas-cases.txt``."""
    now = story.now
    yesterday = timezone.localdate(now) - timedelta(days=1)
    listed = []

    # An anonymous pungli report about the Satpas, filed yesterday evening: waiting for Siwas.
    evening = timezone.make_aware(datetime.combine(yesterday, time(19, 40)))
    case, secret = _submit(
        story,
        service="dumas",
        category="pungli",
        privacy="anonim",
        complained_unit=story.units["bks-satpas"],
        title="Diminta Rp200.000 agar lulus ujian praktik SIM",
        description=(
            "Di Satpas Polres Metro Bekasi seorang petugas di area ujian praktik meminta Rp200.000 "
            "agar saya dinyatakan lulus, tanpa kuitansi. Kejadian pukul 10.30 WIB."
        ),
        address="Satpas Polres Metro Bekasi, Cikarang",
        occurred_on=yesterday,
        now=min(evening, now - timedelta(minutes=30)),
    )
    listed.append(("pungli-anonim", case, secret))

    # An SKTLK request filed online this morning, checked: ready to be issued as a signed letter.
    morning = now - timedelta(minutes=20)  # the SPKT's clock for it is one hour
    case, secret = _submit(
        story,
        service="sktlk",
        title="Dompet berisi KTP dan SIM hilang",
        description="Dompet hilang di sekitar Stasiun Cikarang saat turun dari KRL.",
        requester={
            "full_name": "Siti Rahmawati",
            "nik": "3216064508920003",
            "phone": "081234567891",
            "email": "siti.rahmawati@contoh.id",
            "address": "Jl. Raya Tambun No. 8, Tambun Selatan, Kabupaten Bekasi 17510",
        },
        occurred_on=timezone.localdate(morning),
        uploads=requirement_uploads("sktlk"),
        now=morning,
    )
    spkt = story.users["spkt"]
    case = case_assign(
        actor=story.head("bks-spkt"), case=case, assignee=spkt, now=morning + timedelta(minutes=5)
    )
    case = case_transition(actor=spkt, case=case, status="verified", now=morning + timedelta(minutes=8))
    listed.append(("sktlk-siap-terbit", case, secret))

    # A confidential misconduct report with Propam, being followed up by its handling officer.
    filed = story.office_moment(add_working_days(yesterday - timedelta(days=8), 1))
    case, secret = _submit(
        story,
        service="dumas",
        category="misconduct",
        privacy="rahasia",
        complained_unit=story.units["bks-reskrim"],
        title="Penyidik meminta uang untuk mempercepat laporan",
        description="Penyidik meminta biaya operasional agar laporan saya segera diproses.",
        requester={"full_name": "Hendra Gunawan", "phone": "081298765432", "address": story.address()},
        now=filed,
    )
    _run(_complaint_handling(story, case, secret, filed, stop_at="in_progress", plain=True))
    listed.append(("propam-rahasia", _refresh(case), secret))

    # A named complaint answered a few days ago: the citizen may reply, or it closes by itself.
    filed = story.office_moment(add_working_days(yesterday - timedelta(days=10), 1))
    case, secret = _submit(
        story,
        service="dumas",
        category="service_quality",
        complained_unit=story.units["bks-satpas"],
        title="Antrean SIM terlalu lama",
        description="Menunggu lebih dari tiga jam di Satpas tanpa kejelasan nomor antrean.",
        requester={
            "full_name": "Agus Setiawan",
            "email": "agus.setiawan@contoh.id",
            "address": story.address(),
        },
        now=filed,
    )
    _run(_complaint_handling(story, case, secret, filed, stop_at="answered", plain=True))
    listed.append(("dijawab-menunggu-balasan", _refresh(case), secret))

    # An SKCK filed at the counter four working days ago, never checked: escalated to the leadership.
    filed = story.office_moment(
        add_working_days(timezone.localdate(now) - timedelta(days=8), 1), time(9, 0), time(11, 0)
    )
    case, secret = _submit(
        story,
        actor=story.officer("bks-intelkam"),
        service="skck",
        title="SKCK untuk melamar pekerjaan",
        requester=story.requester(online=False, nik=True),
        channel="counter",
        now=filed,
    )
    for at in _sweeps(story, 1):
        if filed < at <= now:
            services_sla_sweep(now=at)
    listed.append(("skck-terlambat", _refresh(case), secret))
    for _label, case, secret in listed:
        story.secrets[case.tracking_number] = secret
    return listed


# --- Messages of the history ----------------------------------------------------------------------------


def _deliver_history(story: Story, marks: list, first_message: int) -> int:
    """Deliver, through the outbox, the messages of events older than ``QUEUED_WINDOW`` and date them
    when their event happened (the demo's history happened in the past; its messages went out then)."""
    from bersih.notify.models import Message
    from bersih.notify.services import message_deliver

    cutoff = story.now - QUEUED_WINDOW
    dated = []
    for (moment, _before), (_next, after) in itertools.pairwise(marks):
        if moment >= cutoff:
            break
        dated.append((moment, after))
    moments = iter(dated)
    current = next(moments, None)
    delivered = 0
    ids = (
        Message.objects.filter(id__gte=first_message, status="queued")
        .order_by("id")
        .values_list("id", flat=True)
    )
    updates = []
    for message_id in list(ids):
        while current is not None and message_id > current[1]:
            current = next(moments, None)
        if current is None:
            break
        if message_deliver(message_id=message_id) == "sent":
            delivered += 1
            at = current[0] + timedelta(seconds=20)
            updates.append(Message(pk=message_id, created_at=current[0], sent_at=at))
    Message.objects.bulk_update(updates, ["created_at", "sent_at"], batch_size=500)
    return delivered


def _forget_delivery_tasks(first_message: int) -> None:
    """After the demo commits: the outbox queued a delivery task for every message of the history
    (``notify.services.message_queue``); those delivered above would only find their message sent.
    Dropping them spares the worker thousands of empty runs before the demo's real work (database
    task backend only)."""
    from django.conf import settings

    from bersih.notify.models import Message

    if settings.TASKS.get("default", {}).get("BACKEND") != "django_tasks_db.DatabaseBackend":
        return
    from django_tasks_db.models import DBTaskResult

    sent = set(Message.objects.filter(id__gte=first_message, status="sent").values_list("id", flat=True))
    ready = DBTaskResult.objects.filter(status="READY", task_path="bersih.notify.tasks.deliver_message")
    empty = [
        pk
        for pk, arguments in ready.values_list("pk", "args_kwargs")
        if (arguments.get("kwargs") or {}).get("message_id") in sent
    ]
    for first in range(0, len(empty), 500):
        DBTaskResult.objects.filter(pk__in=empty[first : first + 500]).delete()


def _write_case_list(listed) -> None:
    from django.conf import settings

    lines = ["# label  tracking-number  secret  status  (demo only: the secret is the citizen's)"]
    for label, case, secret in listed:
        lines.append(f"{label:<26} {case.tracking_number}  {secret}  {case.status}")
    path = settings.VAR_DIR / CASE_LIST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
