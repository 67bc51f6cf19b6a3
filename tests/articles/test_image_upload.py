"""Image uploads cannot take the site down: bad requests answer 400, what is kept is made fit for print."""

import io
from urllib.parse import unquote

import pytest
from django.test import Client, RequestFactory
from django.views.static import serve
from PIL import ExifTags, Image

from articles.content import images
from articles.printing import renderer
from tests.factories import editor, leader, nobody

pytestmark = pytest.mark.django_db

URL = "/ckeditor5/image_upload/"


def _file(content, name):
    buffer = io.BytesIO(content)
    buffer.name = name
    return buffer


def _image(size, fmt, *, mode="RGB", name=None, **save):
    buffer = io.BytesIO()
    Image.new(mode, size, "white" if mode != "1" else 1).save(buffer, fmt, **save)
    return _file(buffer.getvalue(), name or f"picture.{fmt.lower()}")


def _photo_with_orientation_and_gps():
    """A 4000×3000 camera JPEG stored sideways (EXIF orientation 6: turn 90° clockwise), with GPS and a comment."""
    photo = Image.new("RGB", (4000, 3000), "white")
    photo.paste((255, 0, 0), (0, 0, 2000, 3000))  # left half red: after turning, the top half
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "测试相机"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (30.0, 39.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (104.0, 4.0, 0.0),
    })
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", exif=exif, comment=b"office desk", quality=90)
    return _file(buffer.getvalue(), "IMG_0001.JPG")


def _bomb():
    """A 20000×20000 1-bit PNG: about 50 KB on the wire, 400 megapixels once decoded."""
    return _image((20000, 20000), "PNG", mode="1", name="bomb.png")


@pytest.fixture
def drafter(client):
    client.force_login(editor())
    return client


def _stored(settings, response):
    """The stored file behind the URL the upload answered with."""
    assert response.status_code == 200, response.content
    url = response.json()["url"]
    assert url.startswith(f"{settings.MEDIA_URL}uploads/")
    return settings.MEDIA_ROOT / unquote(url[len(settings.MEDIA_URL):])


def _refused(response, status=400):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]["message"]


def test_the_print_width_is_300_dpi_across_the_type_area():
    assert images.PRINT_WIDTH_PX == 1843 == round(renderer.TYPE_AREA_WIDTH_PT / 72 * 300)


def test_a_decompression_bomb_is_refused_with_the_pixel_limit_and_nothing_is_stored(drafter, settings):
    message = _refused(drafter.post(URL, {"upload": _bomb()}))
    assert message == "图片像素过多（最多 40 百万像素），请缩小图片尺寸后重新上传。"
    assert not (settings.MEDIA_ROOT / "uploads").exists()


def test_pillows_own_bomb_error_is_a_refusal_too_when_the_limit_is_set_above_it(drafter, settings):
    settings.BULLETIN_IMAGE_MAX_PIXELS = 1_000_000_000
    assert "百万像素" in _refused(drafter.post(URL, {"upload": _bomb()}))


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_pillows_bomb_warning_raised_as_an_error_is_a_refusal_too(drafter, settings):
    settings.BULLETIN_IMAGE_MAX_PIXELS = 1_000_000_000
    upload = _image((13000, 13000), "PNG", mode="1")
    assert "百万像素" in _refused(drafter.post(URL, {"upload": upload}))


def test_an_image_just_over_the_pixel_limit_is_refused(drafter, settings):
    settings.BULLETIN_IMAGE_MAX_PIXELS = 1_000_000
    assert "最多 1 百万像素" in _refused(drafter.post(URL, {"upload": _image((1001, 1000), "PNG", mode="1")}))
    assert drafter.post(URL, {"upload": _image((1000, 1000), "PNG", mode="1")}).status_code == 200


def test_a_request_without_the_file_field_is_refused(drafter):
    assert _refused(drafter.post(URL, {"image": _image((8, 8), "PNG")})) == "没有收到图片，请选择图片文件后重试。"


def test_a_request_that_is_not_multipart_is_refused(drafter):
    assert "没有收到图片" in _refused(drafter.post(URL, b"\x89PNG...", content_type="image/png"))
    assert "没有收到图片" in _refused(drafter.post(URL, {"upload": "text"}, content_type="application/json"))


def test_a_broken_multipart_body_is_refused(drafter):
    body = b"--frontier\r\nContent-Disposition: form-data; name=upload; filename=a.png\r\n"
    response = drafter.post(URL, body, content_type="multipart/form-data; boundary=")
    assert "没有收到图片" in _refused(response)


def test_an_empty_file_is_refused(drafter):
    assert _refused(drafter.post(URL, {"upload": _file(b"", "empty.png")})) == "文件为空。"


