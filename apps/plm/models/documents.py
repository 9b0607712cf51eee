"""Engineering documents (drawings, specifications) attached to an item or to one revision."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel


def document_path(instance: "Document", filename: str) -> str:
    return f"plm/{instance.company_id}/{instance.checksum[:2]}/{instance.checksum}/{filename}"


class Document(CompanyOwnedModel):
    """A file with title, version and SHA-256; a revision's documents freeze when it leaves draft."""

    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="documents")
    revision = models.ForeignKey("plm.Revision", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="documents", help_text="Empty: the document belongs to the item.")
    title = models.CharField(max_length=200)
    version = models.CharField(max_length=20, default="1")
    file = models.FileField(upload_to=document_path, max_length=300)
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    checksum = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["item__number", "title", "-id"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("plm:document_detail", args=[self.pk])

    @property
    def download_name(self) -> str:
        """The file name a download is saved as."""
        return self.file_name or self.file.name.rsplit("/", 1)[-1]
