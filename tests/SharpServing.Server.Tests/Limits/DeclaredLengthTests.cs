using System.Globalization;
using System.Net.Sockets;
using System.Text;
using SharpServing.Engine.Configuration;
using SharpServing.Server.Tests.Reload;

namespace SharpServing.Server.Tests.Limits;

/// <summary>
/// A declared <c>Content-Length</c> is charged to the request byte budget, but no memory is reserved for it: the
/// buffer grows as the bytes arrive. Alone in its collection: it measures the process's allocations, which tests
/// running beside it would blur.
/// </summary>
[Collection(nameof(DeclaredLengthGroup))]
public sealed class DeclaredLengthTests : IDisposable
{
    private const int Connections = 32;
    private const long Declared = 50L << 20;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly ReloadRepository _repository = new();

    public DeclaredLengthTests()
    {
        _repository.WriteScript("add", edit: 0);
        _repository.AddVersion("add", 1);
    }

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task Connections_that_declare_50_MiB_and_send_a_few_bytes_allocate_almost_nothing_for_them()
    {
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root };
        configuration.Limits.MaxInflightMb = 8192;   // room for every declared body: the budget does not stop them here
        configuration.Limits.RequestBodyTimeout = TimeSpan.FromMinutes(5);
        configuration.Limits.MinRequestBodyBytesPerSecond = 0;
        await using var server = await ReloadServer.StartAsync(configuration);
        var budget = server.Server.RequestBudget;
        Assert.Null((await server.PredictAsync("add")).Error);   // the paths are warm; what follows allocates only for the bodies

        var sockets = new List<TcpClient>();
        try
        {
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            sockets.Add(await StartBodyAsync(server.Server.Rest!.Port));
            await UntilAsync(() => budget.InFlight > 0, "the first body is charged");
            var perBody = budget.InFlight;
            Assert.True(perBody >= Declared, $"a body declaring {Declared} bytes is charged {perBody}");
            for (var i = 1; i < Connections; i++)
            {
                sockets.Add(await StartBodyAsync(server.Server.Rest!.Port));
            }
            // Every reader is waiting for the rest of its body now.
            await UntilAsync(() => budget.InFlight == Connections * perBody, $"{Connections} bodies are charged");
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

            // Reserving the declared length would allocate Connections x 50 MiB = 1.6 GiB; growing as data arrives, a read
            // buffer of 64 KiB each.
            Assert.True(allocated < Connections * Declared / 8,
                string.Create(CultureInfo.InvariantCulture, $"{allocated / 1048576.0:F1} MiB allocated while {Connections} connections declared {Declared >> 20} MiB each"));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
        await UntilAsync(() => budget.InFlight == 0, "the abandoned bodies give their charge back");
        Assert.Null((await server.PredictAsync("add")).Error);
    }

    /// <summary>A connection that sends a request head declaring <see cref="Declared"/> bytes and then 6 of them.</summary>
    private static async Task<TcpClient> StartBodyAsync(int port)
    {
        var client = new TcpClient();
        try
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port).WaitAsync(s_timeout);
            var head = string.Create(CultureInfo.InvariantCulture,
                $"POST /model/add:add_common HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {Declared}\r\n\r\n{{\"inst");
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head)).AsTask().WaitAsync(s_timeout);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(10);
        }
    }
}

/// <summary>Tests that measure the process (allocations) run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(DeclaredLengthGroup), DisableParallelization = true)]
public sealed class DeclaredLengthGroup;
