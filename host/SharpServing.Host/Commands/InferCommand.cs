using System.Globalization;
using System.Text;
using SharpServing.Engine;
using SharpServing.Server.Rest;

namespace SharpServing.Host.Commands;

/// <summary>
/// <c>sharpserving infer</c>: calls a method of a running server over gRPC (MindSpore Serving's protocol, or with
/// <c>--protocol v2</c> the Open Inference Protocol's, as the model <c>&lt;servable&gt;.&lt;method&gt;</c>) with inputs
/// from <c>.npy</c> files or JSON (the RESTful API's request form and typing rules), prints the reply as the RESTful
/// API's JSON, and can save outputs as <c>.npy</c> files.
/// </summary>
internal static class InferCommand
{
    private const string Help = """
        Usage: sharpserving infer --servable NAME --method NAME [options]

          --address ADDRESS         gRPC address of the server: host:port or unix:path (default 127.0.0.1:5500)
          --version N               servable version (default 0: the latest)
          --protocol ms|v2          ms (default): MindSpore Serving's MSService.Predict; v2: the Open Inference
                                    Protocol's ModelInfer on model <servable>.<method>, one instance
          --input NAME=FILE.npy     an input from a .npy file (repeatable; one instance)
          --json TEXT               instances as JSON, in the RESTful form: {"instances": [{"x1": [[1.0]], ...}]}
                                    or just the instance object/list; ints are int32, floats float32, as over REST
          --json-file FILE          the same, from a file ('-' for standard input)
          --output-dir DIR          also save each output as DIR/<instance>_<output>.npy (strings/bytes as .txt/.bin)
          --timeout SECONDS         deadline of the call (default: none)
          --ssl-ca FILE             PEM CA to trust (TLS); --ssl-certificate/--ssl-private-key for mutual TLS

        Prints the reply as JSON. Exit code 0 when every instance succeeded, 1 when the server answered with an error,
        4 when the server could not be reached.
        """;

    private static readonly HashSet<string> s_values =
        ["address", "servable", "method", "version", "protocol", "input", "json", "json-file", "output-dir", "timeout", "ssl-ca", "ssl-certificate", "ssl-private-key"];

    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = CommandLineArguments.Parse(args, s_values, new HashSet<string>());
        if (parsed.Help)
        {
            Console.Out.WriteLine(Help);
            return ExitCodes.Success;
        }
        var servable = parsed.Value("servable") ?? throw new UsageException("infer needs --servable");
        var method = parsed.Value("method") ?? throw new UsageException("infer needs --method");
        var instances = ReadInstances(parsed);
        SslConfig? ssl = null;
        if (parsed.Value("ssl-ca") is not null || parsed.Value("ssl-certificate") is not null)
        {
            ssl = new SslConfig(parsed.Value("ssl-certificate"), parsed.Value("ssl-private-key"), parsed.Value("ssl-ca"));
        }
        TimeSpan? timeout = null;
        if (parsed.Value("timeout") is { } timeoutText)
        {
            timeout = double.TryParse(timeoutText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : throw new UsageException($"--timeout needs a positive number of seconds, not '{timeoutText}'");
        }
        switch (parsed.Value("protocol") ?? "ms")
        {
            case "ms":
                break;
            case "v2":
                return await RunV2Async(parsed, $"{servable}.{method}", instances, ssl, timeout);
            case var other:
                throw new UsageException($"--protocol is ms or v2, not '{other}'");
        }
        using var client = new Client(parsed.Value("address") ?? "127.0.0.1:5500", servable, method, parsed.Int("version") ?? 0, ssl);
        if (timeout is { } limit)
        {
            client.Timeout = limit;
        }
        InferResult result;
        try
        {
            result = await client.InferAsync(instances.Cast<IReadOnlyDictionary<string, object>>().ToList());
        }
        catch (ServingRpcException ex)
        {
            // A transport failure at completion (server down, deadline, message too large): the gRPC status, exit 4.
            Console.Error.WriteLine(ex.Message);
            return ExitCodes.Transport;
        }
        var reply = ToReply(result);
        await using (var stdout = Console.OpenStandardOutput())
        {
            await RestJson.WriteReplyAsync(stdout, reply);
        }
        Console.Out.WriteLine();
        if (parsed.Value("output-dir") is { } outputDir)
        {
            Save(reply, outputDir);
        }
        if (result.TransportStatus is not null)
        {
            return ExitCodes.Transport;
        }
        return result.IsSuccess ? ExitCodes.Success : ExitCodes.InferenceError;
    }

