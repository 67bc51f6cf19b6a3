"""Benchmark image uploads and a PDF preview with five large images: before and after the upload checks.

Run: .venv/bin/python bench/images.py. Each measurement runs in a fresh process (peak RSS only grows),
with its own SQLite database and media folder in a temporary directory that is removed at the end.

* before: five 13000×13000 PNGs stored as the old view stored them (untouched), then a preview;
* upload: what the view now does with those five (refused) and with five of the largest images it
  accepts (40 MP), timed one by one;
* after: a preview of an issue with the five images the view stored.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = (13000, 13000)
LARGEST_ACCEPTED = (7300, 5475)  # 39.97 MP, just under BULLETIN_IMAGE_MAX_PIXELS


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def picture(size):
    """A photo-like RGB picture (smooth colour gradients) of `size`."""
    from PIL import Image

    width, height = size
    red = Image.linear_gradient("L").resize(size)
    green = Image.linear_gradient("L").rotate(90).resize(size)
    blue = Image.radial_gradient("L").resize(size)
    image = Image.merge("RGB", (red, green, blue))
    # A few stripes so that it is not a pure gradient.
    for x in range(0, width, max(1, width // 40)):
        image.paste((20, 20, 20), (x, 0, x + max(1, width // 400), height))
    return image


def make(folder):
    """Write the test pictures (in its own process: building them takes memory)."""
    for name, size in (("before.png", BEFORE), ("accepted.png", LARGEST_ACCEPTED)):
        picture(size).save(folder / name, "PNG", compress_level=6)
    picture(LARGEST_ACCEPTED).save(folder / "accepted.jpg", "JPEG", quality=92)


def setup_django(folder):
    os.environ["BULLETIN_VAR_DIR"] = str(folder / "var")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'var' / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulletin_cms.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    if not (folder / "var" / "bench.sqlite3").exists():
        call_command("migrate", verbosity=0)


def editor():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from articles import roles

    user, _ = get_user_model().objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=roles.EDITORS))
    return user


def upload(folder):
    """Post the pictures through the view as a drafter; report status, time and the URLs it answered with."""
    from django.test import Client

    client = Client()
    client.force_login(editor())
    results = []
    for name in ["before.png"] * 5 + ["accepted.png"] * 3 + ["accepted.jpg"] * 2:
        with open(folder / name, "rb") as fh:
            start = time.perf_counter()
            response = client.post("/ckeditor5/image_upload/", {"upload": fh})
            seconds = time.perf_counter() - start
        body = response.json()
        results.append({"file": name, "bytes": (folder / name).stat().st_size, "status": response.status_code,
                        "seconds": seconds, "url": body.get("url"), "message": body.get("error", {}).get("message")})
    return {"uploads": results, "peak_mb": peak_mb()}


def render(folder, urls):
    """A preview of a draft whose one article shows `urls`; time and peak RSS of the process."""
    import datetime

    from PIL import Image

    from articles import services
    from articles.models import Article, Series
    from articles.printing.renderer import IssueRenderer

    sizes = [Image.open(folder / "var" / "media" / url.removeprefix("/media/")).size for url in urls]
    series, _ = Series.objects.get_or_create(name="测试工作信息", defaults={
        "compiling_office": "测试办公室", "issuing_office": "测试办公室综合处"})
    issue = services.issue_create(series=series, actor=editor(), year=2025, issue_date=datetime.date(2025, 3, 1),
                                  print_date=datetime.date(2025, 3, 1))
    body = "".join(f'<p>图{i + 1}：</p><p><img src="{url}"></p>' for i, url in enumerate(urls))
    Article.objects.create(issue=issue, position=1, title="图片测试", body=body)
    rss_before = peak_mb()
    start = time.perf_counter()
    rendered = IssueRenderer(issue, preview=True).render()
    seconds = time.perf_counter() - start
    return {"sizes": sizes, "seconds": seconds, "pages": rendered.pages, "pdf_mb": len(rendered.content) / 2**20,
            "peak_before_render_mb": rss_before, "peak_mb": peak_mb()}


def child(step, folder, *args):
    folder = Path(folder)
    if step == "make":
        make(folder)
        return {}
    setup_django(folder)
    if step == "upload":
        return upload(folder)
    if step == "store-untouched":
        # What the old view did: the file stored as it came.
        media = folder / "var" / "media" / "uploads"
        media.mkdir(parents=True, exist_ok=True)
        urls = []
        for i in range(5):
            (media / f"untouched{i}.png").write_bytes((folder / "before.png").read_bytes())
            urls.append(f"/media/uploads/untouched{i}.png")
        return {"urls": urls}
    if step == "render":
        return render(folder, json.loads(args[0]))
    raise SystemExit(f"unknown step {step}")


def run(*args):
    out = subprocess.run([sys.executable, __file__, *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    print(f"Image upload and preview benchmark — {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run("make", folder)
        urls = run("store-untouched", folder)["urls"]
        before = run("render", folder, json.dumps(urls))
        print(f"before: preview with 5 untouched {BEFORE[0]}×{BEFORE[1]} PNGs "
              f"({(folder / 'before.png').stat().st_size / 2**20:.1f} MB each): {before['seconds']:.1f} s, "
              f"{before['pages']} pages, PDF {before['pdf_mb']:.1f} MB, peak RSS {before['peak_mb']:.0f} MB "
              f"(before rendering {before['peak_before_render_mb']:.0f} MB)")

        uploaded = run("upload", folder)
        for item in uploaded["uploads"]:
            outcome = f"→ {item['status']} {item['message'] or item['url']}"
            print(f"upload {item['file']:<13} {item['bytes'] / 2**20:5.1f} MB  {item['seconds']:.2f} s  {outcome}")
        print(f"upload process peak RSS {uploaded['peak_mb']:.0f} MB")

        stored = [item["url"] for item in uploaded["uploads"] if item["status"] == 200][:5]
        after = run("render", folder, json.dumps(stored))
        sizes = ", ".join(f"{w}×{h}" for w, h in after["sizes"])
        print(f"after: preview with the 5 images the view stored ({sizes}): {after['seconds']:.1f} s, "
              f"{after['pages']} pages, PDF {after['pdf_mb']:.1f} MB, peak RSS {after['peak_mb']:.0f} MB "
              f"(before rendering {after['peak_before_render_mb']:.0f} MB)")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(child(*sys.argv[1:])))
    else:
        main()
