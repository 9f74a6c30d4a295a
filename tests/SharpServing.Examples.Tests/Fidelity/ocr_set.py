#!/usr/bin/python3
"""Writes the OCR fidelity set into a folder: rendered PNG/JPEG images and set.json, one entry per image with its ground
truth (lines joined with '\n'). Fonts come from Debian's fonts-dejavu-core, fonts-liberation2 and fonts-wqy-zenhei.

usage: ocr_set.py OUT_DIR [PHOTO_DIR]
PHOTO_DIR, when given, holds opencv-doc's imageTextN.png (a scanned book page) and imageTextR.png (the same page
photographed tilted); they join the set with their transcriptions.
"""
import json
import os
import shutil
import sys

from PIL import Image, ImageDraw, ImageFont

DEJAVU = '/usr/share/fonts/truetype/dejavu/'
LIBERATION = '/usr/share/fonts/truetype/liberation2/'
FONTS = {
    'sans': DEJAVU + 'DejaVuSans.ttf',
    'sans-bold': DEJAVU + 'DejaVuSans-Bold.ttf',
    'serif': DEJAVU + 'DejaVuSerif.ttf',
    'mono': DEJAVU + 'DejaVuSansMono.ttf',
    'liberation-sans': LIBERATION + 'LiberationSans-Regular.ttf',
    'liberation-serif': LIBERATION + 'LiberationSerif-Regular.ttf',
    'cjk': '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
}

LONG = 'The committee will review every application before the end of the month.'
PARAGRAPH = [
    'Most of the town was still asleep when the first train',
    'pulled into the station. A few travellers stepped down',
    'onto the platform, looked around for a moment, and then',
    'walked slowly towards the exit with their heavy bags.',
]


def render(lines, font, size, spacing=1.6, margin=None, fg='black', bg='white'):
    """Draws the lines left-aligned, one under the other, `spacing` times the font size apart."""
    face = ImageFont.truetype(FONTS[font], size)
    margin = margin if margin is not None else max(12, size // 2)
    widths = [face.getbbox(line)[2] for line in lines]
    step = round(size * spacing)
    height = 2 * margin + step * (len(lines) - 1) + round(size * 1.25)
    image = Image.new('RGB', (max(widths) + 2 * margin, height), bg)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, font=face, fill=fg)
    return image


def rotate(image, degrees):
    return image.rotate(degrees, resample=Image.BICUBIC, expand=True, fillcolor='white')


