using System.Text;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// Strings of short UTF-8 texts that repeat from request to request (servable, method and input names), kept in a small
/// direct-mapped table so that a repeated name costs no allocation. Entries are immutable and replaced whole, so
/// concurrent readers see either the old or the new entry; a miss just decodes.
/// </summary>
internal static class Utf8StringCache
{
    private const int Slots = 256;
    private const int MaxLength = 64;
    private static readonly Entry?[] s_entries = new Entry?[Slots];

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }
        if (utf8.Length > MaxLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }
        // FNV-1a over the bytes picks the slot.
        var hash = 2166136261u;
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * 16777619u;
        }
        ref var slot = ref s_entries[hash & (Slots - 1)];
        var entry = Volatile.Read(ref slot);
        if (entry is not null && utf8.SequenceEqual(entry.Utf8))
        {
            return entry.Value;
        }
        var value = Encoding.UTF8.GetString(utf8);
        Volatile.Write(ref slot, new Entry(utf8.ToArray(), value));
        return value;
    }

    private sealed record Entry(byte[] Utf8, string Value);
}
