"""ID and phone numbers encrypted at rest (issue 19): unreadable in a raw dump of the tables, still searchable
and refused twice through their keyed hashes, bound to their column and row, and rotated to a new key."""
import base64
import datetime as dt
import re

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from households import care_services, pii, pii_rows, services
from households.models import AssistanceType, CarerRelation, Household, Member, SelfCare
from households.care_models import CareAgreement
from households.pii_fields import EncryptedValueLookupRefused, TokenOutOfPlace
from households.selectors import members_matching_id, members_with_id_numbers
from imports import services as imports
from imports.models import FeedRecord, ImportStatus
from referrals.models import Lead
from referrals.services import lead_create
from tests.households.factories import id_number, make_household
from tests.imports.helpers import FEED_HEADERS, family, id_for, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

TAKEN = "该身份证号已登记，请联系乡镇民政办。"
PHONES = {"household": "13912345678", "carer": "13816627730", "reporter": "13700001111", "feed": "13600002222"}


def _raw_rows(model) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")
        return repr(cursor.fetchall())


def _raw_column(model, pk, column) -> str:
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _set_raw_column(model, pk, column, value) -> None:
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s", [value, pk])


def _everything_personal(demo):
    """A household with a phone, its 特困 head with a carer, a lead with a contact, a department list row."""
    household = make_household(demo.village_a, phone=PHONES["household"], head={"self_care": SelfCare.NONE},
                               assistance=[AssistanceType.TEKUN])
    head = household.members.get()
    care_services.care_agreement_record(
        actor=None, member=head, carer_name="李桂芳", carer_phone=PHONES["carer"],
        carer_relation=CarerRelation.NEIGHBOUR, terms="每日送餐", follow_months=1,
        starts_on=dt.date.today() - dt.timedelta(days=10), ends_on=dt.date.today() + dt.timedelta(days=300))
    lead_create(actor=demo.caseworker_a, channel="hotline", description="独居老人无人照料", village=demo.village_a,
                reporter_name="王芳", reporter_contact=PHONES["reporter"], subject_name="孙大爷")
    feed = imports.batch_upload(actor=demo.township1, kind="feed", feed_kind="medical_self_pay",
                                data_date=dt.date(2026, 11, 20), upload=SimpleUploadedFile("名单.xlsx", xlsx_bytes(
                                    FEED_HEADERS, [{"姓名": "钱美华", "身份证号": id_for(301), "联系电话": PHONES["feed"],
                                                    "村/社区": demo.village_a.name}])))
    feed = imports.batch_validate(batch_id=feed.pk)
    assert feed.status == ImportStatus.READY, feed.errors
    imports.batch_confirm(actor=demo.township1, batch=feed)
    assert imports.batch_import(batch_id=feed.pk).status == ImportStatus.DONE
    return household, head


def test_a_raw_dump_shows_no_id_or_phone_number_while_python_reads_them(demo):
    """Raw SQL over the members, households, care agreements, leads and department rows finds no ID number
    and no phone digits: the columns hold tokens (k1$…); the models read the numbers back."""
    household, head = _everything_personal(demo)
    dumps = {model: _raw_rows(model) for model in (Member, Household, CareAgreement, Lead, FeedRecord)}
    secrets = [head.id_number, id_for(301), head.id_number[:6] + head.id_number[6:14], *PHONES.values()]
    for model, dump in dumps.items():
        for secret in secrets:
            assert secret not in dump, (model, secret)
    # The encrypted columns as a whole: tokens, without any run of 11 digits (a phone) or an ID's 17.
    for model, pk, column in [(Member, head.pk, "id_number"), (Household, household.pk, "phone"),
                              (CareAgreement, CareAgreement.objects.get().pk, "carer_phone"),
                              (Lead, Lead.objects.get().pk, "reporter_contact"),
                              (FeedRecord, FeedRecord.objects.get().pk, "id_number"),
                              (FeedRecord, FeedRecord.objects.get().pk, "phone")]:
        raw = _raw_column(model, pk, column)
        assert raw.startswith("k1$") and not re.search(r"\d{11}", raw), (model, column, raw)
    head = Member.objects.get(pk=head.pk)
    assert re.fullmatch(r"\d{17}[\dX]", head.id_number)
    assert Household.objects.get(pk=household.pk).phone == PHONES["household"]
    assert CareAgreement.objects.get().carer_phone == PHONES["carer"]
    assert Lead.objects.get().reporter_contact == PHONES["reporter"]
    record = FeedRecord.objects.get()
    assert (record.id_number, record.phone) == (id_for(301), PHONES["feed"])
    assert list(Member.objects.filter(pk=head.pk).values_list("id_number", flat=True)) == [head.id_number]


