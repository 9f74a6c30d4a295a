namespace SharpServing.EndToEnd.Tests.Infrastructure;

/// <summary>The fenced code blocks of a Markdown file, each with its language and the marker comment just before it.</summary>
internal static class Markdown
{
    public sealed record CodeBlock(string File, int Line, string Language, string? Marker, IReadOnlyList<string> Lines)
    {
        public string Text => string.Join('\n', Lines) + "\n";

        public override string ToString() => $"{Path.GetFileName(File)}:{Line}";
    }

    public static IReadOnlyList<CodeBlock> Blocks(string path)
    {
        var lines = File.ReadAllLines(path);
        var blocks = new List<CodeBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }
            var language = lines[i][3..].Trim();
            string? marker = null;
            for (var k = i - 1; k >= 0 && lines[k].Length > 0; k--)
            {
                if (lines[k].StartsWith("<!-- test:", StringComparison.Ordinal))
                {
                    marker = lines[k]["<!-- test:".Length..].Replace("-->", "", StringComparison.Ordinal).Trim();
                    break;
                }
            }
            var body = new List<string>();
            var start = i + 1;
            for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
            {
                body.Add(lines[i]);
            }
            blocks.Add(new CodeBlock(path, start, language, marker, body));
        }
        return blocks;
    }

    /// <summary>The shell commands of a block (continuation lines joined) and the expected output after each (<c># </c> lines).</summary>
    public static IReadOnlyList<(string Command, IReadOnlyList<string> Expected)> Commands(CodeBlock block)
    {
        var commands = new List<(string, IReadOnlyList<string>)>();
        string? command = null;
        var expected = new List<string>();
        var continued = false;
        foreach (var raw in block.Lines)
        {
            if (continued)
            {
                command += "\n" + raw;
                continued = raw.EndsWith('\\');
                continue;
            }
            if (raw.StartsWith('#'))
            {
                if (command is not null)
                {
                    expected.Add(raw.Length > 1 ? raw[2..] : "");
                }
                continue;
            }
            if (raw.Trim().Length == 0)
            {
                continue;
            }
            if (command is not null)
            {
                commands.Add((command, expected));
            }
            command = raw;
            expected = [];
            continued = raw.EndsWith('\\');
        }
        if (command is not null)
        {
            commands.Add((command, expected));
        }
        return commands;
    }
}
