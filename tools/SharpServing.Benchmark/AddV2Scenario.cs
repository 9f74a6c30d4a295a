using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using SharpServing.Protocol.Inference;

namespace SharpServing.Benchmark;

/// <summary>
/// add.add_common on one server over MindSpore Serving's gRPC and over the Open Inference Protocol: V2 gRPC
/// (<c>ModelInfer</c> with raw contents), V2 REST with JSON tensors and V2 REST with binary tensors, each right after the
/// other at every concurrency, so the rows compare the front ends on the same machine state (server CPU per request
/// included).
/// </summary>
internal static class AddV2Scenario
{
    public const string ModelInferPath = "/inference.GRPCInferenceService/ModelInfer";

    public static async Task RunAsync(BenchContext context)
    {
        var concurrencies = context.Line.Ints("concurrency", [1, 64]);
        var payload = Payload.Add(1);
        using var server = await context.ServerAsync(() => context.ServablesWith("add"));
        await server.WaitUntilServingAsync(payload, TimeSpan.FromMinutes(2), context.CancellationToken);
        var values = new float[] { 1, 2, 3, 4 };
        var grpcFrame = GrpcWire.Frame(InferRequest(values));
        var inferUri = new Uri(server.Rest, "/v2/models/add.add_common/infer");
        var json = Encoding.UTF8.GetBytes("""
            {"inputs":[{"name":"x1","shape":[2,2],"datatype":"FP32","data":[1.0,2.0,3.0,4.0]},{"name":"x2","shape":[2,2],"datatype":"FP32","data":[1.0,2.0,3.0,4.0]}]}
            """.Trim());
        var header = Encoding.UTF8.GetBytes("""
            {"inputs":[{"name":"x1","shape":[2,2],"datatype":"FP32","parameters":{"binary_data_size":16}},{"name":"x2","shape":[2,2],"datatype":"FP32","parameters":{"binary_data_size":16}}],"parameters":{"binary_data_output":true}}
            """.Trim());
        var raw = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        byte[] binary = [.. header, .. raw, .. raw];
        foreach (var c in concurrencies)
        {
            using (var client = new GrpcLoadClient(server.Grpc, payload.GrpcFrame, context.Connections, c))
            {
                await context.RunAsync("add-v2", "server grpc", client, c, 1, server.Pid, server.ProbeSocket);
            }
            using (var client = new GrpcLoadClient(server.Grpc, grpcFrame, context.Connections, c, ModelInferPath, "v2-grpc"))
            {
                await context.RunAsync("add-v2", "server v2-grpc", client, c, 1, server.Pid, server.ProbeSocket);
            }
            using (var client = new RestLoadClient(inferUri, json, c, protocol: "v2-rest-json"))
            {
                await context.RunAsync("add-v2", "server v2-rest-json", client, c, 1, server.Pid, server.ProbeSocket);
            }
            using (var client = new RestLoadClient(inferUri, binary, c, header.Length, "v2-rest-binary"))
            {
                await context.RunAsync("add-v2", "server v2-rest-binary", client, c, 1, server.Pid, server.ProbeSocket);
            }
        }
    }

    private static ModelInferRequest InferRequest(float[] values)
    {
        var request = new ModelInferRequest { ModelName = "add.add_common" };
        foreach (var name in new[] { "x1", "x2" })
        {
            var input = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = "FP32" };
            input.Shape.Add([2, 2]);
            request.Inputs.Add(input);
            request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())));
        }
        return request;
    }
}