def test_whole_first_six_last_four_and_last_six_are_found_by_their_hashes(client, demo):
    household = make_household(demo.village_a, head={"birth_date": dt.date(1961, 7, 8)}, phone=PHONES["household"])
    other = make_household(demo.village_a, head_name="李四", residence_address="长宁路2号")
    number = household.members.get().id_number
    for term in (number, number[:6], number[-4:], number[-6:], number[:10], number[:16], number[-5:]):
        assert household.members.get() in members_matching_id(term), term
    assert other.members.get() not in members_matching_id(number[-6:])
    assert list(members_with_id_numbers([number])) == [household.members.get()]
    client.force_login(demo.caseworker_a)
    page = client.get(reverse("households:list"), {"q": number[-4:]}).content.decode()
    assert household.residence_address in page
    # The search compares hashes, never the column: the column refuses SQL comparisons outright.
    with pytest.raises(EncryptedValueLookupRefused):
        list(Member.objects.filter(id_number=number))
    with pytest.raises(EncryptedValueLookupRefused):
        list(Member.objects.filter(id_number__endswith=number[-4:]))
    # Recorded or not is the one comparison left: an empty value is stored empty.
    assert list(Household.objects.filter(pk__in=[household.pk, other.pk], phone="")) == [other]
    assert not Household.objects.filter(pk=household.pk, phone=None).exists()  # `=None` is isnull, as ever


def test_a_duplicate_id_number_is_refused_by_the_form_the_service_and_the_import(client, demo):
    elsewhere = make_household(demo.village_c, head_name="赵秀珍", residence_address="外村路9号")
    number = elsewhere.members.get().id_number
    household = make_household(demo.village_a)
    with pytest.raises(ValidationError) as refused:
        services.member_add(actor=None, household=household, name="王强", relation="child", id_number=number)
    assert refused.value.message_dict["id_number"] == [TAKEN]
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("households:member_add", args=[household.pk]), {
        "name": "王强", "relation": "child", "self_care": "full", "id_number": number})
    assert TAKEN in response.content.decode() and household.members.count() == 1
    # The import: a head registered outside the importer's township, found by its hash.
    Member.objects.filter(pk=elsewhere.members.get().pk).delete()
    services.member_add(actor=None, household=elsewhere, name="别人", relation="head", id_number=id_for(6))
    client.force_login(demo.township1)
    batch = imports.batch_upload(actor=demo.township1, kind="households",
                                 upload=upload(xlsx_bytes(_household_headers(), family(5, 2))))
    batch = imports.batch_validate(batch_id=batch.pk)
    assert batch.status == ImportStatus.INVALID
    assert batch.errors == [[3, "身份证号", TAKEN]]


def _household_headers():
    from tests.imports.helpers import HOUSEHOLD_HEADERS

    return HOUSEHOLD_HEADERS


def test_the_database_refuses_a_second_row_with_the_same_id_number(demo):
    """Beside the services' check: the full hash is unique in the database."""
    from django.db import IntegrityError, transaction

    household = make_household(demo.village_a)
    number = household.members.get().id_number
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(household=household, name="重复", id_number=number, birth_date=dt.date(1956, 3, 4),
                              sex="M")


