using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests;

/// <summary><c>sharpserving infer</c> against the real server: JSON and .npy inputs, saved outputs, exit codes.</summary>
[Collection(SharedServer.Collection)]
public sealed class InferCommandTests(SharedServer shared)
{
    [Fact]
    public async Task Json_instances_print_the_restful_reply_and_exit_0()
    {
        var result = await InferAsync(["--servable", "add", "--method", "add_common",
            "--json", """{"x1":[[1.0,2.0],[3.0,4.0]],"x2":[[10.0,20.0],[30.0,40.0]]}"""]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("""{"instances":[{"y":[[11.0,22.0],[33.0,44.0]]}]}""", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Two_instances_of_an_explicit_version_answer_in_order()
    {
        var result = await InferAsync(["--servable", "add", "--version", "2", "--method", "add_cast",
            "--json", """[{"x1":[[1,2],[3,4]],"x2":[[1,2],[3,4]]},{"x1":[[1,2],[3,4]],"x2":[[1,1],[1,1]]}]"""]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("""{"instances":[{"y":[[2.0,4.0],[6.0,8.0]]},{"y":[[2.0,3.0],[4.0,5.0]]}]}""", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Npy_inputs_written_by_numpy_give_npy_outputs_that_numpy_reads()
    {
        using var folder = new TempDirectory();
        var made = await Tool.RunAsync(RepoPaths.Python, ["-c",
            "import numpy as np; np.save('x1.npy', np.array([[1, 2], [3, 4]], np.float32)); np.save('x2.npy', np.full((2, 2), 0.5, np.float32))"],
            folder.Path);
        Assert.True(made.ExitCode == 0, made.ToString());

        var result = await InferAsync(["--servable", "add", "--method", "add_common", "--input", "x1=x1.npy", "--input", "x2=x2.npy",
            "--output-dir", "out"], folder.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("""{"instances":[{"y":[[1.5,2.5],[3.5,4.5]]}]}""", result.StandardOutput.Trim());
        var y = Npy.Read(Path.Combine(folder.Path, "out", "0_y.npy"));
        Assert.Equal(DataType.Float32, y.DataType);
        Assert.Equal([1.5f, 2.5f, 3.5f, 4.5f], y.ToArray<float>());
        var read = await Tool.RunAsync(RepoPaths.Python, ["-c", "import numpy as np; y = np.load('out/0_y.npy'); print(y.dtype, y.shape, y.sum())"], folder.Path);
        Assert.Equal("float32 (2, 2) 12.0", read.StandardOutput.Trim());
    }

    [Theory]
    [InlineData("nope", "add_common", """{"x1":[[1.0]],"x2":[[1.0]]}""",
        """{"error_msg":"Request servable(nope) method(add_common) , servable is not available"}""")]
    [InlineData("add", "add_common", """{"x1":[[1,2],[3,4]],"x2":[[1,2],[3,4]]}""",
        """{"error_msg":"Given model input 0 data type kMSI_Int32 not match the data type kMSI_Float32 defined in model"}""")]
    [InlineData("add --version 1", "add_common", """{"x1":[[1.0]],"x2":[[1.0]]}""",
        """{"error_msg":"Request servable(add) method(add_common)  version(1) , servable is not available"}""")]
    [InlineData("add", "add_common", """{"x1":[[1.0,2.0],[3.0,4.0]]}""",
        """{"error_msg":"Cannot find input x2 in instance input , servable add, method add_common"}""")]
    public async Task An_error_reply_is_printed_and_exits_1(string servable, string method, string json, string expected)
    {
        var result = await InferAsync(["--servable", .. servable.Split(' '), "--method", method, "--json", json]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(expected, result.StandardOutput.Trim());
    }

    [Fact]
    public async Task A_server_that_is_down_exits_4_with_the_grpc_error()
    {
        var result = await Tool.SharpServingAsync(["infer", "--address", $"127.0.0.1:{FreePort.Next()}", "--servable", "add", "--method", "add_common",
            "--json", """{"x1":[[1.0]],"x2":[[1.0]]}"""]);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("Grpc Error, (14, 'unavailable')", result.StandardOutput + result.StandardError);
    }

    [Fact]
    public async Task A_wrong_command_line_exits_2_with_the_reason()
    {
        var result = await Tool.SharpServingAsync(["infer", "--servable", "add", "--method", "add_common"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("infer needs inputs: --input NAME=FILE.npy (repeatable), --json TEXT or --json-file FILE", result.StandardError);
    }

    private Task<ProcessResult> InferAsync(IEnumerable<string> arguments, string? workingDirectory = null)
        => Tool.SharpServingAsync(["infer", "--address", shared.GrpcAddress, .. arguments], workingDirectory);
}
