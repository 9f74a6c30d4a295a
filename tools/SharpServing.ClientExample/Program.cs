// Usage: SharpServing.ClientExample ADDRESS IMAGE...
// For each image (PNG or JPEG): the faces face_detect.detect finds, and the text ocr.recognize reads.
// Exit code: 0 when every call succeeded, 1 when the server answered with an error, 2 on usage errors,
// 4 when the server could not be reached.
using System.Globalization;
using SharpServing;

if (args.Length < 2)
{
    Console.Error.WriteLine("Usage: SharpServing.ClientExample ADDRESS IMAGE...   (ADDRESS: the gRPC address, e.g. 127.0.0.1:5500)");
    return 2;
}

// One client per method; each keeps one HTTP/2 connection and may be used by any number of concurrent calls.
using var faces = new Client(args[0], "face_detect", "detect") { Timeout = TimeSpan.FromSeconds(30) };
using var ocr = new Client(args[0], "ocr", "recognize") { Timeout = TimeSpan.FromSeconds(60) };

var exitCode = 0;
foreach (var path in args[1..])
{
    byte[] image;
    try
    {
        image = await File.ReadAllBytesAsync(path);
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"{path}: {ex.Message}");
        return 2;
    }
    // A byte[] value is sent as MindSpore's bytes type, which is what both methods take.
    var instance = new Dictionary<string, object> { ["image"] = image };
    // Both calls at once: the server runs them in parallel.
    var facesCall = faces.InferAsync(instance);
    var textCall = ocr.InferAsync(instance);
    InferResult faceResult, textResult;
    try
    {
        faceResult = await facesCall;
        textResult = await textCall;
    }
    catch (ServingRpcException ex)
    {
        // The call itself failed: the server is down, TLS failed, or the deadline passed.
        Console.Error.WriteLine($"{path}: {ex.Message}");
        return 4;
    }

    Console.WriteLine(Path.GetFileName(path));
    if (faceResult.IsSuccess)
    {
        var outcome = faceResult.Instances[0];
        var boxes = outcome.GetOutput<Tensor>("boxes").ToArray<float>();   // float32 [N, 4]: x1, y1, x2, y2
        var scores = outcome.GetOutput<Tensor>("scores").ToArray<float>(); // float32 [N], best first
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  faces: {scores.Length}"));
        for (var i = 0; i < scores.Length; i++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    face {i + 1}: ({boxes[i * 4]:F0}, {boxes[(i * 4) + 1]:F0})-({boxes[(i * 4) + 2]:F0}, {boxes[(i * 4) + 3]:F0}) score {scores[i]:F2}"));
        }
    }
    else
    {
        Console.Error.WriteLine($"  face_detect.detect failed: {faceResult.Error ?? faceResult.Instances[0].Error}");
        exitCode = 1;
    }

    if (textResult.IsSuccess)
    {
        // A string output comes back as a string.
        var text = textResult.Instances[0].GetOutput<string>("text");
        Console.WriteLine(text.Length == 0 ? "  text: (none)" : "  text:");
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Console.WriteLine($"    {line}");
        }
    }
    else
    {
        Console.Error.WriteLine($"  ocr.recognize failed: {textResult.Error ?? textResult.Instances[0].Error}");
        exitCode = 1;
    }
}
return exitCode;