def test_a_token_copied_to_another_row_or_another_column_fails_to_decrypt(demo):
    first = make_household(demo.village_a, phone=PHONES["household"])
    second = make_household(demo.village_a, head_name="李四", residence_address="长宁路2号")
    a, b = first.members.get(), second.members.get()
    token = _raw_column(Member, a.pk, "id_number")
    # Into a phone column: bound to households.member.id_number, it does not open as households.household.phone.
    _set_raw_column(Household, second.pk, "phone", token)
    with pytest.raises(Exception) as wrong_column:
        Household.objects.get(pk=second.pk)
    assert type(wrong_column.value).__name__ == "InvalidTag"
    # Into another member's row: it decrypts, but not to the number that row's hash names.
    _set_raw_column(Member, b.pk, "id_number", token)
    with pytest.raises(TokenOutOfPlace):
        Member.objects.get(pk=b.pk)
    # A token changed by one character fails its authentication tag.
    # (Inside the data: the last characters before "==" carry padding bits base64 ignores.)
    changed = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    _set_raw_column(Member, a.pk, "id_number", changed)
    with pytest.raises(Exception) as tampered:
        Member.objects.get(pk=a.pk)
    assert type(tampered.value).__name__ in ("InvalidTag", "Error", "ValueError")


def _key(version: int, seed: bytes) -> str:
    import hashlib

    return f"{version}:" + base64.urlsafe_b64encode(hashlib.sha256(seed).digest()).decode()


def test_rotate_data_key_re_encrypts_in_batches_and_look_ups_find_rows_on_either_key(demo, monkeypatch, capsys):
    old = pii.DEV_KEY  # what the rows were written with (tests set no RELIEF_DATA_KEY)
    assert old.startswith("1:")
    households = [make_household(demo.village_a, phone=f"1391234{n:04d}", residence_address=f"长宁路{n}号")
                  for n in range(3)]
    numbers = [h.members.get().id_number for h in households]
    monkeypatch.setenv("RELIEF_DATA_KEY", _key(2, b"the new key") + "," + old)
    # Half-way: one batch of one member rotated, the others still under key 1; every look-up finds both.
    plan = next(p for p in pii_rows.plans([Member]))
    assert pii_rows.rewrite_batch(plan, encrypted_already=True, batch=1)[0] == 1
    versions = {pii.token_version(_raw_column(Member, h.members.get().pk, "id_number")) for h in households}
    assert versions == {"1", "2"}
    for number in numbers:
        assert members_matching_id(number).count() == 1
        assert members_matching_id(number[-6:]).filter(household__in=households).count() >= 1
        assert members_with_id_numbers([number]).count() == 1
    # A number already registered under the old key is refused for a new member under the new one.
    with pytest.raises(ValidationError):
        services.member_add(actor=None, household=households[0], name="重复", relation="child", id_number=numbers[1])
    call_command("rotate_data_key", "--batch", "2")
    out = capsys.readouterr().out
    assert "households.Member:" in out and "households.Household:" in out and "total:" in out
    call_command("rotate_data_key", "--check")
    assert "total: 0 to rotate" in capsys.readouterr().out
    for h in households:
        assert pii.token_version(_raw_column(Household, h.pk, "phone")) == "2"
        assert pii.token_version(_raw_column(Member, h.members.get().pk, "id_hash")) == "2"
    # The old key can go: everything reads and is found under the new one alone.
    monkeypatch.setenv("RELIEF_DATA_KEY", _key(2, b"the new key"))
    for h, number in zip(households, numbers):
        assert Member.objects.get(household=h).id_number == number
        assert list(members_matching_id(number[-4:]).filter(household=h)) == [h.members.get()]
        assert Household.objects.get(pk=h.pk).phone.startswith("1391234")


def test_rotation_stops_on_a_key_no_longer_configured(demo, monkeypatch):
    make_household(demo.village_a)
    monkeypatch.setenv("RELIEF_DATA_KEY", _key(3, b"unrelated"))
    with pytest.raises(ImproperlyConfigured):
        call_command("rotate_data_key")


def test_production_without_a_data_key_writes_nothing(demo, monkeypatch):
    monkeypatch.delenv("RELIEF_DATA_KEY", raising=False)
    with override_settings(PRODUCTION=True), pytest.raises(ImproperlyConfigured):
        make_household(demo.village_a, head={"id_number": id_number()})
