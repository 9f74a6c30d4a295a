using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests;

/// <summary>tools/SharpServing.ClientExample as a user runs it: a photo and a text image against the real server.</summary>
[Collection(SharedServer.Collection)]
public sealed class ClientExampleTests(SharedServer shared)
{
    [Fact]
    public async Task It_finds_the_face_in_a_photo_and_reads_the_text_of_an_image()
    {
        using var folder = new TempDirectory();
        var text = Path.Combine(folder.Path, "text.png");
        await TextImage.RenderAsync(text, "Hello SharpServing", "Serving 42");

        var result = await Tool.RunAsync("dotnet", [RepoPaths.ClientExampleDll, shared.GrpcAddress, RepoPaths.Installed(RepoPaths.GraceHopper), text],
            timeout: TimeSpan.FromSeconds(120));

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StandardOutput.Split('\n');
        // The photo: one face, roughly where Grace Hopper's is (the face_detect README's box is (166, 141)-(369, 343)).
        var photo = Array.IndexOf(lines, "grace_hopper.jpg");
        Assert.True(photo >= 0, result.StandardOutput);
        Assert.Equal("  faces: 1", lines[photo + 1]);
        Assert.Matches(@"^    face 1: \(1[5-7]\d, 1[3-5]\d\)-\(3[6-7]\d, 3[3-5]\d\) score 0\.9\d$", lines[photo + 2]);
        // The text image: no face, both lines read back (the recognizer may drop the spaces between English words).
        var image = Array.IndexOf(lines, "text.png");
        Assert.True(image > photo, result.StandardOutput);
        Assert.Equal("  faces: 0", lines[image + 1]);
        Assert.Equal("  text:", lines[image + 2]);
        Assert.Equal("HelloSharpServing", lines[image + 3].Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("Serving42", lines[image + 4].Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_is_down_exits_4_with_the_grpc_error()
    {
        var result = await Tool.RunAsync("dotnet", [RepoPaths.ClientExampleDll, $"127.0.0.1:{FreePort.Next()}", RepoPaths.Installed(RepoPaths.GraceHopper)]);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("Grpc Error, (14, 'unavailable')", result.StandardError);
    }

    [Fact]
    public async Task Bytes_that_are_not_an_image_exit_1_with_the_servers_stage_errors()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "not-an-image.png");
        await File.WriteAllTextAsync(path, "plain text");

        var result = await Tool.RunAsync("dotnet", [RepoPaths.ClientExampleDll, shared.GrpcAddress, path]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("face_detect.detect failed: Call Function 'face_detect.", result.StandardError);
        Assert.Contains("ocr.recognize failed: Call Function 'ocr.", result.StandardError);
    }
}