    private static async Task<int> RunV2Async(CommandLineArguments parsed, string model, List<Dictionary<string, object>> instances,
        SslConfig? ssl, TimeSpan? timeout)
    {
        if (instances.Count != 1)
        {
            throw new UsageException($"--protocol v2 sends one instance per request, not {instances.Count}");
        }
        var version = parsed.Int("version") is { } v and > 0 ? v.ToString(CultureInfo.InvariantCulture) : null;
        using var client = new V2Client(parsed.Value("address") ?? "127.0.0.1:5500", ssl);
        IReadOnlyDictionary<string, Tensor> outputs;
        try
        {
            outputs = await client.InferAsync(model, instances[0].ToDictionary(p => p.Key, p => ToTensor(p.Value), StringComparer.Ordinal),
                version, timeout);
        }
        catch (ServingRpcException ex)
        {
            Console.Error.WriteLine(ex.Message);
            // The server's answer to a bad request or a failed method: exit 1; anything else is the transport's: exit 4.
            return ex.StatusCode is GrpcStatusCode.InvalidArgument or GrpcStatusCode.NotFound or GrpcStatusCode.Internal
                ? ExitCodes.InferenceError
                : ExitCodes.Transport;
        }
        var reply = InferReply.Create([InstanceResult.Success([.. outputs])]);
        await using (var stdout = Console.OpenStandardOutput())
        {
            await RestJson.WriteReplyAsync(stdout, reply);
        }
        Console.Out.WriteLine();
        if (parsed.Value("output-dir") is { } outputDir)
        {
            Save(reply, outputDir);
        }
        return ExitCodes.Success;
    }

    private static List<Dictionary<string, object>> ReadInstances(CommandLineArguments parsed)
    {
        var files = parsed.Values("input");
        var json = parsed.Value("json");
        var jsonFile = parsed.Value("json-file");
        if ((files.Count > 0 ? 1 : 0) + (json is null ? 0 : 1) + (jsonFile is null ? 0 : 1) != 1)
        {
            throw new UsageException("infer needs inputs: --input NAME=FILE.npy (repeatable), --json TEXT or --json-file FILE");
        }
        if (files.Count > 0)
        {
            var instance = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var spec in files)
            {
                var eq = spec.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new UsageException($"--input needs NAME=FILE.npy, not '{spec}'");
                }
                instance[spec[..eq]] = Npy.Read(spec[(eq + 1)..]);
            }
            return [instance];
        }
        var text = json ?? (jsonFile == "-" ? Console.In.ReadToEnd() : File.ReadAllText(jsonFile!));
        var body = text.TrimStart().StartsWith("{\"instances\"", StringComparison.Ordinal) ? text : "{\"instances\":" + text + "}";
        IReadOnlyList<IReadOnlyDictionary<string, Tensor>> parsedInstances;
        try
        {
            parsedInstances = RestJson.ParseInstances(Encoding.UTF8.GetBytes(body));
        }
        catch (FormatException ex)
        {
            throw new UsageException($"the JSON instances are invalid: {ex.Message}");
        }
        return [.. parsedInstances.Select(i => i.ToDictionary(p => p.Key, p => (object)p.Value, StringComparer.Ordinal))];
    }

    private static InferReply ToReply(InferResult result)
    {
        if (result.Error is { } error)
        {
            return InferReply.Failure(new ServingError((ErrorCode)result.ErrorCode, error));
        }
        var instances = new List<InstanceResult>(result.Instances.Count);
        foreach (var outcome in result.Instances)
        {
            instances.Add(outcome.Outputs is { } outputs
                ? InstanceResult.Success([.. outputs.Select(p => new KeyValuePair<string, Tensor>(p.Key, ToTensor(p.Value)))])
                : InstanceResult.Failure(new ServingError((ErrorCode)outcome.ErrorCode, outcome.Error ?? "")));
        }
        return InferReply.Create(instances);
    }

    private static Tensor ToTensor(object value) => value switch
    {
        Tensor t => t,
        string s => Tensor.FromString(s),
        string[] strings => Tensor.FromStrings(strings),
        byte[] bytes => Tensor.FromBytes(bytes),
        byte[][] items => Tensor.FromItems(DataType.Bytes, [items.Length], [.. items.Select(i => (ReadOnlyMemory<byte>)i)]),
        _ => throw new InvalidOperationException($"Unexpected output value {value.GetType().Name}."),
    };

    private static void Save(InferReply reply, string directory)
    {
        Directory.CreateDirectory(directory);
        for (var i = 0; i < reply.Instances.Count; i++)
        {
            foreach (var (name, tensor) in reply.Instances[i].Outputs ?? [])
            {
                var path = Path.Combine(directory, $"{i}_{name}");
                if (tensor.DataType.IsNumeric())
                {
                    Npy.Write(path + ".npy", tensor);
                }
                else if (tensor.DataType == DataType.String)
                {
                    File.WriteAllLines(path + ".txt", Enumerable.Range(0, tensor.Items.Count).Select(tensor.GetString));
                }
                else
                {
                    File.WriteAllBytes(path + ".bin", tensor.GetItem().ToArray());
                }
            }
        }
    }
}
