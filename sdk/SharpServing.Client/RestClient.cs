using System.Globalization;
using System.Net.Http.Headers;
using SharpServing.Internal;

namespace SharpServing;

/// <summary>
/// Calls a servable's method over MindSpore Serving's RESTful API: <c>POST /model/&lt;servable&gt;[/version/&lt;n&gt;]:&lt;method&gt;</c>
/// with a JSON body. Instances take the same C# values as <see cref="Client"/>, and the server receives the same tensors
/// (each value is sent as a <c>{"b64", "type", "shape"}</c> object, which keeps its exact data type and shape).
/// </summary>
/// <remarks>
/// JSON replies carry no data types, so outputs come back as: <see cref="string"/> / <c>string[]</c> for strings,
/// <c>byte[]</c> / <c>byte[][]</c> for <c>{"b64"}</c> objects, and otherwise a read-only <see cref="Tensor"/> shaped
/// like the nested arrays: <see cref="DataType.Bool"/> for booleans, <see cref="DataType.Int64"/> for integers
/// (<see cref="DataType.UInt64"/> beyond its range), <see cref="DataType.Float64"/> when any number has a fraction or
/// exponent (<c>null</c>, the server's NaN or infinity, reads as NaN). REST errors carry no codes:
/// <see cref="InferResult.ErrorCode"/> is 0. Thread-safe.
/// </remarks>
public sealed class RestClient : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly Uri _uri;
    private TimeSpan _timeout = System.Threading.Timeout.InfiniteTimeSpan;

    /// <param name="address"><c>host:port</c> (http, or https when <paramref name="ssl"/> is given) or an <c>http://</c> / <c>https://</c> base URL.</param>
    /// <param name="servableName">The servable to call.</param>
    /// <param name="methodName">The method of the servable.</param>
    /// <param name="versionNumber">The servable version; 0 = the latest (no <c>/version/</c> segment).</param>
    /// <param name="ssl">TLS settings, as for <see cref="Client"/>; null = the system's defaults for https URLs.</param>
    /// <exception cref="ArgumentException">A parameter is null, empty or out of range, or the address is not host:port or a URL.</exception>
    public RestClient(string address, string servableName, string methodName, long versionNumber = 0, SslConfig? ssl = null)
    {
        Client.CheckString("address", address);
        Client.CheckString("servable_name", servableName);
        Client.CheckString("method_name", methodName);
        if (versionNumber < 0)
        {
            throw new ArgumentException("Parameter 'version_number' should be >= 0");
        }
        var tls = ssl is not null || address.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        var hostPort = address.Contains("://", StringComparison.Ordinal) ? address[(address.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/') : address;
        var version = versionNumber == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"/version/{versionNumber}");
        if (!Uri.TryCreate($"{(tls ? "https" : "http")}://{hostPort}/model/{servableName}{version}:{methodName}", UriKind.Absolute, out var uri))
        {
            throw new ArgumentException($"The RESTful address '{address}' is not host:port or an http(s) URL");
        }
        _uri = uri;
        var handler = HandlerFactory.Create(ServerAddress.Parse(hostPort), ssl);
        handler.EnableMultipleHttp2Connections = true;
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
        Address = address;
        ServableName = servableName;
        MethodName = methodName;
        VersionNumber = versionNumber;
    }

    /// <summary>The server address as given.</summary>
    public string Address { get; }

    /// <summary>The servable called.</summary>
    public string ServableName { get; }

    /// <summary>The method called.</summary>
    public string MethodName { get; }

    /// <summary>The servable version called; 0 = the latest.</summary>
    public long VersionNumber { get; }

    /// <summary>The request URL.</summary>
    public Uri RequestUri => _uri;

    /// <summary>The time limit of each call. Default <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>; otherwise positive.</summary>
    public TimeSpan Timeout
    {
        get => _timeout;
        set
        {
            Client.CheckTimeout(value);
            _timeout = value;
        }
    }

    /// <summary>Runs the method on <paramref name="instances"/> (as <see cref="Client.Infer(object)"/>); server errors are returned.</summary>
    /// <exception cref="ArgumentException">An instance is not a map, or a value has no tensor form.</exception>
    /// <exception cref="HttpRequestException">The server could not be reached, or answered with an HTTP error status.</exception>
    /// <exception cref="TimeoutException">The call took longer than <see cref="Timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The reply is not the RESTful JSON form.</exception>
    public InferResult Infer(object instances) => InferAsync(instances, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary><see cref="Infer(object)"/>, asynchronously.</summary>
    public Task<InferResult> InferAsync(object instances, CancellationToken cancellationToken = default)
    {
        var body = RestClientJson.WriteRequest(instances);
        return SendAsync(body, cancellationToken);
    }

    /// <summary>Closes the connections.</summary>
    public void Dispose() => _invoker.Dispose();

    private async Task<InferResult> SendAsync(byte[] body, CancellationToken cancellationToken)
    {
        var timeout = _timeout;
        using var deadline = timeout == System.Threading.Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(timeout);
        using var linked = deadline is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var token = linked?.Token ?? cancellationToken;
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await _invoker.SendAsync(request, token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var reply = await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
            return RestClientJson.ReadReply(reply);
        }
        catch (OperationCanceledException) when (deadline is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"The RESTful call took longer than {timeout}."));
        }
    }
}
