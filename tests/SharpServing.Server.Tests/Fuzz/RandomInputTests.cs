using SharpServing.Fuzz;

namespace SharpServing.Server.Tests.Fuzz;

/// <summary>
/// A bounded, repeatable stand-in for afl-fuzz in the test run: each fuzzing target (tools/SharpServing.Fuzz) gets
/// 20,000 inputs mutated from its seed corpus with a fixed seed, and must answer each with a documented error or a
/// result, never another exception (the targets let only their documented exceptions pass).
/// </summary>
public sealed class RandomInputTests
{
    private const int Inputs = 20_000;
    private const int MaxInputLength = 16 * 1024;

    private static readonly byte[][] s_tokens =
    [
        .. new[]
        {
            "{", "}", "[", "]", "\"", ",", ":", "null", "true", "1e999", "-1e999", "123456789012345678901234567890", "-0", "1.5",
            "\"instances\"", "\"b64\"", "\"type\"", "\"shape\"", "\"str\"", "\"fp16\"", "\"int64\"", "\"AAAA\"", "\\u0000", "\\ud800",
            "/model/", "/version/", ":", "?", "4294967295", "'descr': '<f4'", "'shape': (", "'fortran_order': True", "\"servables\"",
            "\"device_ids\"", "\"name\"", "\"dec_key\"", "IHDR", "IDAT", "IEND",
            "\"inputs\"", "\"datatype\"", "\"BYTES\"", "\"FP16\"", "\"binary_data_size\"", "\"binary_data_output\"", "\"data\"",
        }.Select(System.Text.Encoding.UTF8.GetBytes),
        [0x00], [0xFF], [0x80], [0xC0, 0x80], [0xFF, 0xD8, 0xFF], [0xFF, 0xD9], [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'],
        [0x7F, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0x7F], [0x00, 0x00, 0x00, 0x80],
    ];

    public static TheoryData<string> Targets() => [.. FuzzTargets.Names];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Mutated_seed_inputs_get_documented_errors_only(string target)
    {
        var seeds = Seeds(target);
        var random = new Random(20261206 + target.Length);
        for (var i = 0; i < Inputs; i++)
        {
            var input = i % 10 == 9 ? RandomBytes(random) : Mutate(random, seeds[random.Next(seeds.Length)], seeds);
            try
            {
                FuzzTargets.Run(target, input);
            }
            catch (Exception e)
            {
                Assert.Fail($"{target} input {i} ({input.Length} bytes, base64 {Convert.ToBase64String(input.AsSpan(0, Math.Min(input.Length, 4096)))}) threw {e}");
            }
        }
    }

    [Fact]
    public void Every_seed_is_accepted_by_its_target()
    {
        foreach (var target in FuzzTargets.Names)
        {
            foreach (var seed in Seeds(target))
            {
                FuzzTargets.Run(target, seed);
            }
        }
    }

    private static byte[][] Seeds(string target)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "corpus", target);
        Assert.True(Directory.Exists(folder), $"The seed corpus {folder} is missing (tools/SharpServing.Fuzz copies it to the output).");
        var seeds = Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        Assert.NotEmpty(seeds);
        return seeds;
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 256)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>One to eight stacked mutations, like afl-fuzz's havoc stage: flips, writes, inserts, deletes, copies, splices.</summary>
    private static byte[] Mutate(Random random, byte[] seed, byte[][] seeds)
    {
        var data = new List<byte>(seed);
        var rounds = 1 << random.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(8))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = (byte)random.Next(256);
                    break;
                case 2:
                    data.InsertRange(at, s_tokens[random.Next(s_tokens.Length)]);
                    break;
                case 3 when data.Count > 0:
                    data.RemoveRange(at, random.Next(1, Math.Min(32, data.Count - at) + 1));
                    break;
                case 4 when data.Count > 0:
                    var length = random.Next(1, Math.Min(64, data.Count - at) + 1);
                    var copy = data.GetRange(at, length);
                    for (var k = random.Next(1, 5); k > 0; k--)
                    {
                        data.InsertRange(random.Next(data.Count + 1), copy);
                    }
                    break;
                case 5:
                    var other = seeds[random.Next(seeds.Length)];
                    var from = random.Next(other.Length);
                    data.RemoveRange(at, data.Count - at);
                    data.AddRange(other.AsSpan(from).ToArray());
                    break;
                case 6 when data.Count > 0:
                    var token = s_tokens[random.Next(s_tokens.Length)];
                    for (var k = 0; k < token.Length && at + k < data.Count; k++)
                    {
                        data[at + k] = token[k];
                    }
                    break;
                default:
                    data.Insert(at, (byte)random.Next(256));
                    break;
            }
            if (data.Count > MaxInputLength)
            {
                data.RemoveRange(MaxInputLength, data.Count - MaxInputLength);
            }
        }
        return [.. data];
    }
}
