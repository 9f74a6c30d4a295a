using System.Text;
using SharpServing.Engine.Configuration;
using SharpServing.Imaging;
using Google.Protobuf;
using SharpServing.Engine;
using SharpServing.Server.Grpc.Internal;
using SharpServing.Server.Rest.Internal;
using SharpServing.Server.V2;
using SharpServing.Server.V2.Internal;

namespace SharpServing.Fuzz;

/// <summary>
/// The fuzzing targets: each takes untrusted bytes and lets only the exceptions its parser documents pass quietly.
/// Any other exception, or a documented error whose text is longer than <see cref="MaxErrorLength"/> (an echo of the
/// input), escapes as a failure, which afl-fuzz records as a crash and the random-input tests report.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The longest error text a parser may produce: its fixed words plus short quotes of the input.</summary>
    public const int MaxErrorLength = 512;

    /// <summary>The largest image the image target decodes (4 Mi pixels), so a fuzzed header cannot ask for gigabytes.</summary>
    public const long MaxImagePixels = 1L << 22;

    private static readonly string s_configBase = Path.Combine(Path.GetTempPath(), "sharpserving-fuzz-config");

    /// <summary>The target names, in the order the documentation lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["rest", "url", "b64", "npy", "image", "config", "v2", "predict"];

    /// <summary>Runs one input through the named target.</summary>
    /// <exception cref="ArgumentException">The target name is unknown.</exception>
    public static void Run(string target, ReadOnlySpan<byte> data)
    {
        switch (target)
        {
            case "rest":
                RestBody(data);
                break;
            case "url":
                Url(data);
                break;
            case "b64":
                B64Object(data);
                break;
            case "npy":
                NpyFile(data);
                break;
            case "image":
                Image(data);
                break;
            case "config":
                Configuration(data);
                break;
            case "v2":
                V2Request(data);
                break;
            case "predict":
                PredictBody(data);
                break;
            default:
                throw new ArgumentException($"Unknown fuzzing target '{target}'; the targets are {string.Join(", ", Names)}.", nameof(target));
        }
    }

    /// <summary>A request body: the parser never throws; it returns instances or an error text.</summary>
    public static void RestBody(ReadOnlySpan<byte> data)
    {
        var result = RestRequestParser.Parse(data.ToArray());
        CheckLength(result.Error ?? result.IllegalJsonDetail ?? "", "request body");
        foreach (var instance in result.Instances ?? [])
        {
            foreach (var input in instance.Values)
            {
                CheckLength(input.InvalidDetail ?? "", "request body");
            }
        }
    }

    /// <summary>A request target (path and query): the parser never throws; it returns a route or an error text.</summary>
    public static void Url(ReadOnlySpan<byte> data)
    {
        var route = RestUrlParser.Parse(Encoding.UTF8.GetString(data), out var error);
        if (route is null)
        {
            CheckLength(error ?? throw new InvalidOperationException("The URL parser returned neither a route nor an error."), "URL");
        }
    }

    /// <summary>
    /// A base64 object, as the value of an input of a request body (<c>{"instances":{"x": &lt;object&gt;}}</c>): the parse
    /// reaches <c>B64ObjectParser</c> through the request parser, as a client's object does, and ends in an error result
    /// (<c>RestParseException</c> or <c>JsonException</c> inside) or a tensor; never throws.
    /// </summary>
    /// <remarks>
    /// Entering through <c>RestRequestParser.Parse</c> rather than <c>B64ObjectParser.Parse(ref Utf8JsonReader)</c> keeps
    /// afl-fuzz's coverage feedback: SharpFuzz reported no instrumentation for a harness that starts at the latter.
    /// </remarks>
    public static void B64Object(ReadOnlySpan<byte> data)
    {
        byte[] body = [.. "{\"instances\":{\"x\":"u8, .. data, .. "}}"u8];
        RestBody(body);
    }

    /// <summary>A .npy file: <see cref="InvalidDataException"/> or <see cref="NotSupportedException"/>, as documented.</summary>
    public static void NpyFile(ReadOnlySpan<byte> data)
    {
        using var stream = new MemoryStream(data.ToArray(), writable: false);
        try
        {
            Npy.Read(stream);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
        }
    }

    /// <summary>A JPEG or PNG image: <see cref="InvalidDataException"/>, as documented.</summary>
    public static void Image(ReadOnlySpan<byte> data)
    {
        try
        {
            ImageDecoder.Decode(data, ChannelOrder.Rgb, MaxImagePixels);
        }
        catch (InvalidDataException)
        {
        }
    }

    /// <summary>A JSON start configuration: <see cref="ServingConfigurationException"/>, naming the setting.</summary>
    public static void Configuration(ReadOnlySpan<byte> data)
    {
        try
        {
            ServingConfigurationReader.Read(Encoding.UTF8.GetString(data), s_configBase);
        }
        catch (ServingConfigurationException)
        {
        }
    }

    /// <summary>
    /// An Open Inference Protocol REST request body with the binary tensor extension: the first two bytes (little-endian)
    /// are the JSON part's length, as <c>Inference-Header-Content-Length</c> gives it (cut to what follows), the rest is
    /// the JSON part and then the binary part. <see cref="V2Exception"/> (a 400 answer), as documented.
    /// </summary>
    public static void V2Request(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2)
        {
            return;
        }
        var body = data[2..].ToArray();
        var jsonLength = Math.Min(data[0] | (data[1] << 8), body.Length);
        try
        {
            V2JsonRequest.Parse(body.AsMemory(0, jsonLength), body.AsMemory(jsonLength));
        }
        catch (V2Exception e)
        {
            CheckLength(e.Message, "V2 request");
        }
    }

    /// <summary>
    /// A MindSpore Predict message (the gRPC body without its 5-byte frame header), as <see cref="PredictReadersAgree"/>
    /// reads it. Any other exception, or a disagreement, is a finding.
    /// </summary>
    public static void PredictBody(ReadOnlySpan<byte> data) => PredictReadersAgree(data);

    /// <summary>
    /// Reads <paramref name="data"/> with the server's reader (<see cref="PredictRequestPayload"/>) and with
    /// Google.Protobuf's generated parser followed by <see cref="PredictConversion.ToInferRequest"/>: true when both read
    /// the same request (spec, protocol, instances, and per input its check detail or its tensor's type, dims, bytes and
    /// items, read-only), false when both refuse it with <see cref="InvalidProtocolBufferException"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The readers disagree; the message says where.</exception>
    public static bool PredictReadersAgree(ReadOnlySpan<byte> data)
    {
        InferRequest? expected = null, actual = null;
        string? expectedError = null, actualError = null;
        try
        {
            expected = PredictConversion.ToInferRequest(Protocol.PredictRequest.Parser.ParseFrom(data));
        }
        catch (InvalidProtocolBufferException e)
        {
            expectedError = e.Message;
        }
        try
        {
            actual = PredictRequestPayload.Read(new System.Buffers.ReadOnlySequence<byte>(data.ToArray()));
        }
        catch (InvalidProtocolBufferException e)
        {
            actualError = e.Message;
        }
        if (expected is null || actual is null)
        {
            return expected is null && actual is null
                ? false
                : throw Disagree(data, $"generated {expectedError ?? "read it"}, server {actualError ?? "read it"}");
        }
        if ((expected.Servable, expected.Method, expected.Version, expected.Protocol) != (actual.Servable, actual.Method, actual.Version, actual.Protocol)
            || expected.Instances.Count != actual.Instances.Count)
        {
            throw Disagree(data, $"generated {expected.Servable}/{expected.Method}/{expected.Version}/{expected.Protocol} with "
                + $"{expected.Instances.Count} instances, server {actual.Servable}/{actual.Method}/{actual.Version}/{actual.Protocol} "
                + $"with {actual.Instances.Count}");
        }
        for (var i = 0; i < expected.Instances.Count; i++)
        {
            var (e, a) = (expected.Instances[i], actual.Instances[i]);
            if (e.Count != a.Count)
            {
                throw Disagree(data, $"instance {i}: generated inputs {string.Join(",", e.Keys)}, server {string.Join(",", a.Keys)}");
            }
            foreach (var (name, input) in e)
            {
                if (!a.TryGetValue(name, out var other) || !SameInput(input, other))
                {
                    throw Disagree(data, $"instance {i}, input '{name}'");
                }
            }
        }
        return true;
    }

    private static InvalidOperationException Disagree(ReadOnlySpan<byte> data, string where)
        => new($"The Predict readers disagree on {Convert.ToHexString(data[..Math.Min(data.Length, 512)])}: {where}.");

    private static bool SameInput(RequestInput expected, RequestInput actual)
    {
        if (expected.Tensor is not { } e || actual.Tensor is not { } a)
        {
            return expected.Tensor is null && actual.Tensor is null && expected.InvalidDetail == actual.InvalidDetail;
        }
        if (e.DataType != a.DataType || !e.Shape.SequenceEqual(a.Shape) || !e.Data.Span.SequenceEqual(a.Data.Span)
            || e.Items.Count != a.Items.Count || !a.IsReadOnly)
        {
            return false;
        }
        for (var i = 0; i < e.Items.Count; i++)
        {
            if (!e.Items[i].Span.SequenceEqual(a.Items[i].Span))
            {
                return false;
            }
        }
        return true;
    }

    private static void CheckLength(string error, string what)
    {
        if (error.Length > MaxErrorLength)
        {
            throw new InvalidOperationException($"The {what} error text is {error.Length} characters long; it echoes the input: {error[..MaxErrorLength]}");
        }
    }
}
