"""Work of this app that leaves the request, on Django's task framework (see docs/mail.md for the queue)."""

from django_tasks import task


@task()
def build_bound_volume(volume_pk):
    """Bind the 合订本 `volume_pk` (articles/volume.py); its row shows the progress and how it ended."""
    from articles.models import BoundVolume
    from articles.volume import volume_build

    volume = BoundVolume.objects.select_related("series").get(pk=volume_pk)
    volume_build(volume=volume)
    volume.refresh_from_db()
    return {"status": volume.status, "pages": volume.pages}
