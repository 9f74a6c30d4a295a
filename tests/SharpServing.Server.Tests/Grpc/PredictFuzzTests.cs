using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Xunit.Abstractions;
using static SharpServing.Server.Tests.Grpc.Wire;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>
/// 100,000 random and mutated Predict bodies (bit flips, truncations, splices, random tags and lengths, deep nesting,
/// corrupt frame headers) through the real endpoint, 64 calls at a time over 4 HTTP/2 connections. Every call must get
/// a gRPC status, the server must answer a valid Predict afterwards, and its GC heap must stay within 64 MiB of where it
/// was after a warm-up. Deterministic: body i comes from a random generator seeded with i. Runs alone (its own
/// collection, no parallel tests), so that the heap it measures is the server's.
/// </summary>
[Collection(Name)]
public sealed class PredictFuzzTests(ITestOutputHelper output)
{
    public const string Name = "Predict fuzzing, alone";

    private const int Bodies = 100_000;
    private const int WarmUpBodies = 5_000;
    private const int Workers = 64;
    private const int Connections = 4;
    private const long HeapGrowthBound = 64L * 1024 * 1024;
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Random_and_mutated_bodies_leave_the_server_serving_with_flat_memory()
    {
        var predictor = new TestPredictor();
        await using var host = await TestHosts.StartAsync(predictor);
        var clients = Enumerable.Range(0, Connections).Select(_ => new RawGrpcClient(host.EndPoint)).ToArray();
        try
        {
            var seeds = Seeds();
            using var limit = new CancellationTokenSource(s_runLimit);
            await RunAsync(clients, seeds, Bodies, WarmUpBodies, new int[17], limit.Token);
            var heapBefore = HeapAfterFullCollection();

            var statuses = new int[17];
            await RunAsync(clients, seeds, 0, Bodies, statuses, limit.Token);
            var heapAfter = HeapAfterFullCollection();

            output.WriteLine($"statuses: {string.Join(", ", statuses.Select((n, s) => (n, s)).Where(p => p.n > 0).Select(p => $"{(StatusCode)p.s}={p.n}"))}");
            output.WriteLine($"GC heap before {heapBefore / 1024} KiB, after {heapAfter / 1024} KiB");
            Assert.Equal(Bodies, statuses.Sum());
            Assert.True(statuses[(int)StatusCode.OK] > 0, "no mutated body was a valid request");
            Assert.True(statuses.Sum() - statuses[(int)StatusCode.OK] > 0, "no mutated body was refused");
            Assert.True(heapAfter - heapBefore < HeapGrowthBound, $"the GC heap grew from {heapBefore} to {heapAfter} bytes");
            var valid = await clients[0].CallAsync(RawGrpcClient.Frame(AddRequest(AddInstance(2))));
            Assert.Equal([4f, 4f, 4f, 4f], Floats(valid.Reply().Instances.Single().Items["y"]));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static Task RunAsync(RawGrpcClient[] clients, byte[][] seeds, int first, int count, int[] statuses, CancellationToken cancellationToken)
        => Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var client = clients[worker % clients.Length];
            for (var i = worker; i < count; i += Workers)
            {
                var body = Body(new Random(first + i), seeds);
                // A deadline on every call: a mutation that happens to name a method that waits cannot hang the test.
                var result = await client.CallAsync(body, configure: r => r.Headers.Add("grpc-timeout", "10S"), cancellationToken: cancellationToken);
                Assert.Equal(HttpStatusCode.OK, result.HttpStatus);
                Assert.InRange((int)result.Status, 0, 16);
                if (result.Status == StatusCode.OK)
                {
                    result.Reply();
                }
                Interlocked.Increment(ref statuses[(int)result.Status]);
            }
        }, cancellationToken)));

    private static long HeapAfterFullCollection()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Valid requests the mutations start from.</summary>
    private static byte[][] Seeds()
    {
        var legacy = Request("add", "add_common", 0);
        legacy.LegacyInstances.Add(AddInstance(1));
        return
        [
            AddRequest(AddInstance(1)).ToByteArray(),
            AddRequest(AddInstance(1), AddInstance(2), AddInstance(3)).ToByteArray(),
            legacy.ToByteArray(),
            Request("add", "echo", 1, Instance(
                ("s", Items(Protocol.DataType.MsString, [1], "text"u8.ToArray())),
                ("b", Items(Protocol.DataType.MsBytes, [], [0, 1, 2])),
                ("i", Numeric(Protocol.DataType.MsInt64, new byte[48], 2, 3)))).ToByteArray(),
            Request("add", "stage_fail", 0, Instance(("x1", Filled(1, 4)))).ToByteArray(),
            Request("other", "m", 7).ToByteArray(),
        ];
    }

    /// <summary>One framed request body: a mutated seed, or random bytes; now and then a corrupt frame header.</summary>
    private static byte[] Body(Random random, byte[][] seeds)
    {
        var seed = seeds[random.Next(seeds.Length)];
        byte[] message = random.Next(9) switch
        {
            0 => FlipBits(random, seed),
            1 => seed[..random.Next(seed.Length)],
            2 => Splice(random, seed, seeds[random.Next(seeds.Length)]),
            3 => InsertField(random, seed),
            4 => Nest(random, seed),
            5 => RandomBytes(random, random.Next(512)),
            6 => OverwriteBytes(random, seed),
            7 => [.. Enumerable.Repeat((byte)0x0B, random.Next(50, 20_000)), .. seed],
            _ => seed,
        };
        var framed = RawGrpcClient.Frame(message);
        if (random.Next(50) == 0)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(framed.AsSpan(1));
            BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), unchecked(length + (uint)random.Next(-8, 9)));
        }
        return framed;
    }

    private static byte[] FlipBits(Random random, byte[] seed)
    {
        var bytes = (byte[])seed.Clone();
        for (var flips = random.Next(1, 9); flips > 0; flips--)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        }
        return bytes;
    }

    private static byte[] OverwriteBytes(Random random, byte[] seed)
    {
        var bytes = (byte[])seed.Clone();
        for (var writes = random.Next(1, 5); writes > 0; writes--)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        }
        return bytes;
    }

    private static byte[] Splice(Random random, byte[] a, byte[] b) => [.. a.AsSpan(0, random.Next(a.Length + 1)), .. b.AsSpan(random.Next(b.Length + 1))];

    /// <summary>A random tag (any field number and wire type) and a random varint, which a length-delimited field reads as its length.</summary>
    private static byte[] InsertField(Random random, byte[] seed)
    {
        var at = random.Next(seed.Length + 1);
        var tag = Varint(((uint)random.Next(1, 1 << 16) << 3) | (uint)random.Next(8));
        var value = Varint(random.Next(3) == 0 ? (ulong)random.NextInt64() : (ulong)random.Next(4096));
        return [.. seed.AsSpan(0, at), .. tag, .. value, .. seed.AsSpan(at)];
    }

    /// <summary>The seed inside many levels of length-delimited fields (field 2: instances, then map entries, tensors …).</summary>
    private static byte[] Nest(Random random, byte[] seed)
    {
        var message = seed;
        for (var depth = random.Next(10, 400); depth > 0; depth--)
        {
            message = [0x12, .. Varint((ulong)message.Length), .. message];
        }
        return message;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>(10);
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }
}

[CollectionDefinition(PredictFuzzTests.Name, DisableParallelization = true)]
public sealed class PredictFuzzAlone;
