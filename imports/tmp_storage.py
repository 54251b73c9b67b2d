"""Where the Django admin's import (django-import-export) keeps an upload between preview and confirm.

Its default keeps it in the system temp folder and never deletes a file whose import was not
confirmed. These are the same spreadsheets of ID numbers as the app's own uploads: kept in private
storage under MEDIA_ROOT, and expired with them (`imports.services.admin_import_files_expire`).
"""
from import_export.tmp_storages import MediaStorage

ADMIN_IMPORT_FOLDER = "imports/admin-uploads"


class PrivateImportStorage(MediaStorage):
    """django-import-export's MediaStorage (the default storage, i.e. private MEDIA_ROOT) in our folder."""

    def get_full_path(self):
        return f"{ADMIN_IMPORT_FOLDER}/{self.name}"
