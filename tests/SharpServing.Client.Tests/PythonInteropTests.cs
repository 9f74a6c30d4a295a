using System.Diagnostics;
using System.Reflection;
using Google.Protobuf;
using Proto = SharpServing.Protocol;

namespace SharpServing.ClientTests;

/// <summary>
/// The client against a gRPC-core server (Debian's python3-grpcio), the implementation MindSpore Serving is built on:
/// h2c framing and headers, and a RESOURCE_EXHAUSTED raised by gRPC-core itself.
/// </summary>
public sealed class PythonInteropTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GrpcCoreServer_ReceivesOurRequest_AndWeReadItsReply()
    {
        var reply = new Proto.PredictReply();
        var instance = new Proto.Instance();
        instance.Items["y"] = new Proto.Tensor
        {
            Dtype = Proto.DataType.MsFloat32,
            Shape = new Proto.TensorShape { Dims = { 2 } },
            Data = ByteString.CopyFrom(BitConverter.GetBytes(2f).Concat(BitConverter.GetBytes(4f)).ToArray()),
        };
        reply.Instances.Add(instance);
        await using var server = await PythonServer.StartAsync(reply.ToByteArray());
        using var client = new Client($"127.0.0.1:{server.Port}", "add", "add_common", 1) { Timeout = s_wait };
        var input = new Dictionary<string, object> { ["x1"] = new float[] { 1, 2 } };

        var result = client.Infer(input);
        var asyncResult = await client.InferAsync(input).WaitAsync(s_wait);

        Assert.Equal([2f, 4f], result.EnsureSuccess().Instances[0].GetOutput<Tensor>("y").ToArray<float>());
        Assert.True(asyncResult.IsSuccess);
        var request = Proto.PredictRequest.Parser.ParseFrom(Convert.FromHexString(server.Requests()[0]));
        Assert.Equal(("add", "add_common", 1ul), (request.ServableSpec.Name, request.ServableSpec.MethodName, request.ServableSpec.VersionNumber));
        Assert.Equal([2L], request.Instances[0].Items["x1"].Shape.Dims);
    }

    [Fact]
    public async Task GrpcCoreServer_OverItsLimit_IsResourceExhausted()
    {
        await using var server = await PythonServer.StartAsync([]);
        using var client = new Client($"127.0.0.1:{server.Port}", "add", "add_common") { Timeout = s_wait };

        var result = client.Infer(new Dictionary<string, object> { ["x1"] = new float[512, 1024] });

        Assert.Equal(GrpcStatusCode.ResourceExhausted, result.TransportStatus);
        Assert.StartsWith("Grpc Error, (8, 'resource exhausted'), ", result.Error);
    }

    private sealed class PythonServer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _folder;

        private PythonServer(Process process, string folder, int port)
        {
            _process = process;
            _folder = folder;
            Port = port;
        }

        public int Port { get; }

        public string[] Requests() => File.ReadAllLines(Path.Combine(_folder, "requests.txt"));

        public static async Task<PythonServer> StartAsync(byte[] reply)
        {
            var repoRoot = typeof(PythonInteropTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;
            var script = Path.Combine(repoRoot, "tests", "SharpServing.Client.Tests", "python_grpc_server.py");
            var folder = Directory.CreateTempSubdirectory("sharpserving-client-py-").FullName;
            // Debian's interpreter: it is the one that sees python3-grpcio.
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { script, Convert.ToHexString(reply), Path.Combine(folder, "requests.txt") })
            {
                start.ArgumentList.Add(argument);
            }
            var process = Process.Start(start)!;
            try
            {
                _ = process.StandardError.ReadToEndAsync();
                var line = await process.StandardOutput.ReadLineAsync().WaitAsync(s_wait);
                return new PythonServer(process, folder, int.Parse(line ?? throw new InvalidOperationException("the Python server did not start"), System.Globalization.CultureInfo.InvariantCulture));
            }
            catch
            {
                process.Kill();
                process.Dispose();
                Directory.Delete(folder, recursive: true);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            try
            {
                await _process.WaitForExitAsync().WaitAsync(s_wait);
            }
            catch (TimeoutException)
            {
                _process.Kill();
            }
            _process.Dispose();
            Directory.Delete(_folder, recursive: true);
        }
    }
}
