"""Encoding pictures (JPEG from the buffer in place, our PNG writer) and finding what
changed."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from notewire.canvas import encode as enc


def picture(width: int = 64, height: int = 48, channels: int = 4) -> np.ndarray:
    rng = np.random.default_rng(1)
    shape = (height, width, channels) if channels > 1 else (height, width)
    pixels = rng.integers(0, 256, shape, dtype=np.uint8)
    if channels == 4:
        pixels[:, :, 3] = 255
    return pixels


def decoded(data: bytes | memoryview) -> np.ndarray:
    with Image.open(io.BytesIO(bytes(data))) as image:
        return np.asarray(image)


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_png_round_trips_exactly(channels: int) -> None:
    pixels = picture(channels=channels)
    assert np.array_equal(decoded(enc.encode_png(pixels, enc.full_rect(pixels))), pixels)


def test_png_of_a_rectangle() -> None:
    pixels = picture()
    rect = (5, 7, 20, 10)
    got = decoded(enc.encode_png(pixels, rect))
    assert np.array_equal(got, pixels[7:17, 5:25])


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_jpeg_is_close_and_ignores_alpha(channels: int) -> None:
    pixels = np.zeros((40, 60, channels) if channels > 1 else (40, 60), np.uint8)
    pixels[...] = 200
    got = decoded(enc.encode_jpeg(pixels, enc.full_rect(pixels)))
    assert got.shape[:2] == (40, 60)
    assert np.abs(got.astype(int) - 200).max() <= 3


def test_jpeg_of_a_rectangle_has_its_size() -> None:
    pixels = picture(100, 80)
    got = decoded(enc.encode_jpeg(pixels, (10, 20, 30, 40)))
    assert got.shape[:2] == (40, 30)


def test_jpeg_reads_the_rgba_buffer_in_place() -> None:
    pixels = picture(32, 32)
    mapped = Image.frombuffer("RGBX", (32, 32), pixels, "raw", "RGBX", 0, 1)
    pixels[0, 0, :3] = (1, 2, 3)  # a change to the array is visible through the image
    assert mapped.getpixel((0, 0))[:3] == (1, 2, 3)


def test_as_pixels_takes_arrays_as_they_are_and_refuses_others() -> None:
    pixels = picture()
    assert enc.as_pixels(pixels) is pixels
    assert enc.as_pixels(pixels[:, :, :1]).shape == (48, 64)
    strided = enc.as_pixels(pixels[:, ::2])
    assert strided.flags.c_contiguous and strided.shape == (48, 32, 4)
    with pytest.raises(ValueError, match="uint8"):
        enc.as_pixels(np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match="got shape"):
        enc.as_pixels(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ValueError, match="empty"):
        enc.as_pixels(np.zeros((0, 4), np.uint8))


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_changed_rect_is_the_bounding_box_of_the_difference(channels: int) -> None:
    before = picture(channels=channels)
    after = before.copy()
    assert enc.changed_rect(after, before) is None
    after[10, 3] = 0 if before[10, 3].all() else 255
    after[20, 40] = 0 if before[20, 40].all() else 255
    assert enc.changed_rect(after, before) == (3, 10, 38, 11)


def test_rect_helpers() -> None:
    assert enc.union(None, (1, 1, 2, 2)) == (1, 1, 2, 2)
    assert enc.union((0, 0, 2, 2), (5, 5, 1, 1)) == (0, 0, 6, 6)
    assert enc.clip((-5, -5, 10, 10), 4, 4) == (0, 0, 4, 4)
    assert enc.clip((10, 10, 5, 5), 4, 4) is None
    assert enc.area((0, 0, 3, 4)) == 12
    assert enc.is_opaque(picture())
    transparent = picture()
    transparent[0, 0, 3] = 0
    assert not enc.is_opaque(transparent)