@pytest.mark.parametrize("content", [
    b"not an image at all",
    b"%PDF-1.7\n%%EOF\n",
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
])
def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(drafter, content):
    message = _refused(drafter.post(URL, {"upload": _file(content, "photo.png")}))
    assert message == "文件不是 PNG、JPEG、GIF 或 WebP 图片，或者文件已损坏。"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_an_image_in_another_format_is_refused_even_named_png(drafter, fmt):
    upload = _image((8, 8), fmt, name="photo.png")
    assert "PNG、JPEG、GIF 或 WebP" in _refused(drafter.post(URL, {"upload": upload}))


def test_an_image_cut_off_in_its_header_is_refused(drafter):
    # A file cut off later is accepted with the missing rows filled in: WeasyPrint sets Pillow's
    # process-wide LOAD_TRUNCATED_IMAGES (docs/pdf.md, "Images").
    for fmt in ("PNG", "JPEG", "GIF", "WEBP"):
        whole = _image((600, 400), fmt).getvalue()
        assert "已损坏" in _refused(drafter.post(URL, {"upload": _file(whole[:20], "cut.img")})), fmt


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(drafter, settings):
    assert settings.BULLETIN_IMAGE_MAX_BYTES == 10 * 2**20
    oversize = _file(b"\x89PNG\r\n\x1a\n" + bytes(settings.BULLETIN_IMAGE_MAX_BYTES), "big.png")
    assert _refused(drafter.post(URL, {"upload": oversize})) == "图片超过 10 MB，请上传较小的图片。"


def test_a_camera_photo_is_turned_upright_scaled_to_print_width_and_stripped_of_exif(drafter, settings):
    stored = _stored(settings, drafter.post(URL, {"upload": _photo_with_orientation_and_gps()}))
    assert stored.suffix == ".jpg"
    content = stored.read_bytes()
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        # 3000×4000 once upright, scaled to 1843 wide with its aspect ratio.
        assert image.size == (1843, 2457)
        assert not image.getexif()
        assert "exif" not in image.info and "comment" not in image.info
        top, bottom = image.getpixel((921, 300)), image.getpixel((921, 2150))
    assert top[0] > 200 and top[1] < 60, top  # red on top: the orientation was applied
    assert min(bottom) > 200, bottom
    assert b"Exif" not in content and "测试相机".encode() not in content and b"office desk" not in content


@pytest.mark.parametrize("fmt, mode", [("PNG", "RGB"), ("PNG", "P"), ("JPEG", "RGB"), ("WEBP", "RGB"), ("GIF", "P")])
def test_a_wide_image_keeps_its_format_and_aspect_ratio(drafter, settings, fmt, mode):
    stored = _stored(settings, drafter.post(URL, {"upload": _image((3000, 1000), fmt, mode=mode)}))
    with Image.open(stored) as image:
        assert image.format == fmt
        assert image.size == (1843, 614)


def test_a_small_image_keeps_its_size(drafter, settings):
    stored = _stored(settings, drafter.post(URL, {"upload": _image((800, 600), "PNG")}))
    with Image.open(stored) as image:
        assert (image.format, image.size) == ("PNG", (800, 600))


def test_the_stored_name_follows_the_content_not_the_upload_name(drafter, settings):
    stored = _stored(settings, drafter.post(URL, {"upload": _image((8, 8), "PNG", name="photo.jpg")}))
    assert stored.suffix == ".png"


def test_png_text_chunks_are_not_kept(drafter, settings):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "张三")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>secret</x:xmpmeta>")
    stored = _stored(settings, drafter.post(URL, {"upload": _image((50, 50), "PNG", pnginfo=info)}))
    content = stored.read_bytes()
    assert b"Author" not in content and b"xmpmeta" not in content


def test_an_animated_gif_keeps_its_first_frame_only(drafter, settings):
    frames = [Image.new("P", (40, 30), colour) for colour in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    stored = _stored(settings, drafter.post(URL, {"upload": _file(buffer.getvalue(), "anim.gif")}))
    with Image.open(stored) as image:
        assert (image.format, image.size, getattr(image, "n_frames", 1)) == ("GIF", (40, 30), 1)


def test_the_returned_url_serves_the_stored_image(drafter, settings):
    url = drafter.post(URL, {"upload": _image((300, 200), "JPEG")}).json()["url"]
    # What nginx's /media/ alias (and runserver in DEBUG) does with the URL.
    response = serve(RequestFactory().get(url), url[len(settings.MEDIA_URL):], document_root=settings.MEDIA_ROOT)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
        assert image.size == (300, 200)


@pytest.mark.parametrize("who", [leader, nobody])
def test_only_drafters_may_upload(client, settings, who):
    client.force_login(who())
    assert _refused(client.post(URL, {"upload": _image((8, 8), "PNG")}), 403) == "您没有上传图片的权限。"
    assert not (settings.MEDIA_ROOT / "uploads").exists()


def test_an_anonymous_upload_is_refused(client):
    assert _refused(client.post(URL, {"upload": _image((8, 8), "PNG")}), 403)


def test_uploads_are_post_only_and_need_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor())
    assert client.get(URL).status_code == 405
    assert client.post(URL, {"upload": _image((8, 8), "PNG")}).status_code == 403