def cases():
    # One line at each size, in several fonts.
    yield 'line-sans-14', ['Please close the door when you leave the room.'], render(['Please close the door when you leave the room.'], 'sans', 14)
    yield 'line-serif-18', ['She bought fresh bread and a bottle of milk.'], render(['She bought fresh bread and a bottle of milk.'], 'serif', 18)
    yield 'line-liberation-sans-24', ['The weather is expected to improve by Friday.'], render(['The weather is expected to improve by Friday.'], 'liberation-sans', 24)
    yield 'line-mono-32', ['Keep your receipt for returns.'], render(['Keep your receipt for returns.'], 'mono', 32)
    yield 'line-sans-bold-48', ['Model serving test'], render(['Model serving test'], 'sans-bold', 48)
    yield 'line-liberation-serif-72', ['Open at all times'], render(['Open at all times'], 'liberation-serif', 72)
    yield 'line-long-sans-20', [LONG + ' Late entries cannot be accepted.'], render([LONG + ' Late entries cannot be accepted.'], 'sans', 20)
    # A short line under a longer one, read in the same request.
    for font, size, short in [('sans', 16, 'Model serving test'), ('serif', 24, 'AT ALL TIMES'),
                              ('liberation-sans', 32, 'See you soon'), ('sans-bold', 48, 'Thank you')]:
        lines = [LONG if size < 40 else 'Please keep this door closed', short]
        yield f'two-lines-{font}-{size}', lines, render(lines, font, size)
    # Paragraphs: tight and loose line spacing.
    yield 'paragraph-tight-serif-18', PARAGRAPH, render(PARAGRAPH, 'serif', 18, spacing=1.05)
    yield 'paragraph-tight-liberation-sans-22', PARAGRAPH, render(PARAGRAPH, 'liberation-sans', 22, spacing=1.0)
    yield 'paragraph-loose-sans-20', PARAGRAPH, render(PARAGRAPH, 'sans', 20, spacing=2.2)
    # Digits and punctuation.
    digits = ['Invoice #2024-117: $1,249.50 (due 03/15).', 'Call +1 555 010 4477, ext. 12; ref. A-93/7.']
    yield 'digits-sans-24', digits, render(digits, 'sans', 24)
    yield 'digits-liberation-serif-30', ['Total: 87.5% of 1,024 items, 3:45 pm!'], render(['Total: 87.5% of 1,024 items, 3:45 pm!'], 'liberation-serif', 30)
    # A CJK line and a mixed line.
    cjk = ['今天天气很好，我们去公园散步。', '服务器正在运行 OCR 测试 2024']
    yield 'cjk-wqy-32', cjk, render(cjk, 'cjk', 32)
    # Rotated by a few degrees.
    yield 'rotated-3-sans-24', PARAGRAPH[:3], rotate(render(PARAGRAPH[:3], 'sans', 24), 3)
    yield 'rotated-minus-4-serif-28', ['The library opens at nine.', 'Children under twelve go free.'], rotate(render(['The library opens at nine.', 'Children under twelve go free.'], 'serif', 28), -4)
    yield 'rotated-6-liberation-sans-32', ['Turn left at the bridge'], rotate(render(['Turn left at the bridge'], 'liberation-sans', 32), 6)
    # Light text on a dark background.
    yield 'inverse-sans-28', ['Light text on a dark background'], render(['Light text on a dark background'], 'sans', 28, fg='white', bg='#202830')
    # Upside down (the direction classifier's case).
    yield 'upside-down-sans-32', ['Serving upside down'], render(['Serving upside down'], 'sans', 32).rotate(180)
    lines = ['This page was scanned the wrong way', 'round by mistake']
    yield 'upside-down-two-lines-serif-28', lines, render(lines, 'serif', 28).rotate(180)


PHOTO_TEXT = [
    'technical details are too complex to cover in the book itself.',
    'In teaching our courses, we have found it useful for the students to attempt a number of',
    'small implementation projects, which often build on one another, in order to get them used to',
    'working with real-world images and the challenges that these present. The students are then',
    'asked to choose an individual topic for each of their small-group, final projects. (Sometimes',
    'these projects even turn into conference papers!) The exercises at the end of each chapter',
    'contain numerous suggestions for smaller mid-term projects, as well as more open-ended',
    'problems whose solutions are still active research topics. Wherever possible, I encourage',
    'students to try their algorithms on their own personal photographs, since this better motivates',
    'them, often leads to creative variants on the problems, and better acquaints them with the',
    'variety and complexity of real-world imagery.',
    'In formulating and solving computer vision problems, I have often found it useful to draw',
    'inspiration from three high-level approaches:',
]


def main():
    out = sys.argv[1]
    photos = sys.argv[2] if len(sys.argv) > 2 else None
    os.makedirs(out, exist_ok=True)
    entries = []
    for name, lines, image in cases():
        # One case in ten as JPEG, as a camera or a browser would send it.
        fmt = 'jpg' if name in ('two-lines-serif-24', 'paragraph-loose-sans-20', 'rotated-3-sans-24') else 'png'
        file = f'{name}.{fmt}'
        image.save(os.path.join(out, file), quality=90) if fmt == 'jpg' else image.save(os.path.join(out, file))
        entries.append({'name': name, 'file': file, 'text': '\n'.join(lines), 'upsideDown': name.startswith('upside-down')})
    if photos:
        for name, source in [('photo-page-tight-spacing', 'imageTextN.png'), ('photo-page-tilted', 'imageTextR.png')]:
            shutil.copyfile(os.path.join(photos, source), os.path.join(out, source))
            entries.append({'name': name, 'file': source, 'text': '\n'.join(PHOTO_TEXT), 'upsideDown': False})
    with open(os.path.join(out, 'set.json'), 'w', encoding='utf-8') as f:
        json.dump(entries, f, ensure_ascii=False, indent=1)


main()
