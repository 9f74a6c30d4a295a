using SharpServing.Engine.Reload;

namespace SharpServing.Engine.Tests.Reload;

public sealed class RepositoryWatcherTests
{
    [Theory]
    [InlineData("/srv/add/servable_config.csx", "add")]
    [InlineData("/srv/add/2", "add")]
    [InlineData("/srv/add/2/tensor_add.onnx", "add")]
    [InlineData("/srv/add/plugin/Adder.dll", "add")]
    [InlineData("/srv/add", "add")]
    [InlineData("/srv/add/.2.tmp/tensor_add.onnx", null)]
    [InlineData("/srv/add/.2.tmp", null)]
    [InlineData("/srv/add/plugin/.Adder.dll.tmp", null)]
    [InlineData("/srv/.cache/scripts/abc.dll", null)]
    [InlineData("/srv", null)]
    [InlineData("/elsewhere/add", null)]
    public void Events_map_to_their_servable_and_dotted_paths_are_ignored(string path, string? servable)
        => Assert.Equal(servable, RepositoryWatcher.ServableOf("/srv", path));
}
