namespace SharpServing.EndToEnd.Tests.Infrastructure;

/// <summary>Text rendered at test time in black DejaVu Sans on white, with Debian's python3-pil (fonts-dejavu-core).</summary>
internal static class TextImage
{
    private const string Script = """
        import sys
        from PIL import Image, ImageDraw, ImageFont
        path, size, lines = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
        font = ImageFont.truetype('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', size)
        image = Image.new('RGB', (40 + size * max(len(l) for l in lines) * 2 // 3, 40 + 2 * size * len(lines)), 'white')
        draw = ImageDraw.Draw(image)
        for i, line in enumerate(lines):
            draw.text((20, 20 + 2 * size * i), line, font=font, fill='black')
        image.save(path)
        """;

    /// <summary>Writes <paramref name="lines"/> into a PNG file at <paramref name="path"/>.</summary>
    public static async Task RenderAsync(string path, params string[] lines)
    {
        var result = await Tool.RunAsync(RepoPaths.Python, ["-c", Script, path, "32", .. lines]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
