using System.Diagnostics.Metrics;
using SharpServing.Engine.Configuration;
using SharpServing.Server.Observability;

namespace SharpServing.Server.Tests.Observability;

/// <summary>What the server's meter provider listens to: when anything listens to ASP.NET Core's or Kestrel's meters, the
/// framework records per request and per connection, so the provider must leave them alone.</summary>
public sealed class MetricsSubscriptionTests
{
    [Fact]
    public void The_meter_provider_subscribes_the_servers_meters_but_not_the_frameworks()
    {
        using var telemetry = ServerTelemetry.Create(new ServingConfiguration { Metrics = true });
        using var own = new Meter(ServerTelemetry.ServerMeterName);
        using var hosting = new Meter("Microsoft.AspNetCore.Hosting");
        using var kestrel = new Meter("Microsoft.AspNetCore.Server.Kestrel");
        using var routing = new Meter("Microsoft.AspNetCore.Routing");

        var ours = own.CreateCounter<long>("sharpserving.subscription.check");
        Instrument[] framework =
        [
            hosting.CreateHistogram<double>("http.server.request.duration"),
            hosting.CreateUpDownCounter<long>("http.server.active_requests"),
            kestrel.CreateUpDownCounter<long>("kestrel.active_connections"),
            kestrel.CreateHistogram<double>("kestrel.connection.duration"),
            kestrel.CreateUpDownCounter<long>("kestrel.active_http2_streams"),
            routing.CreateCounter<long>("aspnetcore.routing.match_attempts"),
        ];

        Assert.True(ours.Enabled);
        Assert.All(framework, instrument => Assert.False(instrument.Enabled, $"{instrument.Meter.Name} {instrument.Name} is subscribed"));
    }
}
