using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using SharpServing.Internal;
using SharpServing.Protocol.Inference;

namespace SharpServing;

/// <summary>
/// A client of the Open Inference Protocol (KServe V2) over gRPC (<c>inference.GRPCInferenceService</c>): a SharpServing
/// server's V2 front end, or any V2 server (Triton, MLServer, KServe runtimes). Tensors travel as raw contents.
/// </summary>
/// <example>
/// <code>
/// using var client = new V2Client("127.0.0.1:5500");
/// var outputs = await client.InferAsync("add.add_common", new Dictionary&lt;string, Tensor&gt;
/// {
///     ["x1"] = Tensor.Create(new float[] { 1, 2, 3, 4 }, 2, 2),
///     ["x2"] = Tensor.Create(new float[] { 1, 1, 1, 1 }, 2, 2),
/// });
/// Console.WriteLine(outputs["y"]);
/// </code>
/// </example>
public sealed class V2Client : IDisposable
{
    private readonly ServerAddress _address;
    private readonly GrpcChannel? _channel;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient? _stub;

    /// <param name="address"><c>host:port</c> or <c>unix:path</c>, as for <see cref="Client"/>.</param>
    /// <param name="ssl">TLS settings; null for h2c.</param>
    public V2Client(string address, SslConfig? ssl = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        _address = ServerAddress.Parse(address);
        if (_address.Problem is not null)
        {
            return;
        }
        var handler = HandlerFactory.Create(_address, ssl);
        try
        {
            _channel = GrpcChannel.ForAddress(_address.BaseUri(tls: ssl is not null), new GrpcChannelOptions
            {
                HttpHandler = handler,
                DisposeHttpClient = true,
                MaxSendMessageSize = PredictChannel.MaxMessageSize,
                MaxReceiveMessageSize = PredictChannel.MaxMessageSize,
            });
        }
        catch
        {
            handler.Dispose();
            throw;
        }
        _stub = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
    }

    /// <summary>Whether the server is ready (<c>ServerReady</c>).</summary>
    /// <exception cref="ServingRpcException">The call failed.</exception>
    public async Task<bool> IsServerReadyAsync(CancellationToken cancellationToken = default)
        => (await CallAsync(s => s.ServerReadyAsync(new ServerReadyRequest(), cancellationToken: cancellationToken).ResponseAsync)).Ready;

    /// <summary>Whether <paramref name="model"/> (and <paramref name="version"/>; null: the newest) is ready (<c>ModelReady</c>).</summary>
    /// <exception cref="ServingRpcException">The call failed.</exception>
    public async Task<bool> IsModelReadyAsync(string model, string? version = null, CancellationToken cancellationToken = default)
        => (await CallAsync(s => s.ModelReadyAsync(new ModelReadyRequest { Name = model, Version = version ?? "" },
            cancellationToken: cancellationToken).ResponseAsync)).Ready;

    /// <summary>The model's versions, inputs and outputs (<c>ModelMetadata</c>).</summary>
    /// <exception cref="ServingRpcException">The call failed (NOT_FOUND for an unknown model).</exception>
    public Task<ModelMetadataResponse> GetModelMetadataAsync(string model, string? version = null, CancellationToken cancellationToken = default)
        => CallAsync(s => s.ModelMetadataAsync(new ModelMetadataRequest { Name = model, Version = version ?? "" },
            cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>
    /// Runs <paramref name="model"/> on named input tensors and returns its outputs by name. String and bytes tensors go
    /// as BYTES.
    /// </summary>
    /// <exception cref="ServingRpcException">The call failed: the server's status and text (INVALID_ARGUMENT for bad inputs).</exception>
    public async Task<IReadOnlyDictionary<string, Tensor>> InferAsync(string model, IReadOnlyDictionary<string, Tensor> inputs,
        string? version = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(inputs);
        var request = new ModelInferRequest { ModelName = model, ModelVersion = version ?? "" };
        foreach (var (name, tensor) in inputs)
        {
            var input = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = V2TypeNames.NameOf(tensor.DataType) };
            input.Shape.AddRange(tensor.Dims);
            request.Inputs.Add(input);
            request.RawInputContents.Add(ToRaw(tensor));
        }
        PredictChannel.CheckSendSize(request);
        DateTime? deadline = timeout is { } t ? DateTime.UtcNow + t : null;
        var reply = await CallAsync(s => s.ModelInferAsync(request, deadline: deadline, cancellationToken: cancellationToken).ResponseAsync);
        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < reply.Outputs.Count; i++)
        {
            var output = reply.Outputs[i];
            if (i >= reply.RawOutputContents.Count)
            {
                throw new ServingRpcException(GrpcStatusCode.Internal, $"the reply has no raw contents for output '{output.Name}'");
            }
            outputs[output.Name] = FromRaw(output.Datatype, [.. output.Shape], reply.RawOutputContents[i]);
        }
        return outputs;
    }

    /// <inheritdoc />
    public void Dispose() => _channel?.Dispose();

    private async Task<T> CallAsync<T>(Func<GRPCInferenceService.GRPCInferenceServiceClient, Task<T>> call)
    {
        if (_address.Problem is { } problem)
        {
            throw new ServingRpcException(GrpcStatusCode.Unavailable, problem);
        }
        try
        {
            return await call(_stub!).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            throw RpcFailure.ToServingRpcException(e);
        }
    }

    private static ByteString ToRaw(Tensor tensor)
    {
        if (tensor.DataType.IsNumeric())
        {
            return UnsafeByteOperations.UnsafeWrap(tensor.Data);
        }
        var raw = new byte[tensor.Items.Sum(i => 4L + i.Length)];
        var at = 0;
        foreach (var item in tensor.Items)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(at), (uint)item.Length);
            item.Span.CopyTo(raw.AsSpan(at + 4));
            at += 4 + item.Length;
        }
        return UnsafeByteOperations.UnsafeWrap(raw);
    }

    private static Tensor FromRaw(string datatype, long[] shape, ByteString raw)
    {
        var type = V2TypeNames.Parse(datatype);
        if (type == DataType.Bytes)
        {
            var items = new List<ReadOnlyMemory<byte>>();
            var rest = raw.Memory;
            while (rest.Length >= 4)
            {
                var length = BinaryPrimitives.ReadUInt32LittleEndian(rest.Span);
                if (length > rest.Length - 4)
                {
                    break;
                }
                items.Add(rest.Slice(4, (int)length));
                rest = rest[(4 + (int)length)..];
            }
            return Tensor.FromItems(DataType.Bytes, shape, items);
        }
        if (type == DataType.Unknown)
        {
            throw new ServingRpcException(GrpcStatusCode.Internal, $"the reply has an output of datatype '{datatype}', which this client does not know");
        }
        return Tensor.FromMemory(type, shape, raw.Memory);
    }
}
