using SharpServing.Engine.Configuration;

namespace SharpServing.Engine.Tests.Configuration;

/// <summary>Inputs the configuration reader's fuzzing target found throwing exceptions other than <see cref="ServingConfigurationException"/>.</summary>
public sealed class ConfigurationFuzzFindingsTests
{
    private static ServingConfigurationException Error(string json)
        => Assert.Throws<ServingConfigurationException>(() => ServingConfiguration.Parse(json, Path.GetTempPath()));

    [Theory]
    [InlineData("{\"servables\":[{\"name\":\"add\",\"dec_\\ud800key\":\"00\"}]}")]
    [InlineData("{\"\\udc00\":1}")]
    [InlineData("{\"version_policy\":\"\\ud800\"}")]
    public void A_lone_surrogate_escape_is_invalid_json(string json)
    {
        var error = Error(json);

        Assert.Equal("", error.Setting);
        Assert.StartsWith("the configuration is not valid JSON: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("servables_root")]
    [InlineData("compile_cache")]
    public void A_nul_character_in_a_path_is_an_error_naming_the_setting(string setting)
    {
        var error = Error($"{{\"{setting}\":\"serv\\u0000ables\"}}");

        Assert.Equal(setting, error.Setting);
        Assert.Contains("is not a valid path", error.Message, StringComparison.Ordinal);
    }
}
