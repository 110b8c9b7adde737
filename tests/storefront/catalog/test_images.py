"""Product pictures: real images within limits are stored in the store's folder; anything else is refused whole."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from storefront.catalog.models import ProductImage
from storefront.catalog.services import add_product_image, delete_product_image, update_product_image

from .factories import decompression_bomb, make_product, png, png_claiming

TWENTY_MB = 20 * 1024 * 1024


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_a_picture_is_stored_under_the_store_folder_with_a_name_from_its_real_format(store_a, media):
    product = make_product(store_a, title="Lantern")
    with schema_context(store_a.schema_name):
        image = add_product_image(
            product=product, file=ContentFile(png(120, 80), name="lantern.html"), alt_text="  A lantern  "
        )
        image.refresh_from_db()
        assert (image.width, image.height, image.alt_text, image.position) == (120, 80, "A lantern", 1)
        assert image.image.name == "products/lantern.png"
        assert image.image.url == f"/media/{store_a.schema_name}/products/lantern.png"
        assert _files(media) == [media / store_a.schema_name / "products" / "lantern.png"]
        second = add_product_image(product=product, file=ContentFile(png(), name="b.png"))
        assert second.position == 2 and product.cover == image
        update_product_image(image=second, position=0)
        assert ProductImage.objects.get(pk=second.pk).position == 0
        delete_product_image(image=image)
        assert not ProductImage.objects.filter(pk=image.pk).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (png() + b"\0" * TWENTY_MB, "The image is 20.0 MB; the limit is 10 MB."),
        (b"", "The file is empty."),
        (b"just some text, not a picture", "The file is not an image we can read."),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "The file is not an image we can read."),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "The file is not an image we can read."),
        (png()[:40], "The file is not an image we can read."),
        (png_claiming(8000, 6000), "The image is 8000 x 6000 pixels (48 megapixels); the limit is 40 megapixels."),
        (decompression_bomb(), "The image has far too many pixels for its file size (a decompression bomb)"),
    ],
    ids=["20 MB", "empty", "text", "svg", "pdf", "truncated", "48 megapixels", "decompression bomb"],
)
def test_bad_uploads_are_refused_with_a_clear_message_and_leave_nothing(store_a, media, data, message):
    product = make_product(store_a, title="Refused")
    with schema_context(store_a.schema_name):
        with pytest.raises(ValidationError) as caught:
            add_product_image(product=product, file=ContentFile(data, name="upload.png"))
        assert list(caught.value.message_dict) == ["image"]
        assert caught.value.message_dict["image"][0].startswith(message)
        assert not ProductImage.objects.filter(product=product).exists()
    assert _files(media) == []


def test_a_gif_and_a_webp_and_a_jpeg_are_accepted(store_a, media):
    import io

    from PIL import Image

    product = make_product(store_a, title="Formats")
    with schema_context(store_a.schema_name):
        for image_format, extension in (("GIF", "gif"), ("WEBP", "webp"), ("JPEG", "jpg")):
            buffer = io.BytesIO()
            Image.new("RGB", (30, 20), (1, 2, 3)).save(buffer, format=image_format)
            stored = add_product_image(product=product, file=ContentFile(buffer.getvalue(), name="x.bin"))
            assert stored.image.name.endswith(f".{extension}")
