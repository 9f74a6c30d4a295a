using SharpServing.EndToEnd.Tests.Infrastructure;

namespace SharpServing.EndToEnd.Tests.V2;

/// <summary>The example servables through the Open Inference Protocol (v2_examples.py), on the shared server.</summary>
[Collection(SharedServer.Collection)]
public sealed class V2ExampleTests(SharedServer shared)
{
    [Fact]
    public async Task Add_ocr_face_detect_and_vad_answer_over_V2_as_over_MindSpore_Serving_protocol_and_ocr_shows_its_stage_times()
    {
        using var folder = new TempDirectory();
        await V2Server.GenerateStubsAsync(folder.Path);
        var text = Path.Combine(folder.Path, "text.png");
        await TextImage.RenderAsync(text, "Hello SharpServing", "Serving 42");

        var result = await Tool.RunAsync(RepoPaths.Python,
            [V2Server.Script("v2_examples.py"), shared.GrpcAddress, shared.RestAddress, RepoPaths.Installed(RepoPaths.GraceHopper), text],
            folder.Path, TimeSpan.FromMinutes(3), new Dictionary<string, string> { ["PYTHONPATH"] = folder.Path });

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StandardOutput.Split('\n');
        Assert.Equal("add [2.0, 3.0, 4.0, 5.0]", lines[0]);
        Assert.Equal("ocr metadata [('image', 'BYTES', [1])] [('text', 'BYTES', [1])]", lines[1]);
        // The recognizer may drop the spaces between English words.
        Assert.Equal("ocr BYTES \"HelloSharpServing\\nServing42\"", lines[2].Replace(" ", "", StringComparison.Ordinal).Replace("ocrBYTES", "ocr BYTES ", StringComparison.Ordinal));
        // Grace Hopper's face: the face_detect README's box is (166, 141)-(369, 343).
        Assert.Matches(@"^face_detect \[1, 4\] 1[5-7]\d 1[3-5]\d 3[6-7]\d 3[3-5]\d 0\.9\d$", lines[3]);
        Assert.Equal("vad [32] equal", lines[4]);
        Assert.Equal("ocr statistics True True", lines[5]);
    }
}
