using System.Text;
using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.Tests.Rest;

public sealed class StrictBase64Tests
{
    [Fact]
    public void Decodes_WhatConvertEncodes_AtEveryLength()
    {
        var random = new Random(7);
        for (var length = 0; length < 200; length++)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);

            Assert.True(StrictBase64.TryDecode(Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes)), out var decoded));
            Assert.Equal(bytes, decoded);
        }
    }

    [Theory]
    [InlineData("QR==", new byte[] { 0x41 })]
    [InlineData("QUI=", new byte[] { 0x41, 0x42 })]
    [InlineData("QUJ=", new byte[] { 0x41, 0x42 })]
    [InlineData("", new byte[0])]
    public void TrailingBits_AreIgnored(string text, byte[] expected)
    {
        Assert.True(StrictBase64.TryDecode(Encoding.ASCII.GetBytes(text), out var decoded));
        Assert.Equal(expected, decoded);
    }

    [Theory]
    [InlineData("QUJ")]
    [InlineData("QUJD\n")]
    [InlineData("QUJ\n")]
    [InlineData("QU D")]
    [InlineData("QUJD QUJD  ")]
    [InlineData("Q===")]
    [InlineData("=QUJ")]
    [InlineData("QU=D")]
    [InlineData("QUJD-_AA")]
    [InlineData("QUJDQUJ\u00e9")]
    public void Rejects_NonCanonicalInput(string text)
    {
        Assert.False(StrictBase64.TryDecode(Encoding.UTF8.GetBytes(text), out _));
    }
}
