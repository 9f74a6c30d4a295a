using System.Globalization;

namespace SharpServing.Protocol;

/// <summary>The <c>grpc-timeout</c> header: 1 to 8 ASCII digits and a unit (H, M, S, m, u, n).</summary>
public static class GrpcTimeout
{
    /// <summary>The largest amount the header can carry (8 digits).</summary>
    public const long MaxAmount = 99_999_999;

    /// <summary>
    /// The header value for a timeout: the finest unit (u, m, S, M, H) whose amount fits 8 digits, rounded up so that a
    /// deadline never shrinks to 0; <c>99999999H</c> for anything longer.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The timeout is not positive.</exception>
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

    /// <summary>Parses a header value; false for anything malformed (wrong length, a non-digit, an unknown unit) or too long for a <see cref="TimeSpan"/>.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > 9)
        {
            return false;
        }
        long amount = 0;
        for (var i = 0; i < value.Length - 1; i++)
        {
            var c = value[i];
            if (c is < '0' or > '9')
            {
                return false;
            }
            amount = (amount * 10) + (c - '0');
        }
        // 8 digits at most: none of these products overflows a long of ticks except hours, checked below.
        long? ticks = value[^1] switch
        {
            'H' => amount <= TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerHour ? amount * TimeSpan.TicksPerHour : null,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * TimeSpan.TicksPerMicrosecond,
            'n' => (amount + 99) / 100,
            _ => null,
        };
        if (ticks is null)
        {
            return false;
        }
        timeout = TimeSpan.FromTicks(ticks.Value);
        return true;
    }
}
