using System.Net;
using Google.Protobuf;
using SharpServing.Server.Grpc;
using SharpServing.Protocol;
using SharpServing.Server.Tests.Infrastructure;
using static SharpServing.Server.Tests.Grpc.Wire;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>Predict over TCP h2c from Debian's python3-grpcio (spec section 10, gRPC behaviours).</summary>
[Collection(PythonClients.Name)]
public sealed class PredictInteropTests(PythonGrpc python) : IAsyncLifetime
{
    private readonly TestPredictor _predictor = new();
    private GrpcServerHost _host = null!;

    private string Target => ((IPEndPoint)_host.EndPoint).ToString();

    public async Task InitializeAsync() => _host = await TestHosts.StartAsync(_predictor);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Three_instances_add_and_echo_the_spec()
    {
        var output = await python.PredictAsync(Scenario(Target, [AddRequest(AddInstance(1), AddInstance(2), AddInstance(3))]));

        var reply = Reply(Results(output).Single());
        Assert.Empty(reply.ErrorMsg);
        Assert.Equal(3, reply.Instances.Count);
        for (var i = 0; i < 3; i++)
        {
            var y = reply.Instances[i].Items["y"];
            Assert.Equal(Protocol.DataType.MsFloat32, y.Dtype);
            Assert.Equal([2L, 2L], y.Shape.Dims);
            Assert.All(Floats(y), v => Assert.Equal(2f * (i + 1), v));
        }
        Assert.Equal(new ServableSpec { Name = "add", MethodName = "add_common", VersionNumber = 0 }, reply.ServableSpec);
    }

    [Fact]
    public async Task Legacy_instances_in_field_3_give_the_same_reply()
    {
        var current = AddRequest(AddInstance(1), AddInstance(2));
        var legacy = AddRequest();
        legacy.LegacyInstances.AddRange(current.Instances);
        var both = current.Clone();
        both.LegacyInstances.Add(Instance(("x3", Filled(0, 1))));

        var results = Results(await python.PredictAsync(Scenario(Target, [current, legacy, both])));

        Assert.Equal(Reply(results[0]), Reply(results[1]));
        Assert.Equal(Reply(results[0]), Reply(results[2]));
        Assert.Equal(2, Reply(results[0]).Instances.Count);
    }

    [Fact]
    public async Task Request_wide_errors_have_the_exact_texts_and_status_ok()
    {
        var requests = new[]
        {
            Request("add_x", "add_common", 0, AddInstance(1)),
            Request("add", "add_common", 2, AddInstance(1)),
            Request("add", "bad", 0, AddInstance(1)),
            AddRequest(),
            AddRequest(Instance(("x3", Filled(1, 2, 2)), ("x2", Filled(1, 2, 2)))),
            AddRequest(Instance(("x1", Numeric(Protocol.DataType.MsFloat32, new byte[15], 2, 2)), ("x2", Filled(1, 2, 2)))),
            AddRequest(Instance(("x1", Numeric(Protocol.DataType.MsFloat32, [], 0, 2)), ("x2", Filled(1, 2, 2)))),
            AddRequest(Instance(("x1", Numeric(Protocol.DataType.MsUnknown, new byte[16], 2, 2)), ("x2", Filled(1, 2, 2)))),
            AddRequest(Instance(("x1", Items(Protocol.DataType.MsString, [1], "a"u8.ToArray(), "b"u8.ToArray())), ("x2", Filled(1, 2, 2)))),
            AddRequest(Instance(("x1", new Protocol.Tensor { Dtype = Protocol.DataType.MsFloat32, ShmData = new ShmTensorData { MemoryKey = "k" } }), ("x2", Filled(1, 2, 2)))),
            Request("add", "stage_fail", 0, AddInstance(1)),
        };
        const string Detail = "Instances input x1 check failed, detail: ";
        var expected = new (long Code, string Text)[]
        {
            (2, "Request servable(add_x) method(add_common) , servable is not available"),
            (2, "Request servable(add) method(add_common)  version(2) , servable is not available"),
            (2, "Request servable(add) method(bad) , method is not available"),
            (2, "Instances count of request cannot be 0, servable: add, method: add_common"),
            (2, "Cannot find input x1 in instance input , servable add, method add_common"),
            (2, Detail + "Tensor check failed: input data size 15 invalid"),
            (2, Detail + "Tensor check failed: input  shape [0, 2] invalid"),
            (2, Detail + "Tensor check failed: input data type proto::MS_UNKNOWN invalid"),
            (2, Detail + "Instance tensor check failed: bytes or string type shape batch size can only be 1"),
            (2, Detail + "Tensor check failed: shared memory data is not supported"),
            (3, "Call Preprocess Failed, method: 'stage_fail', stage index(begin with 1): 1, error msg: invalid preprocess"),
        };

        var results = Results(await python.PredictAsync(Scenario(Target, requests)));

        for (var i = 0; i < requests.Length; i++)
        {
            var reply = Reply(results[i]);
            AssertRequestError(reply, expected[i].Code, expected[i].Text);
            Assert.Equal(requests[i].ServableSpec, reply.ServableSpec);
        }
    }

