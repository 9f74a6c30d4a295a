using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpServing.Engine;
using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.Tests.Rest;

/// <summary>
/// The single-pass numeric path must agree with the reference path (the specified check order) on every array: same
/// tensor when it accepts, and it must accept every regular numeric array.
/// </summary>
public sealed class JsonArrayParserTests
{
    [Fact]
    public void FastPath_AgreesWithReferencePath_OnRandomArrays()
    {
        var random = new Random(20240611);
        int accepted = 0, rejected = 0;
        for (var i = 0; i < 3000; i++)
        {
            var json = Encoding.UTF8.GetBytes(RandomArray(random, mutate: random.Next(2) == 0).ToJsonString());

            var reader = new Utf8JsonReader(json);
            reader.Read();
            var fast = JsonArrayParser.TryParseNumeric(ref reader, out var fastTensor);

            RequestInput? reference = null;
            string? referenceError = null;
            using (var document = JsonDocument.Parse(json))
            {
                try
                {
                    reference = JsonArrayParser.ParseChecked(document.RootElement);
                }
                catch (RestParseException e)
                {
                    referenceError = e.Message;
                }
            }

            var text = Encoding.UTF8.GetString(json);
            if (fast)
            {
                accepted++;
                Assert.True(referenceError is null, $"{text}: fast path accepted, reference says {referenceError}");
                Assert.Equal(reference!.Value.Tensor, fastTensor);
                Assert.Equal(json.Length, (int)reader.BytesConsumed);
            }
            else
            {
                rejected++;
                var numeric = reference?.Tensor is { } t && t.DataType is DataType.Int32 or DataType.Float32 or DataType.Bool;
                Assert.False(numeric, $"{text}: a regular numeric array left the fast path");
            }
        }
        Assert.True(accepted > 500 && rejected > 500, $"accepted {accepted}, rejected {rejected}");
    }

    [Fact]
    public void Parse_LeavesReaderAfterTheArray()
    {
        var json = "{\"x\":[[1,2],[3,4]],\"y\":[[1,2],[3]],\"z\":5}"u8.ToArray();
        var reader = new Utf8JsonReader(json);
        reader.Read();
        reader.Read();
        reader.Read();

        var x = JsonArrayParser.Parse(ref reader, json);
        Assert.Equal(JsonTokenType.EndArray, reader.TokenType);
        reader.Read();
        Assert.True(reader.ValueTextEquals("y"));
        reader.Read();
        string? error = null;
        try
        {
            JsonArrayParser.Parse(ref reader, json);
        }
        catch (RestParseException e)
        {
            error = e.Message;
        }
        Assert.Equal("invalid json array: json size is 1, the dim 1 expected to be 2", error);

        Assert.Equal([2L, 2L], x.Tensor!.Dims);
    }

    private static JsonNode RandomArray(Random random, bool mutate)
    {
        var rank = random.Next(1, 4);
        var dims = Enumerable.Range(0, rank).Select(_ => random.Next(1, 4)).ToArray();
        var kind = random.Next(3);
        var array = Build(random, dims, 0, kind);
        if (mutate)
        {
            Mutate(random, array, random.Next(6));
        }
        return array;
    }

    private static JsonArray Build(Random random, int[] dims, int depth, int kind)
    {
        var array = new JsonArray();
        for (var i = 0; i < dims[depth]; i++)
        {
            array.Add(depth + 1 < dims.Length ? Build(random, dims, depth + 1, kind) : Leaf(random, kind));
        }
        return array;
    }

    private static JsonNode? Leaf(Random random, int kind) => kind switch
    {
        0 => JsonValue.Create(random.Next(-1000, 1000)),
        1 => JsonValue.Create(random.Next(-1000, 1000) + 0.25),
        2 => JsonValue.Create(random.Next(2) == 0),
        3 => JsonValue.Create("s"),
        4 => null,
        5 => new JsonObject { ["b64"] = "QUJD" },
        _ => new JsonArray(),
    };

    private static void Mutate(Random random, JsonArray root, int mutation)
    {
        // Walk to a random array, then change one of its elements or its length.
        var array = root;
        while (array.Count > 0 && array[0] is JsonArray && random.Next(2) == 0)
        {
            array = (JsonArray)array[random.Next(array.Count)]!;
        }
        var index = random.Next(array.Count);
        switch (mutation)
        {
            case 0:
                array[index] = Leaf(random, random.Next(7));
                break;
            case 1:
                array.RemoveAt(index);
                break;
            case 2:
                array.Add(array[index]?.DeepClone());
                break;
            case 3:
                array[index] = new JsonArray(Leaf(random, random.Next(3)));
                break;
            case 4:
                array.Insert(index, Leaf(random, random.Next(7)));
                break;
            default:
                array[index] = new JsonArray();
                break;
        }
    }
}
