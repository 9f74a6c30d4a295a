using SharpServing.Engine.Reload;

namespace SharpServing.Engine.Tests.Reload;

public sealed class VersionPolicyTests
{
    [Theory]
    [InlineData("latest", "latest")]
    [InlineData("LATEST:1", "latest")]
    [InlineData("latest:3", "latest:3")]
    [InlineData(" all ", "all")]
    [InlineData("specific:3, 1,3", "specific:1,3")]
    public void Parse_reads_the_text_form_and_ToString_writes_it_back(string text, string expected)
    {
        Assert.Equal(expected, VersionPolicy.Parse(text).ToString());
        Assert.Equal(VersionPolicy.Parse(text), VersionPolicy.Parse(expected));
    }

    [Theory]
    [InlineData("")]
    [InlineData("latest:0")]
    [InlineData("latest:-1")]
    [InlineData("latest:x")]
    [InlineData("all:2")]
    [InlineData("specific")]
    [InlineData("specific:")]
    [InlineData("specific:0")]
    [InlineData("specific:1,,2")]
    [InlineData("newest")]
    public void Parse_rejects_what_is_not_a_policy_and_says_what_is_expected(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => VersionPolicy.Parse(text));

        Assert.Contains("Parameter 'version_policy'", error.Message);
    }

    [Fact]
    public void Select_picks_from_the_version_folders_in_ascending_order()
    {
        long[] available = [1, 2, 5, 7];

        Assert.Equal([7L], VersionPolicy.Default.Select(available));
        Assert.Equal([5L, 7L], VersionPolicy.Latest(2).Select(available));
        Assert.Equal([1L, 2L, 5L, 7L], VersionPolicy.Latest(9).Select(available));
        Assert.Equal([1L, 2L, 5L, 7L], VersionPolicy.All.Select(available));
        Assert.Equal([2L, 7L], VersionPolicy.Specific(7, 2, 3).Select(available));
        Assert.Empty(VersionPolicy.Specific(3).Select(available));
        Assert.Empty(VersionPolicy.Default.Select([]));
    }

    [Fact]
    public void Factories_check_their_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VersionPolicy.Latest(0));
        Assert.Throws<ArgumentException>(() => VersionPolicy.Specific());
        Assert.Throws<ArgumentException>(() => VersionPolicy.Specific(0, 1));
        Assert.Same(VersionPolicy.Default, VersionPolicy.Latest(1));
    }
}
