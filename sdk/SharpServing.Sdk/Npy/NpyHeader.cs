using System.Globalization;
using System.Text;

namespace SharpServing;

/// <summary>
/// The header of a <c>.npy</c> file: a Python dict literal such as
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }</c>.
/// </summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape)
{
    /// <summary>Parses the dict literal; the format is fixed by numpy, so this accepts only what numpy writes.</summary>
    public static NpyHeader Parse(string text)
    {
        var parser = new Parser(text);
        string? descr = null;
        bool? fortran = null;
        long[]? shape = null;
        parser.Expect('{');
        while (!parser.TryTake('}'))
        {
            var key = parser.ReadString();
            parser.Expect(':');
            switch (key)
            {
                case "descr":
                    if (parser.Peek() != '\'' && parser.Peek() != '"')
                    {
                        throw new InvalidDataException(
                            "The .npy file holds a structured (record) dtype; only plain numeric, bool and string dtypes are supported.");
                    }
                    descr = parser.ReadString();
                    break;
                case "fortran_order":
                    fortran = parser.ReadBool();
                    break;
                case "shape":
                    shape = parser.ReadShape();
                    break;
                default:
                    throw new InvalidDataException($"The .npy header has an unknown key '{key}'.");
            }
            if (!parser.TryTake(','))
            {
                parser.Expect('}');
                break;
            }
        }
        if (descr is null || fortran is null || shape is null)
        {
            throw new InvalidDataException($"The .npy header lacks 'descr', 'fortran_order' or 'shape': {text.Trim()}");
        }
        return new NpyHeader(descr, fortran.Value, shape);
    }

    /// <summary>The dict literal as numpy writes it (without padding).</summary>
    public string Format()
    {
        var sb = new StringBuilder("{'descr': '").Append(Descr).Append("', 'fortran_order': ")
            .Append(FortranOrder ? "True" : "False").Append(", 'shape': (");
        for (var i = 0; i < Shape.Length; i++)
        {
            sb.Append(Shape[i].ToString(CultureInfo.InvariantCulture)).Append(Shape.Length == 1 ? "," : i + 1 < Shape.Length ? ", " : "");
        }
        return sb.Append("), }").ToString();
    }

    private ref struct Parser(string text)
    {
        private int _pos;

        public char Peek()
        {
            SkipSpace();
            return _pos < text.Length ? text[_pos] : '\0';
        }

        public bool TryTake(char c)
        {
            if (Peek() == c)
            {
                _pos++;
                return true;
            }
            return false;
        }

        public void Expect(char c)
        {
            if (!TryTake(c))
            {
                throw Bad($"expected '{c}'");
            }
        }

        public string ReadString()
        {
            var quote = Peek();
            if (quote is not ('\'' or '"'))
            {
                throw Bad("expected a quoted string");
            }
            var end = text.IndexOf(quote, _pos + 1);
            if (end < 0)
            {
                throw Bad("unterminated string");
            }
            var value = text[(_pos + 1)..end];
            _pos = end + 1;
            return value;
        }

        public bool ReadBool()
        {
            Peek();
            if (string.CompareOrdinal(text, _pos, "True", 0, 4) == 0)
            {
                _pos += 4;
                return true;
            }
            if (string.CompareOrdinal(text, _pos, "False", 0, 5) == 0)
            {
                _pos += 5;
                return false;
            }
            throw Bad("expected True or False");
        }

        public long[] ReadShape()
        {
            Expect('(');
            var dims = new List<long>();
            while (!TryTake(')'))
            {
                Peek();
                var start = _pos;
                while (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
                {
                    _pos++;
                }
                if (_pos == start || !long.TryParse(text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out var dim))
                {
                    throw Bad("expected a dimension");
                }
                // Python 2 wrote longs with an 'L' suffix.
                if (_pos < text.Length && text[_pos] == 'L')
                {
                    _pos++;
                }
                dims.Add(dim);
                if (!TryTake(','))
                {
                    Expect(')');
                    break;
                }
            }
            return [.. dims];
        }

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }

        private readonly InvalidDataException Bad(string what)
            => new($"The .npy header is malformed at offset {_pos} ({what}): {text.Trim()}");
    }
}
