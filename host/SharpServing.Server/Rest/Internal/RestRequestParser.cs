using System.Text.Json;
using System.Text.Unicode;
using SharpServing.Engine;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// Turns a request body into instances (specification 6.3 to 6.5) in one pass of a <see cref="Utf8JsonReader"/>.
/// The whole body is always read to its end, so a JSON syntax error anywhere wins over a request error, and the
/// <c>instances</c> key count (duplicates included) wins over errors inside its value.
/// </summary>
internal static class RestRequestParser
{
    /// <summary>Deep enough for any tensor a client sends; the reader refuses deeper documents as illegal JSON.</summary>
    public const int MaxDepth = 256;

    private static readonly JsonReaderOptions s_options = new() { MaxDepth = MaxDepth };

    public static RestParseResult Parse(ReadOnlyMemory<byte> body)
    {
        var reader = new Utf8JsonReader(body.Span, s_options);
        try
        {
            reader.Read();
            var count = 0;
            List<IReadOnlyDictionary<string, RequestInput>>? instances = null;
            string? error = null;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isInstances = JsonText.NameEquals(ref reader, "instances"u8);
                    reader.Read();
                    if (isInstances && ++count == 1)
                    {
                        var start = reader;
                        try
                        {
                            instances = ParseInstances(ref reader, body);
                        }
                        catch (RestParseException e)
                        {
                            error = e.Message;
                            reader = start;
                            reader.Skip();
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Skip();
            }
            while (reader.Read())
            {
                // Trailing content after the root value makes the reader throw.
            }
            if (count != 1)
            {
                return RestParseResult.Invalid($"key 'instances' expects to exist once, but actually {count} times");
            }
            return error is null ? RestParseResult.Success(instances!) : RestParseResult.Invalid(error);
        }
        catch (JsonException e)
        {
            return RestParseResult.IllegalJson(ErrorQuote.JsonReaderMessage(e.Message));
        }
    }

    private static List<IReadOnlyDictionary<string, RequestInput>> ParseInstances(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return [ParseInstance(ref reader, body, inList: false)];
        }
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new RestParseException("instances no key mode is not supported");
        }
        reader.Read();
        if (reader.TokenType == JsonTokenType.EndArray)
        {
            throw new RestParseException("instances value is array type, but no value");
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new RestParseException("instances no key mode is not supported");
        }
        var instances = new List<IReadOnlyDictionary<string, RequestInput>>();
        do
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new RestParseException("json array, instance is not object type");
            }
            instances.Add(ParseInstance(ref reader, body, inList: true));
            reader.Read();
        }
        while (reader.TokenType != JsonTokenType.EndArray);
        return instances;
    }

    private static Dictionary<string, RequestInput> ParseInstance(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, bool inList)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.EndObject)
        {
            throw new RestParseException(inList ? "json array, instance is object type, but no value" : "json object, value is empty");
        }
        var instance = new Dictionary<string, RequestInput>(StringComparer.Ordinal);
        do
        {
            // A plain (unescaped, valid UTF-8) name repeats from request to request: take it from the cache.
            var key = !reader.ValueIsEscaped && !reader.HasValueSequence && Utf8.IsValid(reader.ValueSpan)
                ? Utf8StringCache.Get(reader.ValueSpan)
                : JsonText.GetString(ref reader);
            if (key.Length == 0)
            {
                throw new RestParseException("string key is empty");
            }
            reader.Read();
            instance[key] = ParseValue(ref reader, body);
            reader.Read();
        }
        while (reader.TokenType != JsonTokenType.EndObject);
        return instance;
    }

    private static RequestInput ParseValue(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                var number = reader.ValueSpan;
                if (JsonText.IsFloat(number))
                {
                    return JsonText.TryParseFloat32(number, out var single)
                        ? Tensor.Scalar(single)
                        : throw new RestParseException(JsonText.FloatOutOfRange(number));
                }
                return JsonText.TryWrapToInt32(number, out var integer)
                    ? Tensor.Scalar(integer)
                    : throw new RestParseException(JsonText.IntegerOutOfRange(number));
            case JsonTokenType.True:
                return Tensor.Scalar(true);
            case JsonTokenType.False:
                return Tensor.Scalar(false);
            case JsonTokenType.String:
                return Tensor.FromItems(DataType.String, [], [JsonText.GetUtf8(ref reader)]);
            case JsonTokenType.StartObject:
                return ToInput(B64ObjectParser.Parse(ref reader));
            case JsonTokenType.StartArray:
                return JsonArrayParser.Parse(ref reader, body);
            default:
                throw new RestParseException("json value is null, it is not supported");
        }
    }

    /// <summary>A decoded value as a request input: a tensor, or the tensor-check detail the dispatcher reports.</summary>
    public static RequestInput ToInput(B64Value value)
    {
        var items = value.Type.IsItems() ? 1 : 0;
        var detail = WireTensorCheck.Check((int)value.Type, value.Dims, items == 0 ? value.Payload.Length : 0, items);
        if (detail is not null)
        {
            return RequestInput.Invalid(detail);
        }
        return value.Type.IsItems()
            ? Tensor.FromItems(value.Type, value.Dims, [value.Payload])
            : Tensor.FromMemory(value.Type, value.Dims, value.Payload, isReadOnly: false);
    }
}
