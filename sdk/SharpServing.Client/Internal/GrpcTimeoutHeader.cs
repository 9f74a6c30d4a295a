using System.Globalization;

namespace SharpServing.Internal;

/// <summary>Writes <c>grpc-timeout</c>: at most 8 digits and a unit, rounded up so that a deadline never shrinks to 0.</summary>
internal static class GrpcTimeoutHeader
{
    private const long MaxAmount = 99_999_999;

    public static string Format(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var ticks = timeout.Ticks;
        foreach (var (unit, ticksPerUnit) in (ReadOnlySpan<(char, long)>)
            [('u', TimeSpan.TicksPerMicrosecond), ('m', TimeSpan.TicksPerMillisecond), ('S', TimeSpan.TicksPerSecond),
             ('M', TimeSpan.TicksPerMinute), ('H', TimeSpan.TicksPerHour)])
        {
            var amount = (ticks / ticksPerUnit) + (ticks % ticksPerUnit == 0 ? 0 : 1);
            if (amount <= MaxAmount)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{amount}{unit}");
            }
        }
        return string.Create(CultureInfo.InvariantCulture, $"{MaxAmount}H");
    }
}
