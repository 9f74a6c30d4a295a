using Google.Protobuf;
using Grpc.Core;
using SharpServing.Engine;
using SharpServing.Protocol.Inference;

namespace SharpServing.Server.V2.Internal;

/// <summary>
/// <c>inference.GRPCInferenceService</c> over the V2 core. Errors are gRPC statuses (NOT_FOUND, INVALID_ARGUMENT,
/// UNAVAILABLE, INTERNAL, PERMISSION_DENIED) with the V2 texts; a cancelled call sends nothing.
/// </summary>
internal sealed class V2GrpcService(V2Frontend frontend) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public const string Protocol = "v2-grpc";

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context)
        => Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context)
        => Task.FromResult(new ServerReadyResponse { Ready = frontend.IsReady() });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
        => Task.FromResult(new ModelReadyResponse { Ready = frontend.Catalog.IsReady(request.Name, request.Version) });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var reply = new ServerMetadataResponse { Name = V2Frontend.ServerName, Version = V2Frontend.ServerVersion };
        reply.Extensions.AddRange(V2Frontend.Extensions);
        return Task.FromResult(reply);
    }

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var metadata = Run(() => frontend.Catalog.Metadata(frontend.Catalog.Resolve(request.Name, request.Version)));
        var reply = new ModelMetadataResponse { Name = metadata.Name, Platform = metadata.Platform };
        reply.Versions.AddRange(metadata.Versions);
        reply.Inputs.AddRange(metadata.Inputs.Select(ToProto));
        reply.Outputs.AddRange(metadata.Outputs.Select(ToProto));
        return Task.FromResult(reply);
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        var raw = request.RawInputContents.Count > 0;
        if (raw && request.RawInputContents.Count != request.Inputs.Count)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"raw_input_contents has {request.RawInputContents.Count} entries for {request.Inputs.Count} inputs"));
        }
        var inputs = new V2InferInput[request.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var tensor = request.Inputs[i];
            inputs[i] = new V2InferInput(tensor.Name, raw ? FromRaw(tensor, request.RawInputContents[i]) : V2GrpcContents.ToInput(tensor));
        }
        var requested = request.Outputs.Count == 0 ? null : request.Outputs.Select(o => o.Name).ToList();
        var result = await RunAsync(
            () => frontend.Inference.InferAsync(request.ModelName, request.ModelVersion, inputs, requested, Protocol, context.CancellationToken));
        var reply = new ModelInferResponse { ModelName = result.ModelName, ModelVersion = result.ModelVersion, Id = request.Id };
        foreach (var (name, tensor) in result.Outputs)
        {
            var output = new ModelInferResponse.Types.InferOutputTensor { Name = name, Datatype = V2DataTypes.NameOf(tensor.DataType) };
            output.Shape.AddRange(tensor.Dims);
            if (raw)
            {
                reply.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(V2Tensors.ToRaw(tensor)));
            }
            else
            {
                output.Contents = V2GrpcContents.ToContents(tensor);
            }
            reply.Outputs.Add(output);
        }
        return reply;
    }

    public override Task<ModelStatisticsResponse> ModelStatistics(ModelStatisticsRequest request, ServerCallContext context)
        => Task.FromResult(Run(() => frontend.Statistics.ToProto(request.Name, request.Version)));

    public override Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context)
    {
        Authorize(context);
        var reply = new RepositoryIndexResponse();
        foreach (var entry in frontend.Repository.Index(request.Ready))
        {
            reply.Models.Add(new RepositoryIndexResponse.Types.ModelIndex
            {
                Name = entry.Name, Version = entry.Version, State = entry.State, Reason = entry.Reason,
            });
        }
        return Task.FromResult(reply);
    }

    public override async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        Authorize(context);
        await RunAsync(() => frontend.Repository.LoadAsync(request.ModelName, context.CancellationToken));
        return new RepositoryModelLoadResponse();
    }

    public override async Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        Authorize(context);
        await RunAsync(() => frontend.Repository.UnloadAsync(request.ModelName, context.CancellationToken));
        return new RepositoryModelUnloadResponse();
    }

    private void Authorize(ServerCallContext context)
    {
        if (!frontend.AuthorizeRepository(context))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, V2Frontend.RepositoryDenied));
        }
    }

    private static RequestInput FromRaw(ModelInferRequest.Types.InferInputTensor tensor, ByteString raw)
    {
        var type = V2DataTypes.Parse(tensor.Datatype);
        var shape = tensor.Shape.ToArray();
        return type switch
        {
            DataType.Unknown => RequestInput.Invalid(V2Errors.UnsupportedDataType(tensor.Datatype)),
            DataType.Bytes => V2Tensors.RawItems(shape, raw.Memory),
            _ => V2Tensors.Numeric(type, shape, raw.Memory),
        };
    }

    private static ModelMetadataResponse.Types.TensorMetadata ToProto(V2TensorMetadata tensor)
    {
        var proto = new ModelMetadataResponse.Types.TensorMetadata { Name = tensor.Name, Datatype = tensor.Datatype };
        proto.Shape.AddRange(tensor.Shape);
        return proto;
    }

    private static T Run<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (V2Exception e)
        {
            throw ToRpc(e);
        }
    }

    private static async Task RunAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (V2Exception e)
        {
            throw ToRpc(e);
        }
    }

    private static async Task<T> RunAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (V2Exception e)
        {
            throw ToRpc(e);
        }
    }

    private static RpcException ToRpc(V2Exception e) => new(new Status(e.Status switch
    {
        V2Status.BadRequest => StatusCode.InvalidArgument,
        V2Status.Forbidden => StatusCode.PermissionDenied,
        V2Status.NotFound => StatusCode.NotFound,
        V2Status.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    }, e.Message));
}
