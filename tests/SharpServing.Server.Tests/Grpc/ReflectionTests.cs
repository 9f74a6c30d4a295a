using Google.Protobuf.Reflection;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>Server reflection, asked by Grpc.Reflection's generated client over Grpc.Net.Client (what grpcurl does).</summary>
public sealed class ReflectionTests
{
    [Fact]
    public async Task Reflection_lists_predict_health_and_reflection_and_describes_predict()
    {
        await using var host = await TestHosts.StartAsync(new TestPredictor());
        using var channel = GrpcChannel.ForAddress($"http://{host.EndPoint}");
        var client = new ServerReflection.ServerReflectionClient(channel);
        using var call = client.ServerReflectionInfo(deadline: DateTime.UtcNow.Add(TestHosts.Timeout));

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "mindspore.serving.proto.MSService" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(bytes => FileDescriptorProto.Parser.ParseFrom(bytes)).ToList();
        await call.RequestStream.CompleteAsync();

        Assert.Contains("mindspore.serving.proto.MSService", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", services);
        var predict = files.Single(f => f.Package == "mindspore.serving.proto").Service.Single(s => s.Name == "MSService").Method.Single();
        Assert.Equal(("Predict", ".mindspore.serving.proto.PredictRequest", ".mindspore.serving.proto.PredictReply"),
            (predict.Name, predict.InputType, predict.OutputType));
    }
}