    [Fact]
    public async Task Extra_inputs_are_ignored()
    {
        var request = AddRequest(Instance(("x1", Filled(1, 2, 2)), ("x2", Filled(1, 2, 2)), ("x3", Numeric(Protocol.DataType.MsUnknown, []))));

        var reply = Reply(Results(await python.PredictAsync(Scenario(Target, [request]))).Single());

        Assert.Empty(reply.ErrorMsg);
        Assert.All(Floats(reply.Instances.Single().Items["y"]), v => Assert.Equal(2f, v));
    }

    [Fact]
    public async Task Partial_failure_gives_an_entry_per_instance_and_identical_failures_collapse()
    {
        var bad = Instance(("x1", Filled(1, 2, 2)), ("x2", Filled(1, 1, 3)));
        var wrongType = Instance(("x1", Filled(1, 2, 2)), ("x2", Numeric(Protocol.DataType.MsInt32, new byte[16], 2, 2)));
        var partial = AddRequest(AddInstance(1), bad, AddInstance(3));
        var typed = AddRequest(AddInstance(1), wrongType);
        var collapsed = AddRequest(bad, bad);

        var results = Results(await python.PredictAsync(Scenario(Target, [partial, typed, collapsed])));

        var reply = Reply(results[0]);
        Assert.Equal(3, reply.Instances.Count);
        Assert.Equal([0L, 2L, 0L], reply.ErrorMsg.Select(e => e.ErrorCode));
        Assert.Equal(["", "Given model input 1 size 12 not match the size 16 defined in model", ""], reply.ErrorMsg.Select(e => e.ErrorMsg_.ToStringUtf8()));
        Assert.Empty(reply.Instances[1].Items);
        Assert.All(Floats(reply.Instances[2].Items["y"]), v => Assert.Equal(6f, v));
        var typedReply = Reply(results[1]);
        Assert.Equal("Given model input 1 data type kMSI_Int32 not match the data type kMSI_Float32 defined in model", typedReply.ErrorMsg[1].ErrorMsg_.ToStringUtf8());
        AssertRequestError(Reply(results[2]), 2, "Given model input 1 size 12 not match the size 16 defined in model");
    }

    [Fact]
    public async Task Every_dtype_scalars_zero_size_strings_and_bytes_round_trip()
    {
        var instance = new Instance();
        var dtypes = Enumerable.Range(1, 12).Select(v => (Protocol.DataType)v).ToList();
        foreach (var dtype in dtypes)
        {
            var size = ((SharpServing.DataType)(int)dtype).ItemSize();
            instance.Items[$"a_{dtype}"] = Numeric(dtype, Enumerable.Range(1, 6 * size).Select(b => (byte)b).ToArray(), 2, 3);
            instance.Items[$"s_{dtype}"] = Numeric(dtype, Enumerable.Range(7, size).Select(b => (byte)b).ToArray());
            instance.Items[$"z_{dtype}"] = Numeric(dtype, [], 2, 0);
        }
        instance.Items["str"] = Items(Protocol.DataType.MsString, [1], "héllo"u8.ToArray());
        instance.Items["str0d"] = Items(Protocol.DataType.MsString, [], "x"u8.ToArray());
        instance.Items["bytes"] = Items(Protocol.DataType.MsBytes, [1], [0, 255, 7]);

        var reply = Reply(Results(await python.PredictAsync(Scenario(Target, [Request("add", "echo", 1, instance)]))).Single());

        Assert.Empty(reply.ErrorMsg);
        var items = reply.Instances.Single().Items;
        Assert.Equal(instance.Items.Count, items.Count);
        foreach (var (name, sent) in instance.Items)
        {
            var back = items[name];
            Assert.Equal(sent.Dtype, back.Dtype);
            Assert.Equal(sent.Shape.Dims, back.Shape.Dims);
            Assert.Equal(sent.Data, back.Data);
            Assert.Equal(sent.BytesVal, back.BytesVal);
        }
        Assert.Equal(1UL, reply.ServableSpec.VersionNumber);
    }

    [Fact]
    public async Task Two_megabyte_message_round_trips()
    {
        var data = new byte[2 * 1024 * 1024];
        new Random(1).NextBytes(data);
        var request = Request("add", "echo", 0, Instance(("big", Numeric(Protocol.DataType.MsUint8, data, data.Length))));

        var reply = Reply(Results(await python.PredictAsync(Scenario(Target, [request]))).Single());

        Assert.Equal(ByteString.CopyFrom(data), reply.Instances.Single().Items["big"].Data);
    }

    [Fact]
    public async Task Two_hundred_concurrent_calls_on_one_connection_and_twenty_connections_succeed()
    {
        var request = AddRequest(AddInstance(1));

        var oneConnection = Results(await python.PredictAsync(Scenario(Target, [request], repeat: 200)));
        var twentyConnections = Results(await python.PredictAsync(Scenario(Target, [request], channels: 20, repeat: 10)));

        Assert.Equal(200, oneConnection.Count);
        Assert.Equal(200, twentyConnections.Count);
        Assert.All(oneConnection.Concat(twentyConnections), r => Assert.Empty(Reply(r).ErrorMsg));
        Assert.Equal(400, _predictor.Calls);
    }
}
