"""Refusing an oversized upload while it is received, not after it is stored.

`LimitedUploadHandler` (settings.FILE_UPLOAD_HANDLERS, first) counts the bytes of each
uploaded file on the import paths and stops the upload the moment it passes the limit
(spreadsheet.Limits.upload_bytes): Django then drops the rest of the request body
unread into memory or disk, and the view finds `request.upload_refused` set and answers
with a clear message (413 in the API). Other paths are not limited here.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from .spreadsheet import Limits

# The import pages and API endpoints (documents.urls, documents.api).
LIMITED_PATHS = ("/documents/import/", "/api/documents/imports/")


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        path = getattr(request, "path", "") or ""
        self.limit = Limits.from_settings().upload_bytes if path.startswith(LIMITED_PATHS) else 0

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        if self.limit and content_length and content_length > self.limit:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        if self.limit and start + len(raw_data) > self.limit:
            self._refuse()
        return raw_data  # the next handler (memory or temporary file) keeps it

    def file_complete(self, file_size):
        return None  # the next handler makes the file

    def _refuse(self):
        self.request.upload_refused = self.limit
        raise StopUpload(connection_reset=False)


def refused(request) -> int:
    """The limit an upload of this request went over, or 0."""
    return getattr(request, "upload_refused", 0)
