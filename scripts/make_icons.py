"""Draw the app's icons (home screen, install prompt, favicon) into static/icons/ with Pillow.

The icon is the letters "KIM" in white on the navigation bar's blue; the maskable variant keeps
the letters inside the safe zone (the inner 80 %) that launchers may crop to. Run again after a
change of colour or text; the PNG and ICO files are committed.

    .venv/bin/python scripts/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
BLUE = (13, 110, 253)  # Bootstrap's primary, the navigation bar
WHITE = (255, 255, 255)


def draw(size: int, *, text_share: float, rounded: bool) -> Image.Image:
    """A square icon of ``size`` pixels whose letters span ``text_share`` of its width."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    canvas = ImageDraw.Draw(image)
    if rounded:
        canvas.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=BLUE)
    else:
        canvas.rectangle((0, 0, size, size), fill=BLUE)
    font_size = size
    font = ImageFont.load_default(size=font_size)
    while font_size > 4:
        font = ImageFont.load_default(size=font_size)
        left, top, right, bottom = canvas.textbbox((0, 0), "KIM", font=font)
        if right - left <= size * text_share:
            break
        font_size -= 2
    left, top, right, bottom = canvas.textbbox((0, 0), "KIM", font=font)
    x = (size - (right - left)) / 2 - left
    y = (size - (bottom - top)) / 2 - top
    canvas.text((x, y), "KIM", font=font, fill=WHITE)
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, text_share=0.72, rounded=True).save(OUT / f"icon-{size}.png", optimize=True)
    draw(512, text_share=0.56, rounded=False).save(OUT / "icon-maskable-512.png", optimize=True)
    draw(180, text_share=0.66, rounded=False).convert("RGB").save(
        OUT / "apple-touch-icon.png", optimize=True
    )
    draw(64, text_share=0.86, rounded=True).save(
        OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64)]
    )
    draw(32, text_share=0.86, rounded=True).save(OUT / "favicon-32.png", optimize=True)


if __name__ == "__main__":
    main()
