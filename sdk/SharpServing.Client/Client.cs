using System.Globalization;
using SharpServing.Internal;
using Proto = SharpServing.Protocol;

namespace SharpServing;

/// <summary>
/// Calls a servable's method on a MindSpore Serving compatible server (ours, or MindSpore Serving itself) over gRPC,
/// like the MindSpore Serving Python client. Thread-safe: one client, one gRPC channel (Grpc.Net.Client) over one HTTP/2
/// connection, any number of concurrent calls.
/// </summary>
/// <example>
/// <code>
/// using var client = new Client("127.0.0.1:5500", "add", "add_common");
/// var result = client.Infer(new Dictionary&lt;string, object&gt; { ["x1"] = new float[,] { { 1, 2 }, { 3, 4 } }, ["x2"] = x2 });
/// var y = (Tensor)result.EnsureSuccess().GetOutputs(0)["y"];
/// </code>
/// </example>
public sealed class Client : IDisposable
{
    private readonly PredictChannel _channel;
    private TimeSpan _timeout = System.Threading.Timeout.InfiniteTimeSpan;

    /// <param name="address"><c>host:port</c>, <c>unix:relative/path</c> or <c>unix:///abs/path</c>; not validated here.</param>
    /// <param name="servableName">The servable to call.</param>
    /// <param name="methodName">The method of the servable.</param>
    /// <param name="versionNumber">The servable version; 0 = the latest.</param>
    /// <param name="ssl">TLS settings; null = plaintext HTTP/2.</param>
    /// <exception cref="ArgumentException">A parameter is null, empty or out of range (the MindSpore Serving client's texts).</exception>
    public Client(string address, string servableName, string methodName, long versionNumber = 0, SslConfig? ssl = null)
    {
        CheckString("address", address);
        CheckString("servable_name", servableName);
        CheckString("method_name", methodName);
        if (versionNumber < 0)
        {
            throw new ArgumentException("Parameter 'version_number' should be >= 0");
        }
        Address = address;
        ServableName = servableName;
        MethodName = methodName;
        VersionNumber = versionNumber;
        _channel = new PredictChannel(ServerAddress.Parse(address), ssl);
    }

    /// <summary>The server address as given.</summary>
    public string Address { get; }

    /// <summary>The servable called.</summary>
    public string ServableName { get; }

    /// <summary>The method called.</summary>
    public string MethodName { get; }

    /// <summary>The servable version called; 0 = the latest.</summary>
    public long VersionNumber { get; }

    /// <summary>
    /// The deadline of each call, sent to the server as <c>grpc-timeout</c>; a call past it ends with DEADLINE_EXCEEDED (4).
    /// Default <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> (no deadline); otherwise positive.
    /// </summary>
    public TimeSpan Timeout
    {
        get => _timeout;
        set
        {
            CheckTimeout(value);
            _timeout = value;
        }
    }

    /// <summary>
    /// Runs the method on <paramref name="instances"/>: one <c>IReadOnlyDictionary&lt;string, object&gt;</c> (input name →
    /// value) or a list of them, sent in one request. Server errors and transport failures are returned, not thrown.
    /// Blocks the calling thread while the connection's I/O runs on the thread pool: code that itself runs on the pool
    /// (ASP.NET Core handlers, many parallel callers) should use <see cref="InferAsync(object, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An instance is not a map, or a value has no tensor form (spec 9.2 texts).</exception>
    /// <exception cref="InvalidOperationException">The reply is malformed.</exception>
    public InferResult Infer(object instances) => Infer(instances, _timeout);

    /// <summary><see cref="Infer(object)"/> with a deadline for this call.</summary>
    public InferResult Infer(object instances, TimeSpan timeout)
    {
        CheckTimeout(timeout);
        var request = BuildRequest(instances, out var startFailure);
        if (startFailure is not null)
        {
            return startFailure;
        }
        try
        {
            return CallAsync(request!, timeout, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (ServingRpcException e)
        {
            return InferResult.TransportError(e);
        }
    }

    /// <summary>
    /// <see cref="Infer(object)"/>, asynchronously. A failure while starting the call (the request over the size limit)
    /// gives the same error result as <see cref="Infer(object)"/>; a transport failure at completion faults the task.
    /// </summary>
    /// <exception cref="ArgumentException">An instance is not a map, or a value has no tensor form (thrown at once).</exception>
    /// <exception cref="ServingRpcException">The call ended with a non-OK gRPC status (the task faults).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the task is cancelled).</exception>
    public Task<InferResult> InferAsync(object instances, CancellationToken cancellationToken = default)
        => InferAsync(instances, _timeout, cancellationToken);

    /// <summary><see cref="InferAsync(object, CancellationToken)"/> with a deadline for this call.</summary>
    public Task<InferResult> InferAsync(object instances, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        CheckTimeout(timeout);
        var request = BuildRequest(instances, out var startFailure);
        return startFailure is not null ? Task.FromResult(startFailure) : CallAsync(request!, timeout, cancellationToken);
    }

    /// <summary>Closes the channel and its connection. Calls in flight fail; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _channel.Dispose();

    private Proto.PredictRequest? BuildRequest(object instances, out InferResult? startFailure)
    {
        var spec = new Proto.ServableSpec { Name = ServableName, MethodName = MethodName, VersionNumber = (ulong)VersionNumber };
        var request = RequestBuilder.Build(spec, instances);
        try
        {
            PredictChannel.CheckSendSize(request);
            startFailure = null;
            return request;
        }
        catch (ServingRpcException e)
        {
            startFailure = InferResult.TransportError(e);
            return null;
        }
    }

    private async Task<InferResult> CallAsync(Proto.PredictRequest request, TimeSpan timeout, CancellationToken cancellationToken)
        => ReplyDecoder.Decode(await _channel.PredictAsync(request, timeout, cancellationToken).ConfigureAwait(false));

    internal static void CheckString(string name, string? value)
    {
        if (value is null)
        {
            throw new ArgumentException($"Parameter '{name}' should be str, but actually null");
        }
        if (value.Length == 0)
        {
            throw new ArgumentException($"Parameter '{name}' should not be empty str");
        }
    }

    internal static void CheckTimeout(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero && timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout,
                string.Create(CultureInfo.InvariantCulture, $"The timeout must be positive or Timeout.InfiniteTimeSpan, not {timeout}."));
        }
    }
}
