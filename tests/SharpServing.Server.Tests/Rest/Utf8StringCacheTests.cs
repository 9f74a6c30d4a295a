using System.Text;
using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.Tests.Rest;

public sealed class Utf8StringCacheTests
{
    [Fact]
    public void A_repeated_name_is_the_same_string()
    {
        var first = Utf8StringCache.Get("add_common"u8);

        Assert.Equal("add_common", first);
        Assert.Same(first, Utf8StringCache.Get("add_common"u8));
    }

    [Fact]
    public void Many_names_sharing_slots_each_decode_to_their_own_text()
    {
        var names = Enumerable.Range(0, 2000).Select(i => $"input_{i}_é").ToList();

        for (var round = 0; round < 2; round++)
        {
            foreach (var name in names)
            {
                Assert.Equal(name, Utf8StringCache.Get(Encoding.UTF8.GetBytes(name)));
            }
        }
    }

    [Fact]
    public void Invalid_utf8_and_long_texts_decode_as_utf8_does()
    {
        byte[] invalid = [0x61, 0xFF, 0x62];
        var longText = new string('x', 500);

        Assert.Equal(Encoding.UTF8.GetString(invalid), Utf8StringCache.Get(invalid));
        Assert.Equal(Encoding.UTF8.GetString(invalid), Utf8StringCache.Get(invalid));
        Assert.Equal(longText, Utf8StringCache.Get(Encoding.UTF8.GetBytes(longText)));
        Assert.Same(string.Empty, Utf8StringCache.Get([]));
    }
}
