"""Import records and department rows in township 2 (village C): township1 and caseworker_a get 404."""


def _batch(demo):
    from imports.models import ImportBatch, ImportKind, ImportStatus

    return ImportBatch.objects.create(kind=ImportKind.FEED, status=ImportStatus.DONE, jurisdiction=demo.village_c.parent,
                                      created_by=demo.township2, file_name="名单.xlsx", sha256="0" * 64,
                                      feed_kind="unemployed", source_department="社保所")


def _invalid_batch(demo):
    from django.core.files.base import ContentFile

    from imports.models import ImportStatus

    batch = _batch(demo)
    batch.status = ImportStatus.READY
    batch.file.save("sample.csv", ContentFile("姓名,身份证号\n".encode()), save=False)
    batch.errors = [[2, "姓名", "必填"]]
    batch.save()
    return batch


def _lead(demo):
    from imports.models import FeedMatch, FeedRecord

    return FeedRecord.objects.create(batch=_batch(demo), row_number=2, name="王五", id_number="310105198001010013",
                                     match=FeedMatch.UNMATCHED)


OUTSIDE_OBJECT_KWARGS = {
    "imports:detail": lambda demo: {"pk": _batch(demo).pk},
    "imports:progress": lambda demo: {"pk": _batch(demo).pk},
    "imports:confirm": lambda demo: {"pk": _invalid_batch(demo).pk},
    "imports:cancel": lambda demo: {"pk": _invalid_batch(demo).pk},
    "imports:error_report": lambda demo: {"pk": _invalid_batch(demo).pk},
    "imports:lead_review": lambda demo: {"pk": _lead(demo).pk},
}
NOT_JURISDICTIONAL = {
    "imports:template": "blank templates hold no data; the view itself requires the import permission",
}
